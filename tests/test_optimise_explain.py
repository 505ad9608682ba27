"""Explanations: shortfall reasons, budget overrun, shadow prices and marginal costs.

Expected values are worked out by hand (weekly in-house cost 5200 x 12 / 52 = 1200,
penalty 10 x 1200 = 12000) or by re-solving a changed instance from scratch.
"""

from __future__ import annotations

import dataclasses

import pytest

from devtools.synthetic import make_inputs, requirements_frame
from planning.inputs.scenario import SolverSettings
from planning.optimise import PlanStatus, optimise

ID = [{"market": "ID", "language": "id"}]
LISTING = [{"queue": "listing"}]


def site(**kw):
    return {"site": "JK", "languages": "id", "headcount": 2.0, "cost_per_fte_month": 5200.0, **kw}


def test_marginal_cost_of_one_more_fte_by_hand():
    # 6 weeks, lead time 2, 5 FTE needed, 2 on staff (see test_optimise_known).
    # One more FTE every week: weeks 0-1 can only be short (2 x 12,000); weeks 2-5 need one
    # more start in week 2 (4 x 1,200) when hiring may change, else 4 x 12,000 short.
    inp = make_inputs(markets=ID, queues=LISTING, sites=[site(lead_weeks=2)], weeks=6)
    r = optimise(inp, requirements_frame(inp, {("ID", "listing"): 5}))
    mc = r.marginal_cost.iloc[0]
    assert mc["weeks"] == 6
    assert mc["extra_cost_with_hiring"] == pytest.approx(24_000 + 4_800)
    assert mc["extra_cost_fixed_hires"] == pytest.approx(6 * 12_000)
    assert mc["per_fte_week_with_hiring"] == pytest.approx(28_800 / 6)


def test_marginal_cost_matches_a_fresh_solve_with_one_more_fte():
    inp = make_inputs(
        markets=ID, queues=[{"queue": "listing"}, {"queue": "kyc", "inhouse_only": True}],
        sites=[site(headcount=3.0, attrition_month=0.03, lead_weeks=1, ramp=(0.0, 0.5))], weeks=5,
        vendors=[{"vendor": "BPO", "languages": "id", "price_per_fte_month": 3000.0, "max_fte": 2.0}],
        solver=SolverSettings(integer_hires=False))
    need = {("ID", "listing"): [3.0, 4.0, 5.0, 5.0, 6.0], ("ID", "kyc"): [1.0, 1.0, 2.0, 2.0, 2.0]}
    base = optimise(inp, requirements_frame(inp, need))
    # one more FTE per week spread over the queues by their share of the week's need
    total = [a + b for a, b in zip(*need.values(), strict=True)]
    more = {k: [x + x / t for x, t in zip(v, total, strict=True)] for k, v in need.items()}
    again = optimise(inp, requirements_frame(inp, more))
    assert base.marginal_cost["extra_cost_with_hiring"].iloc[0] == pytest.approx(
        again.objective - base.objective, rel=1e-6)


def test_shadow_price_of_a_headcount_cap_by_hand():
    # cap 8, need 10 for 4 weeks: one more head allowed saves 4 x 12,000 short at 4 x 1,200
    inp = make_inputs(markets=ID, queues=LISTING, weeks=4, sites=[site(headcount=5.0, max_headcount=8.0)])
    r = optimise(inp, requirements_frame(inp, {("ID", "listing"): 10}))
    row = r.binding[r.binding["limit"] == "max_headcount"].iloc[0]
    assert row["subject"] == "JK" and row["binding_weeks"] == 4
    assert row["saving_with_hiring"] == pytest.approx(4 * 12_000 - 4 * 1_200)
    assert row["saving_fixed_hires"] == pytest.approx(0)   # the hiring plan is held fixed


def test_shadow_price_of_a_vendor_cap_matches_a_fresh_solve():
    vendor = {"vendor": "BPO", "languages": "id", "price_per_fte_month": 2600.0, "max_fte": 3.0}
    inp = make_inputs(markets=ID, queues=LISTING, weeks=4, sites=[site(headcount=0.0)], vendors=[vendor])
    req = requirements_frame(inp, {("ID", "listing"): 10})
    r = optimise(inp, req)
    row = r.binding[r.binding["limit"] == "vendor_max"].iloc[0]
    # one more vendor FTE replaces one in-house head: (1,200 - 600) x 4 weeks
    assert row["saving_with_hiring"] == pytest.approx(2_400)
    assert row["shadow_price_with_hiring"] == pytest.approx(2_400)
    bigger = dataclasses.replace(inp, vendors=inp.vendors.assign(max_fte=4.0))
    assert r.objective - optimise(bigger, req).objective == pytest.approx(2_400)


