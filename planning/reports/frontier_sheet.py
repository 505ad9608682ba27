"""Workbook sheets of SLA confidence: the plan's promise per market, queue and quarter
(``SLA confidence``, when the plan was made to ``[plan] sla_confidence``) and the price of
confidence (``Confidence frontier``, when a frontier is given: planning.risk.confidence_frontier).
The frontier's saving columns are Excel formulas over the costs beside them."""

from __future__ import annotations

import pandas as pd
from openpyxl import Workbook

from planning.optimise.result import PlanResult
from planning.reports.style import (
    COST,
    FTE,
    PCT,
    SECTION_FONT,
    TITLE_FONT,
    TableNames,
    finish_sheet,
    put,
    write_table,
)

CONFIDENCE_SHEET = "SLA confidence"
FRONTIER_SHEET = "Confidence frontier"


def add_confidence_sheets(book: Workbook, plan: PlanResult, frontier: pd.DataFrame | None,
                          names: TableNames) -> None:
    """Add the sheets that apply: the plan's confidence table, the frontier's points."""
    if plan.sla_confidence is not None and len(plan.confidence):
        _confidence(book, plan, names)
    if frontier is not None and len(frontier):
        _frontier(book, frontier, names)


def _confidence(book: Workbook, plan: PlanResult, names: TableNames) -> None:
    ws = book.create_sheet(CONFIDENCE_SHEET)
    put(ws, 1, 1, f"Planned to a {plan.sla_confidence:.0%} chance that each queue of each "
                  "market meets its quarterly SLA").font = TITLE_FONT
    put(ws, 2, 1, "p_meet_sla: share of simulated quarters (the planner's paths) meeting the "
                  "SLA with this plan; promised: no shortfall in that quarter or before; level: "
                  "the forecast quantile staffed to, as a normal score (0 = P50)")
    cells = plan.confidence.copy()
    write_table(ws, cells, names, "SlaConfidence", row=4,
                formats={"p_meet_sla": PCT, "quantile": "0.000", "level": "0.00",
                         "shortfall_fte_weeks": FTE})
    finish_sheet(ws, freeze="A5", title_rows=None, max_width=24)


def _frontier(book: Workbook, points: pd.DataFrame, names: TableNames) -> None:
    ws = book.create_sheet(FRONTIER_SHEET)
    put(ws, 1, 1, "The price of confidence").font = TITLE_FONT
    put(ws, 2, 1, "Each row: the cheapest plan meeting every queue's quarterly SLA with the "
                  "target probability, and beside it the cheapest plan staffing every queue to "
                  "one common forecast quantile that gives the same guarantee.").font = SECTION_FONT
    frame = points.drop(columns=[c for c in ("seconds", "status", "uniform_status")
                                 if c in points.columns]).reset_index(drop=True)
    cols = list(frame.columns)
    letter = {c: chr(ord("A") + i) for i, c in enumerate(cols)}  # fewer than 26 columns

    def saving(r: int, rec: pd.Series) -> str:
        if not bool(rec.get("uniform_same_guarantee")):
            return '=""'
        return f"={letter['uniform_total_cost']}{r}-{letter['total_cost']}{r}"

    def saving_pct(r: int, rec: pd.Series) -> str:
        if not bool(rec.get("uniform_same_guarantee")):
            return '=""'
        return f"=100*{letter['saving']}{r}/{letter['uniform_total_cost']}{r}"

    formats = {c: COST for c in ("total_cost", "uniform_total_cost", "saving")}
    formats.update({c: FTE for c in ("headcount_end", "vendor_fte", "uniform_headcount_end",
                                     "uniform_vendor_fte", "shortfall_fte_weeks",
                                     "uniform_shortfall_fte_weeks")})
    formats.update({c: PCT for c in ("target", "p_min_promised", "uniform_p_min_promised")})
    formats.update({"uniform_quantile": "0.000", "saving_pct": "0.0"})
    write_table(ws, frame, names, "ConfidenceFrontier", row=4,
                formulas={"saving": saving, "saving_pct": saving_pct}, formats=formats)
    finish_sheet(ws, freeze="A5", title_rows=None, max_width=24)
