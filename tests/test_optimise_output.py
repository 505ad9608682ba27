"""plan.json, the quarterly ask, totals that reconcile, status and reproducibility."""

from __future__ import annotations

import json

import highspy
import pandas as pd
import pytest

from devtools.synthetic import make_inputs, requirements_frame, synthetic
from planning.inputs.scenario import SolverSettings
from planning.optimise import PlanStatus, optimise, write_plan_json
from planning.optimise import solve as solve_module
from planning.optimise.solve import classify


@pytest.fixture(scope="module")
def two_quarters():
    """ID and MY over 16 weeks (2027Q1: 13, Q2: 3) with a vendor, lead time and attrition."""
    inp = make_inputs(
        markets=[{"market": "ID", "language": "id", "min_inhouse_share": 0.5},
                 {"market": "MY", "language": "ms"}, {"market": "TH", "language": "th"}],
        queues=[{"queue": "listing"}, {"queue": "kyc", "inhouse_only": True}],
        sites=[{"site": "JK", "languages": "id;ms", "headcount": 10.0, "cost_per_fte_month": 5200.0,
                "hire_cost": 1000.0, "attrition_month": 0.02, "lead_weeks": 3, "ramp": (0.0, 0.5)}],
        vendors=[{"vendor": "BPO", "languages": "id;ms", "price_per_fte_month": 3900.0,
                  "min_fte": 1.0, "max_fte": 6.0}],
        weeks=16)
    req = requirements_frame(inp, {("ID", "listing"): [8.0 + 0.25 * t for t in range(16)],
                                   ("ID", "kyc"): 2.0, ("MY", "listing"): 3.0, ("TH", "listing"): 1.0})
    return optimise(inp, req), req


def test_plan_json_has_the_contract_keys(two_quarters, tmp_path):
    r, _ = two_quarters
    path = write_plan_json(r, tmp_path / "out" / "plan.json")
    doc = json.loads(path.read_text())
    for key in ("status", "objective", "total_cost", "shortfall_fte_weeks", "sites", "vendors",
                "allocation", "shortfall", "quarterly"):
        assert key in doc
    assert doc["status"] == "optimal"
    assert set(doc["sites"][0]) >= {"site", "week", "headcount", "starts", "productive_fte", "cost"}
    assert set(doc["vendors"][0]) == {"vendor", "quarter", "fte", "cost"}
    assert set(doc["allocation"][0]) >= {"pool", "market", "queue", "week", "fte"}
    assert set(doc["shortfall"][0]) >= {"market", "queue", "week", "fte", "reason"}
    assert set(doc["quarterly"][0]) == {"quarter", "market", "required_fte", "inhouse_fte",
                                        "vendor_fte", "shortfall_fte", "cost"}
    assert doc["sites"][0]["week"] == "2027-01-04"
    assert {q["quarter"] for q in doc["quarterly"]} == {"2027Q1", "2027Q2"}
    assert all(a["fte"] > 0 for a in doc["allocation"])
    assert set(doc["ask"]) == {"sites", "vendors", "markets", "hiring"}
    assert doc["explanations"]["marginal_cost"]


def test_totals_reconcile(two_quarters):
    r, req = two_quarters
    # objective = cost + penalty x shortfall (no budget here)
    assert r.objective == pytest.approx(r.total_cost + r.penalty * r.shortfall_fte_weeks, rel=1e-9)
    assert r.shortfall_fte_weeks == pytest.approx(r.shortfall["fte"].sum())
    # TH is never coverable: 16 weeks x 1 FTE at least
    assert r.shortfall.loc[r.shortfall["market"] == "TH", "fte"].sum() == pytest.approx(16)
    # in-house + vendor + shortfall = required, and required matches the input table
    q = r.quarterly
    assert (q["inhouse_fte"] + q["vendor_fte"] + q["shortfall_fte"]).to_numpy() == pytest.approx(
        q["required_fte"].to_numpy())
    weeks_in = {"2027Q1": 13, "2027Q2": 3}
    req_q = req.assign(quarter=[f"{w.year}Q{w.quarter}" for w in req["week"]]) \
        .groupby(["quarter", "market"])["required_fte"].sum()
    for row in q.itertuples():
        assert row.required_fte == pytest.approx(req_q[(row.quarter, row.market)] / weeks_in[row.quarter])
    # attributed cost adds up to the plan's cost
    assert r.ask_markets["attributed_cost"].sum() == pytest.approx(r.total_cost)
    # site cost per week = 1200 x headcount + 1000 x starts
    s = r.sites
    assert s["cost"].to_numpy() == pytest.approx((1200 * s["headcount"] + 1000 * s["starts"]).to_numpy())


