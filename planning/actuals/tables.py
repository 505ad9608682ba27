"""Plan versus actual: the plan's tables a KPI is read against, and the weeks that happened.

The actual_* input tables (:mod:`planning.inputs.schema`) say what happened per week; a plan says
what was meant to. :class:`PlanTables` is the part of a plan the KPIs read (from a solved
:class:`~planning.optimise.PlanResult` or from a ``plan.json``), so the KPIs can run without
solving again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from planning.inputs.tables import Inputs
from planning.periods import quarter_labels

ACTUAL_TABLES = ("actual_queues", "actual_sites", "actual_vendors")


def _empty() -> pd.DataFrame:
    return pd.DataFrame()


@dataclass(frozen=True)
class PlanTables:
    """What a plan planned: sites (site, week, headcount, starts, cost), vendors (vendor,
    quarter, fte, cost) and allocation (pool, market, queue, week, fte). Weeks are datetimes;
    empty frames when there is no plan."""

    sites: pd.DataFrame = field(default_factory=_empty)
    vendors: pd.DataFrame = field(default_factory=_empty)
    allocation: pd.DataFrame = field(default_factory=_empty)

    @classmethod
    def from_result(cls, result: Any) -> PlanTables:
        """From a :class:`~planning.optimise.PlanResult` (or anything with those attributes)."""
        return cls(_weeks(result.sites), _weeks(result.vendors), _weeks(result.allocation))

    @classmethod
    def from_json(cls, plan: dict[str, Any]) -> PlanTables:
        """From a parsed ``plan.json``."""
        return cls(*(_weeks(pd.DataFrame(plan.get(k) or [])) for k in ("sites", "vendors", "allocation")))

    @property
    def empty(self) -> bool:
        return self.sites.empty and self.vendors.empty


def _weeks(frame: pd.DataFrame | None) -> pd.DataFrame:
    if frame is None:
        return pd.DataFrame()
    if "week" in frame.columns:
        frame = frame.assign(week=pd.to_datetime(frame["week"]))
    return frame


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
