"""Realtime queues in SLA risk: the plan's agents per interval and their service level.

The plan's agents per interval are the requirement stage's Erlang agents at the plan's
quantile, scaled in each week to the agent-hours the plan's FTE give (:func:`planned_agents`,
:func:`realtime_answered`).

Exact Erlang formulas (:mod:`planning.requirements.queueing`) are evaluated once on a grid of loads
(Erlangs) x AHT multipliers for every agent count in use, and each simulated interval reads
its service level off the grid by bilinear interpolation. A fractional agent count n + f
(the plan's FTE rarely make whole agents) is staffed as n + 1 agents for a share f of the
interval and n agents for the rest, so its service level is
``(1 - f) SL(n) + f SL(n + 1)``. The interpolation error is measured against the exact
formulas in tests/test_risk_realtime.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from planning.inputs.tables import Inputs
from planning.requirements.compute import interval_agents

# the vectorised Erlang A kernel and the Erlang B -> C step of planning.requirements.queueing (reused,
# not duplicated; the public functions there take one load at a time)
from planning.requirements.queueing import erlang_a_arrays, erlang_c_from_b

LOAD_POINTS = 257
AHT_POINTS = 5
DAY_POINTS = 65  # grid of a day's workload per day (see answered_by_day)


@dataclass(frozen=True)
class ServiceLevelGrid:
    """Service level ``table[n, i, j]`` for agents n, load ``i * load_step`` Erlangs and AHT
    ``aht_seconds * factors[j]`` seconds (the load already includes the factor)."""

    table: np.ndarray
    load_step: float
    factors: np.ndarray

    def lookup(self, load: np.ndarray, factor: np.ndarray, agents: np.ndarray) -> np.ndarray:
        """Service level at loads (Erlangs), AHT factors and fractional agent counts.

        Arrays broadcast together; loads above the grid are clipped to its top.
        """
        load, factor, agents = np.broadcast_arrays(np.asarray(load, float),
                                                   np.asarray(factor, float),
                                                   np.asarray(agents, float))
        n_rows, n_load, n_aht = self.table.shape
        flat = self.table.ravel()
        x = np.clip(load / self.load_step, 0.0, n_load - 1.0)
        i0 = np.minimum(x.astype(np.int64), n_load - 2)
        wx = x - i0
        if n_aht > 1:
            y = np.clip((factor - self.factors[0]) / (self.factors[1] - self.factors[0]),
                        0.0, n_aht - 1.0)
            j0 = np.minimum(y.astype(np.int64), n_aht - 2)
            wy = y - j0
        else:
            j0 = np.zeros(load.shape, dtype=np.int64)
            wy = np.zeros(load.shape)
        n_clip = np.clip(agents, 0.0, n_rows - 1.0)
        n0 = np.minimum(n_clip.astype(np.int64), n_rows - 2)
        wn = n_clip - n0

        def plane(n: np.ndarray) -> np.ndarray:
            base = (n * n_load + i0) * n_aht + j0
            out = (1 - wx) * (1 - wy) * flat[base] + wx * (1 - wy) * flat[base + n_aht]
            if n_aht > 1:
                out += (1 - wx) * wy * flat[base + 1] + wx * wy * flat[base + n_aht + 1]
            return out

        return (1 - wn) * plane(n0) + wn * plane(n0 + 1)


def service_level_grid(max_agents: float, max_load: float, aht_seconds: float,
                       answer_seconds: float, patience_seconds: float | None,
                       factors: np.ndarray) -> ServiceLevelGrid:
    """Exact service levels for agents 0..ceil(max_agents)+1 on the load x AHT grid.

    Erlang C: ``1 - C(n, a) exp(-(n - a) t / aht)`` (0 when n <= a); Erlang A (with
    patience): answered within t over all arrivals. Load 0 has service level 1.
    """
    n_rows = int(np.ceil(max_agents)) + 2
    step = max(float(max_load), 1e-9) * 1.001 / (LOAD_POINTS - 1)
    loads = np.arange(LOAD_POINTS) * step
    factors = np.asarray(factors, dtype=float)
    b = np.empty((n_rows, LOAD_POINTS))
    b[0] = 1.0
    for k in range(1, n_rows):
        ab = loads * b[k - 1]
        b[k] = ab / (k + ab)
    n = np.arange(n_rows, dtype=float)[:, None] * np.ones((1, LOAD_POINTS))
    a = np.ones((n_rows, 1)) * loads[None, :]
    table = np.empty((n_rows, LOAD_POINTS, factors.size))
    for j, f in enumerate(factors):
        aht = aht_seconds * float(f)
        if patience_seconds is None:
            with np.errstate(divide="ignore", invalid="ignore"):
                sl = 1.0 - erlang_c_from_b(a, n, b) * np.exp(-(n - a) * answer_seconds / aht)
            sl = np.where(n > a, sl, 0.0)
        else:
            sl = np.zeros_like(a)
            pos = (a > 0) & (n > 0)
            sl[pos] = erlang_a_arrays(a[pos], n[pos], b[pos], aht, float(patience_seconds),
                                       float(answer_seconds))[2]
        sl[:, 0] = 1.0  # no arrivals: nobody waits
        table[:, :, j] = np.clip(sl, 0.0, 1.0)
    return ServiceLevelGrid(table, step, factors)


def factor_grid(factors: np.ndarray) -> np.ndarray:
    """AHT_POINTS evenly spaced factors spanning the sampled ones (one point if all equal)."""
    lo, hi = float(np.min(factors)), float(np.max(factors))
    if hi - lo < 1e-12:
        return np.array([lo])
    return np.linspace(lo, hi, AHT_POINTS)


def planned_agents(inputs: Inputs, daily: pd.DataFrame) -> pd.DataFrame:
    """Realtime intervals with the agents the plan's requirement staffs (plan quantile)."""
    intervals = interval_agents(daily, inputs)
    return intervals.assign(agents=intervals["agents"].astype(float))