def test_budget_below_unavoidable_cost_overruns_and_explains():
    # 20 heads on staff cost 20 x 1,200 x 4 = 96,000 in 4 weeks; the quarter's budget is
    # pro-rated to 4/13 of 130,000 = 40,000: the plan is not infeasible, it overruns by 56,000
    # and leaves the extra need uncovered with reason "budget"
    inp = make_inputs(markets=ID, queues=LISTING, weeks=4, sites=[site(headcount=20.0)],
                      solver=SolverSettings(budget_per_quarter=130_000.0))
    r = optimise(inp, requirements_frame(inp, {("ID", "listing"): 25}))
    assert r.status is PlanStatus.OPTIMAL
    b = r.budget.iloc[0]
    assert b["budget"] == pytest.approx(40_000)
    assert b["cost"] == pytest.approx(96_000)
    assert b["overrun"] == pytest.approx(56_000)
    assert r.sites["starts"].sum() == 0
    assert r.shortfall["fte"].tolist() == pytest.approx([5, 5, 5, 5])
    assert set(r.shortfall["reason_code"]) == {"budget"}
    assert "2027Q1 budget of 40,000 is spent" in r.shortfall["reason"].iloc[0]


def test_budget_that_fits_is_spent_before_shortfall():
    # budget 4/13 x 169,000 = 52,000; 5 heads on staff cost 5 x 1,200 x 4 = 24,000, leaving
    # 28,000: 5 more heads for all 4 weeks (24,000) and a 6th from week 1 (3 x 1,200 = 3,600)
    # fit, a 6th from week 0 (4,800) does not: 1 FTE short in week 0 only
    inp = make_inputs(markets=ID, queues=LISTING, weeks=4, sites=[site(headcount=5.0)],
                      solver=SolverSettings(budget_per_quarter=169_000.0))
    r = optimise(inp, requirements_frame(inp, {("ID", "listing"): 11}))
    assert r.sites["starts"].tolist() == [5, 1, 0, 0]
    assert r.total_cost == pytest.approx(24_000 + 24_000 + 3_600)
    assert r.shortfall["fte"].tolist() == pytest.approx([1])
    assert r.budget["overrun"].iloc[0] == pytest.approx(0)
    assert r.shortfall["reason_code"].tolist() == ["budget"]


def test_fallback_reason_is_cost():
    # a hire for the last week only, ramping at 0.1: 1 productive tenth costs more than short
    inp = make_inputs(markets=ID, queues=LISTING, weeks=2, sites=[site(headcount=0.0, ramp=(0.1,))],
                      solver=SolverSettings(shortfall_penalty=1000.0))
    r = optimise(inp, requirements_frame(inp, {("ID", "listing"): [0.0, 1.0]}))
    assert r.shortfall_fte_weeks == pytest.approx(1)
    assert r.shortfall["reason_code"].tolist() == ["cost"]


def test_warm_re_solve_equals_a_cold_re_solve():
    from devtools.synthetic import synthetic
    from planning.optimise.build import build_model
    from planning.optimise.data import build_data
    from planning.optimise.solve import rhs_change, solve

    inp, req = synthetic(n_markets=4, n_weeks=8, n_queues=2)
    d = build_data(inp, req)
    lp = build_model(d, integer=False)
    base = solve(lp, time_limit_s=30, mip_gap=1e-4, mip=False).objective
    rows = list(lp.con["cover"].values())[:5] + list(lp.con["vendor_max"].values())[:1]
    changes = [(c, 1.0) for c in rows]
    warm = rhs_change(lp, changes, base)
    cold = rhs_change(lp, changes, base, warm=False)
    assert warm == pytest.approx(cold, rel=1e-7, abs=1e-6)
    assert warm != 0
    # the model is restored: the same change again gives the same answer
    assert rhs_change(lp, changes, base) == pytest.approx(warm, rel=1e-7, abs=1e-6)


def test_vendor_cap_and_in_house_floor_reasons():
    # in-house: 2 heads, capped at 2; vendor capped at 3; floor 50%:
    # need 10 -> in-house 2, vendor at most 2 (the floor), 6 short every week
    inp = make_inputs(
        markets=[{"market": "ID", "language": "id", "min_inhouse_share": 0.5}], queues=LISTING,
        weeks=2, sites=[site(max_headcount=2.0)],
        vendors=[{"vendor": "BPO", "languages": "id", "price_per_fte_month": 2600.0, "max_fte": 3.0}])
    r = optimise(inp, requirements_frame(inp, {("ID", "listing"): 10}))
    assert r.shortfall["fte"].tolist() == pytest.approx([6, 6])
    assert r.quarterly["vendor_fte"].iloc[0] == pytest.approx(2)
    codes = set(r.shortfall["reason_code"].iloc[0].split(";"))
    assert codes == {"headcount_cap", "inhouse_floor"}   # the vendor is not at its cap
    assert "at least 50% of market ID's work must be done in-house" in r.shortfall["reason"].iloc[0]


def test_vendor_cap_reason():
    inp = make_inputs(markets=ID, queues=LISTING, weeks=2,
                      vendors=[{"vendor": "BPO", "languages": "id", "price_per_fte_month": 2600.0,
                                "max_fte": 3.0}])
    r = optimise(inp, requirements_frame(inp, {("ID", "listing"): 5}))
    assert r.shortfall["fte"].tolist() == pytest.approx([2, 2])
    assert set(r.shortfall["reason_code"]) == {"vendor_cap"}
    assert "BPO is at its max_fte of 3 in 2027Q1" in r.shortfall["reason"].iloc[0]
