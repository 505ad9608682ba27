"""Wellness limits: max_exposure_share per queue, enforced in every pool and week.

Expected numbers are worked out by hand in the comments. Site JK: 5200/month = 1200 per
FTE-week, no attrition, no lead time, no ramp, so starts in week 0 are the headcount needed.
"""

from __future__ import annotations

import pytest

from devtools.synthetic import make_inputs, requirements_frame
from planning.optimise import PlanStatus, optimise
from planning.optimise.build import build_model, name
from planning.optimise.data import build_data

ID = [{"market": "ID", "language": "id"}]
W0, W1 = "2027-01-04", "2027-01-11"
CSAM = {"queue": "csam", "inhouse_only": True, "max_exposure_share": 0.5}
VIOLENT = {"queue": "violent", "max_exposure_share": 0.25}
LISTING = {"queue": "listing"}


def site(**kw):
    return {"site": "JK", "languages": "id", "headcount": 0.0, "cost_per_fte_month": 5200.0, **kw}


def plan(queues, req, sites=None, vendors=None, weeks=2):
    inp = make_inputs(markets=ID, queues=queues, sites=[site()] if sites is None else sites,
                      vendors=vendors, weeks=weeks)
    return optimise(inp, requirements_frame(inp, req))


def test_exposure_rows_in_the_model():
    inp = make_inputs(markets=ID, queues=[CSAM, VIOLENT, LISTING], weeks=2,
                      sites=[site(headcount=5.0, ramp=(0.5,))],
                      vendors=[{"vendor": "BPO", "languages": "id", "price_per_fte_month": 2600.0,
                                "aht_factor": 1.25}])
    req = requirements_frame(inp, {("ID", "csam"): 10.0, ("ID", "violent"): 4.0, ("ID", "listing"): 1.0})
    m = build_model(build_data(inp, req))
    readable = {v.name: name(f, *k) for f, vs in m.var.items() for k, v in vs.items()}

    def coeffs(family, *key):
        con = m.con[family][key]
        return {readable[v.name]: c for v, c in con.items()}, -con.constant, con.sense

    # csam at JK: x <= 0.5 x (H - (1 - 0.5) starts)
    c, rhs, sense = coeffs("exposure", "JK", "csam", W1)
    assert c == pytest.approx({f"x[JK][ID][csam][{W1}]": 1, f"H[JK][{W1}]": -0.5,
                               f"starts[JK][{W1}]": 0.25})
    assert rhs == 0 and sense == -1
    # both harmful queues together at JK: at most the larger share, 0.5
    c, _, _ = coeffs("exposure_total", "JK", W1)
    assert c == pytest.approx({f"x[JK][ID][csam][{W1}]": 1, f"x[JK][ID][violent][{W1}]": 1,
                               f"H[JK][{W1}]": -0.5, f"starts[JK][{W1}]": 0.25})
    # violent at the vendor (csam is in-house only): x <= 0.25 x F / 1.25
    c, _, _ = coeffs("exposure", "BPO", "violent", W0)
    assert c == pytest.approx({f"x[BPO][ID][violent][{W0}]": 1, "F[BPO][2027Q1]": -0.2})
    assert ("BPO", W0) not in m.con["exposure_total"]        # one harmful queue there
    assert not any(k[1] == "listing" for k in m.con["exposure"])


def test_a_harmful_queue_needs_twice_its_fte_at_a_half_limit():
    # csam needs 10 FTE, limit 0.5: the pool needs at least 20 productive FTE.
    r = plan([CSAM, LISTING], {("ID", "csam"): 10.0})
    assert r.status is PlanStatus.OPTIMAL and r.shortfall.empty
    assert r.sites["starts"].tolist() == [20, 0]
    assert r.total_cost == pytest.approx(20 * 1200 * 2)
    # without the limit, 10 heads
    r = plan([{**CSAM, "max_exposure_share": float("nan")}, LISTING], {("ID", "csam"): 10.0})
    assert r.sites["starts"].tolist() == [10, 0]


def test_other_work_fills_the_rotation_time():
    # csam 10 (needs 20 heads) and listing 4: listing fits in the 10 FTE not on csam -> 20.
    r = plan([CSAM, LISTING], {("ID", "csam"): 10.0, ("ID", "listing"): 4.0})
    assert r.sites["starts"].tolist() == [20, 0]
    # listing 15: 10 + 15 = 25 heads, csam share 10 / 25 = 40%.
    r = plan([CSAM, LISTING], {("ID", "csam"): 10.0, ("ID", "listing"): 15.0})
    assert r.sites["starts"].tolist() == [25, 0]
    e = r.exposure
    assert e["share"].tolist() == pytest.approx([0.4, 0.4])
    assert e["capacity_fte"].tolist() == pytest.approx([25, 25])


