"""Surge levers for sale events: overtime, vendor surge capacity and hiring ahead of a peak.

Every expected number is worked out by hand in the comments. Common ground: one market ID,
one queue, site JK at 5200/month = 5200 x 12 / 52 = 1200 per FTE-week, no attrition, so the
default shortfall penalty is 10 x 1200 = 12,000 per FTE-week. Vendor BPO at 2600/month =
600 per FTE-week. Weeks: 2027-01-04 (week 0), -11, -18 (week 2), -25, 02-01, ...
"""

from __future__ import annotations

import pytest

from devtools.synthetic import make_inputs, requirements_frame
from planning.optimise import PlanStatus, optimise
from planning.optimise.build import build_model, name
from planning.optimise.data import build_data

ID = [{"market": "ID", "language": "id"}]
LISTING = [{"queue": "listing"}]
PEAK = {("ID", "listing"): [50.0, 50.0, 60.0, 50.0]}   # +10 FTE in week 2 only
W2 = "2027-01-18"


def site(**kw):
    return {"site": "JK", "languages": "id", "headcount": 50.0, "cost_per_fte_month": 5200.0, **kw}


def bpo(**kw):
    return {"vendor": "BPO", "languages": "id", "price_per_fte_month": 2600.0, **kw}


def coeffs(model, family, *key):
    con = model.con[family][key]
    readable = {v.name: name(fam, *k) for fam, vs in model.var.items() for k, v in vs.items()}
    return {readable[v.name]: c for v, c in con.items()}, -con.constant, con.sense


# -- overtime ----------------------------------------------------------------------------------

def test_overtime_rows_and_cost_in_the_model():
    inp = make_inputs(markets=ID, queues=LISTING, weeks=2,
                      sites=[site(ramp=(0.0, 0.5), overtime_max_share=0.1, overtime_premium=1.5)])
    m = build_model(build_data(inp, requirements_frame(inp, {("ID", "listing"): 50.0})))
    # overtime <= 0.1 x (H - (1 - 0) starts[t] - (1 - 0.5) starts[t-1])
    c, rhs, sense = coeffs(m, "overtime_cap", "JK", "2027-01-11")
    assert c == pytest.approx({"overtime[JK][2027-01-11]": 1, "H[JK][2027-01-11]": -0.1,
                               "starts[JK][2027-01-11]": 0.1, "starts[JK][2027-01-04]": 0.05})
    assert rhs == 0 and sense == -1
    # site capacity gains the overtime: sum x <= H - ramp loss + overtime
    c, _, _ = coeffs(m, "site_capacity", "JK", "2027-01-11")
    assert c["overtime[JK][2027-01-11]"] == -1
    # an overtime FTE-week costs 1.5 x 1200 = 1800
    obj = {v.name: a for v, a in m.prob.objective.items()}
    assert obj[m.var["overtime"][("JK", "2027-01-11")].name] == pytest.approx(1800)


def test_overtime_covers_a_one_week_peak_up_to_its_cap():
    # Peak of +10 in week 2. Overtime: at most 0.1 x 50 = 5 FTE at 1800 each. A hire costs
    # 20,000 + 1200 x 2 weeks = 22,400 > 12,000 shortfall: so 5 overtime, 5 short.
    inp = make_inputs(markets=ID, queues=LISTING, weeks=4,
                      sites=[site(hire_cost=20_000.0, overtime_max_share=0.1, overtime_premium=1.5)])
    r = optimise(inp, requirements_frame(inp, PEAK))
    assert r.status is PlanStatus.OPTIMAL
    assert r.sites["overtime_fte"].tolist() == pytest.approx([0, 0, 5, 0])
    assert r.sites["overtime_cost"].tolist() == pytest.approx([0, 0, 9000, 0])
    assert r.sites["starts"].tolist() == [0, 0, 0, 0]
    assert r.shortfall["fte"].tolist() == pytest.approx([5])
    # 4 weeks x 50 x 1200 = 240,000 plus 5 x 1.5 x 1200 = 9,000 of overtime
    assert r.total_cost == pytest.approx(249_000)
    assert r.objective == pytest.approx(249_000 + 5 * 12_000)
    assert r.shortfall["reason_code"].tolist() == ["overtime_cap"]
    assert "overtime_max_share of 10% (5 FTE)" in r.shortfall["reason"].iloc[0]
    ask = r.ask_sites.iloc[0]
    assert (ask["overtime_fte_weeks"], ask["overtime_cost"], ask["cost"]) == pytest.approx((5, 9000, 240_000))
    doc = r.to_json()
    assert doc["overtime"] == {"fte_weeks": pytest.approx(5), "cost": pytest.approx(9000)}
    assert doc["sites"][2]["overtime_fte"] == pytest.approx(5)
    # the cap binds in one week: relaxing it by one FTE in every week saves
    # 12,000 (one FTE-week less short) - 1,800 (one more of overtime) = 10,200
    b = r.binding.set_index("limit").loc["overtime_cap"]
    assert b["binding_weeks"] == 1
    assert b["saving_fixed_hires"] == pytest.approx(10_200)


