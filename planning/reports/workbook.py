"""The finance workbook (.xlsx): the ask first, the plan with its costs as live formulas (each
with its value cached), and its inputs. Written with XlsxWriter (see docs/excel.md for why).

Sheets, in order: ``Ask`` (the decision on one landscape page: see
:mod:`planning.reports.ask_sheet`), ``Comparison`` (only when exported from a diff), ``Plan
sites``, ``Plan vendors``, ``Plan surge`` (only with vendor surge), ``Allocation``,
``Shortfall``, ``Plan requirements``, ``Plan forecast``, ``Charts``, ``Assumptions``, the KPI
sheets (only when the inputs hold actuals), ``SLA confidence`` (a plan made to an SLA
confidence), ``Confidence frontier`` (with a frontier), ``Override effects`` (a plan with
forecast overrides), then the input sheets under their contract names
(``markets``, ``queues``, ..., ``scenario``) so the workbook is itself a valid input: output
sheet names never equal an input table name, even ignoring case (the readers lower-case sheet
names).

History: the ``volumes`` sheet (daily case history, most of the workbook's cells) is written
only with ``history=True``. Without it, the plan's forecast is written as the ``forecast``
input sheet instead of ``Plan forecast``, so ``headcount plan plan.xlsx`` re-plans from the
same forecast; when no forecast is known, the volumes are written anyway (the workbook must
stay a valid input).

Costs are formulas: a site-week costs ``headcount x cost_per_fte_month x 12/52 + starts x
hire_cost`` (+ overtime ``overtime_fte x cost_per_fte_month x 12/52 x overtime_premium``), a
vendor-quarter ``fte x price_per_fte_month x 12/52 x weeks``, a surge week ``fte x
price_per_fte_week``, referring to the named cells of Assumptions; totals are sums of those.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from planning.fileio import write_atomic
from planning.inputs.tables import Inputs
from planning.optimise.result import PlanResult
from planning.periods import quarter_labels
from planning.reports.ask import currency_of, plan_ask
from planning.reports.ask_sheet import PlanSheets, write_ask, write_charts
from planning.reports.compare import Comparison
from planning.reports.compare_sheet import write_comparison
from planning.reports.frames import plan_table, site_weeks, vendor_quarters
from planning.reports.frontier_sheet import add_confidence_sheets
from planning.reports.input_sheets import HISTORY_TABLE, write_assumptions, write_input_sheets
from planning.reports.kpi_sheet import add_plan_kpi_sheets
from planning.reports.overrides_sheet import add_overrides_sheet
from planning.reports.style import Book, Sheet, write_table
from planning.store.store import ScenarioMeta
from planning.units import EXCEL_MONTH_TO_WEEK, excel_weekly

OUTPUT_SHEETS = ("Ask", "Comparison", "Plan sites", "Plan vendors", "Plan surge", "Allocation",
                 "Shortfall", "Plan requirements", "Plan forecast", "Charts", "Assumptions")
#: Excel refuses more rows than this on one sheet
MAX_ROWS = 1_048_575
SURGE_COLUMNS = ["vendor", "week", "quarter", "max_fte", "price_per_fte_week", "fte", "cost"]


def workbook_bytes(inputs: Inputs, plan: PlanResult, *, requirements: pd.DataFrame | None = None,
                   forecast: pd.DataFrame | None = None, meta: ScenarioMeta | None = None,
                   comparison: Comparison | None = None, history: bool = False,
                   today: date | None = None, risk_markets: pd.DataFrame | None = None,
                   frontier: pd.DataFrame | None = None) -> bytes:
    """The workbook as .xlsx bytes (see the module docstring for its sheets).

    history: also write the ``volumes`` input sheet;
    today: the date requisitions are judged against (default today); risk_markets: the
    plan's simulated SLA risk per market and quarter, for the ask's SLA confidence (see
    :func:`planning.reports.ask.plan_ask`);
    frontier: the confidence frontier's points (planning.risk.confidence_frontier), shown on a
    sheet of their own (a plan made to an SLA confidence gets its confidence sheet anyway).
    """
    forecast_as_input = (not history and forecast is not None and len(forecast) > 0
                         and inputs.forecast is None and inputs.requirements is None)
    skip = () if history or (forecast is None and inputs.forecast is None
                             and inputs.requirements is None) else (HISTORY_TABLE,)
    book = Book(currency_of(inputs))
    surge = plan.surge.reindex(columns=SURGE_COLUMNS) if len(plan.surge) else pd.DataFrame()
    titles = ["Ask", *(["Comparison"] if comparison is not None else []), "Plan sites",
              "Plan vendors", *(["Plan surge"] if len(surge) else []), "Allocation", "Shortfall",
              "Plan requirements", *([] if forecast_as_input else ["Plan forecast"]), "Charts",
              "Assumptions"]
    for title in titles:
        book.sheet(title)
    refs = write_assumptions(book, inputs, plan.penalty)
    site_order = list(inputs.sites["site"]) if inputs.sites is not None else []
    vendor_order = list(inputs.vendors["vendor"]) if inputs.vendors is not None else []
    sheets = PlanSheets(
        sites=_plan_sites(book.sheets["Plan sites"], site_weeks(plan, site_order), refs),
        vendors=_plan_vendors(book.sheets["Plan vendors"],
                              vendor_quarters(plan, inputs.plan_weeks(), vendor_order), refs),
        surge=_plan_surge(book.sheets["Plan surge"], surge) if len(surge) else None,
        shortfall=_simple(book.sheets["Shortfall"], plan_table(plan, "shortfall"), "Shortfall"))
    _simple(book.sheets["Allocation"], plan_table(plan, "allocation"), "Allocation")
    _simple(book.sheets["Plan requirements"], requirements, "PlanRequirements")
    if not forecast_as_input:
        _simple(book.sheets["Plan forecast"], forecast, "PlanForecast")
    ask = plan_ask(plan, inputs, today=today, risk_markets=risk_markets)
    quarter_rows = write_ask(book.sheets["Ask"], ask, plan, inputs, meta, sheets)
    write_charts(book.sheets["Charts"], book.sheets["Ask"], quarter_rows, ask, sheets)
    if comparison is not None:
        write_comparison(book.sheets["Comparison"], comparison)
    add_plan_kpi_sheets(book, inputs, plan, requirements)  # only when actuals are given
    add_confidence_sheets(book, plan, frontier)  # only for SLA confidence / a frontier
    add_overrides_sheet(book, plan)  # only when the plan has forecast overrides
    if forecast_as_input:
        inputs = replace(inputs, forecast=_forecast_input(forecast))
    write_input_sheets(book, inputs, skip=skip)
    return book.close()


def write_workbook(path: str | Path, inputs: Inputs, plan: PlanResult, **kwargs: Any) -> Path:
    """Write the workbook to ``path`` atomically; returns the path."""
    data = workbook_bytes(inputs, plan, **kwargs)
    return write_atomic(Path(path), lambda tmp: tmp.write_bytes(data))


def _forecast_input(forecast: pd.DataFrame) -> pd.DataFrame:
    """The plan's forecast as the contract's ``forecast`` input table (market, queue, date, pNN)."""
    cols = ["market", "queue", "date", *[c for c in forecast.columns if re.fullmatch(r"p\d{1,2}", c)]]
    return forecast[cols].reset_index(drop=True)


def _refs(refs: dict, kind: str, pool: str, *settings: str) -> list[tuple[str, float]] | None:
    """[(defined name, value)] of a pool's settings, None when one is missing."""
    found = [refs.get((kind, pool, s)) for s in settings]
    if any(f is None or f[1] is None for f in found):
        return None
    return [(name, float(value)) for name, value in found]


