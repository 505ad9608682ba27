"""The solve: a plan at every size, and what the one HiGHS call is handed.

When the MIP stops before it has a whole-hire plan better than the rounded LP relaxation, the
run returns that rounded plan (starts rounded up, or down, within the sites' caps, the rest
re-solved; the cheaper)
with status time_limit and its gap to the LP bound. HiGHS is stopped deterministically with
``mip_max_nodes = 0`` (its node limit), never by racing the clock. Each repaired plan is
checked against every constraint of the model, and its gap against an LP relaxation solved
separately.
"""

from __future__ import annotations

import math

import numpy as np
import pulp
import pytest

from devtools.synthetic import make_inputs, requirements_frame, synthetic
from planning.inputs.scenario import SolverSettings
from planning.optimise import PlanStatus, optimise
from planning.optimise import solve as solve_module
from planning.optimise.build import build_model
from planning.optimise.data import build_data
from planning.optimise.highs import load
from planning.optimise.solve import solve


@pytest.fixture
def no_mip_plan(monkeypatch):
    """HiGHS's MIP stops at its node limit before it can improve on the plan it was given."""
    monkeypatch.setitem(solve_module.EXTRA_HIGHS_OPTIONS, "mip_max_nodes", 0)


def assert_feasible(model) -> None:
    """Every row of the model holds with the plan's values, every bound, whole starts."""
    for family, rows in model.con.items():
        for key, con in rows.items():
            v, scale = con.value(), 1e-6 * (1 + abs(con.constant))
            if con.sense == pulp.LpConstraintLE:
                assert v <= scale, (family, key, v)
            elif con.sense == pulp.LpConstraintGE:
                assert v >= -scale, (family, key, v)
            else:
                assert abs(v) <= scale, (family, key, v)
    for family, variables in model.var.items():
        for key, var in variables.items():
            x = var.varValue
            assert var.lowBound is None or x >= var.lowBound - 1e-9, (family, key, x)
            assert var.upBound is None or x <= var.upBound + 1e-9, (family, key, x)
    for key, var in model.var["starts"].items():
        assert var.varValue == round(var.varValue), key


def test_repaired_plan_when_the_mip_finds_none_of_its_own(no_mip_plan):
    inp, req = synthetic(n_markets=12, n_weeks=26, solver=SolverSettings(mip_gap=0.0))
    data = build_data(inp, req)
    model = build_model(data)
    out = solve(model, time_limit_s=60.0, mip_gap=0.0)
    assert out.status is PlanStatus.TIME_LIMIT and out.repaired
    assert "rounds its starts (up or down, the cheaper)" in out.message
    assert_feasible(model)
    # the objective is the plan's own cost, re-added from its values
    assert pulp.value(model.prob.objective) == pytest.approx(out.objective, rel=1e-9)
    # the bound is the LP relaxation, solved here from scratch in a model of its own
    lp = solve(build_model(data, integer=False), time_limit_s=60.0, mip_gap=0.0)
    assert out.bound == pytest.approx(lp.objective, rel=1e-9)
    assert 0 < out.gap == pytest.approx((out.objective - lp.objective) / out.objective, rel=1e-9)
    assert out.gap < 0.01  # integer hires cost little more than fractional ones


def test_rounding_up_stays_under_the_headcount_cap_by_hand():
    # 5 on staff, cap 7.5, 7.3 FTE needed for 4 weeks at 1,200 per FTE-week (penalty 12,000).
    # LP: 2.3 starts in week 0, cost 7.3 x 1,200 x 4 = 35,040. Rounding up (3) would pass the
    # cap, so 2 starts: 7 x 1,200 x 4 + 0.3 x 12,000 x 4 = 48,000 (the best whole plan too).
    inp = make_inputs(markets=[{"market": "ID", "language": "id"}], queues=[{"queue": "l"}],
                      sites=[{"site": "JK", "languages": "id", "headcount": 5.0,
                              "cost_per_fte_month": 5200.0, "max_headcount": 7.5}], weeks=4)
    model = build_model(build_data(inp, requirements_frame(inp, {("ID", "l"): 7.3})))
    solver = load(model, mip=True)
    solver.set_integer(False)
    solver.highs.run()
    assert solver.highs.getInfo().objective_function_value == pytest.approx(35_040)
    relaxed = np.asarray(solver.highs.getSolution().col_value)
    starts = [solver.col(v) for v in model.var["starts"].values()]
    assert relaxed[starts].tolist() == pytest.approx([2.3, 0, 0, 0])
    values, objective = solve_module.repair(model, solver, relaxed, solve_module._Clock(60.0))
    assert values[starts].tolist() == [2, 0, 0, 0]
    assert objective == pytest.approx(48_000)
    # and the whole run: the MIP proves that plan optimal, its gap to the LP bound is its own
    r = optimise(inp, requirements_frame(inp, {("ID", "l"): 7.3}))
    assert r.status is PlanStatus.OPTIMAL and r.objective == pytest.approx(48_000)
    assert r.shortfall["fte"].tolist() == pytest.approx([0.3] * 4)