def test_without_overtime_the_same_peak_is_all_shortfall():
    inp = make_inputs(markets=ID, queues=LISTING, weeks=4, sites=[site(hire_cost=20_000.0)])
    r = optimise(inp, requirements_frame(inp, PEAK))
    assert r.shortfall["fte"].tolist() == pytest.approx([10])
    assert r.total_cost == pytest.approx(240_000)
    assert "overtime_fte" not in r.sites and "overtime" not in r.to_json()


def test_a_long_peak_is_hired_for_not_worked_as_overtime():
    # +10 FTE from week 1 to the end; no hire cost. A start in week 1 costs 1200 a week,
    # overtime 1800 a week: the plan hires 10 and uses no overtime.
    inp = make_inputs(markets=ID, queues=LISTING, weeks=4, sites=[site(overtime_max_share=0.1)])
    r = optimise(inp, requirements_frame(inp, {("ID", "listing"): [50.0, 60.0, 60.0, 60.0]}))
    assert r.sites["starts"].tolist() == [0, 10, 0, 0]
    assert r.sites["overtime_fte"].sum() == pytest.approx(0)
    assert r.total_cost == pytest.approx(50 * 1200 * 4 + 10 * 1200 * 3)


# -- vendor surge ------------------------------------------------------------------------------

def test_surge_rows_and_price_in_the_model():
    inp = make_inputs(markets=ID, queues=LISTING, weeks=4, sites=[site()],
                      vendors=[bpo(aht_factor=1.25)],
                      vendor_surge=[{"vendor": "BPO", "week": W2, "max_fte": 8.0},
                                    {"vendor": "BPO", "week": "2027-01-25", "max_fte": 3.0,
                                     "price_per_fte_week": 1000.0},
                                    {"vendor": "BPO", "week": "2027-01-04", "max_fte": 3.0,
                                     "premium": 2.0},
                                    {"vendor": "BPO", "week": "2027-03-01", "max_fte": 3.0}])
    m = build_model(build_data(inp, requirements_frame(inp, PEAK)))
    # only weeks of the plan (2027-03-01 is after it)
    assert set(m.var["surge"]) == {("BPO", W2), ("BPO", "2027-01-25"), ("BPO", "2027-01-04")}
    c, rhs, sense = coeffs(m, "surge_max", "BPO", W2)
    assert c == {f"surge[BPO][{W2}]": 1} and rhs == 8 and sense == -1
    # vendor capacity: sum x <= (F + surge) / 1.25
    c, _, _ = coeffs(m, "vendor_capacity", "BPO", W2)
    assert c == pytest.approx({f"x[BPO][ID][listing][{W2}]": 1, "F[BPO][2027Q1]": -0.8,
                               f"surge[BPO][{W2}]": -0.8})
    obj = {v.name: a for v, a in m.prob.objective.items()}
    assert obj[m.var["surge"][("BPO", W2)].name] == pytest.approx(1.5 * 600)     # premium 1.5
    assert obj[m.var["surge"][("BPO", "2027-01-25")].name] == pytest.approx(1000)  # given price
    assert obj[m.var["surge"][("BPO", "2027-01-04")].name] == pytest.approx(2 * 600)  # premium 2