def _plan_sites(ws: Sheet, sites: pd.DataFrame, refs: dict) -> tuple[pd.DataFrame, dict[str, str]]:
    """Site-weeks with cost = headcount x rate x 12/52 + starts x hire_cost and, with
    overtime, overtime_cost = overtime_fte x rate x 12/52 x overtime_premium (live formulas).
    Returns the frame with the cached costs and its column letters."""
    letters = {c: chr(ord("A") + i) for i, c in enumerate(sites.columns)}
    sites = sites.copy()

    def cost(r: int, rec: pd.Series) -> tuple[str, float]:
        got = _refs(refs, "site", rec["site"], "cost_per_fte_month", "hire_cost")
        if got is None:  # a site missing from the inputs: keep the plan's value
            return f"={float(rec['cost'])!r}", float(rec["cost"])
        (rate, r_v), (hire, h_v) = got
        value = excel_weekly(float(rec["headcount"]) * r_v) + float(rec["starts"]) * h_v
        return (f"={letters['headcount']}{r}*{rate}*{EXCEL_MONTH_TO_WEEK}+{letters['starts']}{r}"
                f"*{hire}", value)

    def overtime(r: int, rec: pd.Series) -> tuple[str, float]:
        got = _refs(refs, "site", rec["site"], "cost_per_fte_month", "overtime_premium")
        if got is None:
            return f"={float(rec['overtime_cost'])!r}", float(rec["overtime_cost"])
        (rate, r_v), (prem, p_v) = got
        value = excel_weekly(float(rec["overtime_fte"]) * r_v) * p_v
        return f"={letters['overtime_fte']}{r}*{rate}*{EXCEL_MONTH_TO_WEEK}*{prem}", value

    formulas = {"cost": cost, **({"overtime_cost": overtime} if "overtime_cost" in sites else {})}
    cached = {c: [] for c in formulas}

    def keep(col: str):
        def f(r: int, rec: pd.Series) -> tuple[str, float]:
            text, value = formulas[col](r, rec)
            cached[col].append(value)
            return text, value
        return f

    write_table(ws, sites, "PlanSites", formulas={c: keep(c) for c in formulas})
    for c, values in cached.items():
        sites[c] = values
    ws.finish()
    return sites, letters


