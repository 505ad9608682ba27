"""Plan versus actual: the weeks that happened.

The actual_* input tables (:mod:`planning.inputs.schema`) say what happened per week; a plan
(:class:`~planning.optimise.PlanResult`, solved now or read from a ``plan.json``) says what was
meant to, so the KPIs can run without solving again.
"""

from __future__ import annotations

import pandas as pd

from planning.inputs.tables import Inputs
from planning.periods import quarter_labels

ACTUAL_TABLES = ("actual_queues", "actual_sites", "actual_vendors")


def has_actuals(inputs: Inputs) -> bool:
    """True when any actual_* table holds rows."""
    return any((t := inputs.table(n)) is not None and not t.empty for n in ACTUAL_TABLES)


def actual_weeks(inputs: Inputs, *, in_plan: bool = True) -> pd.DatetimeIndex:
    """Mondays with any actuals, sorted; only the plan's weeks when ``in_plan``."""
    weeks: set[pd.Timestamp] = set()
    for name in ACTUAL_TABLES:
        t = inputs.table(name)
        if t is not None and not t.empty:
            weeks |= set(pd.to_datetime(t["week"]))
    out = pd.DatetimeIndex(sorted(weeks))
    return out[out.isin(inputs.plan_weeks())] if in_plan else out


def in_plan_weeks(frame: pd.DataFrame | None, inputs: Inputs) -> pd.DataFrame | None:
    """Rows of an actual_* table whose week is a planned week, with ``quarter`` added."""
    if frame is None or frame.empty:
        return None
    out = frame[frame["week"].isin(inputs.plan_weeks())].copy()
    out["quarter"] = quarter_labels(out["week"]).to_numpy() if len(out) else []
    return out if len(out) else None


def ignored_weeks(inputs: Inputs) -> pd.DatetimeIndex:
    """Weeks with actuals outside the plan (they are not compared with anything)."""
    every = actual_weeks(inputs, in_plan=False)
    return every[~every.isin(inputs.plan_weeks())]
