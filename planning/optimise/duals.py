"""What a change to some rows' right-hand sides does to an explanation LP's objective.

The explanation LPs (see :mod:`planning.optimise.explain`) are solved in the plan's own HiGHS
object, one after the other: ``with_hiring`` (the LP relaxation, warm from its basis saved
before the MIP) and ``fixed_hires`` (the plan's starts fixed). For each group of rows moved
together (a limit relaxed by one unit, one more FTE required in a market's quarter):

- the first-order change is ``sum of row dual x change``;
- it is the exact change when the optimal basis stays feasible after the move: then the
  basis stays optimal (a right-hand side does not touch dual feasibility) and the objective
  moves linearly. This is checked with one solve with the basis matrix (HiGHS
  ``getBasisSolve``): the basic variables' new values must stay within their bounds;
- only where it does not (a degenerate or too large step) is the LP re-solved, warm from
  the current basis: always up to :data:`RESOLVE_CAP` times per LP, more while the
  explanations have taken less than :data:`RESOLVE_TIME_SHARE` of the solve's CPU time
  (CPU, not wall-clock: a busy machine slows both alike),
  and every time with ``full``. The basis tests stop at that time too (at 200 markets x 104
  weeks there are about 2,000 groups per LP). The rest are left empty (NaN) and counted.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

try:
    import highspy
except ImportError:  # no plan is made without it (see planning.optimise.solve)
    highspy = None

from planning.optimise.build import Model
from planning.optimise.extract import value
from planning.optimise.highs import Solver
from planning.optimise.solve import warm_change

#: warm re-solves made per explanation LP, whatever the time, where the duals alone do not
#: give the change (``--explain full``: all of them)
RESOLVE_CAP = 10
#: further re-solves only while the explanations have taken less than this share of the
#: plan's solve time (the target: explanations cost at most the solve)
RESOLVE_TIME_SHARE = 0.5
#: groups always tested on the basis, whatever the time (then only until the deadline)
TEST_CAP = 200
#: a basic variable may leave its bounds by this much (relative) and still count as inside
TOL = 1e-9

Rows = list[tuple[int, float]]  # (row index in HiGHS, change of its bounds)


@dataclass(frozen=True)
class Changes:
    """Per group: first-order change (``first``) and the change itself (``exact``; NaN when
    not computed); resolved: LP re-solves made; skipped: groups left NaN by the cap;
    objective: the LP's optimum (NaN when it did not solve)."""

    first: list[float]
    exact: list[float]
    resolved: int
    skipped: int
    objective: float


class _Basis:
    """The optimal basis of the LP loaded in HiGHS, to test whether it survives a move."""

    def __init__(self, solver: Solver) -> None:
        h = solver.highs
        self.h = h
        sol = h.getSolution()
        x, r = np.asarray(sol.col_value), np.asarray(sol.row_value)
        self.dual = np.asarray(sol.row_dual)
        lp = h.getLp()
        _, basic = h.getBasicVariables()
        basic = np.asarray(basic)
        is_col = basic >= 0
        col, row = np.where(is_col, basic, 0), np.where(is_col, 0, -1 - basic)
        self.value = np.where(is_col, x[col], r[row])
        self.low = np.where(is_col, np.asarray(lp.col_lower_)[col], np.asarray(lp.row_lower_)[row])
        self.up = np.where(is_col, np.asarray(lp.col_upper_)[col], np.asarray(lp.row_upper_)[row])
        # HiGHS's basis matrix holds +I for a row's logical variable, which is minus the row's
        # activity: a basic row's activity moves by minus the solved value
        self.sign = np.where(is_col, 1.0, -1.0)
        self.m = len(r)
        self.position = np.full(self.m, -1)
        self.position[row[~is_col]] = np.flatnonzero(~is_col)

    def first_order(self, rows: Rows) -> float:
        return float(sum(self.dual[i] * d for i, d in rows))

    def holds(self, rows: Rows) -> bool:
        """Whether the basis stays primal feasible (so optimal) when the rows move."""
        rhs = np.zeros(self.m)
        bounds_moved: dict[int, float] = {}
        for i, d in rows:
            k = self.position[i]
            if k >= 0:
                bounds_moved[int(k)] = bounds_moved.get(int(k), 0.0) + d   # basic: only its bounds move
            else:
                rhs[i] += d                                         # nonbasic: its activity moves
        if rhs.any():
            _, w, nnz, where = self.h.getBasisSolveSparse(rhs)
            where = np.asarray(where[:nnz])
            step = np.asarray(w)[where] * self.sign[where]
        else:
            where, step = np.zeros(0, dtype=int), np.zeros(0)
        extra = np.array([k for k in bounds_moved if k not in set(where.tolist())], dtype=int)
        pos = np.concatenate([where, extra]).astype(int)
        new = self.value[pos] + np.concatenate([step, np.zeros(len(extra))])
        shift = np.array([bounds_moved.get(int(k), 0.0) for k in pos])
        low, up = self.low[pos] + shift, self.up[pos] + shift
        slack = TOL * (1.0 + np.abs(new))
        return bool(np.all(new >= low - slack) and np.all(new <= up + slack))


