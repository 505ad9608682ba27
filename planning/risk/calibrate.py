"""Per-cell safety capacity calibrated by simulation (the SLA-confidence planner's search).

For every (market, queue) and quarter, the lowest level ``z`` (:mod:`planning.risk.levels`)
at which the cell, staffed exactly to its requirement at that level, meets its quarterly
SLA on at least a share ``required`` of the simulated paths. The paths are fixed (common
random numbers: each series from its own generator, drawn again identically when the memory
budget let it go, :class:`planning.risk.series.SeriesStore`) and follow the risk check's own
model, so what is promised is what ``headcount risk`` measures, with another seed.

Search: quarters in order (a quarter's backlog carries into the next, so a quarter is
searched with the earlier quarters' levels fixed and the later ones at the candidate);
within a quarter, bisection on ``z`` in ``[Z_LO, Z_HI]`` for all cells at once. On fixed
paths the share of paths meeting the SLA never falls when ``z`` rises (more cases at every
day's quantile -> more required FTE -> FIFO and Erlang serve at least as many in time), so
bisection keeps ``P(lo) < required <= P(hi)`` and ends after :data:`MAX_STEPS` steps with
``hi - lo <= tol``: at most ``2 + MAX_STEPS`` simulations per quarter. Cells are searched
in groups whose paths fit in the memory budget; a cell's search does not depend on the
others, so the result is that of one search over all cells.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from planning.inputs.tables import Inputs
from planning.risk.backlog import fifo_backlog
from planning.risk.levels import Z_HI, Z_LO, LevelRequirements
from planning.risk.series import (
    MEMORY_MB,
    SeriesStore,
    daily_frame,
    day_quarters,
    quarter_met,
    quarter_share,
    serve,
)

#: bisection tolerance on the level (standard normal units; 0.02 ~ 0.7 quantile points at P90)
TOL = 0.02
#: the risk check's default seed is 0; the planner calibrates on other paths
CALIBRATION_SEED = 7919
Cell = tuple[str, str]


def max_steps(tol: float = TOL) -> int:
    """Bisection steps per quarter: ``ceil(log2((Z_HI - Z_LO) / tol))`` (8 at the default)."""
    return max(0, math.ceil(math.log2((Z_HI - Z_LO) / tol)))


def required_share(target: float, paths: int, margin_se: float) -> float:
    """Share of calibration paths a cell must meet: ``p + margin_se x sqrt(p (1 - p) / paths)``.

    With margin_se = 1 a cell calibrated to exactly this share has a true probability of at
    least p with about 84% confidence (normal approximation of the binomial).
    """
    return min(1.0, target + margin_se * math.sqrt(target * (1.0 - target) / paths))


@dataclass
class Calibration:
    """Levels found for some cells: level[cell][quarter index] (z); p[cell][quarter index]
    (share of calibration paths meeting the SLA at that level, with any fixed limits);
    reachable[cell][quarter index] (False when even Z_HI misses); steps: search steps, each
    an evaluation of every searched cell in one quarter (the bracket's ends and the bisection
    steps), counted as if all cells were searched together, so the figure does not depend
    on how many cells fit the paths budget at once."""

    level: dict[Cell, np.ndarray]
    p: dict[Cell, np.ndarray]
    reachable: dict[Cell, np.ndarray]
    steps: int = 0


class Calibrator:
    """Calibration paths of one forecast, and the probability of any staffing on them.

    paths, seed, correlation, aht_cv: the Monte Carlo settings (docs/risk.md); memory_mb:
    what the drawn paths may occupy (:class:`planning.risk.series.SeriesStore`: beyond it,
    series are drawn again when needed, the same paths, and :meth:`calibrate` searches the
    cells in groups that fit).
    """

    def __init__(self, inputs: Inputs, forecast: pd.DataFrame, *, paths: int, seed: int,
                 correlation: float, aht_cv: float, memory_mb: float = MEMORY_MB) -> None:
        self.inputs = inputs
        daily, self.notes = daily_frame(inputs, forecast)
        self.series = SeriesStore(inputs, daily, paths, seed, correlation, aht_cv, memory_mb)
        self.paths = paths
        self.weeks = inputs.plan_weeks()
        self.day_q, week_q = day_quarters(inputs)
        self.quarters = tuple(dict.fromkeys(week_q))
        self.week_quarter = np.array([self.quarters.index(q) for q in week_q])
        days = np.arange(self.day_q.size)
        self.bounds = [(int(days[self.day_q == q][0]), int(days[self.day_q == q][-1]) + 1)
                       for q in self.quarters]
        self.levels = LevelRequirements(inputs, forecast)
        self._seen: dict[tuple[Cell, bytes], np.ndarray] = {}

    def probability(self, cell: Cell, fte_week: np.ndarray) -> np.ndarray:
        """Share of paths meeting the SLA in each quarter (n_quarters,) with this staffing,
        simulated over the whole plan exactly as :func:`planning.risk.simulate.simulate_risk`.

        Remembered per cell and staffing (the paths are fixed): the feedback rounds change
        the staffing of a few cells only, and the others are not simulated again.
        """
        fte = np.ascontiguousarray(fte_week, dtype=float)
        key = (cell, fte.tobytes())
        if key not in self._seen:
            s = self.series[cell]
            on_time, _ = serve(s, fte, self.inputs, with_age=False)
            self._seen[key] = np.array([quarter_share(s, on_time, self.day_q == q)[0].mean()
                                        for q in self.quarters])
        return self._seen[key].copy()

    def _quarter(self, cell: Cell, fte_week: np.ndarray, k: int, initial: np.ndarray | None,
                 *, carry: bool = False) -> tuple[float, np.ndarray | None]:
        """(share of paths meeting quarter k, backlog at its end when ``carry``) with the
        backlog at its start given: the days of quarter k only (their deadlines may run into
        the next quarter's capacity; later cases queue behind them and do not matter)."""
        s = self.series[cell]
        if s.kind != "deferrable":
            return float(self.probability(cell, fte_week)[k]), None
        work, per_fte, deadline = self.series.work(cell)
        a, b = self.bounds[k]
        end = min(b + deadline, work.shape[1])
        seg = np.concatenate([work[:, a:b], np.zeros((work.shape[0], end - b))], axis=1)
        cap = np.repeat(np.asarray(fte_week, float), 7)[a:end] * per_fte
        out = fifo_backlog(seg, cap, deadline, with_age=False, initial=initial)
        cases = s.cases[:, a:b]
        met = quarter_met(cases, cases * out.on_time[:, :b - a], s.sla)[0]
        final = None
        if carry and k + 1 < len(self.bounds):
            carry_run = fifo_backlog(work[:, a:b], cap[:b - a], 0, with_age=False, initial=initial)
            final = carry_run.backlog_hours[:, -1]
        return float(met.mean()), final

    def staffing(self, allocation: pd.DataFrame) -> dict[Cell, np.ndarray]:
        """A plan's FTE per cell and planned week (allocation summed over pools)."""
        out = {c: np.zeros(len(self.weeks)) for c in self.series}
        if allocation is None or len(allocation) == 0:
            return out
        pos = {w: i for i, w in enumerate(self.weeks)}
        alloc = allocation.assign(week=pd.to_datetime(allocation["week"]))
        for (m, q, w), f in alloc.groupby(["market", "queue", "week"])["fte"].sum().items():
            if (m, q) in out and w in pos:
                out[(m, q)][pos[w]] = float(f)
        return out

    def calibrate(self, cells: list[Cell], required: float, *, tol: float = TOL,
                  start: dict[Cell, np.ndarray] | None = None,
                  limits: dict[Cell, np.ndarray] | None = None) -> Calibration:
        """Lowest level per cell and quarter meeting ``required`` (see the module docstring).

        start: a floor per cell and quarter for the search (a re-calibration never lowers a
        level); limits: per cell an upper bound on its FTE per week (np.inf where none),
        e.g. what a plan could staff in the weeks it was short.
        """
        n_q = len(self.quarters)
        size = self.series.fitting()
        groups = [cells[i:i + size] for i in range(0, len(cells), size)] or [[]]
        out = Calibration({}, {}, {})
        hi_used, iters = np.zeros(n_q, bool), np.zeros(n_q, int)
        for group in groups:
            part, used, n = self._search(group, required, tol, start, limits)
            out.level.update(part.level)
            out.p.update(part.p)
            out.reachable.update(part.reachable)
            hi_used |= used
            iters = np.maximum(iters, n)
        # as if every cell were searched at once: per quarter one evaluation at the bracket's
        # low end, one at its high end when some cell needs it, then as many bisection steps
        # as the cell needing the most (a cell's search does not depend on the others)
        out.steps = int(n_q + hi_used.sum() + iters.sum())
        return out

    def _search(self, cells: list[Cell], required: float, tol: float,
                start: dict[Cell, np.ndarray] | None, limits: dict[Cell, np.ndarray] | None
                ) -> tuple[Calibration, np.ndarray, np.ndarray]:
        """:meth:`calibrate` of some cells, and per quarter whether the bracket's high end
        was evaluated and how many bisection steps were run."""
        n_q = len(self.quarters)
        floor = {c: (np.full(n_q, Z_LO) if start is None or c not in start
                     else np.maximum(np.asarray(start[c], float), Z_LO)) for c in cells}
        level = {c: floor[c].copy() for c in cells}
        p = {c: np.zeros(n_q) for c in cells}
        reach = {c: np.ones(n_q, bool) for c in cells}
        initial: dict[Cell, np.ndarray | None] = {c: None for c in cells}
        hi_used, iters = np.zeros(n_q, bool), np.zeros(n_q, int)

        def staffing(active: list[Cell], k: int, z: dict[Cell, float]) -> dict[Cell, np.ndarray]:
            trial = {}
            for c in active:
                lv = level[c].copy()
                lv[k:] = np.maximum(z[c], floor[c][k:])
                trial[c] = lv
            fte = self.levels.weekly(trial, self.weeks)
            out = {}
            for c in active:
                f = fte.get(c, np.zeros(len(self.weeks)))
                out[c] = np.minimum(f, limits[c]) if limits is not None and c in limits else f
            return out

        def evaluate(active: list[Cell], k: int, z: dict[Cell, float]) -> dict[Cell, float]:
            fte = staffing(active, k, z)
            return {c: self._quarter(c, fte[c], k, initial[c])[0] for c in active}

        for k in range(n_q):
            lo = {c: floor[c][k] for c in cells}
            at_lo = evaluate(cells, k, lo)
            todo = [c for c in cells if at_lo[c] < required]
            hi = {c: Z_HI for c in todo}
            at_hi = evaluate(todo, k, hi) if todo else {}
            hi_used[k] = bool(todo)
            for c in todo:
                reach[c][k] = at_hi[c] >= required
            todo = [c for c in todo if reach[c][k]]
            p_hi = dict(at_hi)
            while todo:
                mid = {c: 0.5 * (lo[c] + hi[c]) for c in todo}
                at_mid = evaluate(todo, k, mid)
                iters[k] += 1
                for c in todo:
                    if at_mid[c] >= required:
                        hi[c], p_hi[c] = mid[c], at_mid[c]
                    else:
                        lo[c] = mid[c]
                todo = [c for c in todo if hi[c] - lo[c] > tol]
            for c in cells:
                level[c][k:] = lo[c] if at_lo[c] >= required else hi[c]
                p[c][k] = at_lo[c] if at_lo[c] >= required else p_hi[c]
            if k + 1 < n_q:
                fte = staffing(cells, k, {c: level[c][k] for c in cells})
                for c in cells:
                    initial[c] = self._quarter(c, fte[c], k, initial[c], carry=True)[1]
        return Calibration(level, p, reach), hi_used, iters