def test_surge_for_the_peak_week_then_the_cheapest_contract():
    # Week 2 needs 10 FTE more; hires cost more than shortfall (hire_cost 20,000).
    # Surge: 900 per FTE-week (1.5 x 600), delivers 1 / 1.25 = 0.8: 1125 per productive FTE.
    # Contract: F for the whole quarter's 4 planned weeks = 2400 per FTE, 3000 per productive
    # FTE in week 2. Both beat 12,000: surge to its cap 8 (6.4 productive), then contract
    # F = 3.6 x 1.25 = 4.5 for the other 3.6.
    inp = make_inputs(markets=ID, queues=LISTING, weeks=4, sites=[site(hire_cost=20_000.0)],
                      vendors=[bpo(aht_factor=1.25)],
                      vendor_surge=[{"vendor": "BPO", "week": W2, "max_fte": 8.0}])
    r = optimise(inp, requirements_frame(inp, PEAK))
    assert r.status is PlanStatus.OPTIMAL and r.shortfall.empty
    assert r.surge["fte"].tolist() == pytest.approx([8])
    assert r.surge["cost"].tolist() == pytest.approx([7200])
    assert r.vendors["fte"].tolist() == pytest.approx([4.5])
    # 240,000 site + 8 x 900 surge + 4.5 x 600 x 4 contract
    assert r.total_cost == pytest.approx(240_000 + 7_200 + 10_800)
    assert r.ask_markets["attributed_cost"].sum() == pytest.approx(r.total_cost)
    assert r.ask_vendors[["fte", "cost", "surge_fte_weeks", "surge_cost"]].iloc[0].tolist() == \
        pytest.approx([4.5, 10_800, 8, 7_200])
    doc = r.to_json()
    assert doc["surge"] == {"fte_weeks": pytest.approx(8), "cost": pytest.approx(7200)}
    assert doc["vendor_surge"][0] | {"fte": 0} == {
        "vendor": "BPO", "week": W2, "quarter": "2027Q1", "max_fte": 8.0,
        "price_per_fte_week": pytest.approx(900), "fte": 0, "cost": pytest.approx(7200)}


def test_surge_cap_is_a_shortfall_reason():
    # No contract capacity (max_fte 0): 8 surge FTE at 900, 2 FTE short
    inp = make_inputs(markets=ID, queues=LISTING, weeks=4, sites=[site(hire_cost=20_000.0)],
                      vendors=[bpo(max_fte=0.0)],
                      vendor_surge=[{"vendor": "BPO", "week": W2, "max_fte": 8.0}])
    r = optimise(inp, requirements_frame(inp, PEAK))
    assert r.shortfall["fte"].tolist() == pytest.approx([2])
    assert r.total_cost == pytest.approx(240_000 + 8 * 900)
    assert "surge_cap" in r.shortfall["reason_code"].iloc[0].split(";")
    # one more surge FTE in week 2 saves 12,000 - 900
    b = r.binding.set_index("limit").loc["surge_max"]
    assert b["saving_fixed_hires"] == pytest.approx(11_100)


def test_surge_counts_against_the_budget():
    # budget pro-rated to 4 of 13 Mondays; cost without surge = 240,000. Budget 241,000 x
    # 13 / 4 leaves 1,000 for the peak: one surge FTE (900) fits, the second (900) not
    # fully: the plan buys 1000 / 900 = 1.11 surge FTE and leaves the rest short.
    from planning.inputs.scenario import SolverSettings

    inp = make_inputs(markets=ID, queues=LISTING, weeks=4, sites=[site(hire_cost=20_000.0)],
                      vendors=[bpo(max_fte=0.0)],
                      vendor_surge=[{"vendor": "BPO", "week": W2, "max_fte": 8.0}],
                      solver=SolverSettings(budget_per_quarter=241_000 * 13 / 4))
    r = optimise(inp, requirements_frame(inp, PEAK))
    assert r.surge["fte"].tolist() == pytest.approx([1000 / 900])
    assert r.budget["cost"].tolist() == pytest.approx([241_000])
    assert r.budget["overrun"].tolist() == pytest.approx([0], abs=1e-6)


# -- hiring ahead of a peak --------------------------------------------------------------------

PEAK_LATE = {("ID", "listing"): [10.0] * 5 + [20.0] * 3}   # +10 FTE in weeks 5-7 of 8


def test_hires_start_ahead_of_a_known_peak():
    # ramp 0;0.5: a start is productive 0 in its first week, 0.5 in its second, 1 after.
    # To be fully productive in week 5 a start must begin by week 3; starting in week 3
    # costs 1200 x 5 weeks = 6,000 per head, in week 4 it costs 4,800 + 0.5 x 12,000 of
    # shortfall in week 5. So 10 starts in week 3, requisitions 2 weeks earlier (week 1).
    inp = make_inputs(markets=ID, queues=LISTING, weeks=8,
                      sites=[site(headcount=10.0, ramp=(0.0, 0.5), lead_weeks=2)])
    r = optimise(inp, requirements_frame(inp, PEAK_LATE))
    assert r.sites["starts"].tolist() == [0, 0, 0, 10, 0, 0, 0, 0]
    assert r.shortfall.empty
    assert r.total_cost == pytest.approx(10 * 1200 * 8 + 10 * 1200 * 5)
    assert str(r.hiring["requisition_week"].iloc[0].date()) == "2027-01-11"


