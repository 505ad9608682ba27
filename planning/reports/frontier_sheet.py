"""Workbook sheets of SLA confidence: the plan's promise per market, queue and quarter
(``SLA confidence``, when the plan was made to ``[plan] sla_confidence``) and the price of
confidence (``Confidence frontier``, when a frontier is given: planning.risk.confidence_frontier).
The frontier's saving columns are Excel formulas over the costs beside them, with their values
cached."""

from __future__ import annotations

import pandas as pd

from planning.optimise.result import PlanResult
from planning.reports.style import COST, FTE, PCT, SECTION, TITLE, Book, write_table

CONFIDENCE_SHEET = "SLA confidence"
FRONTIER_SHEET = "Confidence frontier"


def add_confidence_sheets(book: Book, plan: PlanResult, frontier: pd.DataFrame | None) -> None:
    """Add the sheets that apply: the plan's confidence table, the frontier's points."""
    if plan.sla_confidence is not None and len(plan.confidence):
        _confidence(book, plan)
    if frontier is not None and len(frontier):
        _frontier(book, frontier)


def _confidence(book: Book, plan: PlanResult) -> None:
    ws = book.sheet(CONFIDENCE_SHEET)
    ws.text(1, 1, f"Planned to a {plan.sla_confidence:.0%} chance that each queue of each "
                  "market meets its quarterly SLA", **TITLE)
    ws.text(2, 1, "p_meet_sla: share of simulated quarters (the planner's paths) meeting the "
                  "SLA with this plan; promised: no shortfall in that quarter or before; level: "
                  "the forecast quantile staffed to, as a normal score (0 = P50)")
    cells = plan.confidence.copy()
    write_table(ws, cells, "SlaConfidence", row=4,
                formats={"p_meet_sla": PCT, "quantile": "0.000", "level": "0.00",
                         "shortfall_fte_weeks": FTE})
    ws.finish(freeze=4, title_rows=None, max_width=24)


def _frontier(book: Book, points: pd.DataFrame) -> None:
    ws = book.sheet(FRONTIER_SHEET)
    ws.text(1, 1, "The price of confidence", **TITLE)
    ws.text(2, 1, "Each row: the cheapest plan meeting every queue's quarterly SLA with the "
                  "target probability, and beside it the cheapest plan staffing every queue to "
                  "one common forecast quantile that gives the same guarantee.", **SECTION)
    frame = points.drop(columns=[c for c in ("seconds", "cpu_seconds", "status", "uniform_status")
                                 if c in points.columns]).reset_index(drop=True)
    cols = list(frame.columns)
    letter = {c: chr(ord("A") + i) for i, c in enumerate(cols)}  # fewer than 26 columns

    def same(rec: pd.Series) -> bool:
        return bool(rec.get("uniform_same_guarantee"))

    def saving(r: int, rec: pd.Series) -> tuple[str, object]:
        if not same(rec):
            return '=""', ""
        value = float(rec["uniform_total_cost"]) - float(rec["total_cost"])
        return f"={letter['uniform_total_cost']}{r}-{letter['total_cost']}{r}", value

    def saving_pct(r: int, rec: pd.Series) -> tuple[str, object]:
        if not same(rec):
            return '=""', ""
        value = 100 * (float(rec["uniform_total_cost"]) - float(rec["total_cost"])) / float(
            rec["uniform_total_cost"])
        return f"=100*{letter['saving']}{r}/{letter['uniform_total_cost']}{r}", value

    formats = {c: COST for c in ("total_cost", "uniform_total_cost", "saving")}
    formats.update({c: FTE for c in ("headcount_end", "vendor_fte", "uniform_headcount_end",
                                     "uniform_vendor_fte", "shortfall_fte_weeks",
                                     "uniform_shortfall_fte_weeks")})
    formats.update({c: PCT for c in ("target", "p_min_promised", "uniform_p_min_promised")})
    formats.update({"uniform_quantile": "0.000", "saving_pct": "0.0"})
    write_table(ws, frame, "ConfidenceFrontier", row=4,
                formulas={"saving": saving, "saving_pct": saving_pct}, formats=formats)
    ws.finish(freeze=4, title_rows=None, max_width=24)
