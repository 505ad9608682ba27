"""Weekly KPIs and their traffic lights against values worked out by hand (docs/kpis.md)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from planning.actuals.kpis import compute_kpis
from planning.actuals.score import (
    AMBER,
    GREEN,
    NA,
    RED,
    light,
    operation_scorecard,
    queue_scorecard,
    site_scorecard,
    vendor_scorecard,
)
from planning.actuals.tables import actual_weeks, ignored_weeks
from planning.inputs.loading import load_inputs
from planning.optimise import PlanResult, PlanStatus

WEEKLY = 12 / 52  # monthly -> weekly
ACTUALS = {
    "actual_queues__csv": """
        market,queue,week,cases,automated_cases,manual_cases_closed,aht_minutes,sla_share
        ID,listing,2027-01-04,1100,550,550,6.6,0.97
        ID,listing,2027-01-11,1800,720,1080,7.5,0.90
    """,
    "actual_sites__csv": """
        site,week,headcount,starts,leavers,productive_hours,handled_hours
        Jakarta,2027-01-04,9,0,1,252,214.2
        Jakarta,2027-01-11,11,3,1,280,
    """,
    "actual_vendors__csv": """
        vendor,week,delivered_fte,invoiced_cost
        Manila,2027-01-04,18,7800
        Manila,2027-01-11,20,
    """,
}


@pytest.fixture
def report(tiny):
    inputs = load_inputs(tiny(**ACTUALS))
    req = pd.DataFrame({
        "market": ["ID", "ID"], "queue": ["listing", "listing"],
        "week": pd.to_datetime(["2027-01-04", "2027-01-11"]), "required_fte": [10.0, 20.0],
        "forecast_cases": [1000.0, 2000.0], "automation_rate": [0.5, 0.5], "aht_minutes": [6.0, 6.0]})
    plan = PlanResult(
        PlanStatus.OPTIMAL,
        sites=pd.DataFrame({"site": ["Jakarta"] * 2, "week": pd.to_datetime(["2027-01-04", "2027-01-11"]),
                            "headcount": [10.0, 10.0], "starts": [0.0, 0.0],
                            "cost": [10 * 1600 * WEEKLY] * 2}),
        vendors=pd.DataFrame({"vendor": ["Manila"], "quarter": ["2027Q1"], "fte": [20.0],
                              "cost": [20 * 1900 * WEEKLY * 13]}))
    return inputs, compute_kpis(inputs, req, plan)


def test_queue_kpis_by_hand(report) -> None:
    _, rep = report
    q = rep.queues
    assert q["forecast_error"].tolist() == [-100.0, 200.0]
    assert q["automation_achieved"].tolist() == pytest.approx([0.5, 0.4])
    assert q["aht_drift"].tolist() == pytest.approx([0.1, 0.25])
    s = queue_scorecard(rep, ["market"]).iloc[0]
    assert s["wape"] == pytest.approx(300 / 2900)             # (100 + 200) / (1100 + 1800)
    assert s["bias"] == pytest.approx(100 / 2900)             # (3000 - 2900) / 2900, over-forecast
    assert s["automation_achieved"] == pytest.approx(1270 / 2900)
    assert s["automation_assumed"] == pytest.approx(0.5)
    assert s["aht_minutes"] == pytest.approx((550 * 6.6 + 1080 * 7.5) / 1630)  # by cases closed
    assert s["aht_drift"] == pytest.approx((550 * 6.6 + 1080 * 7.5) / 1630 / 6 - 1)
    assert s["sla_share"] == pytest.approx((1100 * 0.97 + 1800 * 0.90) / 2900)
    assert s["sla_target"] == pytest.approx(1.0)
    assert (s["wape_status"], s["bias_status"], s["automation_status"], s["aht_status"],
            s["sla_status"]) == (AMBER, GREEN, RED, RED, RED)


def test_site_kpis_by_hand(report) -> None:
    _, rep = report
    s = rep.sites.set_index("week")
    w1, w2 = s.loc["2027-01-04"], s.loc["2027-01-11"]
    assert w1["opening_headcount"] == 10 and w2["opening_headcount"] == 9  # today's, then week 1's
    assert w1["attrition_month_actual"] == pytest.approx(1 - (1 - 1 / 10) ** (52 / 12))
    assert w2["attrition_month_actual"] == pytest.approx(1 - (1 - 1 / 9) ** (52 / 12))
    assert w1["shrinkage_achieved"] == pytest.approx(1 - 252 / 360)  # 9 people x 40 h
    assert w1["occupancy"] == pytest.approx(0.85)
    assert w1["utilisation"] == pytest.approx(214.2 / 360)
    assert np.isnan(w2["occupancy"])  # handled hours not measured
    assert w1["headcount_attainment"] == pytest.approx(0.9)
    assert w2["actual_cost"] == pytest.approx(11 * 1600 * WEEKLY)  # hire_cost 0 in this data
    card = site_scorecard(rep).iloc[0]
    assert card["headcount"] == 11 and card["planned_headcount"] == 10  # the latest week
    assert card["attrition_month_actual"] == pytest.approx(1 - (1 - 2 / 19) ** (52 / 12))
    assert card["shrinkage_achieved"] == pytest.approx(1 - 532 / 800)
    assert card["occupancy"] == pytest.approx(0.85)  # only the week that measured it
    assert card["utilisation"] == pytest.approx(214.2 / 360)
    assert (card["headcount_status"], card["occupancy_status"], card["attrition_status"]) == (
        RED, GREEN, RED)


def test_vendor_and_operation_kpis_by_hand(report) -> None:
    _, rep = report
    v = rep.vendors
    assert v["fte_attainment"].tolist() == pytest.approx([0.9, 1.0])
    assert v["actual_cost"].tolist() == pytest.approx([7800, 20 * 1900 * WEEKLY])  # no invoice
    card = vendor_scorecard(rep).iloc[0]
    assert card["fte_attainment"] == pytest.approx(19 / 20)
    assert card["vendor_fte_status"] == AMBER  # 5 % short: amber up to and including 5 %
    op = rep.operation.set_index("week")
    week1_actual = 9 * 1600 * WEEKLY + 7800
    week1_plan = 10 * 1600 * WEEKLY + 20 * 1900 * WEEKLY
    assert op.loc["2027-01-04", "actual_cost"] == pytest.approx(week1_actual)
    assert op.loc["2027-01-04", "planned_cost"] == pytest.approx(week1_plan)
    assert op.loc["2027-01-04", "cost_per_case"] == pytest.approx(week1_actual / 1100)
    assert op.loc["2027-01-04", "planned_cost_per_case"] == pytest.approx(week1_plan / 1000)
    assert np.isnan(op.loc["2027-01-04", "budget"])  # no budget in the scenario
    q = operation_scorecard(rep).iloc[0]
    assert q["budget_status"] == NA


def test_budget_per_week_is_the_quarter_cap_over_its_mondays(tiny) -> None:
    scenario = '[plan]\nstart = "2027-01-04"\nweeks = 2\n[solver]\nbudget_per_quarter = 13000\n'
    inputs = load_inputs(tiny(scenario__toml=scenario, **ACTUALS))
    rep = compute_kpis(inputs, None, None)
    assert rep.operation["budget"].tolist() == [1000.0, 1000.0]  # 2027Q1 has 13 Mondays


def test_kpis_without_plan_or_requirements_are_nan_not_errors(tiny) -> None:
    inputs = load_inputs(tiny(**ACTUALS))
    rep = compute_kpis(inputs, None, None)
    assert rep.queues["forecast_cases"].isna().all()
    assert rep.sites["headcount_attainment"].isna().all()
    assert rep.variance.empty
    assert queue_scorecard(rep, ["market"])["wape_status"].tolist() == [NA]


def test_weeks_outside_the_plan_are_ignored(tiny) -> None:
    inputs = load_inputs(tiny(actual_sites__csv="""
        site,week,headcount,productive_hours
        Jakarta,2026-12-28,10,280
        Jakarta,2027-01-04,10,280
    """))
    assert list(actual_weeks(inputs)) == [pd.Timestamp("2027-01-04")]
    assert list(ignored_weeks(inputs)) == [pd.Timestamp("2026-12-28")]
    assert len(compute_kpis(inputs, None).sites) == 1


@pytest.mark.parametrize(("kpi", "actual", "planned", "expected"), [
    ("wape", 0.10, np.nan, GREEN), ("wape", 0.1001, np.nan, AMBER), ("wape", 0.21, np.nan, RED),
    ("bias", -0.06, np.nan, AMBER), ("bias", -0.11, np.nan, RED),
    ("sla", 0.95, 0.95, GREEN), ("sla", 0.93, 0.95, AMBER), ("sla", 0.91, 0.95, RED),
    ("aht", 6.3, 6.0, GREEN), ("aht", 6.5, 6.0, AMBER), ("aht", 5.0, 6.0, GREEN),
    ("automation", 0.57, 0.60, AMBER), ("automation", 0.70, 0.60, GREEN),
    ("headcount", 103, 100, AMBER), ("headcount", 94, 100, RED),
    ("cost", 101, 100, GREEN), ("cost", 90, 100, GREEN), ("cost", 106, 100, RED),
    ("occupancy", 0.95, 0.85, RED), ("shrinkage", 0.33, 0.30, AMBER),
    ("wape", np.nan, np.nan, NA), ("headcount", 10, np.nan, NA),
])
def test_traffic_light_thresholds(kpi, actual, planned, expected) -> None:
    assert light(kpi, np.array([actual]), np.array([planned]))[0] == expected


def test_a_requirements_table_without_drivers_still_gives_planned_fte(tiny) -> None:
    inputs = load_inputs(tiny(**ACTUALS))
    req = pd.DataFrame({"market": ["ID"], "queue": ["listing"], "week": pd.to_datetime(["2027-01-04"]),
                        "required_fte": [7.0]})
    rep = compute_kpis(inputs, req)
    assert rep.queues["planned_fte"].tolist()[0] == 7.0
    assert rep.queues["forecast_cases"].isna().all() and rep.variance.empty