def test_the_optimiser_chooses_among_surge_overtime_and_hiring():
    # Same peak. Levers per FTE-week of the peak: vendor surge 1500 (6 FTE a week at most),
    # overtime 1800 (0.1 x productive headcount), a start in week 3: 6000 for the 3 peak
    # weeks = 2000 a week. Surge takes 6; 4 remain each week. With h starts in week 3 the
    # overtime cap is 0.1 x (10 + h) and 4 - h <= 0.1 (10 + h) needs h >= 2.73: h = 3,
    # overtime 1 a week. Cost: 96,000 (10 x 1200 x 8) + 3 x 1200 x 5 + 6 x 1500 x 3
    # + 1 x 1800 x 3 = 146,400 (h = 2 would leave 0.8 FTE short for 3 weeks: 28,800 more).
    surge = [{"vendor": "BPO", "week": w, "max_fte": 6.0, "price_per_fte_week": 1500.0}
             for w in ("2027-02-08", "2027-02-15", "2027-02-22")]
    inp = make_inputs(markets=ID, queues=LISTING, weeks=8, vendors=[bpo(max_fte=0.0)],
                      sites=[site(headcount=10.0, ramp=(0.0, 0.5), lead_weeks=2,
                                  overtime_max_share=0.1)], vendor_surge=surge)
    r = optimise(inp, requirements_frame(inp, PEAK_LATE))
    assert r.status is PlanStatus.OPTIMAL and r.shortfall.empty
    assert r.sites["starts"].tolist() == [0, 0, 0, 3, 0, 0, 0, 0]
    assert r.surge["fte"].tolist() == pytest.approx([6, 6, 6])
    assert r.sites["overtime_fte"].tolist() == pytest.approx([0] * 5 + [1] * 3)
    assert r.total_cost == pytest.approx(146_400)


# -- end to end from files ---------------------------------------------------------------------

def test_headcount_plan_with_overtime_and_surge_from_files(tmp_path, capsys):
    # Jakarta: 2 on staff, lead 2, overtime up to 50% at 1800. ID needs 5: weeks 0-1 get
    # 1 FTE of overtime (2 x 0.5) and are 2 short; from week 2, 3 starts (1200 a week beats
    # overtime at 1800). TH: BPO's contract of 1 FTE (600 a week) and in week 0 one surge
    # FTE at 1.5 x 600 = 900, so TH is 1 short in weeks 1-3 only.
    # Cost: 2 x 1200 x 2 + 5 x 1200 x 2 + 2 x 1800 + 4 x 600 + 900 = 23,700.
    import json

    from planning.cli.main import main

    tables = {
        "markets.csv": "market,language\nID,id\nTH,th\n",
        "queues.csv": "queue,kind,aht_minutes,tat_hours\nlisting,deferrable,2,24\n",
        "sites.csv": "site,languages,headcount,cost_per_fte_month,lead_weeks,overtime_max_share\n"
                     "Jakarta,id,2,5200,2,0.5\n",
        "vendors.csv": "vendor,languages,price_per_fte_month,max_fte\nBPO,th,2600,1\n",
        "vendor_surge.csv": "vendor,week,max_fte\nBPO,2027-01-04,1\n",
        "scenario.toml": '[plan]\nstart = "2027-01-04"\nweeks = 4\n',
        "requirements.csv": "market,queue,week,required_fte\n" + "".join(
            f"ID,listing,{w},5\nTH,listing,{w},2\n"
            for w in ("2027-01-04", "2027-01-11", "2027-01-18", "2027-01-25")),
    }
    data = tmp_path / "data"
    data.mkdir()
    for file, text in tables.items():
        (data / file).write_text(text)
    out = tmp_path / "out"
    assert main(["plan", str(data), "--out", str(out), "--time-limit", "20"]) == 0
    doc = json.loads((out / "plan.json").read_text())
    assert doc["total_cost"] == pytest.approx(23_700)
    assert doc["shortfall_fte_weeks"] == pytest.approx(7)
    assert [s["starts"] for s in doc["sites"]] == [0, 0, 3, 0]
    assert [s["overtime_fte"] for s in doc["sites"]] == pytest.approx([1, 1, 0, 0])
    assert doc["overtime"] == {"fte_weeks": pytest.approx(2), "cost": pytest.approx(3600)}
    assert doc["surge"] == {"fte_weeks": pytest.approx(1), "cost": pytest.approx(900)}
    text = capsys.readouterr().out
    assert "overtime: 2.0 FTE-weeks, cost 3,600 USD" in text
    assert "vendor surge: 1.0 FTE-weeks, cost 900 USD" in text
    assert (out / "plan.xlsx").exists()
