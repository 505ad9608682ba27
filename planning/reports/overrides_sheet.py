"""Workbook sheet ``Override effects``: the planners' forecast overrides in words and what each
one does to the plan per market and quarter (cases, required FTE, cost), so finance can tell
judgement from model. The overrides themselves are also written as the ``forecast_overrides``
input sheet (the workbook stays a valid input)."""

from __future__ import annotations

from planning.optimise.result import PlanResult
from planning.overrides import describe
from planning.reports.style import CASES, COST, FTE, NOTE, SECTION, TITLE, Book, write_table

OVERRIDES_SHEET = "Override effects"


def add_overrides_sheet(book: Book, plan: PlanResult) -> None:
    """Add the sheet when the plan was made with forecast overrides."""
    if not len(plan.overrides):
        return
    ws = book.sheet(OVERRIDES_SHEET)
    ws.text(1, 1, "Forecast overrides: planner judgement in this plan", **TITLE)
    ws.text(2, 1, "Each override changes the forecast before requirements. Its effect is what "
                  "the plan needs with it against without it (the other overrides kept): cases "
                  "in the staffed forecast quantile over the quarter, required FTE as a weekly "
                  "average, and cost at the plan's own cost of one delivered FTE-week in that "
                  "market and quarter (an estimate, not a re-plan).", **NOTE)
    row = 4
    for r in plan.overrides.itertuples(index=False):
        who = f" — {r.author}" if getattr(r, "author", "") else ""
        ws.text(row, 1, f"{r.override}: {describe(r)}{who}")
        row += 1
    row += 1
    ws.text(row, 1, "Effect per market and quarter", **SECTION)
    effects = plan.override_effects.copy()
    write_table(ws, effects, "OverrideEffects", row=row + 1,
                formats={"cases": CASES, "required_fte": FTE, "cost": COST})
    ws.finish(freeze=None, title_rows=None, max_width=24)
