"""Changes read off the duals are the changes a fresh solve finds.

For every explanation group (a binding limit relaxed by one unit, one more FTE in a market's
quarter) that the basis test lets the duals answer alone, the LP is changed in PuLP and
solved again from scratch in a HiGHS object of its own: the objective moves by exactly what
the duals said. Groups the test refuses are re-solved (up to the cap) or left empty.
"""

from __future__ import annotations

import math

import pytest

from devtools.synthetic import synthetic
from planning.inputs.scenario import SolverSettings
from planning.optimise import duals, optimise
from planning.optimise.build import build_model
from planning.optimise.data import build_data
from planning.optimise.duals import changes
from planning.optimise.explain import _limit_groups, _market_groups
from planning.optimise.solve import solve


def _fresh_change(data, rows, fixed: dict | None) -> float:
    """Objective change of a new LP (starts fixed at ``fixed`` when given) with the rows'
    right-hand sides moved, each LP solved from scratch."""
    out = []
    for move in (False, True):
        lp = build_model(data, integer=False, fixed_starts=fixed)
        if move:
            for family, key, delta in rows:
                lp.con[family][key].constant -= delta   # rows are "expression + constant"
        out.append(solve(lp, time_limit_s=60, mip_gap=1e-4).objective)
    return out[1] - out[0]


@pytest.mark.parametrize("label", ["with_hiring", "fixed_hires"])
def test_changes_from_the_duals_equal_fresh_solves(label):
    inp, req = synthetic(n_markets=4, n_weeks=14, n_queues=3)
    data = build_data(inp, req)
    plan = build_model(data)
    solve(plan, time_limit_s=60, mip_gap=1e-4)
    fixed = {k: float(round(v.varValue)) for k, v in plan.var["starts"].items()}
    groups = _limit_groups(plan) + _market_groups(plan)
    rows = [[(plan.solver.row(plan.con[f][k]), d) for f, k, d in g["rows"]] for g in groups]
    res = changes(plan, label, rows, resolve=False)   # the duals' answers only
    answered = [k for k, e in enumerate(res.exact) if not math.isnan(e)]
    refused = [k for k, e in enumerate(res.exact) if math.isnan(e)]
    assert answered and refused and res.resolved == 0 and res.skipped == len(refused)
    for k in answered:
        assert res.exact[k] == res.first[k]
        want = _fresh_change(data, groups[k]["rows"], fixed if label == "fixed_hires" else None)
        assert res.exact[k] == pytest.approx(want, rel=1e-7, abs=1e-5), groups[k]
    # the test refuses the groups where the duals alone are wrong (most of those refused)
    wrong = 0
    for k in refused:
        want = _fresh_change(data, groups[k]["rows"], fixed if label == "fixed_hires" else None)
        wrong += not math.isclose(res.first[k], want, rel_tol=1e-7, abs_tol=1e-5)
    assert wrong >= len(refused) / 2


def test_the_cap_leaves_values_empty_and_says_so():
    inp, req = synthetic(n_markets=4, n_weeks=14, n_queues=3,
                         solver=SolverSettings(mip_gap=1e-4))
    full = optimise(inp, req, explain="full")
    assert "explanations" not in full.message
    assert not full.marginal_cost["extra_cost_with_hiring"].isna().any()
    old = duals.RESOLVE_CAP, duals.RESOLVE_TIME_SHARE
    try:   # 2 re-solves per LP, no more for the time
        duals.RESOLVE_CAP, duals.RESOLVE_TIME_SHARE = 2, 0.0
        capped = optimise(inp, req, explain=True)
    finally:
        duals.RESOLVE_CAP, duals.RESOLVE_TIME_SHARE = old
    assert "the 2 re-solves per LP and the solve's time were spent" in capped.message
    empty = int(capped.marginal_cost[["extra_cost_with_hiring", "extra_cost_fixed_hires"]].isna().sum().sum()
                + capped.binding[["saving_with_hiring", "saving_fixed_hires"]].isna().sum().sum())
    assert empty > 0 and f"{empty} re-solved values left empty" in capped.message
    # where the capped run has a value, it is the full run's
    for table in ("marginal_cost", "binding"):
        a, b = getattr(capped, table), getattr(full, table)
        for col in a.select_dtypes("number"):
            has = a[col].notna()
            assert a.loc[has, col].tolist() == pytest.approx(b.loc[has, col].tolist(), rel=1e-9)
