"""Re-plan from now: the inputs transformation, the commitments and the optimiser hook."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from planning.actuals.replan import (
    commitments_from_plan,
    daily_actuals,
    plan_changes,
    replan_inputs,
    replan_weeks,
    stitched_headcount,
)
from planning.errors import InputError
from planning.inputs.loading import load_inputs
from planning.optimise import PlanResult, PlanStatus, optimise
from planning.optimise.build import build_model
from planning.optimise.commitments import Commitments, apply_commitments
from planning.optimise.data import build_data
from planning.optimise.solve import solve

SCENARIO = '[plan]\nstart = "2027-01-04"\nweeks = 8\n'
VOLUMES = "market,queue,date,cases\n" + "".join(
    f"{m},listing,2026-12-{d},100\n" for m in ("ID", "GB") for d in range(28, 32)) + "".join(
    f"{m},listing,2027-01-0{d},100\n" for m in ("ID", "GB") for d in range(1, 4))
ACTUALS = {
    "scenario__toml": SCENARIO,
    "volumes__csv": VOLUMES,
    "actual_queues__csv": """
        market,queue,week,cases,automated_cases,manual_cases_closed,aht_minutes
        ID,listing,2027-01-04,700,350,350,7.0
        ID,listing,2027-01-11,700,350,300,7.5
        GB,listing,2027-01-04,700,350,350,6.1
        GB,listing,2027-01-11,700,350,350,6.1
    """,
    "actual_sites__csv": """
        site,week,headcount,starts,leavers,productive_hours
        Jakarta,2027-01-04,9,0,1,252
        Jakarta,2027-01-11,11,3,1,308
    """,
}


@pytest.fixture
def inputs(tiny):
    return load_inputs(tiny(**ACTUALS))


def test_replan_starts_after_the_last_actual_week_from_the_latest_headcount(inputs) -> None:
    rp = replan_inputs(inputs)
    assert rp.start == pd.Timestamp("2027-01-18")
    assert list(rp.locked) == list(pd.to_datetime(["2027-01-04", "2027-01-11"]))
    plan = rp.inputs.scenario.plan
    assert plan.start.isoformat() == "2027-01-18"
    # original plan ends 2027-03-01; the next quarter (Q2) ends 2027-06-30, its last Monday
    # is 2027-06-28: weeks 2027-01-18 .. 2027-06-28 = 24 weeks
    assert plan.weeks == 24
    assert rp.inputs.plan_weeks()[-1] == pd.Timestamp("2027-06-28")
    assert rp.inputs.sites.set_index("site").loc["Jakarta", "headcount"] == 11
    assert inputs.sites.set_index("site").loc["Jakarta", "headcount"] == 10  # input untouched


def test_horizon_keeps_the_original_end_when_it_is_later(inputs) -> None:
    # a 52-week plan from 2027-01-04 ends 2028-01-03: from 2027-01-18 that is 50 weeks
    sc = inputs.scenario
    longer = dataclasses.replace(inputs, scenario=dataclasses.replace(
        sc, plan=dataclasses.replace(sc.plan, weeks=52)))
    assert replan_weeks(longer, pd.Timestamp("2027-01-18")) == 50


def test_volumes_gain_the_actual_weeks_spread_like_the_forecast(inputs) -> None:
    days = pd.date_range("2027-01-04", periods=14, freq="D")
    forecast = pd.DataFrame({"market": "ID", "queue": "listing", "date": days,
                             "p50": [float(k % 7 + 1) for k in range(14)]})  # Mon 1 .. Sun 7
    extra = daily_actuals(inputs, forecast)
    id_ = extra[extra["market"] == "ID"].set_index("date")["cases"]
    assert id_.loc["2027-01-04"] == pytest.approx(700 * 1 / 28)
    assert id_.loc["2027-01-10"] == pytest.approx(700 * 7 / 28)
    gb = extra[extra["market"] == "GB"]["cases"]
    assert gb.tolist() == pytest.approx([100.0] * 14)  # no forecast for GB: flat
    rp = replan_inputs(inputs, forecast=forecast)
    v = rp.inputs.volumes
    weekly = v[v["date"] >= "2027-01-04"].assign(week=lambda f: f["date"] - pd.to_timedelta(
        f["date"].dt.weekday, unit="D")).groupby(["market", "week"])["cases"].sum()
    assert weekly.tolist() == pytest.approx([700.0] * 4)  # weekly totals kept exactly
    assert v["date"].max() == pd.Timestamp("2027-01-17")
    assert len(v) == len(inputs.volumes) + 28


def test_achieved_aht_is_adopted_only_when_it_moved_more_than_the_tolerance(inputs) -> None:
    rp = replan_inputs(inputs)
    mq = rp.inputs.market_queues.set_index(["market", "queue"])
    # ID: (350 x 7.0 + 300 x 7.5) / 650 over the last two weeks vs 6 -> adopted; GB 6.1 (+1.7 %) not
    assert mq.loc[("ID", "listing"), "aht_minutes"] == pytest.approx((350 * 7 + 300 * 7.5) / 650)
    assert ("GB", "listing") not in mq.index
    assert set(rp.changes["column"]) == {"headcount", "aht_minutes"}
    kept = replan_inputs(inputs, adopt_aht=False).inputs.market_queues
    assert kept.empty


def test_replan_needs_actuals(tiny) -> None:
    with pytest.raises(InputError, match="starts from actuals"):
        replan_inputs(load_inputs(tiny()))


def test_headcount_above_the_cap_is_explained(tiny) -> None:
    sites = "site,languages,headcount,cost_per_fte_month,max_headcount,lead_weeks\nJakarta,id;en,10,1600,10,4\n"
    with pytest.raises(InputError, match="actual headcount 11"):
        replan_inputs(load_inputs(tiny(sites__csv=sites, **ACTUALS)))


def _previous_plan() -> PlanResult:
    weeks = pd.date_range("2027-01-04", periods=8, freq="7D")
    starts = [0, 0, 3, 0, 0, 5, 7, 0]  # 2027-01-18: 3, 2027-02-08: 5, 2027-02-15: 7
    return PlanResult(
        PlanStatus.OPTIMAL,
        sites=pd.DataFrame({"site": "Jakarta", "week": weeks, "headcount": 10.0,
                            "starts": [float(s) for s in starts], "cost": 1000.0}),
        vendors=pd.DataFrame({"vendor": ["Manila"], "quarter": ["2027Q1"], "fte": [12.0], "cost": [0.0]}))


def test_commitments_are_the_starts_inside_the_lead_time_and_this_quarters_contracts(inputs) -> None:
    c = commitments_from_plan(inputs, _previous_plan(), pd.Timestamp("2027-01-18"))
    # Jakarta's lead time is 4 weeks: starts of 2027-01-18 .. 2027-02-08 were requisitioned
    assert list(zip(c.starts["week"].dt.strftime("%Y-%m-%d"), c.starts["starts"], strict=True)) == [
        ("2027-01-18", 3.0), ("2027-02-08", 5.0)]
    assert c.vendor_fte.to_dict("records") == [{"vendor": "Manila", "quarter": "2027Q1", "fte": 12.0}]


def _requirements(weeks: pd.DatetimeIndex, fte: float = 5.0) -> pd.DataFrame:
    return pd.DataFrame([(m, "listing", w, fte) for m in ("ID", "GB") for w in weeks],
                        columns=["market", "queue", "week", "required_fte"])


def _commitments() -> Commitments:
    return Commitments(
        starts=pd.DataFrame({"site": ["Jakarta", "Jakarta"],
                             "week": pd.to_datetime(["2027-01-18", "2027-03-01"]), "starts": [3.0, 2.0]}),
        vendor_fte=pd.DataFrame({"vendor": ["Manila"], "quarter": ["2027Q1"], "fte": [12.0]}))


def test_hook_holds_committed_starts_and_signed_vendor_fte(inputs) -> None:
    rp = replan_inputs(inputs)
    req = _requirements(rp.inputs.plan_weeks(), fte=1.0)  # 11 people cover this without help
    data = build_data(rp.inputs, req)
    free = build_model(data)
    assert solve(free, time_limit_s=30, mip_gap=1e-6).status == PlanStatus.OPTIMAL
    assert free.var["starts"][("Jakarta", "2027-01-18")].varValue == 0  # inside the lead time
    assert free.var["F"][("Manila", "2027Q1")].varValue == pytest.approx(0)
    held = apply_commitments(build_model(data), _commitments())
    assert solve(held, time_limit_s=30, mip_gap=1e-6).status == PlanStatus.OPTIMAL
    assert held.var["starts"][("Jakarta", "2027-01-18")].varValue == pytest.approx(3)
    assert held.var["starts"][("Jakarta", "2027-03-01")].varValue == pytest.approx(2)  # t >= lead
    assert held.var["F"][("Manila", "2027Q1")].varValue == pytest.approx(12)
    assert held.var["F"][("Manila", "2027Q2")].varValue == pytest.approx(0)  # nothing signed
    assert ("Jakarta", "2027-03-01") in held.con["committed_starts"]
    assert ("Manila", "2027Q1") in held.con["signed_fte"]


def test_contradictory_commitments_are_explained(tiny) -> None:
    sites = ("site,languages,headcount,cost_per_fte_month,max_headcount,max_starts_week,lead_weeks\n"
             "Jakarta,id;en,10,1600,50,2,4\n")
    inp = load_inputs(tiny(sites__csv=sites, **ACTUALS))
    rp = replan_inputs(inp)
    model = build_model(build_data(rp.inputs, _requirements(rp.inputs.plan_weeks())))
    bad = Commitments(
        starts=pd.DataFrame({"site": ["Jakarta", "Bogus"], "week": pd.to_datetime(["2027-01-18"] * 2),
                             "starts": [3.0, 1.0]}),
        vendor_fte=pd.DataFrame({"vendor": ["Manila"], "quarter": ["2027Q1"], "fte": [25.0]}))
    with pytest.raises(InputError) as err:
        apply_commitments(model, bad)
    text = str(err.value)
    assert "max_starts_week 2 of site Jakarta" in text
    assert "Bogus" in text and "not a site" in text
    assert "signed FTE of vendor Manila in 2027Q1" in text


def test_replanned_plan_starts_from_the_actual_headcount(inputs) -> None:
    rp = replan_inputs(inputs)
    result = optimise(rp.inputs, _requirements(rp.inputs.plan_weeks()),
                      commitments=_commitments(), time_limit_s=30)
    assert result.ok
    after = result
    stitched = stitched_headcount(inputs, after, rp.start)
    jak = stitched[stitched["site"] == "Jakarta"].set_index("week")
    # locked weeks are the actuals, exactly
    assert jak.loc["2027-01-04", ["headcount", "source"]].tolist() == [9, "actual"]
    assert jak.loc["2027-01-11", ["headcount", "source"]].tolist() == [11, "actual"]
    # first re-planned week: latest actual 11 (no attrition assumed) + the 3 committed starts
    assert jak.loc["2027-01-18", "headcount"] == pytest.approx(14)
    assert jak.loc["2027-01-18", "source"] == "plan"
    changes = plan_changes(_previous_plan(), after, rp.start)
    assert set(changes["quarter"]) == {"2027Q1", "2027Q2"}
    hc = changes[(changes["pool"] == "Jakarta") & (changes["measure"] == "starts")
                 & (changes["quarter"] == "2027Q1")].iloc[0]
    assert hc["before"] == 15  # 3 + 5 + 7 from 2027-01-18 on