def test_two_harmful_queues_share_the_larger_limit():
    # csam 10 at 0.5 and violent 4 at 0.25 (in-house only here, so the site does both).
    # Each alone: 20 and 16 heads. Together at most 0.5 of the pool: 14 / 0.5 = 28 heads.
    violent = {**VIOLENT, "inhouse_only": True}
    r = plan([CSAM, violent], {("ID", "csam"): 10.0, ("ID", "violent"): 4.0})
    assert r.sites["starts"].tolist() == [28, 0]
    assert r.total_cost == pytest.approx(28 * 1200 * 2)
    doc = r.to_json()
    rows = {(x["queue"], x["week"]): x for x in doc["exposure"]}
    assert rows[("violent", W0)]["share"] == pytest.approx(4 / 28)
    assert rows[("csam", W0)]["max_share"] == 0.5


def test_the_limit_holds_for_vendors_in_their_own_fte():
    # violent 10 at 0.25 with a vendor only: F / 1.25 >= 40 productive FTE -> F = 50,
    # 50 x 600 per week x 2 weeks = 60,000.
    bpo = [{"vendor": "BPO", "languages": "id", "price_per_fte_month": 2600.0, "aht_factor": 1.25}]
    r = plan([VIOLENT], {("ID", "violent"): 10.0}, sites=[], vendors=bpo)
    assert r.vendors["fte"].tolist() == pytest.approx([50])
    assert r.total_cost == pytest.approx(60_000)


def test_exposure_limit_is_a_shortfall_reason():
    # JK capped at 15 heads: csam at most 7.5 FTE, 2.5 short each week.
    r = plan([CSAM], {("ID", "csam"): 10.0}, sites=[site(max_headcount=15.0)])
    assert r.shortfall["fte"].tolist() == pytest.approx([2.5, 2.5])
    codes = r.shortfall["reason_code"].iloc[0].split(";")
    assert {"headcount_cap", "exposure_limit"} <= set(codes)
    assert "at most 50% of its productive time on csam" in r.shortfall["reason"].iloc[0]
    # one FTE more csam allowed in each of the 2 binding weeks (like the in-house floor, the
    # group is relaxed in all its binding weeks) saves 2 x 12,000 of shortfall penalty
    b = r.binding.set_index("limit").loc["exposure"]
    assert b["subject"] == "JK csam" and b["binding_weeks"] == 2
    assert b["saving_fixed_hires"] == pytest.approx(24_000)


def test_no_limit_no_exposure_key():
    r = plan([LISTING], {("ID", "listing"): 3.0})
    assert "exposure" not in r.to_json() and r.exposure.empty


def test_limits_hold_in_every_pool_and_week_of_a_larger_plan():
    # Checked from the plan's tables, not the model's rows: harmful work per pool and week
    # against the site's productive_fte or the vendor's contracted fte / aht_factor.
    from dataclasses import replace

    from devtools.synthetic import synthetic

    inp, req = synthetic(n_markets=6, n_weeks=13, n_queues=3)
    queues = inp.queues.copy()
    queues["max_exposure_share"] = [0.5, 0.3, float("nan")]      # q0 in-house only, q1 not
    base = optimise(inp, req, explain=False)
    r = optimise(replace(inp, queues=queues), req, explain=False)
    assert r.status is PlanStatus.OPTIMAL
    assert r.objective > base.objective           # the limits bind here (and never help)
    a = r.allocation
    share = {"q0": 0.5, "q1": 0.3}
    cap = {(s.site, s.week): s.productive_fte for s in r.sites.itertuples()}
    aht = dict(zip(inp.vendors["vendor"], inp.vendors["aht_factor"], strict=True))
    fte = {(v.vendor, v.quarter): v.fte for v in r.vendors.itertuples()}
    for (pool, week), g in a[a["queue"].isin(share)].groupby(["pool", "week"]):
        c = cap.get((pool, week))
        if c is None:
            c = fte[(pool, f"{week.year}Q{week.quarter}")] / aht[pool]
        by_q = g.groupby("queue")["fte"].sum()
        for q, f in by_q.items():
            assert f <= share[q] * c + 1e-6, (pool, week, q)
        assert by_q.sum() <= max(share[q] for q in by_q.index) * c + 1e-6, (pool, week)
    assert (a["queue"] == "q1").any() and (a["pool_type"] == "vendor").any()
    assert (r.exposure["share"] >= r.exposure["max_share"] - 1e-6).any()   # some at the limit
