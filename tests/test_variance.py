"""The variance split: exact, order-free, and right on cases computed by hand.

Second method: the Shapley value as the average, over all 24 orders of the four factors, of
the change when a factor switches from planned to actual (sequential substitution), in
exact rational arithmetic.
"""

from __future__ import annotations

from fractions import Fraction
from itertools import permutations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planning.actuals.variance import (
    FACTORS,
    explain_sentence,
    requirement_variance,
    shapley_effects,
    variance_summary,
)
from planning.inputs.loading import load_inputs

WEEKLY_COST = 1600 * 12 / 52  # Jakarta's cost_per_fte_month as a weekly cost


def _by_orders(base: dict, actual: dict) -> dict:
    """Shapley value by averaging sequential substitution over every order (second method)."""
    names = list(base)
    out = {f: Fraction(0) for f in names}
    orders = list(permutations(names))
    for order in orders:
        current = dict(base)
        for f in order:
            before = np.prod([current[g] for g in names])
            current[f] = actual[f]
            out[f] += np.prod([current[g] for g in names]) - before
    return {f: v / len(orders) for f, v in out.items()}


def _arr(x) -> np.ndarray:
    return np.array([x], dtype=object if isinstance(x, Fraction) else float)


def test_volume_up_10_and_aht_up_20_by_hand() -> None:
    # total = 1.1 x 1.2 - 1 = 0.32 of the base; each factor gets its own change plus half the
    # interaction 0.1 x 0.2 = 0.02: volume 0.10 + 0.01 = 0.11, AHT 0.20 + 0.01 = 0.21.
    base = {f: _arr(Fraction(1)) for f in FACTORS}
    actual = dict(base, volume=_arr(Fraction(11, 10)), aht=_arr(Fraction(6, 5)))
    eff = shapley_effects(base, actual)
    assert eff["volume"][0] == Fraction(11, 100)
    assert eff["aht"][0] == Fraction(21, 100)
    assert eff["automation"][0] == 0 and eff["productivity"][0] == 0
    assert sum(e[0] for e in eff.values()) == Fraction(32, 100)


def test_scale_multiplies_every_effect() -> None:
    base = {f: np.array([1.0]) for f in FACTORS}
    actual = dict(base, volume=np.array([1.1]), aht=np.array([1.2]))
    eff = shapley_effects(base, actual, np.array([10.0]))
    assert eff["volume"][0] == pytest.approx(1.1, abs=1e-12)
    assert eff["aht"][0] == pytest.approx(2.1, abs=1e-12)


positive = st.fractions(min_value=Fraction(1, 100), max_value=100, max_denominator=1000)


@given(st.lists(positive, min_size=8, max_size=8))
@settings(max_examples=60, deadline=None)
def test_exact_in_rationals_and_equal_to_the_average_over_orders(values) -> None:
    base = {f: values[i] for i, f in enumerate(FACTORS)}
    actual = {f: values[4 + i] for i, f in enumerate(FACTORS)}
    eff = shapley_effects({f: _arr(v) for f, v in base.items()}, {f: _arr(v) for f, v in actual.items()})
    total = np.prod(list(actual.values())) - np.prod(list(base.values()))
    assert sum(e[0] for e in eff.values()) == total  # exactly
    second = _by_orders(base, actual)
    assert all(eff[f][0] == second[f] for f in FACTORS)


@given(st.lists(st.floats(0.01, 100), min_size=8, max_size=8), st.floats(0.001, 1000))
@settings(max_examples=100, deadline=None)
def test_floats_add_up_to_the_total(values, scale) -> None:
    base = {f: np.array([values[i]]) for i, f in enumerate(FACTORS)}
    actual = {f: np.array([values[4 + i]]) for i, f in enumerate(FACTORS)}
    eff = shapley_effects(base, actual, scale)
    total = scale * (np.prod([a[0] for a in actual.values()]) - np.prod([b[0] for b in base.values()]))
    assert sum(e[0] for e in eff.values()) == pytest.approx(total, rel=1e-9, abs=1e-9 * scale)