def _starts(plan: Model) -> tuple[np.ndarray, np.ndarray]:
    """HiGHS columns of the starts and the plan's values for them (whole when integer)."""
    solver: Solver = plan.solver  # type: ignore[assignment]
    items = list(plan.var.get("starts", {}).values())
    idx = np.array([solver.col(v) for v in items], dtype=np.int32)
    vals = np.array([float(round(value(v))) if plan.integer else value(v) for v in items])
    return idx, vals


def load_lp(plan: Model, label: str) -> float | None:
    """Solve explanation LP ``label`` (``with_hiring`` or ``fixed_hires``) in the plan's HiGHS
    object; its objective, or None when it has no optimum."""
    solver: Solver = plan.solver  # type: ignore[assignment]
    h = solver.highs
    idx, vals = _starts(plan)
    solver.set_integer(False)
    if label == "fixed_hires":
        solver.set_bounds(idx, vals, vals)
    else:
        solver.restore_bounds(idx)
        basis = solver.extra.get("relaxation_basis")
        if basis is not None:
            h.setBasis(basis)
    h.setOptionValue("time_limit", h.getRunTime() + float(plan.data.time_limit_s))
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    return float(h.getInfo().objective_function_value)


def changes(plan: Model, label: str, groups: list[Rows], *, full: bool = False,
            cap: int | None = None, deadline: float = math.inf, resolve: bool = True) -> Changes:
    """Objective change of explanation LP ``label`` for each group of row moves (see the
    module's docstring for when a group is re-solved).

    cap: re-solves always made (default :data:`RESOLVE_CAP`); deadline: ``time.process_time()``
    (CPU seconds) value after which no more groups are tested on the basis beyond :data:`TEST_CAP`, and
    no re-solves are made beyond ``cap`` (``full``: no deadline); resolve: False for the duals' answers only."""
    cap = RESOLVE_CAP if cap is None else cap
    deadline = math.inf if full else deadline
    nan = [math.nan] * len(groups)
    base = load_lp(plan, label)
    if base is None:
        return Changes(nan, list(nan), 0, 0, math.nan)
    basis = _Basis(plan.solver)  # type: ignore[arg-type]
    first = [basis.first_order(g) for g in groups]
    exact = list(nan)
    for k, g in enumerate(groups):
        if k >= TEST_CAP and time.process_time() >= deadline:
            break
        if basis.holds(g):
            exact[k] = first[k]
    todo = [k for k, e in enumerate(exact) if math.isnan(e) and groups[k]] if resolve else []
    done = 0
    for k in todo:
        if done >= cap and time.process_time() >= deadline:
            break
        change = warm_change(plan.solver, groups[k], base)  # type: ignore[arg-type]
        exact[k] = math.nan if change is None else change
        done += 1
    for k, g in enumerate(groups):
        if not g:
            exact[k] = 0.0
    left = sum(1 for k, e in enumerate(exact) if math.isnan(e) and groups[k])
    return Changes(first, exact, done, left, base)
