"""The workbook's first sheet, ``Ask``: the decision on one landscape page, and the ``Charts``
sheet.

Left: cost per quarter (sites, overtime, vendors, surge, total) and the total row, the key
figures (total cost, shortfall, the objective as solved said for what it is), people to hire
per site and quarter with the week requisitions open, vendors per quarter. Right: the weekly
hiring schedule per site and the per-market ask with the attributed cost. Costs that come
from the plan sheets are live formulas (SUMIFS over ``Plan sites``, ``Plan vendors``, ``Plan
surge``) with their values cached; the content is :func:`planning.reports.ask.plan_ask`'s.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from planning.inputs.tables import Inputs
from planning.optimise.result import PlanResult
from planning.reports.ask import DUE_AT_START, DUE_NOW, OVERDUE, PlanAsk
from planning.reports.style import (
    COST,
    DATE,
    FTE,
    LABEL,
    NOTE,
    PCT,
    PEOPLE,
    SECTION,
    TITLE,
    TOTAL,
    WARN,
    Sheet,
    clean_text,
)
from planning.store.store import ScenarioMeta

Table = tuple[pd.DataFrame, dict[str, str]]
#: the right-hand block starts in this column (I)
RIGHT = 9
WIDTHS = {1: 22, 2: 15, 3: 15, 4: 19, 5: 17, 6: 15, 7: 15, 8: 2,
          9: 12, 10: 10, 11: 12, 12: 17, 13: 17, 14: 13, 15: 15, 16: 12}


@dataclass(frozen=True)
class PlanSheets:
    """Where the plan sheets hold their rows: (frame with cached costs, column letters);
    rows start at Excel row 2 in frame order."""

    sites: Table
    vendors: Table
    surge: Table | None
    shortfall: Table | None


@dataclass(frozen=True)
class Formula:
    """A formula with its cached value."""

    text: str
    value: float


def _sumifs(sheet: str, table: Table | None, value_col: str,
            criteria: Sequence[tuple[str, str, Any]]) -> Formula:
    """=SUMIFS over a plan sheet; criteria: (column, this sheet's cell, the cell's value)."""
    if table is None or value_col not in table[1] or table[0].empty:
        return Formula("=0", 0.0)
    frame, letters = table
    last = len(frame) + 1

    def rng(c: str) -> str:
        return f"'{sheet}'!${letters[c]}$2:${letters[c]}${last}"

    mask = pd.Series(True, index=frame.index)
    for col, _cell, value in criteria:
        mask &= frame[col] == value
    value = 0.0
    for v in frame.loc[mask, value_col]:  # in row order, as the spreadsheet adds them
        value += float(v)
    args = ",".join(f"{rng(c)},{cell}" for c, cell, _ in criteria)
    return Formula(f"=SUMIFS({rng(value_col)},{args})", value)


def _row(ws: Sheet, row: int, col: int, cells: Sequence[tuple[Any, str | None]],
         **style: Any) -> None:
    for j, (value, fmt) in enumerate(cells):
        if isinstance(value, Formula):
            ws.formula(row, col + j, value.text, value.value, fmt, **style)
        else:
            ws.put(row, col + j, value, fmt, **style)


def _flag(ws: Sheet, row: int, col: int, status: str) -> None:
    ws.put(row, col, status, **(WARN if status in (OVERDUE, DUE_NOW, DUE_AT_START) else {}))


def write_ask(ws: Sheet, ask: PlanAsk, plan: PlanResult, inputs: Inputs, meta: ScenarioMeta | None,
              sheets: PlanSheets) -> tuple[int, int]:
    """Fill the Ask sheet; returns the first and last Excel row of the cost-per-quarter table."""
    cur = ask.currency
    label = f"{meta.name} (version {meta.version})" if meta is not None else "(not saved)"
    ws.text(1, 1, f"Headcount ask: {label}", **TITLE)
    sc = inputs.scenario.plan
    status, gap = plan.status.value, plan.gap
    saved = (f"{meta.status}, saved {meta.created_at:%Y-%m-%d %H:%M} UTC by {meta.author}. "
             if meta is not None else "Not saved as a scenario. ")
    ws.text(2, 1, f"{saved}Plan from {pd.Timestamp(sc.start):%Y-%m-%d} for {sc.weeks} weeks. "
                  f"Money in {cur}. Solver: {status}"
                  + (f" (gap {100 * gap:.2f}%)" if gap and gap >= 5e-5 else "") + ".", **NOTE)
    row = 3
    last_col = RIGHT + 6 + (1 if "sla_confidence" in ask.markets else 0)
    for line in ask.sentences:
        _paragraph(ws, row, last_col, line)
        row += 1
    if plan.message:
        _paragraph(ws, row, last_col, f"Solver message: {plan.message}", **NOTE)
        row += 1
    top = row + 1
    q_first, q_last, total = _quarters(ws, top, ask, sheets)
    row = _key_figures(ws, q_last + 3, ask, total, sheets)
    row = _sites(ws, row + 1, ask, sheets)
    row = _vendors(ws, row + 1, ask, sheets)
    right = _hiring(ws, top, ask)
    right = _markets(ws, right + 1, ask)
    last = max(row, right)
    ws.finish(freeze=None, title_rows=None, widths=WIDTHS)
    ws.widths.clear()
    for c, w in WIDTHS.items():
        ws.ws.set_column(c - 1, c - 1, w)
    ws.ws.print_area(0, 0, last - 2, last_col - 1)  # last: the first free row
    ws.ws.fit_to_pages(1, 1)
    ws.ws.set_paper(9)  # A4; fit to one page also fits Letter
    ws.ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)
    ws.ws.activate()
    return q_first, q_last


def _paragraph(ws: Sheet, row: int, last_col: int, text: str, **style: Any) -> None:
    """A sentence across the printed width, wrapped onto as many lines as it needs."""
    width = sum(WIDTHS.get(c, 8.43) for c in range(1, last_col + 1))
    lines = max(1, -(-len(text) * 11 // (10 * int(width))))  # ~1.1 width units per character
    fmt = ws.book.fmt(None, text_wrap=True, valign="top", **style)
    ws.ws.merge_range(row - 1, 0, row - 1, last_col - 1, clean_text(text), fmt)
    ws.ws.set_row(row - 1, 15 * lines)
    ws.max_row = max(ws.max_row, row)


def _quarters(ws: Sheet, row: int, ask: PlanAsk, sheets: PlanSheets) -> tuple[int, int, Formula]:
    """Cost per quarter by part with a total row; returns (first row, last row, the grand
    total as a formula referring to its cell)."""
    ws.text(row, 1, f"Cost per quarter ({ask.currency}): sites = headcount and hiring; overtime "
                    "and vendor surge included", **SECTION)
    ws.header(row + 1, 1, ["quarter", "sites", "overtime", "vendor contracts", "vendor surge",
                           "total"])
    first = r = row + 2
    values: list[list[float]] = []
    for q in ask.quarters.itertuples():
        cells = [
            (q.quarter, None),
            (_sumifs("Plan sites", sheets.sites, "cost", [("quarter", f"$A{r}", q.quarter)]), COST),
            (_sumifs("Plan sites", sheets.sites, "overtime_cost", [("quarter", f"$A{r}", q.quarter)]), COST),
            (_sumifs("Plan vendors", sheets.vendors, "cost", [("quarter", f"$A{r}", q.quarter)]), COST),
            (_sumifs("Plan surge", sheets.surge, "cost", [("quarter", f"$A{r}", q.quarter)]), COST),
        ]
        parts = [c[0].value for c in cells[1:]]
        total = 0.0
        for p in parts:
            total += p
        cells.append((Formula(f"=SUM(B{r}:E{r})", total), COST))
        _row(ws, r, 1, cells)
        values.append([*parts, total])
        r += 1
    last = r - 1
    ws.put(r, 1, "Total", **TOTAL)
    for j, letter in enumerate("BCDEF", start=2):
        value = 0.0
        for row_values in values:
            value += row_values[j - 2]
        ws.formula(r, j, f"=SUM({letter}{first}:{letter}{last})" if last >= first else "=0",
                   value, COST, **TOTAL)
    return first, last, Formula(f"=F{r}", value)


def _key_figures(ws: Sheet, row: int, ask: PlanAsk, total: Formula, sheets: PlanSheets) -> int:
    cur = ask.currency
    ws.text(row, 1, "Key figures", **SECTION)
    ws.text(row + 1, 1, "Total cost", **LABEL)
    ws.text(row + 1, 2, f"({cur}, all quarters; overtime and vendor surge included)", **NOTE)
    ws.formula(row + 1, 7, total.text, total.value, COST, bold=True)
    ws.text(row + 2, 1, "Shortfall (FTE-weeks)", **LABEL)
    ws.text(row + 2, 2, "(requirement no site or vendor covers)", **NOTE)
    short = sheets.shortfall
    if short is not None:
        frame, letters = short
        value = 0.0
        for v in frame["fte"]:
            value += float(v)
        ws.formula(row + 2, 7, f"=SUM(Shortfall!{letters['fte']}2:{letters['fte']}{len(frame) + 1})",
                   value, FTE)
    else:
        ws.put(row + 2, 7, 0.0, FTE)
    penalty = f"{ask.penalty:,.0f} {cur}" if ask.penalty is not None else "a penalty"
    ws.text(row + 3, 1, f"The objective is what the solver minimised: total cost + {penalty} per "
                        "uncovered FTE-week (+ any budget-overrun penalty). Not a cost.", **NOTE)
    ws.put(row + 4, 1, "Objective as solved (cost + penalties)", **LABEL)
    ws.put(row + 4, 7, ask.objective, COST)
    return row + 5


def _sites(ws: Sheet, row: int, ask: PlanAsk, sheets: PlanSheets) -> int:
    cur = ask.currency
    ws.text(row, 1, f"People to hire per site and quarter (cost in {cur}, overtime included)",
            **SECTION)
    ws.header(row + 1, 1, ["site", "quarter", "people to hire", "requisitions open by",
                           "status", "end headcount", "cost"])
    r = row + 2
    for s in ask.sites.itertuples():
        crit = [("site", f"$A{r}", s.site), ("quarter", f"$B{r}", s.quarter)]
        base = _sumifs("Plan sites", sheets.sites, "cost", crit)
        extra = _sumifs("Plan sites", sheets.sites, "overtime_cost", crit)
        cost = Formula(f"{base.text}+{extra.text[1:]}", base.value + extra.value) \
            if extra.text != "=0" else base
        _row(ws, r, 1, [(s.site, None), (s.quarter, None), (s.hires, PEOPLE),
                        (s.requisitions_open_by, DATE)])
        _flag(ws, r, 5, s.requisition_status)
        _row(ws, r, 6, [(round(s.end_headcount), PEOPLE), (cost, COST)])
        r += 1
    if ask.sites.empty:
        ws.text(r, 1, "no in-house sites in this plan")
        r += 1
    return r


def _vendors(ws: Sheet, row: int, ask: PlanAsk, sheets: PlanSheets) -> int:
    cur = ask.currency
    ws.text(row, 1, f"Vendors per quarter ({cur}; cost = contract + surge)", **SECTION)
    ws.header(row + 1, 1, ["vendor", "quarter", "contracted FTE", "contract value",
                           "surge FTE-weeks", "surge cost", "cost"])
    frame, letters = sheets.vendors
    where = {(v, q): i + 2 for i, (v, q) in enumerate(zip(frame["vendor"], frame["quarter"], strict=True))}
    r = row + 2
    for v in ask.vendors.itertuples():
        k = where.get((v.vendor, v.quarter))
        contract = (Formula(f"='Plan vendors'!{letters['cost']}{k}", float(frame["cost"].iloc[k - 2]))
                    if k else v.contract_value)
        surge = _sumifs("Plan surge", sheets.surge, "cost",
                        [("vendor", f"$A{r}", v.vendor), ("quarter", f"$B{r}", v.quarter)])
        c_value = contract.value if isinstance(contract, Formula) else float(contract)
        _row(ws, r, 1, [(v.vendor, None), (v.quarter, None), (v.fte, FTE), (contract, COST),
                        (v.surge_fte_weeks, FTE), (surge, COST),
                        (Formula(f"=D{r}+F{r}", c_value + surge.value), COST)])
        r += 1
    if ask.vendors.empty:
        ws.text(r, 1, "no vendors in this plan")
        r += 1
    return r


def _hiring(ws: Sheet, row: int, ask: PlanAsk) -> int:
    c = RIGHT
    ws.text(row, c, "Weekly hiring schedule per site", **SECTION)
    ws.header(row + 1, c, ["site", "start week", "people", "requisition opens", "status"])
    r = row + 2
    for h in ask.hiring.itertuples():
        _row(ws, r, c, [(h.site, None), (h.start_week, DATE), (h.hires, PEOPLE),
                        (h.requisition_week, DATE)])
        _flag(ws, r, c + 4, h.requisition_status)
        r += 1
    if ask.hiring.empty:
        ws.text(r, c, "no hires in this plan")
        r += 1
    return r


def _markets(ws: Sheet, row: int, ask: PlanAsk) -> int:
    c = RIGHT
    cur = ask.currency
    ws.text(row, c, f"Per market and quarter (FTE: weekly averages; cost attributed, {cur})",
            **SECTION)
    heads = ["market", "quarter", "required FTE", "in-house FTE", "vendor FTE", "shortfall FTE",
             "attributed cost"]
    conf = "sla_confidence" in ask.markets
    ws.header(row + 1, c, heads + (["SLA confidence"] if conf else []))
    r = row + 2
    for m in ask.markets.itertuples():
        cells = [(m.market, None), (m.quarter, None), (m.required_fte, FTE), (m.inhouse_fte, FTE),
                 (m.vendor_fte, FTE), (m.shortfall_fte, FTE), (m.cost, COST)]
        if conf:
            cells.append((m.sla_confidence, PCT))
        _row(ws, r, c, cells)
        r += 1
    ws.text(r, c, "Attributed cost: each site's and vendor's quarter cost split by the "
                  "FTE-weeks it worked for each market.", **NOTE)
    ws.text(r + 1, c, "SLA confidence: the simulated probability that every queue of the market "
                      "meets its quarterly SLA." if conf else
                      "SLA confidence: not simulated for this workbook (headcount risk).", **NOTE)
    return r + 2


def write_charts(ws: Sheet, ask_ws: Sheet, quarter_rows: tuple[int, int], ask: PlanAsk,
                 sheets: PlanSheets) -> None:
    """Cost by quarter (stacked by part, from the Ask sheet) and FTE by source (stacked)."""
    book = ws.book.wb
    first, last = quarter_rows
    ws.text(1, 1, "Charts: cost by quarter (from the Ask sheet) and FTE by source", **SECTION)
    if last >= first:
        chart = book.add_chart({"type": "column", "subtype": "stacked"})
        for col in range(1, 5):
            chart.add_series({"name": [ask_ws.title, first - 2, col],
                              "categories": [ask_ws.title, first - 1, 0, last - 1, 0],
                              "values": [ask_ws.title, first - 1, col, last - 1, col]})
        chart.set_title({"name": "Cost by quarter"})
        chart.set_y_axis({"name": ask.currency, "num_format": "#,##0"})
        chart.set_size({"width": 620, "height": 320})
        ws.ws.insert_chart("H3", chart)
    # FTE by source: in-house headcount at quarter end per site, contracted FTE per vendor
    sites, _ = sheets.sites
    vendors, _ = sheets.vendors
    series: dict[str, dict[str, float]] = {}
    for (site, q), part in sites.groupby(["site", "quarter"], sort=False):
        series.setdefault(f"{site} (site)", {})[q] = float(part.sort_values("week")["headcount"].iloc[-1])
    for v, q, fte in vendors[["vendor", "quarter", "fte"]].itertuples(index=False):
        series.setdefault(f"{v} (vendor)", {})[q] = float(fte)
    quarters = sorted({q for s in series.values() for q in s})
    ws.header(3, 1, ["quarter", *series])
    for i, q in enumerate(quarters, start=4):
        ws.put(i, 1, q)
        for j, values in enumerate(series.values(), start=2):
            ws.put(i, j, values.get(q, 0.0), FTE)
    if series and quarters:
        fte = book.add_chart({"type": "column", "subtype": "stacked"})
        for j in range(1, len(series) + 1):
            fte.add_series({"name": [ws.title, 2, j], "categories": [ws.title, 3, 0, 2 + len(quarters), 0],
                            "values": [ws.title, 3, j, 2 + len(quarters), j]})
        fte.set_title({"name": "FTE by source"})
        fte.set_y_axis({"name": "FTE"})
        fte.set_size({"width": 620, "height": 320})
        ws.ws.insert_chart("H21", fte)
    ws.finish(freeze=None, title_rows=None, max_width=24)