@given(st.lists(positive, min_size=4, max_size=4), st.sampled_from(FACTORS), positive)
@settings(max_examples=40, deadline=None)
def test_a_factor_alone_takes_the_whole_difference_and_unchanged_ones_take_none(values, moved, new):
    base = {f: _arr(values[i]) for i, f in enumerate(FACTORS)}
    actual = dict(base, **{moved: _arr(new)})
    eff = shapley_effects(base, actual)
    total = np.prod([a[0] for a in actual.values()]) - np.prod([b[0] for b in base.values()])
    assert eff[moved][0] == total
    assert all(eff[f][0] == 0 for f in FACTORS if f != moved)


def _inputs(tiny, actual_queues: str, actual_sites: str | None = None):
    files = {"actual_queues__csv": actual_queues}
    if actual_sites:
        files["actual_sites__csv"] = actual_sites
    return load_inputs(tiny(**files))


def _req(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["market", "queue", "week", "required_fte", "forecast_cases",
                                       "automation_rate", "aht_minutes"]).assign(
        week=lambda f: pd.to_datetime(f["week"]))


def test_requirement_variance_by_hand(tiny) -> None:
    # Plan: 1000 cases, automation 0.5, AHT 6 min -> 10 required FTE. Actual: 1100 cases,
    # 550 automated (still 0.5), AHT 7.2 (+20 %): actual FTE 10 x 1.1 x 1.2 = 13.2.
    inputs = _inputs(tiny, """
        market,queue,week,cases,automated_cases,manual_cases_closed,aht_minutes,sla_share
        ID,listing,2027-01-04,1100,550,550,7.2,0.99
    """)
    req = _req([("ID", "listing", "2027-01-04", 10.0, 1000.0, 0.5, 6.0)])
    v = requirement_variance(inputs, req).iloc[0]
    assert v["planned_fte"] == pytest.approx(10.0)
    assert v["actual_fte"] == pytest.approx(13.2)
    assert v["volume_fte"] == pytest.approx(1.1)
    assert v["aht_fte"] == pytest.approx(2.1)
    assert v["automation_fte"] == pytest.approx(0.0, abs=1e-12)
    assert v["productivity_fte"] == pytest.approx(0.0, abs=1e-12)
    # ID is reviewed in Indonesian: only Jakarta serves it, so one FTE-week costs its weekly cost
    assert v["difference_cost"] == pytest.approx(3.2 * WEEKLY_COST)
    assert v["aht_cost"] == pytest.approx(2.1 * WEEKLY_COST)


def test_shrinkage_achieved_is_the_productivity_effect(tiny) -> None:
    # Jakarta: 10 people x 40 h = 400 paid hours, 224 productive -> shrinkage 0.44 instead of
    # 0.30: paid per productive hour 1/0.56 vs 1/0.7, x1.25 -> 10 FTE become 12.5.
    inputs = _inputs(tiny, """
        market,queue,week,cases,automated_cases,aht_minutes
        ID,listing,2027-01-04,1000,500,6
    """, """
        site,week,headcount,starts,leavers,productive_hours
        Jakarta,2027-01-04,10,0,0,224
    """)
    req = _req([("ID", "listing", "2027-01-04", 10.0, 1000.0, 0.5, 6.0)])
    v = requirement_variance(inputs, req).iloc[0]
    assert v["actual_fte"] == pytest.approx(12.5)
    assert v["productivity_fte"] == pytest.approx(2.5)
    assert v[["volume_fte", "automation_fte", "aht_fte"]].abs().max() < 1e-12