def realtime_answered(rows: pd.DataFrame, planned: pd.DataFrame, cases: np.ndarray,
                   aht_day: np.ndarray, fte_week: np.ndarray, inputs: Inputs) -> np.ndarray:
    """Cases answered within answer_seconds per path and day of one realtime series."""
    wf = inputs.scenario.workforce
    n_days = len(rows)
    per_day = 24 * 60 // wf.interval_minutes
    plan = planned.sort_values(["date", "interval"])
    agents = plan["agents"].to_numpy(float).reshape(n_days, per_day)
    frac = (plan["share"].to_numpy(float) / (60 // wf.interval_minutes))[:per_day]
    hours = agents.reshape(-1, 7 * per_day).sum(axis=1) * wf.interval_minutes / 60.0
    alloc_hours = fte_week * wf.hours_per_week * (1.0 - wf.shrinkage)
    flat = alloc_hours / (7 * 24.0)  # agents per interval if the plan had no profile
    scale = np.where(hours > 0, alloc_hours / np.where(hours > 0, hours, 1.0), 0.0)
    weekly = agents.reshape(-1, 7, per_day)
    staffed = np.where(hours[:, None, None] > 0, weekly * scale[:, None, None],
                       flat[:, None, None] * np.ones_like(weekly)).reshape(n_days, per_day)
    aht_s = float(rows["aht_minutes"].iloc[0]) * 60.0
    erlang_per_case = aht_s / (wf.interval_minutes * 60.0)
    patience = rows["patience_seconds"].iloc[0]
    max_load = float((cases * aht_day).max()) * float(frac.max()) * erlang_per_case
    grid = service_level_grid(float(staffed.max()), max_load, aht_s,
                              float(rows["answer_seconds"].iloc[0]),
                              None if pd.isna(patience) else float(patience),
                              factor_grid(aht_day))
    return answered_by_day(grid, cases, aht_day, frac, staffed, erlang_per_case)


def answered_by_day(grid, cases: np.ndarray, aht_day: np.ndarray, frac: np.ndarray,
              staffed: np.ndarray, erlang_per_case: float) -> np.ndarray:
    """Cases answered in time per path and day.

    On day d the share of cases answered in time depends on the day's workload ``u = x f``
    (cases x AHT factor; it sets every interval's load) and, weakly, on f alone (the answer
    threshold in units of AHT): ``H_d(u, f) = sum_i frac_i SL(u frac_i e, f, agents_di)``.
    H is evaluated on a DAY_POINTS x AHT grid spanning the simulated values and read off by
    bilinear interpolation, so the cost does not grow with the number of paths; the answered
    cases are ``x H_d(x f, f)``.
    """
    work = cases * aht_day
    lo, hi = work.min(axis=0), work.max(axis=0)
    step = np.where(hi > lo, (hi - lo) / (DAY_POINTS - 1), 1.0)
    us = lo[:, None] + step[:, None] * np.arange(DAY_POINTS)[None, :]  # (days, U)
    fs = grid.factors
    load = us[:, :, None, None] * frac[None, None, None, :] * erlang_per_case  # (days, U, 1, I)
    sl = grid.lookup(load, fs[None, None, :, None], staffed[:, None, None, :])
    table = (frac[None, None, None, :] * sl).sum(axis=3)  # (days, U, F)
    x = np.clip((work - lo[None, :]) / step[None, :], 0.0, DAY_POINTS - 1.0)
    i0 = np.minimum(x.astype(np.int64), DAY_POINTS - 2)
    wx = x - i0
    if fs.size > 1:
        y = np.clip((aht_day - fs[0]) / (fs[1] - fs[0]), 0.0, fs.size - 1.0)
        j0 = np.minimum(y.astype(np.int64), fs.size - 2)
        wy = y - j0
    else:
        j0, wy = np.zeros(cases.shape, dtype=np.int64), np.zeros(cases.shape)
    day = np.arange(cases.shape[1])[None, :]

    def at(i: np.ndarray, j: np.ndarray) -> np.ndarray:
        return table[day, i, j]

    share = (1 - wx) * (1 - wy) * at(i0, j0) + wx * (1 - wy) * at(i0 + 1, j0)
    if fs.size > 1:
        share += (1 - wx) * wy * at(i0, j0 + 1) + wx * wy * at(i0 + 1, j0 + 1)
    return cases * share
