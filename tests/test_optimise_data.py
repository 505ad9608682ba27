"""Step 1 (data): parameters, defaults and requirement checks."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from devtools.synthetic import make_inputs, requirements_frame
from planning.errors import InputError
from planning.inputs.scenario import SolverSettings
from planning.optimise.data import build_data


def _inputs(**solver):
    return make_inputs(
        markets=[{"market": "ID", "language": "id"}, {"market": "TH", "language": "th"}],
        queues=[{"queue": "listing"}, {"queue": "kyc", "inhouse_only": True}],
        sites=[{"site": "JK", "languages": "id", "headcount": 1.0, "cost_per_fte_month": 5200.0,
                "attrition_month": 0.1}],
        vendors=[{"vendor": "BPO", "languages": "th;id", "price_per_fte_month": 6500.0,
                  "markets": ("TH",)}],
        weeks=3, solver=SolverSettings(**solver))


def test_weekly_costs_survival_and_default_penalty():
    inp = _inputs()
    d = build_data(inp, requirements_frame(inp, {("ID", "listing"): 1}))
    assert d.sites[0].weekly_cost == pytest.approx(1200)
    assert d.vendors[0].weekly_price == pytest.approx(1500)
    assert d.sites[0].survival == pytest.approx(0.9 ** (12 / 52))
    assert d.penalty == pytest.approx(15_000)           # 10 x the vendor's 1,500
    assert d.time_limit_s == 60 and d.mip_gap == 1e-4   # contract defaults


def test_penalty_and_solver_overrides():
    inp = _inputs(shortfall_penalty=500.0, time_limit_s=5.0)
    d = build_data(inp, requirements_frame(inp, {("ID", "listing"): 1}), mip_gap=0.01)
    assert d.penalty == 500 and d.time_limit_s == 5 and d.mip_gap == 0.01


def test_eligibility():
    inp = _inputs()
    d = build_data(inp, requirements_frame(inp, {("ID", "listing"): 1, ("ID", "kyc"): 1,
                                                  ("TH", "listing"): 1, ("TH", "kyc"): 1}))
    assert d.eligible[("ID", "listing")] == ("JK",)     # BPO is contracted for TH only
    assert d.eligible[("TH", "listing")] == ("BPO",)
    assert d.eligible[("TH", "kyc")] == ()              # in-house only, no site reviews th


def test_zero_and_out_of_plan_rows_are_dropped():
    inp = _inputs()
    req = requirements_frame(inp, {("ID", "listing"): [0.0, 2.0, 3.0]})
    extra = pd.DataFrame({"market": ["ID"], "queue": ["listing"],
                          "week": [pd.Timestamp("2027-06-07")], "required_fte": [9.0]})
    d = build_data(inp, pd.concat([req, extra], ignore_index=True))
    assert d.required == {("ID", "listing", 1): 2.0, ("ID", "listing", 2): 3.0}


def test_bad_requirement_rows_are_input_errors():
    inp = _inputs()
    req = requirements_frame(inp, {("ID", "listing"): 1, ("XX", "listing"): 1})
    req.loc[0, "required_fte"] = -1.0
    req = pd.concat([req, req.iloc[[1]]], ignore_index=True)
    with pytest.raises(InputError) as err:
        build_data(inp, req)
    text = str(err.value)
    assert "requirements row 2: required_fte = -1.0, a number >= 0" in text
    assert "requirements row 5: market = XX, a market of the markets table" in text
    assert "this one repeats" in text


def test_a_vendor_named_like_a_site_is_an_input_error():
    inp = _inputs()
    inp = dataclasses.replace(inp, vendors=inp.vendors.assign(vendor="JK"))
    with pytest.raises(InputError, match="vendors row 2: vendor = JK"):
        build_data(inp, requirements_frame(inp, {("ID", "listing"): 1}))


def test_budget_is_pro_rated_to_planned_weeks():
    inp = dataclasses.replace(_inputs(budget_per_quarter=1_300.0))
    d = build_data(inp, requirements_frame(inp, {("ID", "listing"): 1}))
    assert d.budget == {"2027Q1": pytest.approx(1_300 * 3 / 13)}


def test_names_the_solver_cannot_tell_apart_are_input_errors():
    inp = make_inputs(
        markets=[{"market": "ID", "language": "id"}], queues=[{"queue": "listing"}],
        sites=[{"site": n, "languages": "id", "headcount": 1.0, "cost_per_fte_month": 1.0}
               for n in ("Kuala Lumpur", "Kuala_Lumpur")])
    with pytest.raises(InputError, match="sites row 3: site = Kuala_Lumpur, a name that differs"):
        build_data(inp, requirements_frame(inp, {("ID", "listing"): 1}))


def test_no_requirement_at_all_still_plans():
    from planning.optimise import PlanStatus, optimise

    inp = _inputs()
    empty = requirements_frame(inp, {}).iloc[0:0]
    r = optimise(inp, empty)
    assert r.status is PlanStatus.OPTIMAL
    # 1 head on staff, no hires; cost = 1200 x (s + s^2 + s^3), s = 0.9 ** (12/52)
    s = 0.9 ** (12 / 52)
    assert r.total_cost == pytest.approx(1200 * (s + s**2 + s**3))
    # no market has work: the only quarterly row holds the idle staff's cost, so the quarter
    # costs still add up to the total
    assert r.shortfall.empty
    assert r.quarterly["market"].tolist() == ["(unallocated)"]
    assert r.quarterly["required_fte"].tolist() == [0.0]
    assert r.quarterly["cost"].sum() == pytest.approx(1200 * (s + s**2 + s**3))