def _plan_vendors(ws: Sheet, vendors: pd.DataFrame, refs: dict) -> tuple[pd.DataFrame, dict[str, str]]:
    """Vendor-quarters with cost = fte x price x 12/52 x weeks (live formula)."""
    letters = {c: chr(ord("A") + i) for i, c in enumerate(vendors.columns)}
    vendors = vendors.copy()
    cached: list[float] = []

    def cost(r: int, rec: pd.Series) -> tuple[str, float]:
        got = _refs(refs, "vendor", rec["vendor"], "price_per_fte_month")
        if got is None:
            text, value = f"={float(rec['cost'])!r}", float(rec["cost"])
        else:
            (price, p_v), = got
            value = excel_weekly(float(rec["fte"]) * p_v) * float(rec["weeks"])
            text = f"={letters['fte']}{r}*{price}*{EXCEL_MONTH_TO_WEEK}*{letters['weeks']}{r}"
        cached.append(value)
        return text, value

    write_table(ws, vendors, "PlanVendors", formulas={"cost": cost})
    vendors["cost"] = cached
    ws.finish()
    return vendors, letters


def _plan_surge(ws: Sheet, surge: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """Vendor surge bought per week with cost = fte x price_per_fte_week (live formula)."""
    surge = surge[SURGE_COLUMNS].reset_index(drop=True)
    letters = {c: chr(ord("A") + i) for i, c in enumerate(surge.columns)}
    values = (surge["fte"].astype(float) * surge["price_per_fte_week"].astype(float)).tolist()

    def cost(r: int, rec: pd.Series) -> tuple[str, float]:
        return f"={letters['fte']}{r}*{letters['price_per_fte_week']}{r}", values[r - 2]

    write_table(ws, surge, "PlanSurge", formulas={"cost": cost})
    surge = surge.assign(cost=values)
    ws.finish()
    return surge, letters


def _simple(ws: Sheet, frame: pd.DataFrame | None, table: str
            ) -> tuple[pd.DataFrame, dict[str, str]] | None:
    """A plain table (values only), or a line saying there is none."""
    if frame is None or frame.empty:
        ws.text(1, 1, "none" if frame is not None else "not available for this plan")
        ws.finish(freeze=None)
        return None
    frame = frame.head(MAX_ROWS)
    if "week" in frame.columns and "quarter" not in frame.columns:
        frame = frame.copy()
        frame.insert(list(frame.columns).index("week") + 1, "quarter",
                     quarter_labels(pd.to_datetime(frame["week"])).to_numpy())
    _, _, letters = write_table(ws, frame, table)
    ws.finish()
    return frame.reset_index(drop=True), letters
