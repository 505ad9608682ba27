"""The plan's settings and what-if levers (``scenario.toml`` or the workbook's ``scenario`` sheet).

Every key is optional except ``plan.start``; defaults are the contract's. Values are checked
by :func:`planning.errors.validate_scenario`, which turns a raw mapping into a
:class:`Scenario` or a list of issues.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass(frozen=True)
class PlanSettings:
    """Horizon of the plan.

    start: the Monday of week 0; week t covers start + 7t .. start + 7t + 6.
    weeks: number of planned weeks.
    quantile: forecast quantile staffed to (0.5 = P50, 0.9 = P90).
    sla_confidence: when set (0 < p < 1), plan the cheapest staffing whose simulated
        probability of meeting each queue's quarterly SLA, per market and quarter, is at
        least p (docs/risk.md, "Planning to an SLA confidence"); replaces ``quantile``.
    currency: the label of every money figure (costs, prices and budgets in the inputs are
        in it; nothing is converted), e.g. ``USD``.
    """

    start: date
    weeks: int = 26
    quantile: float = 0.5
    sla_confidence: float | None = None
    currency: str = "USD"


@dataclass(frozen=True)
class WorkforceSettings:
    """Working-time assumptions.

    hours_per_week: contracted hours of one FTE.
    shrinkage: share of contracted hours lost to leave, training, meetings, wellness time.
    max_occupancy: share of productive time spent on cases (deferrable queues only).
    interval_minutes: realtime staffing interval in minutes; divides 60.
    """

    hours_per_week: float = 40.0
    shrinkage: float = 0.30
    max_occupancy: float = 0.85
    interval_minutes: int = 60


@dataclass(frozen=True)
class Levers:
    """What-ifs applied on top of the inputs.

    volume_multiplier: multiplies every forecast case count.
    aht_multiplier: multiplies every handling time.
    automation_delta: added to every automation_rate, the sum clipped to [0, 1].
    """

    volume_multiplier: float = 1.0
    aht_multiplier: float = 1.0
    automation_delta: float = 0.0


@dataclass(frozen=True)
class SolverSettings:
    """Optimiser settings.

    integer_hires: whole-person starts (a MIP) or fractional starts (an LP).
    mip_gap: relative MIP gap at which the solver stops.
    time_limit_s: wall-clock limit in seconds.
    shortfall_penalty: cost of one FTE-week of uncovered requirement (currency units);
        None means 10 x the highest weekly cost of one FTE in any site or vendor.
    budget_per_quarter: optional cap on total cost per calendar quarter (currency units).
    seed: random seed handed to the solver so reruns give the same plan.
    """

    integer_hires: bool = True
    mip_gap: float = 1e-4
    time_limit_s: float = 60.0
    shortfall_penalty: float | None = None
    budget_per_quarter: float | None = None
    seed: int = 0


@dataclass(frozen=True)
class Scenario:
    """All settings of one plan."""

    plan: PlanSettings
    workforce: WorkforceSettings = field(default_factory=WorkforceSettings)
    levers: Levers = field(default_factory=Levers)
    solver: SolverSettings = field(default_factory=SolverSettings)

    def to_dict(self) -> dict[str, dict[str, Any]]:
        """Nested mapping ``{section: {key: value}}`` with dates as ISO strings, Nones dropped."""
        out: dict[str, dict[str, Any]] = {}
        for section in SECTIONS:
            values = dataclasses.asdict(getattr(self, section))
            out[section] = {
                k: (v.isoformat() if isinstance(v, date) else v)
                for k, v in values.items()
                if v is not None
            }
        return out

    def replace(self, section: str, **changes: Any) -> Scenario:
        """A copy with some keys of one section changed."""
        current = getattr(self, section)
        return dataclasses.replace(self, **{section: dataclasses.replace(current, **changes)})


SECTIONS: dict[str, type] = {
    "plan": PlanSettings,
    "workforce": WorkforceSettings,
    "levers": Levers,
    "solver": SolverSettings,
}
