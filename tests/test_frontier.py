"""Cost-vs-risk frontier (planning.risk.frontier) on a case whose plans are known by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from planning.errors import InputError
from planning.inputs.loading import load_inputs
from planning.risk.frontier import cost_risk_frontier, frontier_forecast
from planning.risk.simulate import RiskSettings

WEEKS = 13
# one site that hires freely (no lead time, no ramp, no attrition, no hiring cost)
SITES = """
    site,languages,headcount,cost_per_fte_month,hire_cost,lead_weeks
    Jakarta,id;en,0,1300,0,0
"""


@pytest.fixture
def inputs(tiny):
    return load_inputs(tiny(sites__csv=SITES, vendors__csv=None,
                            scenario__toml=f'[plan]\nstart = "2027-01-04"\nweeks = {WEEKS}\n'))


def forecast(p10: float, p50: float, p90: float) -> pd.DataFrame:
    days = pd.date_range("2027-01-04", periods=7 * WEEKS, freq="D")
    return pd.DataFrame({"market": "ID", "queue": "listing", "date": days,
                         "p10": p10, "p50": p50, "p90": p90})


def test_frontier_by_hand(inputs):
    # listing: cases x (1 - 0.5) x 6 min: P50 400/day -> 20 h/day -> 140/23.8 = 5.88 FTE -> 6
    # whole hires (5 would leave 0.88 FTE short each week at 10 x 300/week, dearer than a
    # 6th at 300/week). P90 480/day -> 24 h/day -> 7.06 FTE: 7 hires, and the last 0.06 FTE
    # is cheaper short (0.06 x 3000 = 176/week) than an 8th hire (300/week). Headcount never
    # falls (no attrition): the plan hires in week 0 and pays 13 weeks x hires x 1300 x 12/52.
    out = cost_risk_frontier(inputs, quantiles=(0.5, 0.9), forecast=forecast(320, 400, 480),
                             settings=RiskSettings(paths=300))
    pts = out.points.set_index("quantile")
    weekly = 1300 * 12 / 52
    assert pts.loc[0.5, "total_cost"] == pytest.approx(13 * 6 * weekly, rel=1e-6)
    assert pts.loc[0.9, "total_cost"] == pytest.approx(13 * 7 * weekly, rel=1e-6)
    assert pts.loc[0.5, "shortfall_fte_weeks"] == pytest.approx(0.0, abs=1e-6)
    assert pts.loc[0.9, "shortfall_fte_weeks"] == pytest.approx(13 * (168 / 23.8 - 7), rel=1e-6)
    # more staff, same random paths: the probability of meeting the SLA cannot fall
    assert pts.loc[0.9, "p_meet_weighted"] >= pts.loc[0.5, "p_meet_weighted"]
    # capacity 7 x 23.8 / 7 = 23.8 h/day against a median of 20 h: far more paths make it
    # than with 5.88 x 23.8 / 7 = 20 h/day (sla_target 1: every case within a day)
    assert pts.loc[0.9, "p_meet_weighted"] - pts.loc[0.5, "p_meet_weighted"] > 0.5
    assert set(out.markets["market"]) == {"ID"}


def test_certain_volumes_give_certain_answers(inputs):
    # no uncertainty: both plans cover 400 cases/day, so both meet the SLA for sure
    out = cost_risk_frontier(inputs, quantiles=(0.5, 0.9), forecast=forecast(400, 400, 400),
                             settings=RiskSettings(paths=10, aht_cv=0.0))
    assert out.points["p_meet_weighted"].tolist() == [1.0, 1.0]
    assert out.points["total_cost"].nunique() == 1


def test_missing_quantile_column_is_skipped_with_a_note(inputs):
    out = cost_risk_frontier(inputs, quantiles=(0.5, 0.95), forecast=forecast(320, 400, 480),
                             settings=RiskSettings(paths=10))
    assert out.points["quantile"].tolist() == [0.5]
    assert any("p95" in n for n in out.notes)


def test_requirements_table_cannot_make_a_frontier(inputs):
    import dataclasses

    req = pd.DataFrame({"market": ["ID"], "queue": ["listing"],
                        "week": [pd.Timestamp("2027-01-04")], "required_fte": [1.0]})
    with pytest.raises(InputError, match="requirements"):
        cost_risk_frontier(dataclasses.replace(inputs, requirements=req))


def test_frontier_forecast_reuses_a_complete_forecast(inputs):
    fc = forecast(320, 400, 480).assign(p70=430.0, p80=450.0, p95=500.0)
    assert frontier_forecast(inputs, (0.5, 0.7, 0.8, 0.9, 0.95), reuse=fc) is fc
    # the tiny inputs have no volumes: an incomplete forecast cannot be completed
    with pytest.raises(InputError, match="volumes"):
        frontier_forecast(inputs, (0.5, 0.7), reuse=forecast(320, 400, 480))