def test_a_plan_is_never_an_error_when_the_mip_is_stopped(no_mip_plan):
    inp, req = synthetic(n_markets=6, n_weeks=20, solver=SolverSettings(budget_per_quarter=4e5))
    r = optimise(inp, req)
    assert r.status is PlanStatus.TIME_LIMIT and r.ok
    assert r.total_cost > 0 and 0 <= r.gap < 1


def test_the_mip_started_from_the_repaired_plan_reaches_the_same_optimum():
    # the plan from the three steps equals the MIP solved on its own (PuLP's own HiGHS call)
    inp, req = synthetic(n_markets=4, n_weeks=10, n_queues=2, solver=SolverSettings(mip_gap=0.0))
    data = build_data(inp, req)
    out = solve(build_model(data), time_limit_s=60.0, mip_gap=0.0)
    alone = build_model(data)
    alone.prob.solve(pulp.HiGHS(msg=False, gapRel=0.0, timeLimit=60.0))
    assert out.status is PlanStatus.OPTIMAL
    assert out.objective == pytest.approx(pulp.value(alone.prob.objective), rel=1e-9)


def test_highs_gets_pulps_model_in_pulps_order(tmp_path):
    """The one-call transfer hands HiGHS the same columns, rows and numbers as PuLP's LP file."""
    inp, req = synthetic(n_markets=3, n_weeks=6, n_queues=2)
    model = build_model(build_data(inp, req))
    solver = load(model, mip=True)
    h = solver.highs
    variables = model.prob.variables()
    assert h.getNumCol() == len(variables) and h.getNumRow() == len(model.prob.constraints())
    lp = h.getLp()
    cost = np.asarray(lp.col_cost_)
    for j, v in enumerate(variables):
        assert cost[j] == model.prob.objective.get(v, 0.0)
        assert lp.integrality_[j].name == ("kInteger" if v.cat == pulp.LpInteger else "kContinuous")
    # rows: bounds and each coefficient where PuLP has it; readable names
    col = {v.name: j for j, v in enumerate(variables)}
    for i, con in enumerate(model.prob.constraints()):
        _, lo, up, _nnz = h.getRow(i)
        assert lo == (-math.inf if con.getLb() is None else con.getLb())
        assert up == (math.inf if con.getUb() is None else con.getUb())
        _, index, value = h.getRowEntries(i)
        got = dict(zip(index.tolist(), value.tolist(), strict=True))
        assert got == {col[v.name]: a for v, a in con.items() if a != 0}
    assert "cover[M000][q0][2027-01-04]" in set(lp.row_names_)
    assert "starts[S0][2027-02-01]" in set(lp.col_names_)


def test_no_mip_when_less_time_is_left_than_the_relaxation_took(monkeypatch):
    """As at 200 markets x 104 weeks: the relaxation took most of the limit (here: its clock
    says it took 10^9 s), so the MIP is not started and the repaired plan is returned."""
    real = solve_module._Clock.phase

    def slow_relaxation(self, label):
        real(self, label)
        if label == "relaxation":
            self.phases[label] = 1e9

    monkeypatch.setattr(solve_module._Clock, "phase", slow_relaxation)
    inp, req = synthetic(n_markets=6, n_weeks=20)
    data = build_data(inp, req)
    model = build_model(data)
    out = solve(model, time_limit_s=60.0, mip_gap=1e-4)
    assert out.status is PlanStatus.TIME_LIMIT and out.repaired
    assert "MIP not started" in out.message
    assert_feasible(model)
    lp = solve(build_model(data, integer=False), time_limit_s=60.0, mip_gap=0.0)
    assert out.gap == pytest.approx((out.objective - lp.objective) / out.objective, rel=1e-9)


def test_a_relaxation_longer_than_the_limit_is_finished_and_still_gives_a_plan():
    """A limit of 1e-9 s: the relaxation cannot finish in it (HiGHS stops it at its time
    limit), so it is finished past the limit with one repair, the MIP is not started, and the
    message says how long the relaxation took."""
    inp, req = synthetic(n_markets=12, n_weeks=26)
    data = build_data(inp, req)
    model = build_model(data)
    out = solve(model, time_limit_s=1e-9, mip_gap=1e-4)
    assert out.status is PlanStatus.TIME_LIMIT and out.repaired
    assert "more than the time limit of 1e-09 s: it was finished, the MIP not started" in out.message
    assert_feasible(model)
    lp = solve(build_model(data, integer=False), time_limit_s=60.0, mip_gap=0.0)
    assert out.bound == pytest.approx(lp.objective, rel=1e-9)
    assert out.gap == pytest.approx((out.objective - lp.objective) / out.objective, rel=1e-9)


def test_an_lp_plan_longer_than_the_limit_is_finished():
    inp, req = synthetic(n_markets=12, n_weeks=26, solver=SolverSettings(integer_hires=False))
    data = build_data(inp, req)
    out = solve(build_model(data), time_limit_s=1e-9, mip_gap=1e-4)
    assert out.status is PlanStatus.TIME_LIMIT and "more than the time limit" in out.message
    again = solve(build_model(data), time_limit_s=60.0, mip_gap=1e-4)
    assert again.status is PlanStatus.OPTIMAL
    assert out.objective == pytest.approx(again.objective, rel=1e-9)
