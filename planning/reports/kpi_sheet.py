"""KPI sheets of the Excel workbook: the traffic-light scorecards, the weekly KPIs and the
variance split. ``headcount kpis`` writes them as a workbook of their own
(:func:`kpi_workbook_bytes`);
:func:`add_kpi_sheets` adds them to any :class:`~planning.reports.style.Book` (e.g. the plan
export)."""

from __future__ import annotations

import pandas as pd

from planning.actuals.kpis import KpiReport, compute_kpis
from planning.actuals.score import (
    AMBER,
    GREEN,
    RED,
    operation_scorecard,
    queue_scorecard,
    site_scorecard,
    vendor_scorecard,
)
from planning.actuals.tables import has_actuals
from planning.inputs.tables import Inputs
from planning.optimise.result import PlanResult
from planning.reports.style import (
    CASES,
    FTE,
    NOTE,
    PCT,
    SECTION,
    TITLE,
    Book,
    Sheet,
    write_table,
)

FILLS = {GREEN: "#C6EFCE", AMBER: "#FFEB9C", RED: "#FFC7CE"}
_PCT_PREFIXES = ("wape", "bias", "automation_", "aht_drift", "sla_", "occupancy", "utilisation",
                 "shrinkage", "attrition", "cost_vs", "fte_attainment", "headcount_attainment")
KPI_SHEETS = ("KPIs", "KPI queues weekly", "KPI sites weekly", "KPI vendors weekly", "Variance")


def formats_for(frame: pd.DataFrame) -> dict[str, str]:
    """Number formats of KPI columns: ratios as %, FTE with one decimal, cases whole."""
    out = {}
    for c in frame.columns:
        if c.endswith("_status") or c in ("weeks", "week"):
            continue
        if c.startswith(_PCT_PREFIXES) or c.endswith("_share") or c == "volume_share":
            out[c] = PCT
        elif c.endswith("_fte") or c in ("headcount", "planned_headcount", "opening_headcount"):
            out[c] = FTE
        elif "cases" in c or c.endswith("_error") or c == "cases":
            out[c] = CASES
    return out


def _section(ws: Sheet, row: int, title: str, frame: pd.DataFrame, table: str) -> int:
    """A titled table with its status cells filled; returns the next free row."""
    ws.text(row, 1, title, **SECTION)
    if frame.empty:
        ws.text(row + 1, 1, "no actuals for this level")
        return row + 3
    first, last, _ = write_table(ws, frame, table, row=row + 1, formats=formats_for(frame))
    for j, c in enumerate(frame.columns, start=1):
        if c.endswith("_status"):
            for i, status in enumerate(frame[c]):
                if status in FILLS:
                    ws.put(first + i, j, status, bg_color=FILLS[status])
    return last + 3


def add_kpi_sheets(book: Book, report: KpiReport) -> None:
    """Add the sheets :data:`KPI_SHEETS` to ``book``."""
    ws = book.sheet("KPIs")
    ws.text(1, 1, "Plan versus actual", **TITLE)
    weeks = report.weeks
    span = f"{weeks.min().date()} to {weeks.max().date()}" if len(weeks) else "no actual weeks"
    ws.text(2, 1, f"Weeks with actuals: {span}. Status: green / amber / red by the thresholds "
                  "in docs/kpis.md; n/a = not measured.", **NOTE)
    row = 4
    for title, frame, table in (
            ("Markets", queue_scorecard(report, ["market"]), "KpiMarkets"),
            ("Queues by market", queue_scorecard(report, ["market", "queue"]), "KpiQueues"),
            ("Sites", site_scorecard(report), "KpiSites"),
            ("Vendors", vendor_scorecard(report), "KpiVendors"),
            ("Operation by quarter", operation_scorecard(report), "KpiOperation")):
        row = _section(ws, row, title, frame, table)
    ws.finish(freeze=None, title_rows=None)
    for title, frame, table in (("KPI queues weekly", report.queues, "KpiQueuesWeekly"),
                                ("KPI sites weekly", report.sites, "KpiSitesWeekly"),
                                ("KPI vendors weekly", report.vendors, "KpiVendorsWeekly")):
        ws = book.sheet(title)
        _section(ws, 1, title, frame, table)
        ws.finish(freeze=2, title_rows=2)
    ws = book.sheet("Variance")
    ws.text(1, 1, "Required FTE and cost, plan versus actual: volume, automation, AHT and "
                  "productivity effects (Shapley split; they add up to the difference)", **SECTION)
    row = _section(ws, 3, "By market and quarter (FTE: weekly average; cost: total)",
                   report.variance_summary, "VarianceMarkets")
    detail = report.variance.drop(columns=["unit_cost"], errors="ignore")
    _section(ws, row, "By market, queue and week", detail, "VarianceDetail")
    ws.finish(freeze=None, title_rows=None)


def add_plan_kpi_sheets(book: Book, inputs: Inputs, plan: PlanResult,
                        requirements: pd.DataFrame | None) -> bool:
    """Add the KPI sheets to a plan workbook when the inputs hold actuals (``plan``: the
    plan the workbook is built from). Returns whether sheets were added."""
    if not has_actuals(inputs):
        return False
    add_kpi_sheets(book, compute_kpis(inputs, requirements, plan))
    return True


def kpi_workbook_bytes(report: KpiReport, currency: str = "USD") -> bytes:
    """A workbook holding only the KPI sheets, as .xlsx bytes."""
    book = Book(currency)
    add_kpi_sheets(book, report)
    return book.close()
