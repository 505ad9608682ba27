"""The pipeline the app and the CLI share: stages start from whatever table the user brings."""

from __future__ import annotations

import pandas as pd
import pytest
from confidence_fixtures import confidence_forecast, confidence_inputs
from conftest import count_calls

from planning import pipeline
from planning.disk_cache import DiskCache
from planning.errors import InputError
from planning.inputs.loading import load_inputs
from planning.pipeline import input_commitments, plan_risk, run_plan
from planning.risk.simulate import RiskSettings, risk_key, simulate_risk

REQUIREMENTS = "market,queue,week,required_fte\nID,listing,2027-01-04,4\nID,listing,2027-01-11,4\n"


def test_committed_hires_and_signed_contracts_bind_the_plan(tiny):
    # Jakarta has 10 heads and needs 4: left alone the plan hires nobody and buys no vendor FTE.
    free = run_plan(load_inputs(tiny(requirements__csv=REQUIREMENTS), stage="plan")).plan
    assert free.sites["starts"].sum() == 0 and free.vendors["fte"].sum() == 0
    data = tiny(requirements__csv=REQUIREMENTS,
                committed_starts__csv="site,week,starts\nJakarta,2027-01-11,3\n",
                signed_vendor_fte__csv="vendor,quarter,fte\nManila,2027Q1,5\n")
    inputs = load_inputs(data, stage="plan")
    plan = run_plan(inputs).plan
    starts = plan.sites.set_index("week")["starts"]
    # week 1 lies inside Jakarta's 4-week lead time: exactly the 3 hires already made
    assert starts[pd.Timestamp("2027-01-11")] == 3 and starts.sum() == 3
    assert plan.vendors.set_index("quarter")["fte"]["2027Q1"] == pytest.approx(5.0)
    # cost: 10 heads in week 0, 13 in week 1 at 1,600 x 12 / 52; 5 vendor FTE x 1,900 x 12 / 52, 2 weeks
    expected = (10 + 13) * 1600 * 12 / 52 + 2 * 5 * 1900 * 12 / 52
    assert plan.total_cost == pytest.approx(expected)


def test_no_commitment_tables_means_no_commitments(tiny):
    assert input_commitments(load_inputs(tiny())) is None


def test_commitments_name_known_sites_and_quarters(tiny):
    with pytest.raises(InputError) as info:
        load_inputs(tiny(committed_starts__csv="site,week,starts\nLagos,2027-01-12,3\n",
                         signed_vendor_fte__csv="vendor,quarter,fte\nManila,Q1-2027,5\n"))
    assert [i.message() for i in info.value.errors] == [
        "committed_starts row 2: site = Lagos, is not in the sites table",
        "committed_starts row 2: week = 2027-01-12, must be a Monday (it is a Tuesday)",
        "signed_vendor_fte row 2: quarter = Q1-2027, must be a quarter like 2027Q1",
    ]


def test_a_given_forecast_table_is_the_forecast_result(tiny):
    from planning.pipeline import forecast_result, forecast_table

    days = pd.date_range("2027-01-04", periods=14)
    fc = "market,queue,date,p50\n" + "".join(f"ID,listing,{d.date()},100\n" for d in days)
    inputs = load_inputs(tiny(forecast__csv=fc))
    res = forecast_result(inputs)
    assert res.forecast is inputs.forecast and res.backtest.empty and res.warnings == ()
    assert forecast_table(inputs) is inputs.forecast


# -- the plan's SLA risk through the disk cache -------------------------------------------
def _risk_case(tmp_path):
    inputs = confidence_inputs(tmp_path)
    fc = confidence_forecast()
    run = run_plan(inputs, forecast=fc, explain=False)
    return inputs, fc, run.plan.allocation


def test_the_plan_risk_is_simulated_once_per_plan_and_settings(tmp_path, monkeypatch):
    inputs, fc, alloc = _risk_case(tmp_path)
    calls = count_calls(monkeypatch, pipeline, "simulate_risk")
    cache = DiskCache(tmp_path / "cache")
    s = RiskSettings(paths=300)
    first = plan_risk(inputs, fc, alloc, s, cache=cache)
    again = plan_risk(inputs, fc, alloc, s, cache=cache)
    assert len(calls) == 1
    pd.testing.assert_frame_equal(again.summary, first.summary)
    assert (first.reused, again.reused) == (False, True)  # front ends say which is which
    fewer = alloc.assign(fte=alloc["fte"].where(alloc.index != 3, alloc["fte"] * 0.5))
    plan_risk(inputs, fc, fewer, s, cache=cache)  # one allocation cell
    plan_risk(inputs, fc, alloc, RiskSettings(paths=300, seed=1), cache=cache)
    moved = fc.copy()
    moved.loc[5, "p90"] += 1.0  # one forecast cell
    plan_risk(inputs, moved, alloc, s, cache=cache)
    assert len(calls) == 4
    plan_risk(inputs, fc, alloc, s)  # no cache in force: simulated
    assert len(calls) == 5
    # the stored result is the simulation's: a direct run agrees
    direct = simulate_risk(inputs, fc, alloc, s)
    pd.testing.assert_frame_equal(direct.summary, first.summary)
    assert risk_key(inputs, fc, alloc, s) != risk_key(inputs, fc, alloc, s, version="other")