def test_automation_drop_and_summary_per_market_and_quarter(tiny) -> None:
    # Week 1: automation 0.5 -> 0.4, manual share 0.5 -> 0.6 (x1.2): 10 -> 12 FTE.
    # Week 2: as planned (8 FTE). Quarter: weekly average difference (2 + 0) / 2 = 1 FTE.
    inputs = _inputs(tiny, """
        market,queue,week,cases,automated_cases,aht_minutes
        ID,listing,2027-01-04,1000,400,6
        ID,listing,2027-01-11,800,400,6
    """)
    req = _req([("ID", "listing", "2027-01-04", 10.0, 1000.0, 0.5, 6.0),
                ("ID", "listing", "2027-01-11", 8.0, 800.0, 0.5, 6.0)])
    var = requirement_variance(inputs, req)
    assert var["automation_fte"].tolist() == pytest.approx([2.0, 0.0], abs=1e-12)
    s = variance_summary(var).iloc[0]
    assert (s["market"], s["quarter"], s["weeks"]) == ("ID", "2027Q1", 2)
    assert s["planned_fte"] == pytest.approx(9.0)
    assert s["difference_fte"] == pytest.approx(1.0)
    assert s["automation_share"] == pytest.approx(1.0)
    assert s["difference_cost"] == pytest.approx(2.0 * WEEKLY_COST)
    assert "ID 2027Q1: required FTE +1.0 over plan (+11.1%); 100% automation" in explain_sentence(s)


def test_effects_add_up_on_many_rows(tiny) -> None:
    rng = np.random.default_rng(7)
    weeks = ["2027-01-04", "2027-01-11"]
    lines = ["market,queue,week,cases,automated_cases,aht_minutes"]
    req = []
    for m in ("ID", "GB"):
        for w in weeks:
            cases = float(rng.integers(500, 1500))
            lines.append(f"{m},listing,{w},{cases:g},{rng.integers(0, 500)},{rng.uniform(4, 8):.3f}")
            req.append((m, "listing", w, rng.uniform(5, 20), rng.uniform(500, 1500), 0.5, 6.0))
    var = requirement_variance(_inputs(tiny, "\n".join(lines)), _req(req))
    effects = var[[f"{f}_fte" for f in FACTORS]].sum(axis=1)
    assert np.allclose(effects, var["difference_fte"], rtol=0, atol=1e-9)
    costs = var[[f"{f}_cost" for f in FACTORS]].sum(axis=1)
    assert np.allclose(costs, var["difference_cost"], rtol=1e-12, atol=1e-6)
    assert np.allclose(var["planned_fte"], pd.Series([r[3] for r in sorted(req)]), atol=1e-9)


def test_a_requirements_table_without_drivers_is_explained(tiny) -> None:
    from planning.errors import InputError

    inputs = _inputs(tiny, """
        market,queue,week,cases
        ID,listing,2027-01-04,1000
    """)
    req = pd.DataFrame({"market": ["ID"], "queue": ["listing"], "week": [pd.Timestamp("2027-01-04")],
                        "required_fte": [3.0]})
    with pytest.raises(InputError, match="needs the drivers"):
        requirement_variance(inputs, req)


def test_productivity_and_unit_cost_follow_the_plans_allocation(tiny) -> None:
    # GB is served 3 FTE by Jakarta (achieved shrinkage 1 - 224/400 = 0.44) and 1 FTE by the
    # vendor Manila (no hours reported: planned 0.30). Paid per productive hour, weighted 3:1:
    # (3 / 0.56 + 1 / 0.7) / 4 = 1.696428..., against 1 / 0.7 planned: 10 FTE x 1.1875.
    inputs = _inputs(tiny, """
        market,queue,week,cases,automated_cases,aht_minutes
        GB,listing,2027-01-04,1000,500,6
    """, """
        site,week,headcount,starts,leavers,productive_hours
        Jakarta,2027-01-04,10,0,0,224
    """)
    req = _req([("GB", "listing", "2027-01-04", 10.0, 1000.0, 0.5, 6.0)])
    allocation = pd.DataFrame({"pool": ["Jakarta", "Manila"], "market": "GB", "queue": "listing",
                               "week": pd.Timestamp("2027-01-04"), "fte": [3.0, 1.0]})
    v = requirement_variance(inputs, req, allocation).iloc[0]
    assert v["actual_ppp"] == pytest.approx((3 / 0.56 + 1 / 0.7) / 4)
    assert v["actual_fte"] == pytest.approx(11.875)
    assert v["productivity_fte"] == pytest.approx(1.875)
    unit = (3 * 1600 + 1 * 1900) * 12 / 52 / 4  # FTE-weighted weekly cost of the two pools
    assert v["unit_cost"] == pytest.approx(unit)
    assert v["productivity_cost"] == pytest.approx(1.875 * unit)


