"""Cost per quarter and per market-quarter (planning/optimise/costs.py), and plan.json's
``quarterly`` costs with overtime and vendor surge on: every figure worked out by hand."""

from __future__ import annotations

import pandas as pd
import pytest
from cost_fixtures import Q1_COST, Q2_COST, overtime_and_surge_plan

from planning.optimise import PlanStatus
from planning.optimise.costs import (
    UNALLOCATED,
    market_quarter_costs,
    pool_quarter_costs,
    quarter_costs,
)

# Hand-made tables: site JK two weeks of 2027Q1 and one of Q2; vendor BPO in both quarters.
SITES = pd.DataFrame({"site": ["JK"] * 3, "week": ["2027-03-22", "2027-03-29", "2027-04-05"],
                      "cost": [1000.0, 1100.0, 1200.0], "overtime_cost": [0.0, 90.0, 0.0]})
VENDORS = pd.DataFrame({"vendor": ["BPO", "BPO"], "quarter": ["2027Q1", "2027Q2"],
                        "cost": [500.0, 250.0]})
SURGE = pd.DataFrame({"vendor": ["BPO"], "week": ["2027-03-29"], "cost": [70.0]})
# JK works 3 FTE-weeks for ID and 1 for MY in Q1, nothing in Q2; BPO only MY in Q1 and Q2
ALLOC = pd.DataFrame({"pool": ["JK", "JK", "JK", "BPO", "BPO"],
                      "market": ["ID", "ID", "MY", "MY", "MY"],
                      "week": ["2027-03-22", "2027-03-29", "2027-03-29", "2027-03-22", "2027-04-05"],
                      "fte": [2.0, 1.0, 1.0, 4.0, 4.0]})


def test_quarter_costs_include_overtime_and_surge():
    q = quarter_costs(SITES, VENDORS, SURGE).set_index("quarter")
    assert q.loc["2027Q1"].tolist() == pytest.approx([2100, 90, 500, 70, 2760])
    assert q.loc["2027Q2"].tolist() == pytest.approx([1200, 0, 250, 0, 1450])
    pools = pool_quarter_costs(SITES, VENDORS, SURGE)
    assert pools[["pool", "pool_type", "quarter", "cost"]].values.tolist() == [
        ["JK", "site", "2027Q1", 2190.0], ["JK", "site", "2027Q2", 1200.0],
        ["BPO", "vendor", "2027Q1", 570.0], ["BPO", "vendor", "2027Q2", 250.0]]


def test_market_attribution_by_fte_weeks_worked_in_the_quarter():
    got = market_quarter_costs(SITES, VENDORS, ALLOC, SURGE)
    rows = {(q, m): c for q, m, c in got.itertuples(index=False)}
    # Q1: JK's 2190 split 3:1 between ID and MY; BPO's 570 all MY
    assert rows[("2027Q1", "ID")] == pytest.approx(2190 * 3 / 4)
    assert rows[("2027Q1", "MY")] == pytest.approx(2190 / 4 + 570)
    # Q2: JK worked for nobody: its 1200 stays unallocated; BPO's 250 to MY
    assert rows[("2027Q2", UNALLOCATED)] == pytest.approx(1200)
    assert rows[("2027Q2", "MY")] == pytest.approx(250)
    assert got["cost"].sum() == pytest.approx(2760 + 1450)


def test_no_plan_tables_cost_nothing():
    assert quarter_costs(None, None).empty
    assert market_quarter_costs(pd.DataFrame(), pd.DataFrame(), pd.DataFrame()).empty


def test_plan_json_quarter_costs_add_up_with_overtime_and_surge():
    _, r = overtime_and_surge_plan()
    assert r.status is PlanStatus.OPTIMAL and r.shortfall.empty
    assert r.total_cost == pytest.approx(Q1_COST + Q2_COST)
    doc = r.to_json()
    assert doc["overtime"]["cost"] == pytest.approx(9_000)
    assert doc["surge"]["cost"] == pytest.approx(7_200)
    cost = {(row["quarter"], row["market"]): row["cost"] for row in doc["quarterly"]}
    assert cost == pytest.approx({("2027Q1", "ID"): 50 * 1200 * 3 + 9_000,
                                  ("2027Q1", "MY"): 7_200 + 7_200,
                                  ("2027Q2", "ID"): 50 * 1200, ("2027Q2", "MY"): 2_400})
    assert sum(cost.values()) == pytest.approx(doc["total_cost"])
    assert [r["attributed_cost"] for r in doc["ask"]["markets"]] == [
        row["cost"] for row in doc["quarterly"]]
    q = quarter_costs(r.sites, r.vendors, r.surge).set_index("quarter")
    assert q["cost"].tolist() == pytest.approx([Q1_COST, Q2_COST])
    assert q.loc["2027Q1", ["overtime_cost", "surge_cost"]].tolist() == pytest.approx([9_000, 7_200])
