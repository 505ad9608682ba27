"""The validated, normalised input tables of one plan.

Loaders (:mod:`planning.inputs.loading`) build an :class:`Inputs`; every later stage reads it.
Tables are long pandas DataFrames with the contract's column names, parsed and with
defaults filled:

- dates are ``datetime64[ns]`` (midnight), booleans are ``bool``, numbers ``float64``
  (``int64`` for ``hour`` and ``lead_weeks``); a blank optional number is NaN;
- list cells (``languages``, ``markets``, ``ramp``) are tuples (``("en", "ms")``,
  ``(0.0, 0.5, 0.75)``); a vendor's ``markets`` is ``("*",)`` when it serves all;
- an absent optional table is ``None``, except ``market_queues`` and ``events``,
  which are empty frames with their columns (they only modify other tables).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from planning.errors import Issue
from planning.inputs.scenario import Scenario
from planning.periods import plan_weeks


@dataclass(frozen=True)
class Inputs:
    """Every input table of one plan, plus its scenario settings."""

    scenario: Scenario
    markets: pd.DataFrame
    queues: pd.DataFrame
    market_queues: pd.DataFrame
    events: pd.DataFrame
    volumes: pd.DataFrame | None = None
    intraday: pd.DataFrame | None = None
    sites: pd.DataFrame | None = None
    vendors: pd.DataFrame | None = None
    vendor_surge: pd.DataFrame | None = None
    forecast: pd.DataFrame | None = None
    requirements: pd.DataFrame | None = None
    actual_queues: pd.DataFrame | None = None
    actual_sites: pd.DataFrame | None = None
    actual_vendors: pd.DataFrame | None = None
    committed_starts: pd.DataFrame | None = None
    signed_vendor_fte: pd.DataFrame | None = None
    forecast_overrides: pd.DataFrame | None = None
    source: str = ""
    warnings: tuple[Issue, ...] = field(default=())

    def table(self, name: str) -> pd.DataFrame | None:
        """A table by its contract name."""
        return getattr(self, name)

    def plan_weeks(self) -> pd.DatetimeIndex:
        """Mondays of the planned weeks."""

        return plan_weeks(self.scenario.plan.start, self.scenario.plan.weeks)
