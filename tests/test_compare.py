"""Scenario diff: deltas by quarter, market and source against hand-computed values, and the
inputs that differ."""

from __future__ import annotations

import copy
import dataclasses

import pytest
from store_fixtures import FORECAST, PLAN, SITE_WEEK_1, SITE_WEEK_2, VENDOR_Q1, as_plan

from planning.inputs.loading import load_inputs
from planning.reports.compare import compare_plans, input_differences


@pytest.fixture
def inputs(tiny):
    return load_inputs(tiny(forecast__csv=FORECAST), stage="plan")


def _more_vendor() -> dict:
    """Plan B: Manila 8 FTE instead of 5, Jakarta without the 2 starts, no shortfall."""
    b = copy.deepcopy(PLAN)
    b["vendors"][0] |= {"fte": 8.0, "cost": 8 * 1900 * 12 / 52 * 2}
    b["sites"][1] |= {"headcount": 10.0, "starts": 0.0, "cost": SITE_WEEK_1}
    b["shortfall"] = []
    b["shortfall_fte_weeks"] = 0.0
    b["quarterly"][1] |= {"vendor_fte": 0.75, "shortfall_fte": 0.0}
    b["total_cost"] = 2 * SITE_WEEK_1 + 8 * 1900 * 12 / 52 * 2
    return b


def test_deltas_by_quarter_market_and_source(inputs):
    c = compare_plans(("A", as_plan(), inputs), ("B", as_plan(_more_vendor()), inputs))
    cost_a = SITE_WEEK_1 + SITE_WEEK_2 + VENDOR_Q1
    cost_b = 2 * SITE_WEEK_1 + 8 * 1900 * 12 / 52 * 2
    totals = c.totals.set_index("metric")
    assert totals.loc["total_cost", "delta"] == pytest.approx(cost_b - cost_a)
    assert totals.loc["shortfall_fte_weeks"].tolist() == pytest.approx([1.5, 0.0, -1.5])
    q = c.by_quarter.iloc[0]
    assert q["quarter"] == "2027Q1"
    assert q[["cost_a", "cost_b"]].tolist() == pytest.approx([cost_a, cost_b])
    assert q[["inhouse_headcount_a", "inhouse_headcount_b", "inhouse_headcount_delta"]].tolist() == [
        12, 10, -2]
    assert q[["vendor_fte_a", "vendor_fte_b", "vendor_fte_delta"]].tolist() == [5, 8, 3]
    assert q[["shortfall_fte_weeks_a", "shortfall_fte_weeks_b"]].tolist() == pytest.approx([1.5, 0])
    market = c.by_market.set_index("market")
    assert market.loc["ID", "vendor_fte_delta"] == pytest.approx(0.75)
    assert market.loc["ID", "shortfall_fte_delta"] == pytest.approx(-0.75)
    assert market.loc["GB", "vendor_fte_delta"] == 0
    pool = c.by_pool.set_index("pool")
    assert pool.loc["Manila", "cost_delta"] == pytest.approx(3 * 1900 * 12 / 52 * 2)
    assert pool.loc["Jakarta", "fte_delta"] == -2
    text = "\n".join(c.explain())
    assert "in-house headcount -2.0" in text and "vendor FTE +3.0" in text
    assert "Shortfall 1.5 -> 0.0 FTE-weeks (-1.5)" in text
    assert "The inputs are the same" in text


def test_a_quarter_only_one_plan_has_counts_as_zero(inputs):
    b = copy.deepcopy(PLAN)
    b["vendors"].append({"vendor": "Manila", "quarter": "2027Q2", "fte": 1.0, "cost": 100.0})
    c = compare_plans(("A", as_plan(), inputs), ("B", as_plan(b), inputs))
    q2 = c.by_quarter.set_index("quarter").loc["2027Q2"]
    assert (q2["vendor_fte_a"], q2["vendor_fte_b"], q2["cost_delta"]) == (0, 1, 100)