def test_work_the_plan_did_not_expect_is_split_without_nans(tiny) -> None:
    # The plan forecast no cases (required 0); 840 arrived, half automated, AHT 6 min:
    # 420 x 6 / 60 = 42 workload hours; flat week at 40 h x 0.85 occupancy x 1/(1 - 0.3)
    # paid per productive hour -> 42 / (40 x 0.85 x 0.7) FTE, all of it volume (the only
    # factor that moved).
    inputs = _inputs(tiny, """
        market,queue,week,cases,automated_cases,aht_minutes
        ID,listing,2027-01-04,840,420,6
    """)
    req = _req([("ID", "listing", "2027-01-04", 0.0, 0.0, 0.5, 6.0)])
    v = requirement_variance(inputs, req).iloc[0]
    assert v["planned_fte"] == 0
    assert v["actual_fte"] == pytest.approx(42 / (40 * 0.85 * 0.7))
    assert v["volume_fte"] == pytest.approx(v["actual_fte"])
    assert v[["automation_fte", "aht_fte", "productivity_fte"]].abs().max() < 1e-12


def test_largest_differences_come_first_by_absolute_size() -> None:
    from planning.actuals.variance import largest_differences

    s = pd.DataFrame({"market": ["A", "B", "C", "D"], "difference_fte": [1.0, -7.5, 3.0, -0.5]})
    assert largest_differences(s, 3)["market"].tolist() == ["B", "C", "A"]
    assert largest_differences(s.iloc[:0], 3).empty


def test_the_volume_effect_splits_into_model_error_and_override_by_hand(tiny) -> None:
    # The model said 800 cases; a planner's +25 % override planned 1000 (10 FTE). Actual 1100
    # cases, AHT +20 %: volume effect 1.1 FTE as above (= c x 100 cases with c = 0.011 FTE per
    # case). Split: the model's error c x (1100 - 800) = 3.3 FTE; the override c x (800 - 1000)
    # = -2.2 FTE: judgement took 2.2 FTE off the gap the model alone would have left.
    inputs = _inputs(tiny, """
        market,queue,week,cases,automated_cases,manual_cases_closed,aht_minutes,sla_share
        ID,listing,2027-01-04,1100,550,550,7.2,0.99
    """)
    req = _req([("ID", "listing", "2027-01-04", 10.0, 1000.0, 0.5, 6.0)]).assign(model_cases=800.0)
    v = requirement_variance(inputs, req).iloc[0]
    assert v["volume_fte"] == pytest.approx(1.1)
    assert v["volume_model_fte"] == pytest.approx(3.3)
    assert v["volume_override_fte"] == pytest.approx(-2.2)
    assert v["volume_override_cost"] == pytest.approx(-2.2 * WEEKLY_COST)
    summary = variance_summary(requirement_variance(inputs, req)).iloc[0]
    assert summary["volume_model_fte"] + summary["volume_override_fte"] == pytest.approx(
        summary["volume_fte"])
    line = explain_sentence(summary)
    assert "+3.3 FTE is the model's error and -2.2 FTE the forecast overrides (they narrowed" in line
    # without the model's cases there is nothing to split
    assert "volume_override_fte" not in requirement_variance(inputs, req.drop(columns="model_cases"))
