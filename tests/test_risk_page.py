"""The Plan-page panels of ui/risk_panels.py render real results (Streamlit AppTest)."""

from __future__ import annotations

import pickle

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from planning.inputs.loading import load_inputs
from planning.risk.compliance import compliance_table
from planning.risk.frontier import cost_risk_frontier
from planning.risk.simulate import RiskSettings
from ui.risk_panels import frontier_figure, market_risk_frame

SITES = """
    site,languages,headcount,cost_per_fte_month,hire_cost,lead_weeks
    Jakarta,id;en,0,1300,0,0
"""


@pytest.fixture
def results(tiny, tmp_path):
    inputs = load_inputs(tiny(sites__csv=SITES, vendors__csv=None))
    days = pd.date_range("2027-01-04", periods=14, freq="D")
    fc = pd.DataFrame({"market": "ID", "queue": "listing", "date": days,
                       "p10": 320.0, "p50": 400.0, "p90": 480.0})
    front = cost_risk_frontier(inputs, quantiles=(0.5, 0.9), forecast=fc,
                               settings=RiskSettings(paths=50))
    risk = front.risks[0.5]
    alloc = pd.DataFrame({"pool": "Jakarta", "pool_type": "site", "market": "ID",
                          "queue": "listing", "week": pd.Timestamp("2027-01-04"), "fte": [3.0]})
    path = tmp_path / "results.pkl"
    path.write_bytes(pickle.dumps((risk, front, compliance_table(inputs, alloc))))
    return path, risk, front


def panels(path: str) -> None:
    import pickle
    from pathlib import Path

    from ui.risk_panels import render_compliance, render_frontier, render_risk_panel

    risk, front, table = pickle.loads(Path(path).read_bytes())
    render_risk_panel(risk)
    render_frontier(front, current_quantile=0.5)
    render_compliance(table)
    render_risk_panel(None, key="empty_risk")
    render_frontier(None, key="empty_frontier")


def test_panels_render(results):
    path, risk, _ = results
    at = AppTest.from_function(panels, args=(str(path),), default_timeout=60).run()
    assert not at.exception
    heads = [h.value for h in at.subheader]
    assert heads[:3] == ["SLA risk", "Cost against SLA risk",
                         "Moderation staff per language (DSA transparency)"]
    metric = at.metric[0]
    assert metric.value == f"{risk.overall['p_meet_weighted'].iloc[0]:.0%}"
    assert len(at.get("download_button")) == 2


def test_figures_show_the_numbers(results):
    _, risk, front = results
    frame = market_risk_frame(risk.markets)
    assert frame.loc["ID", "2027Q1"] == risk.markets["p_all_queues_meet"].iloc[0]
    fig = frontier_figure(front.points, current_quantile=0.9)
    assert list(fig.data[0].x) == front.points["total_cost"].tolist()
    assert list(fig.data[0].y) == pytest.approx((front.points["p_meet_weighted"] * 100).tolist())
    assert list(fig.data[0].text) == ["P50", "P90"]
    assert len(fig.data) == 2  # the scenario's own quantile is marked


@pytest.fixture
def confidence_results(tmp_path):
    from confidence_fixtures import confidence_forecast, confidence_inputs

    from planning.risk.confidence import ConfidenceSettings, plan_to_confidence
    from planning.risk.confidence_frontier import confidence_frontier

    inputs, fc = confidence_inputs(tmp_path), confidence_forecast()
    base = ConfidenceSettings(0.9, paths=200)
    plan = plan_to_confidence(inputs, fc, base, explain=False).plan
    front = confidence_frontier(inputs, fc, targets=(0.6, 0.9), base=base)
    path = tmp_path / "confidence.pkl"
    path.write_bytes(pickle.dumps((plan, front)))
    return path, plan, front


def confidence_panels(path: str) -> None:
    import pickle
    from pathlib import Path

    from ui.risk_panels import render_confidence, render_confidence_frontier

    plan, front = pickle.loads(Path(path).read_bytes())
    render_confidence(plan)
    render_confidence_frontier(front)
    render_confidence_frontier(None, key="empty_conf")


def test_confidence_panels_show_target_and_achieved(confidence_results):
    from ui.risk_panels import confidence_frontier_figure

    path, plan, front = confidence_results
    at = AppTest.from_function(confidence_panels, args=(str(path),), default_timeout=60).run()
    assert not at.exception
    assert [h.value for h in at.subheader][:2] == ["SLA confidence", "The price of confidence"]
    assert at.metric[0].value == "90%"
    assert at.metric[1].value == f"{plan.confidence['p_meet_sla'].min():.1%}"
    assert at.metric[2].value == f"{len(plan.confidence)} of {len(plan.confidence)}"
    fig = confidence_frontier_figure(front.points)
    assert list(fig.data[0].y) == front.points["total_cost"].tolist()