def test_input_differences_name_the_key_and_cell(inputs, tiny):
    other = load_inputs(tiny(
        forecast__csv=FORECAST.replace("ID,listing,2027-01-05,400", "ID,listing,2027-01-05,450"),
        vendors__csv="vendor,languages,price_per_fte_month,min_fte,max_fte,markets\n"
                     "Manila,en,2000,0,20,GB\nCebu,en,1500,0,10,GB"), stage="plan")
    other = dataclasses.replace(other, scenario=other.scenario.replace("levers",
                                                                       volume_multiplier=1.1))
    diffs = input_differences(inputs, other)
    rows = {tuple(r) for r in diffs.itertuples(index=False)}
    assert ("scenario", "levers.volume_multiplier", "value", "1.0", "1.1") in rows
    assert ("vendors", "vendor=Manila", "price_per_fte_month", "1900.0", "2000.0") in rows
    assert ("forecast", "market=ID, queue=listing, date=2027-01-05", "p50", "400.0", "450.0") in rows
    cebu = diffs[(diffs["table"] == "vendors") & (diffs["key"] == "vendor=Cebu")]
    assert cebu[["column", "a"]].values.tolist() == [["(row)", "absent"]]
    assert "price_per_fte_month=1500.0" in cebu["b"].iloc[0]
    assert len(diffs) == 4  # nothing else differs
    assert input_differences(inputs, inputs).empty
    text = "\n".join(compare_plans(("A", as_plan(), inputs), ("B", as_plan(), other)).explain())
    assert "Volume multiplier: x1 -> x1.1" in text
    assert "vendors: 2 difference(s)" in text


def test_quarter_and_pool_costs_add_up_with_overtime_and_surge():
    """A (overtime and surge used) against B (no surge row: MY's peak contracted for all of
    Q1, 12 x 600 x 3 = 21,600 instead of 4 x 600 x 3 + 8 x 900 = 14,400): the quarter costs
    include overtime and surge, and the site and vendor cost changes (the waterfall's steps)
    add up to the change of the total."""
    from cost_fixtures import Q1_COST, Q2_COST, overtime_and_surge_plan

    inp, a = overtime_and_surge_plan()
    _, b = overtime_and_surge_plan(surge=False)
    c = compare_plans(("A", a, inp), ("B", b, inp))
    q1_b = Q1_COST - 14_400 + 21_600
    by_quarter = c.by_quarter.set_index("quarter")
    assert by_quarter["cost_a"].tolist() == pytest.approx([Q1_COST, Q2_COST])
    assert by_quarter["cost_b"].tolist() == pytest.approx([q1_b, Q2_COST])
    pool = c.by_pool.set_index(["quarter", "pool"])
    assert pool.loc[("2027Q1", "JK"), "cost_a"] == pytest.approx(50 * 1200 * 3 + 9_000)
    assert pool.loc[("2027Q1", "BPO"), ["cost_a", "cost_b"]].tolist() == pytest.approx(
        [14_400, 21_600])
    total = c.totals.set_index("metric").loc["total_cost"]
    assert total[["a", "b"]].tolist() == pytest.approx([Q1_COST + Q2_COST, q1_b + Q2_COST])
    assert c.by_pool["cost_delta"].sum() == pytest.approx(total["delta"])
    assert c.by_quarter["cost_a"].sum() == pytest.approx(total["a"])


def test_setting_differences_read_as_words():
    from planning.reports.compare import setting_change

    assert setting_change("solver.budget_per_quarter", None, 17e6) == \
        "Budget per quarter: none -> 17,000,000 USD"
    assert setting_change("solver.budget_per_quarter", "(unset)", "1.6e7", "EUR") == \
        "Budget per quarter: none -> 16,000,000 EUR"
    assert setting_change("workforce.shrinkage", "0.3", "0.35") == "Shrinkage: 30% -> 35%"
    assert setting_change("plan.quantile", 0.5, 0.9) == "Forecast quantile staffed to: P50 -> P90"
    assert setting_change("solver.integer_hires", "True", "False") == "Whole-person hires: yes -> no"
    assert setting_change("levers.automation_delta", "0.0", "0.05") == \
        "Automation change: +0 points -> +5 points"
