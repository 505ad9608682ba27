"""Safety capacity as a forecast level per market, queue and quarter (for SLA confidence).

A *level* is a standard normal score ``z``: on every day of the quarter the series is
staffed as if ``cases = quantile_cases(z, p10, p50, p90)`` arrived, the forecast's own
two-piece log-normal (:mod:`planning.risk.paths`) read at probability ``Phi(z)``, so level 0
is the P50 forecast and level 1.2816 the P90. The required FTE at a level come from the
requirement engine unchanged (:func:`planning.requirements.compute.compute_requirements`),
so a level buys capacity with the same peak-day, deadline and Erlang rules as any plan.
One level for every cell is a uniform-quantile plan; one per cell is the targeted plan.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd

from planning.inputs.tables import Inputs
from planning.periods import plan_days, quarter_labels
from planning.requirements.compute import compute_requirements
from planning.risk.paths import Z90, quantile_cases

#: lowest and highest level searched: P10 and P99.9 of each day's forecast
Z_LO = -Z90
Z_HI = 3.090232306167813


def level_quantile(z: float) -> float:
    """The forecast quantile of a level: ``Phi(z)`` (0.5 for level 0)."""
    return 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))


def quantile_level(q: float) -> float:
    """The level of a forecast quantile q in (0, 1): ``Phi^-1(q)`` (bisection on erf)."""
    lo, hi = -10.0, 10.0
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if level_quantile(mid) < q else (lo, mid)
    return 0.5 * (lo + hi)


class LevelRequirements:
    """Required FTE of any set of cells at per-quarter levels, for one forecast.

    forecast: the contract's forecast table with p50 (and p10, p90 for uncertainty).
    """

    def __init__(self, inputs: Inputs, forecast: pd.DataFrame) -> None:
        days = plan_days(inputs.scenario.plan.start, inputs.scenario.plan.weeks)
        cols = [c for c in ("p10", "p50", "p90") if c in forecast.columns]
        fc = forecast.loc[forecast["date"].between(days[0], days[-1]),
                          ["market", "queue", "date", *cols]].copy()
        for c in ("p10", "p90"):
            fc[c] = fc[c].fillna(fc["p50"]) if c in fc else fc["p50"]
        fc = fc.sort_values(["market", "queue", "date"]).reset_index(drop=True)
        week = days[0] + pd.to_timedelta((fc["date"] - days[0]).dt.days // 7 * 7, unit="D")
        self.quarters = tuple(dict.fromkeys(quarter_labels(inputs.plan_weeks())))
        q_index = {q: i for i, q in enumerate(self.quarters)}
        self._quarter = quarter_labels(week).map(q_index).to_numpy()
        self._fc = fc
        self._cell = list(zip(fc["market"].astype(str), fc["queue"].astype(str), strict=True))
        self._rows = {c: idx for c, idx in fc.groupby(["market", "queue"], sort=True).indices.items()}
        self._seen: dict[tuple, np.ndarray | None] = {}
        self._inputs = dataclasses.replace(
            inputs, scenario=inputs.scenario.replace("plan", quantile=0.5, sla_confidence=None),
            forecast=None, requirements=None)

    @property
    def cells(self) -> list[tuple[str, str]]:
        """Every (market, queue) of the forecast, sorted."""
        return [(str(m), str(q)) for m, q in self._rows]

    def forecast_at(self, levels: dict[tuple[str, str], np.ndarray]) -> pd.DataFrame:
        """Forecast rows (market, queue, date, p50) of the given cells, p50 replaced by the
        cases at each cell's level of the day's quarter (levels[cell][quarter index])."""
        idx = np.concatenate([self._rows[c] for c in levels]) if levels else np.array([], int)
        z = np.concatenate([np.asarray(levels[c], float)[self._quarter[self._rows[c]]]
                            for c in levels]) if levels else np.array([])
        rows = self._fc.iloc[idx]
        cases = quantile_cases(z[None, :], rows["p10"].to_numpy(), rows["p50"].to_numpy(),
                               rows["p90"].to_numpy())[0]
        return rows[["market", "queue", "date"]].assign(p50=cases)

    def table(self, levels: dict[tuple[str, str], np.ndarray]) -> pd.DataFrame:
        """The requirement table (compute_requirements columns) of the cells at their levels."""
        return compute_requirements(self._inputs, self.forecast_at(levels))

    def weekly(self, levels: dict[tuple[str, str], np.ndarray], weeks: pd.DatetimeIndex
               ) -> dict[tuple[str, str], np.ndarray]:
        """Required FTE per planned week (weeks,) of each cell at its levels.

        A cell's requirement depends on its own forecast rows and levels only, so it is
        remembered per cell, levels and weeks, and only cells at new levels are computed.
        """
        key = {c: (c, np.asarray(z, float).tobytes(), weeks[0], len(weeks))
               for c, z in levels.items()}
        todo = {c: z for c, z in levels.items() if key[c] not in self._seen}
        if todo:
            req = self.table(todo)
            found = {}
            for (m, q), g in req.groupby(["market", "queue"], sort=False):
                s = g.set_index("week")["required_fte"]
                found[(str(m), str(q))] = s.reindex(weeks).fillna(0.0).to_numpy(float)
            for c in todo:
                self._seen[key[c]] = found.get(c)
        return {c: self._seen[key[c]].copy() for c in levels if self._seen[key[c]] is not None}