def test_in_house_floor_holds_every_week(two_quarters):
    r, _ = two_quarters
    a = r.allocation[r.allocation["market"] == "ID"].groupby(["week", "pool_type"])["fte"].sum().unstack(fill_value=0)
    assert ((a["site"] + 1e-6) >= 0.5 * (a["site"] + a.get("vendor", 0))).all()


def test_quarterly_ask(two_quarters):
    r, _ = two_quarters
    ask = r.ask_sites.set_index("quarter")
    s = r.sites
    q1_last = s[s["quarter"] == "2027Q1"].iloc[-1]
    assert ask.loc["2027Q1", "end_headcount"] == pytest.approx(q1_last["headcount"])
    assert ask["starts"].sum() == pytest.approx(s["starts"].sum())
    # requisitions open lead_weeks (3) before the first start of the quarter
    h = r.hiring
    assert (h["week"] - h["requisition_week"] == pd.Timedelta(weeks=3)).all()
    for quarter, row in ask.iterrows():
        first = h.loc[h["quarter"] == quarter, "week"].min()
        if pd.isna(first):
            assert pd.isna(row["requisitions_open_by"])
        else:
            assert row["requisitions_open_by"] == first - pd.Timedelta(weeks=3)
    v = r.ask_vendors.set_index("quarter")
    assert v.loc["2027Q2", "cost"] == pytest.approx(3900 * 12 / 52 * 3 * v.loc["2027Q2", "fte"])


def test_reruns_give_the_same_plan():
    inp, req = synthetic(n_markets=6, n_weeks=13, n_queues=3)
    a = optimise(inp, req, explain=False)
    b = optimise(inp, req, explain=False)
    assert a.objective == b.objective
    pd.testing.assert_frame_equal(a.allocation, b.allocation)
    pd.testing.assert_frame_equal(a.sites, b.sites)


def test_status_is_read_from_the_solver():
    assert classify(highspy.HighsModelStatus.kOptimal, True) is PlanStatus.OPTIMAL
    assert classify(highspy.HighsModelStatus.kTimeLimit, True) is PlanStatus.TIME_LIMIT
    assert classify(highspy.HighsModelStatus.kTimeLimit, False) is PlanStatus.ERROR
    assert classify(highspy.HighsModelStatus.kInfeasible, False) is PlanStatus.ERROR


def test_a_time_limited_mip_says_time_limit(monkeypatch):
    # stop at the first plan found (as a time limit would) without racing the machine's speed
    monkeypatch.setitem(solve_module.EXTRA_HIGHS_OPTIONS, "objective_target", 1e30)
    inp, req = synthetic(n_markets=12, n_weeks=26, solver=SolverSettings(mip_gap=0.0))
    r = optimise(inp, req, time_limit_s=60.0, explain=False)
    assert r.status is PlanStatus.TIME_LIMIT
    assert r.gap > 0
    assert r.to_json()["status"] == "time_limit"
    assert r.solve_seconds < 8


def test_error_result_serialises():
    from planning.optimise.run import PlanResult

    doc = PlanResult(PlanStatus.ERROR, message="no plan").to_json()
    assert doc["status"] == "error" and doc["objective"] is None and doc["sites"] == []
    json.dumps(doc, allow_nan=False)


def test_no_sites_no_vendors_is_all_shortfall():
    inp = make_inputs(markets=[{"market": "ID", "language": "id"}], queues=[{"queue": "l"}], weeks=2)
    r = optimise(inp, requirements_frame(inp, {("ID", "l"): 2}))
    assert r.status is PlanStatus.OPTIMAL
    assert r.shortfall_fte_weeks == pytest.approx(4)
    assert r.total_cost == 0
