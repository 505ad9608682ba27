"""The finance workbook (.xlsx): the plan, its costs as live formulas, and its inputs.

Sheets, in order: ``Summary`` (the quarterly headcount ask per site and vendor, cost per
quarter, shortfall, scenario name/version/status/date, two native charts), ``Comparison``
(only when exported from a diff), ``Plan sites``, ``Plan vendors``, ``Allocation``,
``Shortfall``, ``Plan requirements``, ``Plan forecast``, ``Assumptions``, (a plan made to an
SLA confidence) ``SLA confidence``, (with a frontier) ``Confidence frontier``, then the input
sheets under their contract names (``markets``, ``queues``, ..., ``scenario``) so the
workbook is itself a valid input: output sheet names never equal an input table name, even
ignoring case (the readers lower-case sheet names).

Costs are formulas: a site-week costs ``headcount x cost_per_fte_month x 12/52 + starts x
hire_cost`` and a vendor-quarter ``fte x price_per_fte_month x 12/52 x weeks``, referring to
the named cells of Assumptions; totals are SUMs of those cells.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.workbook.properties import CalcProperties
from openpyxl.worksheet.worksheet import Worksheet

from planning.fileio import write_atomic
from planning.inputs.tables import Inputs
from planning.optimise.result import PlanResult
from planning.periods import quarter_labels
from planning.reports.compare import Comparison
from planning.reports.compare_sheet import write_comparison
from planning.reports.frames import (
    plan_table,
    pool_quarters,
    quarter_totals,
    site_weeks,
    vendor_quarters,
)
from planning.reports.frontier_sheet import add_confidence_sheets
from planning.reports.input_sheets import write_assumptions, write_input_sheets
from planning.reports.kpi_sheet import add_plan_kpi_sheets
from planning.reports.style import (
    COST,
    FTE,
    LABEL_FONT,
    SECTION_FONT,
    TITLE_FONT,
    TableNames,
    define_name,
    finish_sheet,
    header,
    put,
    put_formula,
    write_table,
)
from planning.store.store import ScenarioMeta

OUTPUT_SHEETS = ("Summary", "Comparison", "Plan sites", "Plan vendors", "Allocation", "Shortfall",
                 "Plan requirements", "Plan forecast", "Assumptions")
#: Excel refuses more rows than this on one sheet
MAX_ROWS = 1_048_575


def workbook_bytes(inputs: Inputs, plan: PlanResult, *, requirements: pd.DataFrame | None = None,
                   forecast: pd.DataFrame | None = None, meta: ScenarioMeta | None = None,
                   comparison: Comparison | None = None,
                   frontier: pd.DataFrame | None = None) -> bytes:
    """The workbook as .xlsx bytes (see the module docstring for its sheets)."""
    book = build_workbook(inputs, plan, requirements=requirements, forecast=forecast, meta=meta,
                          comparison=comparison, frontier=frontier)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def write_workbook(path: str | Path, inputs: Inputs, plan: PlanResult, **kwargs: Any) -> Path:
    """Write the workbook to ``path`` atomically; returns the path."""

    data = workbook_bytes(inputs, plan, **kwargs)
    return write_atomic(Path(path), lambda tmp: tmp.write_bytes(data))


def build_workbook(inputs: Inputs, plan: PlanResult, *, requirements: pd.DataFrame | None = None,
                   forecast: pd.DataFrame | None = None, meta: ScenarioMeta | None = None,
                   comparison: Comparison | None = None,
                   frontier: pd.DataFrame | None = None) -> Workbook:
    """The openpyxl Workbook behind :func:`workbook_bytes`.

    frontier: the confidence frontier's points (planning.risk.confidence_frontier), shown on
    a sheet of their own; a plan made to an SLA confidence gets its confidence sheet anyway.
    """
    book = Workbook()
    book.active.title = "Summary"
    if comparison is not None:
        book.create_sheet("Comparison")
    for title in OUTPUT_SHEETS[2:]:
        book.create_sheet(title)
    names = TableNames()
    refs = write_assumptions(book, inputs, plan, names)
    site_order = list(inputs.sites["site"]) if inputs.sites is not None else []
    vendor_order = list(inputs.vendors["vendor"]) if inputs.vendors is not None else []
    sites = site_weeks(plan, site_order)
    vendors = vendor_quarters(plan, inputs.plan_weeks(), vendor_order)
    site_rows = _plan_sites(book["Plan sites"], sites, refs, names)
    vendor_rows = _plan_vendors(book["Plan vendors"], vendors, refs, names)
    short_rows = _simple(book["Shortfall"], _plan_frame(plan, "shortfall"), names, "Shortfall")
    _simple(book["Allocation"], _plan_frame(plan, "allocation"), names, "Allocation")
    _simple(book["Plan requirements"], requirements, names, "PlanRequirements")
    _simple(book["Plan forecast"], forecast, names, "PlanForecast")
    _summary(book, plan, inputs, meta, sites, vendors, site_rows, vendor_rows, short_rows, names)
    if comparison is not None:

        write_comparison(book["Comparison"], comparison, names)

    add_plan_kpi_sheets(book, inputs, plan, requirements, names)  # only when actuals are given
    add_confidence_sheets(book, plan, frontier, names)  # only for SLA confidence / a frontier
    write_input_sheets(book, inputs)
    book.calculation = CalcProperties(fullCalcOnLoad=True)
    return book


def _plan_frame(plan: PlanResult, key: str) -> pd.DataFrame:

    return plan_table(plan, key)


def _plan_sites(ws: Worksheet, sites: pd.DataFrame, refs: dict, names: TableNames
                ) -> tuple[int, int, str]:
    """Site-weeks with cost = headcount x rate x 12/52 + starts x hire_cost (live formula)."""
    cols = list(sites.columns)
    letter = {c: chr(ord("A") + i) for i, c in enumerate(cols)}

    def cost(r: int, rec: pd.Series) -> str:
        rate = refs.get(("site", rec["site"], "cost_per_fte_month"))
        hire = refs.get(("site", rec["site"], "hire_cost"))
        if rate is None or hire is None:  # a site missing from the inputs: keep the value
            return f"={float(rec['cost'])!r}"
        return f"={letter['headcount']}{r}*{rate}*12/52+{letter['starts']}{r}*{hire}"

    first, last, _ = write_table(ws, sites, names, "PlanSites", formulas={"cost": cost})
    finish_sheet(ws)
    return first, last, letter["cost"]


def _plan_vendors(ws: Worksheet, vendors: pd.DataFrame, refs: dict, names: TableNames
                  ) -> tuple[int, int, str]:
    """Vendor-quarters with cost = fte x price x 12/52 x weeks (live formula)."""
    letter = {c: chr(ord("A") + i) for i, c in enumerate(vendors.columns)}

    def cost(r: int, rec: pd.Series) -> str:
        price = refs.get(("vendor", rec["vendor"], "price_per_fte_month"))
        if price is None:
            return f"={float(rec['cost'])!r}"
        return f"={letter['fte']}{r}*{price}*12/52*{letter['weeks']}{r}"

    first, last, _ = write_table(ws, vendors, names, "PlanVendors", formulas={"cost": cost})
    finish_sheet(ws)
    return first, last, letter["cost"]


def _simple(ws: Worksheet, frame: pd.DataFrame | None, names: TableNames, table: str
            ) -> tuple[int, int, dict[str, str]]:
    if frame is None or frame.empty:
        put(ws, 1, 1, "none" if frame is not None else "not available for this plan")
        finish_sheet(ws, freeze=None)
        return 2, 1, {}
    frame = frame.head(MAX_ROWS)
    if "week" in frame.columns and "quarter" not in frame.columns:

        frame = frame.copy()
        frame.insert(list(frame.columns).index("week") + 1, "quarter",
                     quarter_labels(pd.to_datetime(frame["week"])).to_numpy())
    out = write_table(ws, frame, names, table)
    finish_sheet(ws)
    return out


def _summary(book: Workbook, plan: PlanResult, inputs: Inputs, meta: ScenarioMeta | None,
             sites: pd.DataFrame, vendors: pd.DataFrame, site_rows: tuple, vendor_rows: tuple,
             short_rows: tuple, names: TableNames) -> None:
    ws = book["Summary"]
    label = meta.name if meta is not None else "(not saved)"
    put(ws, 1, 1, f"Headcount plan: {label}").font = TITLE_FONT
    s_first, s_last, s_col = site_rows
    v_first, v_last, v_col = vendor_rows
    cost_terms = []
    if s_last >= s_first:
        cost_terms.append(f"SUM('Plan sites'!{s_col}{s_first}:{s_col}{s_last})")
    if v_last >= v_first:
        cost_terms.append(f"SUM('Plan vendors'!{v_col}{v_first}:{v_col}{v_last})")
    short_first, short_last, short_letters = short_rows
    levers = [t for t in (plan.overtime_totals, plan.surge_totals) if t is not None]
    surge_cost = sum(float(t["cost"] or 0.0) for t in levers)
    extra_rows: list[tuple[str, Any, str | None]] = []
    if levers:  # surge levers on: costs outside the site/vendor rows
        extra_rows.append(("Overtime and vendor surge (as solved)", surge_cost, COST))
    rows: list[tuple[str, Any, str | None]] = [
        ("Scenario", label, None),
        ("Version", meta.version if meta else None, "0"),
        ("Status", meta.status if meta else "not saved", None),
        ("Saved (UTC)", meta.created_at.replace(tzinfo=None) if meta else None, "yyyy-mm-dd hh:mm"),
        ("Author", meta.author if meta else None, None),
        ("Comment", meta.comment if meta else None, None),
        ("Plan start", pd.Timestamp(inputs.scenario.plan.start).to_pydatetime(), "yyyy-mm-dd"),
        ("Weeks", inputs.scenario.plan.weeks, "0"),
        ("Solver status", plan.status.value, None),
        *extra_rows,
        ("Total cost", "=" + ("+".join(cost_terms) or "0"), COST),
        ("Total cost as solved", plan.total_cost, COST),
        ("Shortfall (FTE-weeks)", (f"=SUM(Shortfall!{short_letters['fte']}{short_first}:"
                                   f"{short_letters['fte']}{short_last})")
         if short_last >= short_first else 0.0, FTE),
        ("Objective as solved", plan.objective, COST),
    ]
    if plan.message:
        rows.append(("Solver message", plan.message, None))
    if extra_rows:
        at = 3 + rows.index(extra_rows[0])
        rows[at - 2] = ("Total cost", "=" + "+".join([*cost_terms, f"B{at}"]), COST)
    for i, (key, value, fmt) in enumerate(rows, start=3):
        put(ws, i, 1, key).font = LABEL_FONT
        if isinstance(value, str) and value.startswith("=") and key in (
                "Total cost", "Shortfall (FTE-weeks)"):
            put_formula(ws, i, 2, value, fmt)
        else:
            put(ws, i, 2, value, fmt)
        if key == "Total cost":
            define_name(book, names.make("total_cost"), ws, f"B{i}")
    row = 3 + len(rows) + 1
    pools = pool_quarters(sites, vendors)
    if pools.empty:
        finish_sheet(ws, freeze=None, title_rows=None)
        return
    put(ws, row, 1, "Quarterly ask per site and vendor").font = SECTION_FONT
    put(ws, row, 4, "fte: site headcount at quarter end, vendor contracted FTE")
    src = pools.attrs["rows"]

    def pool_cost(r: int, rec: pd.Series) -> str:
        a, b = src[int(r - ask_first)]
        if rec["pool_type"] == "site":
            return f"=SUM('Plan sites'!{s_col}{s_first + a}:{s_col}{s_first + b})"
        return f"='Plan vendors'!{v_col}{v_first + a}"

    ask_first = row + 2
    ask_first, ask_last, ask_letter = write_table(ws, pools, names, "Ask", row=row + 1,
                                                  formulas={"cost": pool_cost})
    row = ask_last + 2
    totals = quarter_totals(plan, pools)
    put(ws, row, 1, "Per quarter").font = SECTION_FONT
    spans = {q: (ask_first + int(idx.min()), ask_first + int(idx.max()))
             for q, idx in pools.groupby("quarter").groups.items()}
    sl = short_letters

    def q_cost(r: int, rec: pd.Series) -> str:
        if rec["quarter"] not in spans:
            return "=0"
        a, b = spans[rec["quarter"]]
        return f"=SUM({ask_letter['cost']}{a}:{ask_letter['cost']}{b})"

    def q_short(r: int, rec: pd.Series) -> str:
        if short_last < short_first:
            return "=0"
        return (f"=SUMIFS(Shortfall!${sl['fte']}${short_first}:${sl['fte']}${short_last},"
                f"Shortfall!${sl['quarter']}${short_first}:${sl['quarter']}${short_last},A{r})")

    t_first, t_last, t_letter = write_table(ws, totals, names, "QuarterTotals", row=row + 1,
                                            formulas={"cost": q_cost, "shortfall_fte_weeks": q_short})
    row = t_last + 2
    put(ws, row, 1, "FTE by source (chart data)").font = SECTION_FONT
    # a site and a vendor of the same name stay two series
    kinds = pools.groupby("pool")["pool_type"].nunique()
    series = pools.assign(pool=[f"{p} ({t})" if kinds[p] > 1 else p
                                for p, t in zip(pools["pool"], pools["pool_type"], strict=True)])
    wide = series.pivot_table(index="quarter", columns="pool", values="fte", aggfunc="sum",
                              sort=False)
    order = list(dict.fromkeys(series["pool"]))
    wide = wide.reindex(columns=order).fillna(0.0)
    header(ws, row + 1, 1, ["quarter", *[str(c) for c in wide.columns]])
    for i, (q, values) in enumerate(wide.iterrows(), start=row + 2):
        put(ws, i, 1, q)
        for j, v in enumerate(values, start=2):
            put(ws, i, j, float(v), FTE)
    w_last = row + 1 + len(wide)
    _charts(ws, t_first, t_last, t_letter, row + 1, w_last, len(wide.columns))
    finish_sheet(ws, freeze=None, title_rows=None, max_width=20)  # long notes overflow
    ws.column_dimensions["A"].width = 24


def _charts(ws: Worksheet, t_first: int, t_last: int, t_letter: dict[str, str], w_header: int,
            w_last: int, n_pools: int) -> None:
    """Native bar charts: cost by quarter; FTE by source (stacked)."""
    from openpyxl.utils import column_index_from_string

    cost_col = column_index_from_string(t_letter["cost"])
    chart = BarChart()
    chart.title, chart.y_axis.title = "Cost by quarter", "cost"
    chart.add_data(Reference(ws, min_col=cost_col, min_row=t_first - 1, max_row=t_last),
                   titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=t_first, max_row=t_last))
    chart.height, chart.width = 7.5, 15
    ws.add_chart(chart, "J3")
    if n_pools:
        fte = BarChart()
        fte.type, fte.grouping, fte.overlap = "col", "stacked", 100
        fte.title, fte.y_axis.title = "FTE by source", "FTE"
        fte.add_data(Reference(ws, min_col=2, max_col=1 + n_pools, min_row=w_header, max_row=w_last),
                     titles_from_data=True)
        fte.set_categories(Reference(ws, min_col=1, min_row=w_header + 1, max_row=w_last))
        fte.height, fte.width = 7.5, 15
        ws.add_chart(fte, "J20")
