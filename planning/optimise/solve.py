"""Step 3 of the optimiser: the one place that talks to the solver (HiGHS through PuLP).

PuLP 3.x reports a MIP stopped at its time limit with a plan in hand as "Optimal"; the
status here is read from HiGHS itself (model status and primal solution status) so a
time-limited plan says ``time_limit``. The random seed is fixed so reruns give the same plan.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import StrEnum

import pulp

try:
    import highspy
except ImportError:  # reported as a plan with status error, see solve()
    highspy = None

from planning.optimise.build import Model, name


class PlanStatus(StrEnum):
    """How the solve ended: proven optimal (within the MIP gap), best plan at the time limit,
    or no plan (error)."""

    OPTIMAL = "optimal"
    TIME_LIMIT = "time_limit"
    ERROR = "error"


@dataclass(frozen=True)
class SolveOutcome:
    """status; objective as solved (currency); gap: relative MIP gap (0 for an LP);
    seconds: wall-clock solve time; message: the solver's words when it is not optimal."""

    status: PlanStatus
    objective: float | None
    gap: float | None
    seconds: float
    message: str = ""


MISSING_SOLVER = ("the HiGHS solver library is not installed or cannot be loaded: install it "
                  "with `pip install \"highspy>=1.15.1,<2\"`")


#: HiGHS takes 1e20 as infinity, and its tolerances (1e-7) stop meaning anything well
#: before: a plan with a number above this is refused with its name instead of solved wrongly.
MAX_MAGNITUDE = 1e12

#: Extra HiGHS options for every solve, e.g. ``{"objective_target": 1e30}`` to stop at the
#: first plan found: tests use it to reach a stopped-with-a-plan status without racing the clock.
EXTRA_HIGHS_OPTIONS: dict[str, object] = {}


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


def solve(model: Model, *, time_limit_s: float, mip_gap: float, seed: int = 0,
          mip: bool | None = None) -> SolveOutcome:
    """Solve a built model with HiGHS; variable values are left on the PuLP variables.

    time_limit_s: wall-clock limit (seconds); mip_gap: relative gap at which a MIP stops;
    mip: treat integer variables as integer (default: the model's own setting).
    """
    mip = model.integer if mip is None else mip
    if highspy is None or not pulp.HiGHS(msg=False).available():
        return SolveOutcome(PlanStatus.ERROR, None, None, 0.0, MISSING_SOLVER)
    if (problem := too_large(model)) is not None:
        return SolveOutcome(PlanStatus.ERROR, None, None, 0.0, f"refused: {problem}")
    solver = pulp.HiGHS(msg=False, mip=mip, timeLimit=time_limit_s, gapRel=mip_gap,
                        random_seed=int(seed), **EXTRA_HIGHS_OPTIONS)
    start = time.perf_counter()
    try:
        model.prob.solve(solver)
    except Exception as exc:  # a solver crash is a plan with status error, not a traceback
        return SolveOutcome(PlanStatus.ERROR, None, None, time.perf_counter() - start,
                            f"the solver failed: {type(exc).__name__}: {exc}")
    seconds = time.perf_counter() - start
    highs = getattr(model.prob, "solverModel", None)
    if highs is None:
        return SolveOutcome(PlanStatus.ERROR, None, None, seconds,
                            "the solver returned no result (HiGHS model missing)")
    status = highs.getModelStatus()
    info = highs.getInfo()
    has_plan = info.primal_solution_status == 2  # kSolutionStatusFeasible
    objective = highs.getObjectiveValue() if has_plan else None
    is_mip = mip and any(v.cat == pulp.LpInteger for v in model.var.get("starts", {}).values())
    gap = float(info.mip_gap) if is_mip and has_plan else (0.0 if has_plan else None)
    plan_status = classify(status, has_plan)
    if plan_status == PlanStatus.OPTIMAL:
        return SolveOutcome(PlanStatus.OPTIMAL, objective, gap, seconds)
    words = highs.modelStatusToString(status)
    if plan_status == PlanStatus.TIME_LIMIT:
        return SolveOutcome(PlanStatus.TIME_LIMIT, objective, gap, seconds,
                            f"stopped ({words}) after {seconds:.1f} s with a plan "
                            f"{100 * (gap or 0):.2f}% from the best bound")
    return SolveOutcome(PlanStatus.ERROR, None, None, seconds,
                        f"no plan: the solver stopped with status '{words}' after {seconds:.1f} s")


def rhs_change(model: Model, changes: list[tuple[pulp.LpConstraint, float]], base: float,
               *, warm: bool = True) -> float | None:
    """Objective change (new - base) of a solved LP when each listed row's right-hand side
    moves by its amount. The model is left as it was.

    warm: re-solve from the current basis in the live HiGHS model (fast); otherwise, or when
    the PuLP version keeps no live model, change the rows through PuLP, solve again from
    scratch and restore. Only for LPs. None if the changed LP has no optimum.
    """
    highs = getattr(model.prob, "solverModel", None)
    if warm and highs is not None and all(getattr(c, "index", None) is not None for c, _ in changes):
        return _warm_change(highs, changes, base)
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


def _warm_change(highs: highspy.Highs, changes: list[tuple[pulp.LpConstraint, float]],
                 base: float) -> float | None:
    inf = highspy.kHighsInf
    old = []
    for con, delta in changes:
        lb, ub = con.getLb(), con.getUb()
        old.append((con.index, lb, ub))
        highs.changeRowBounds(con.index, -inf if lb is None else lb + delta,
                              inf if ub is None else ub + delta)
    highs.run()
    ok = highs.getModelStatus() == highspy.HighsModelStatus.kOptimal
    new = highs.getInfo().objective_function_value if ok else None
    for i, lb, ub in old:
        highs.changeRowBounds(i, -inf if lb is None else lb, inf if ub is None else ub)
    return None if new is None else float(new - base)
