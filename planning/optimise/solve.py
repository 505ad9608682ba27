"""Step 3 of the optimiser: the one place that talks to the solver (HiGHS, through highspy).

The model built with PuLP is passed to HiGHS in one call (:mod:`planning.optimise.highs`).
A MIP is solved in three steps, all within the one time limit (transfer included):

1. the LP relaxation: the bound every plan is measured against;
2. a whole-hire plan from it: starts rounded up per site and week (never above
   ``max_starts_week``, nor so many that ``max_headcount`` is passed), then the rest of the
   plan (vendors, allocation, shortfall) re-solved as an LP with those starts fixed; the
   same with starts rounded down; the cheaper of the two is kept;
3. the MIP, started from that plan, for the time that is left (not started when less time
   is left than the relaxation took: its root alone would need about that).

So a plan always exists once the LP relaxation is solved: when the MIP stops at its limit
with nothing better, the repaired plan is returned with status ``time_limit`` and its gap to
the LP bound. When the relaxation itself does not finish within the limit (a huge model, a
starved machine) it is finished anyway, with the first repair: there is no plan without
them. That overshoot is the only one, and the message says so. The status is read from
HiGHS itself (model status and primal solution status). The random seed is fixed so reruns
give the same plan.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace
from enum import StrEnum

import numpy as np
import pulp

try:
    import highspy
except ImportError:  # reported as a plan with status error, see solve()
    highspy = None

from planning.optimise.build import Model, name
from planning.optimise.highs import Solver, load, write_values


class PlanStatus(StrEnum):
    """How the solve ended: proven optimal (within the MIP gap), best plan at the time limit,
    or no plan (error)."""

    OPTIMAL = "optimal"
    TIME_LIMIT = "time_limit"
    ERROR = "error"


@dataclass(frozen=True)
class SolveOutcome:
    """status; objective as solved (currency); gap: relative gap between the plan and the
    best proven bound, ``(objective - bound) / |objective|`` (0 for an LP); bound: that
    bound (currency; the LP relaxation or HiGHS's MIP bound, the higher); seconds: wall-clock
    time of the whole solve (transfer included); message: the solver's words when it is not
    optimal; repaired: the plan is the rounded and repaired LP relaxation, not the MIP's;
    phases: wall-clock seconds of each step (transfer, relaxation, repair, mip or lp)."""

    status: PlanStatus
    objective: float | None
    gap: float | None
    seconds: float
    message: str = ""
    bound: float | None = None
    repaired: bool = False
    phases: dict[str, float] = field(default_factory=dict)


MISSING_SOLVER = ("the HiGHS solver library is not installed or cannot be loaded: install it "
                  "with `pip install \"highspy>=1.15.1,<2\"`")


#: HiGHS takes 1e20 as infinity, and its tolerances (1e-7) stop meaning anything well
#: before: a plan with a number above this is refused with its name instead of solved wrongly.
MAX_MAGNITUDE = 1e12

#: Extra HiGHS options for the MIP solve, e.g. ``{"objective_target": 1e30}`` to stop at the
#: first plan found, or ``{"mip_max_nodes": 0}`` to stop before the MIP finds one of its own:
#: tests use them to reach a stopped status without racing the clock.
EXTRA_HIGHS_OPTIONS: dict[str, object] = {}

#: HiGHS's "primal solution status: feasible"
_FEASIBLE = 2


def too_large(model: Model) -> str | None:
    """Words naming the first right-hand side, bound or cost beyond :data:`MAX_MAGNITUDE`."""

    for family, rows in model.con.items():
        for key, con in rows.items():
            if abs(con.constant) > MAX_MAGNITUDE:
                return (f"{name(family, *key)} needs {abs(con.constant):.3g}, more than the "
                        f"{MAX_MAGNITUDE:.0e} the solver can be trusted with: check the inputs' units")
    for family, variables in model.var.items():
        for key, v in variables.items():
            cost = model.prob.objective.get(v, 0.0)
            up = v.upBound
            if abs(cost) > MAX_MAGNITUDE or (up is not None and abs(up) > MAX_MAGNITUDE):
                return (f"{name(family, *key)} has a cost or bound beyond "
                        f"{MAX_MAGNITUDE:.0e}: check the inputs' units")
    return None


def classify(status: highspy.HighsModelStatus, has_plan: bool) -> PlanStatus:
    """The plan's status from HiGHS's model status and whether it holds a feasible plan."""
    m = highspy.HighsModelStatus
    if status == m.kOptimal and has_plan:
        return PlanStatus.OPTIMAL
    stopped = {m.kTimeLimit, m.kInterrupt, m.kIterationLimit, m.kSolutionLimit, m.kObjectiveTarget}
    if status in stopped and has_plan:
        return PlanStatus.TIME_LIMIT
    return PlanStatus.ERROR


def relative_gap(objective: float, bound: float) -> float:
    """(objective - bound) / |objective| for a minimisation (0 when both are 0)."""
    if objective == bound:
        return 0.0
    return max(0.0, objective - bound) / max(abs(objective), 1e-9)


class _Clock:
    def __init__(self, limit: float) -> None:
        self.start = time.perf_counter()
        self.limit = limit
        self.phases: dict[str, float] = {}
        self._mark = self.start

    def phase(self, label: str) -> None:
        """Record the time since the last phase ended as ``label``."""
        now = time.perf_counter()
        self.phases[label] = self.phases.get(label, 0.0) + now - self._mark
        self._mark = now

    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def left(self) -> float:
        return self.limit - self.elapsed()


def _run(solver: Solver, clock: _Clock, options: dict[str, object] | None = None, *,
         finish: bool = False) -> highspy.HighsModelStatus:
    """Run HiGHS for the time left (``finish``: to the end, whatever the time)."""
    h = solver.highs
    # HiGHS's time limit counts the run time of every run of the object so far
    left = highspy.kHighsInf if finish else h.getRunTime() + max(clock.left(), 1e-3)
    h.setOptionValue("time_limit", left)
    for key, value in (options or {}).items():
        h.setOptionValue(key, value)
    h.run()
    return h.getModelStatus()


def solve(model: Model, *, time_limit_s: float, mip_gap: float, seed: int = 0,
          mip: bool | None = None, verbose: bool = False) -> SolveOutcome:
    """Solve a built model with HiGHS; variable values are left on the PuLP variables and the
    live solver on ``model.solver`` (for the explanations).

    time_limit_s: wall-clock limit of the whole solve, transfer included (seconds);
    mip_gap: relative gap at which a MIP stops; mip: treat integer variables as integer
    (default: the model's own setting); verbose: HiGHS's log on stdout.
    """
    mip = model.integer if mip is None else mip
    if highspy is None:
        return SolveOutcome(PlanStatus.ERROR, None, None, 0.0, MISSING_SOLVER)
    if (problem := too_large(model)) is not None:
        return SolveOutcome(PlanStatus.ERROR, None, None, 0.0, f"refused: {problem}")
    clock = _Clock(time_limit_s)
    try:
        solver = load(model, mip=mip, verbose=verbose)
        clock.phase("transfer")
        model.solver = solver
        model.prob.solverModel = solver.highs
        h = solver.highs
        h.setOptionValue("random_seed", int(seed))
        out = _lp(solver, clock) if not solver.integer.any() else _mip(model, solver, clock, mip_gap)
        return replace(out, phases=clock.phases)
    except Exception as exc:  # a solver crash is a plan with status error, not a traceback
        return SolveOutcome(PlanStatus.ERROR, None, None, clock.elapsed(),
                            f"the solver failed: {type(exc).__name__}: {exc}")


def _raise_limit(status: object, clock: _Clock) -> str:
    """Words naming the setting at fault when the time limit stopped the solve planless."""
    if status != highspy.HighsModelStatus.kTimeLimit:
        return ""
    return (f": the time limit of {clock.limit:g} s was reached before any plan was found; "
            "raise solver.time_limit_s in the scenario (or --time-limit)")


def _lp(solver: Solver, clock: _Clock) -> SolveOutcome:
    h = solver.highs
    status = _run(solver, clock)
    overshoot = status == highspy.HighsModelStatus.kTimeLimit
    if overshoot:  # the LP is the plan: it is finished past the limit (see the docstring)
        status = _run(solver, clock, finish=True)
    clock.phase("lp")
    has_plan = h.getInfo().primal_solution_status == _FEASIBLE
    plan_status = classify(status, has_plan)
    seconds = clock.elapsed()
    if overshoot and plan_status == PlanStatus.OPTIMAL:
        write_values(solver, np.asarray(h.getSolution().col_value))
        objective = h.getInfo().objective_function_value
        return SolveOutcome(PlanStatus.TIME_LIMIT, objective, 0.0, seconds,
                            f"the LP took {seconds:.1f} s, more than the time limit of "
                            f"{clock.limit:g} s: it was finished", bound=objective)
    if plan_status == PlanStatus.ERROR:
        return SolveOutcome(PlanStatus.ERROR, None, None, seconds,
                            f"no plan: the solver stopped with status "
                            f"'{h.modelStatusToString(status)}' after {seconds:.1f} s"
                            + _raise_limit(status, clock))
    write_values(solver, np.asarray(h.getSolution().col_value))
    objective = h.getInfo().objective_function_value
    if plan_status == PlanStatus.OPTIMAL:
        return SolveOutcome(PlanStatus.OPTIMAL, objective, 0.0, seconds, bound=objective)
    return SolveOutcome(PlanStatus.TIME_LIMIT, objective, None, seconds,
                        f"stopped ({h.modelStatusToString(status)}) after {seconds:.1f} s "
                        f"before the LP was solved to optimality")


def _mip(model: Model, solver: Solver, clock: _Clock, mip_gap: float) -> SolveOutcome:
    h = solver.highs
    solver.set_integer(False)
    status = _run(solver, clock)
    overshoot = status == highspy.HighsModelStatus.kTimeLimit
    if overshoot:  # no plan at all without the relaxation: it is finished past the limit
        status = _run(solver, clock, finish=True)
    clock.phase("relaxation")
    if status != highspy.HighsModelStatus.kOptimal:
        seconds = clock.elapsed()
        return SolveOutcome(PlanStatus.ERROR, None, None, seconds,
                            f"no plan: the LP relaxation stopped with status "
                            f"'{h.modelStatusToString(status)}' after {seconds:.1f} s")
    bound = float(h.getInfo().objective_function_value)
    relaxed = np.asarray(h.getSolution().col_value)
    solver.extra["relaxation_basis"] = h.getBasis()
    solver.extra["relaxation_objective"] = bound
    repaired = repair(model, solver, relaxed, clock)
    clock.phase("repair")
    idx = np.flatnonzero(solver.integer)
    solver.restore_bounds(idx)
    solver.set_integer(True)
    mip_status, mip_value, mip_objective = None, None, math.inf
    # the MIP solves the relaxation again at its root: with less time left than that took,
    # it cannot improve on the repaired plan, so it is not started
    if clock.left() > clock.phases["relaxation"] or repaired is None:
        if repaired is not None:
            h.setSolution(_solution(repaired[0]))
        h.setOptionValue("mip_rel_gap", mip_gap)
        mip_status = _run(solver, clock, EXTRA_HIGHS_OPTIONS)
        info = h.getInfo()
        if info.primal_solution_status == _FEASIBLE:
            mip_value = np.asarray(h.getSolution().col_value)
            mip_objective = float(info.objective_function_value)
            if math.isfinite(info.mip_dual_bound):
                bound = max(bound, float(info.mip_dual_bound))
    clock.phase("mip")
    seconds = clock.elapsed()
    proven = mip_status == highspy.HighsModelStatus.kOptimal
    tol = 1e-9 * max(1.0, abs(repaired[1])) if repaired is not None else 0.0
    improved = mip_value is not None and (repaired is None or mip_objective < repaired[1] - tol)
    # a proven MIP plan is kept even when the repaired one is a hair cheaper (tolerances)
    if improved or (proven and mip_value is not None):
        write_values(solver, mip_value)
        if proven:
            return SolveOutcome(PlanStatus.OPTIMAL, mip_objective, float(h.getInfo().mip_gap), seconds,
                                bound=bound)
        gap = relative_gap(mip_objective, bound)
        return SolveOutcome(PlanStatus.TIME_LIMIT, mip_objective, gap, seconds,
                            f"stopped ({h.modelStatusToString(mip_status)}) after {seconds:.1f} s "
                            f"with a plan {100 * gap:.2f}% from the best bound", bound=bound)
    if repaired is None:
        return SolveOutcome(PlanStatus.ERROR, None, None, seconds,
                            "no plan: neither the MIP nor the rounded LP relaxation gave a plan "
                            f"within {seconds:.1f} s")
    write_values(solver, repaired[0])
    gap = relative_gap(repaired[1], bound)
    why = ("the time left was less than the LP relaxation took; MIP not started"
           if mip_status is None else h.modelStatusToString(mip_status))
    if overshoot:
        why = (f"the LP relaxation alone took {clock.phases['relaxation']:.1f} s, more than "
               f"the time limit of {clock.limit:g} s: it was finished, the MIP not started")
    return SolveOutcome(PlanStatus.TIME_LIMIT, repaired[1], gap, seconds,
                        f"stopped ({why}) after {seconds:.1f} s before the MIP found a better "
                        f"whole-hire plan than the rounded LP relaxation: this plan rounds its "
                        f"starts (up or down, the cheaper) and re-solves the rest, "
                        f"{100 * gap:.2f}% from the best bound",
                        bound=bound, repaired=True)


def _solution(col_value: np.ndarray) -> highspy.HighsSolution:
    sol = highspy.HighsSolution()
    sol.col_value = list(col_value)
    sol.value_valid = True
    return sol


def whole_starts(model: Model, solver: Solver, relaxed: np.ndarray, how: str) -> np.ndarray:
    """Whole-number starts for every integer column: ``how`` is "up" (round the LP's starts
    up) or "down" (round down), then per site and week in order cut to what the site's
    ``max_starts_week`` and ``max_headcount`` allow, and raised to the starts' lower bounds
    (commitments)."""
    out = np.round(relaxed[solver.integer])
    where = {j: k for k, j in enumerate(np.flatnonzero(solver.integer))}
    committed = {key: -con.constant for key, con in model.con.get("committed_starts", {}).items()}
    starts = model.var.get("starts", {})
    d = model.data
    for s in d.sites:
        h_prev = s.headcount
        for w in d.weeks:
            var = starts.get((s.name, w))
            if var is None or solver.col(var) not in where:
                continue
            j = solver.col(var)
            x = relaxed[j]
            v = math.ceil(x - 1e-6) if how == "up" else math.floor(x + 1e-6)
            cap = solver.upper[j]
            if s.max_starts_week is not None:
                cap = min(cap, math.floor(s.max_starts_week + 1e-9))
            if s.max_headcount is not None:
                cap = min(cap, math.floor(s.max_headcount - s.survival * h_prev + 1e-9))
            low = max(solver.lower[j], committed.get((s.name, w), 0.0))
            v = max(min(v, cap), math.ceil(low - 1e-9))
            out[where[j]] = v
            h_prev = s.survival * h_prev + v
    return out


def repair(model: Model, solver: Solver, relaxed: np.ndarray, clock: _Clock
           ) -> tuple[np.ndarray, float] | None:
    """A whole-hire plan from the LP relaxation: (column values, objective), or None.

    Starts rounded up and, apart, rounded down (:func:`whole_starts`), each fixed and the
    rest re-solved as an LP warm from the relaxation's basis; the cheaper plan is kept. If
    neither is feasible, starts at their lower bounds. Until there is a plan, each LP is
    solved to the end even past the time limit (a plan at every size); the others only
    within it."""
    h = solver.highs
    idx = np.flatnonzero(solver.integer)
    best: tuple[np.ndarray, float] | None = None
    tries = [whole_starts(model, solver, relaxed, "up"), whole_starts(model, solver, relaxed, "down")]
    for k, fixed in enumerate(tries):
        if best is not None and clock.left() <= 0:
            break
        solver.set_bounds(idx, fixed, fixed)
        if _run(solver, clock, finish=best is None) == highspy.HighsModelStatus.kOptimal:
            objective = float(h.getInfo().objective_function_value)
            if best is None or objective < best[1]:
                value = np.asarray(h.getSolution().col_value)
                value[idx] = fixed
                best = (value, objective)
        if k == 1 and best is None:
            tries.append(np.ceil(solver.lower[idx] - 1e-9))
    return best


def rhs_change(model: Model, changes: list[tuple[pulp.LpConstraint, float]], base: float,
               *, warm: bool = True) -> float | None:
    """Objective change (new - base) of a solved LP when each listed row's right-hand side
    moves by its amount. The model is left as it was.

    warm: re-solve from the current basis in the live HiGHS model (fast); otherwise change
    the rows through PuLP, solve again from scratch and restore. Only for LPs. None if the
    changed LP has no optimum.
    """
    solver = getattr(model, "solver", None)
    if warm and solver is not None:
        return warm_change(solver, [(solver.row(c), d) for c, d in changes], base)
    d = model.data
    for con, delta in changes:
        con.constant -= delta          # rows are "expression + constant (sense) 0"
    try:
        out = solve(model, time_limit_s=d.time_limit_s, mip_gap=d.mip_gap, seed=d.seed, mip=False)
    finally:
        for con, delta in changes:
            con.constant += delta
    solve(model, time_limit_s=d.time_limit_s, mip_gap=d.mip_gap, seed=d.seed, mip=False)
    if out.status != PlanStatus.OPTIMAL or out.objective is None:
        return None
    return float(out.objective - base)


def warm_change(solver: Solver, changes: list[tuple[int, float]], base: float) -> float | None:
    """Objective change of the LP loaded in HiGHS when rows (by index) move by their amounts,
    re-solved from the current basis; the row bounds are restored afterwards."""
    highs = solver.highs
    lo, up = solver.row_lower, solver.row_upper
    old = []
    for i, delta in changes:
        old.append((i, lo[i], up[i]))
        highs.changeRowBounds(i, lo[i] + delta, up[i] + delta)
    highs.setOptionValue("time_limit", highspy.kHighsInf)
    highs.run()
    ok = highs.getModelStatus() == highspy.HighsModelStatus.kOptimal
    new = highs.getInfo().objective_function_value if ok else None
    for i, a, b in old:
        highs.changeRowBounds(i, a, b)
    return None if new is None else float(new - base)
