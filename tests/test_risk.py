"""SLA risk of a plan (planning.risk.simulate) on hand-computed cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from planning.errors import InputError
from planning.inputs.loading import load_inputs
from planning.requirements.queueing import required_agents, service_level
from planning.risk.simulate import RiskSettings, capacity_table, simulate_risk

WEEKS = 13  # 2027-01-04 .. 2027-04-04: one quarter (2027Q1) of 91 days
DEFERRABLE_HOURS = 40 * 0.7 * 0.85  # productive hours of one FTE-week, deferrable work
REALTIME_HOURS = 40 * 0.7
EXACT = RiskSettings(paths=20, aht_cv=0.0)


@pytest.fixture
def inputs(tiny):
    return load_inputs(tiny(scenario__toml=f'[plan]\nstart = "2027-01-04"\nweeks = {WEEKS}\n'))


def flat_forecast(market: str, queue: str, cases: float, spread: float = 0.0) -> pd.DataFrame:
    days = pd.date_range("2027-01-04", periods=7 * WEEKS, freq="D")
    return pd.DataFrame({"market": market, "queue": queue, "date": days, "p10": cases * (1 - spread),
                         "p50": cases, "p90": cases * (1 + spread)})


def allocation(market: str, queue: str, fte: float) -> pd.DataFrame:
    weeks = pd.date_range("2027-01-04", periods=WEEKS, freq="7D")
    return pd.DataFrame({"pool": "Jakarta", "pool_type": "site", "market": market, "queue": queue,
                         "week": weeks, "fte": fte})


def test_capacity_equal_to_work_meets_sla(inputs):
    # listing: 400 cases/day x (1 - 0.5 automation) x 6 min = 20 h/day = 140 h/week
    fte = 140 / DEFERRABLE_HOURS
    out = simulate_risk(inputs, flat_forecast("ID", "listing", 400), allocation("ID", "listing", fte),
                        EXACT)
    row = out.summary.iloc[0]
    assert (row.quarter, row.kind, row.paths) == ("2027Q1", "deferrable", 20)
    assert row.expected_cases == pytest.approx(200 * 91)
    assert row.capacity_fte == pytest.approx(fte)
    assert (row.p_meet_sla, row.on_time_mean, row.backlog_age_mean_days) == (1.0, 1.0, 0.0)


def test_three_quarters_capacity_by_hand(inputs):
    # c = 15 h/day against w = 20: day d's cases are (1.5 - 0.25 d) on time, clipped to
    # [0, 1]: 3 + 0.75 + 0.5 + 0.25 = 4.5 days' worth of 91 -> 4.5 / 91; target 1 -> missed.
    fte = 0.75 * 140 / DEFERRABLE_HOURS
    out = simulate_risk(inputs, flat_forecast("ID", "listing", 400), allocation("ID", "listing", fte),
                        EXACT)
    row = out.summary.iloc[0]
    assert row.on_time_mean == pytest.approx(4.5 / 91)
    assert row.on_time_p05 == pytest.approx(4.5 / 91)
    assert row.p_meet_sla == 0.0
    e = np.arange(91)
    assert row.backlog_age_mean_days == pytest.approx(np.mean(e - np.floor(0.75 * (e + 1))))
    assert out.markets.iloc[0].p_all_queues_meet == 0.0


def test_no_allocation_means_no_capacity(inputs):
    out = simulate_risk(inputs, flat_forecast("ID", "listing", 400), allocation("ID", "listing", 0)[:0],
                        EXACT)
    row = out.summary.iloc[0]
    # D = 1: only the last day's cases get the extra day of (zero) capacity -> nothing on time
    assert (row.p_meet_sla, row.on_time_mean, row.capacity_fte) == (0.0, 0.0, 0.0)


def test_uncertainty_lowers_probability_of_a_p50_plan(inputs):
    fte = 140 / DEFERRABLE_HOURS
    fc = flat_forecast("ID", "listing", 400, spread=0.2)
    exact = simulate_risk(inputs, flat_forecast("ID", "listing", 400), allocation("ID", "listing", fte),
                          EXACT).summary.iloc[0]
    risky = simulate_risk(inputs, fc, allocation("ID", "listing", fte),
                          RiskSettings(paths=400)).summary.iloc[0]
    roomy = simulate_risk(inputs, fc, allocation("ID", "listing", 1.5 * fte),
                          RiskSettings(paths=400)).summary.iloc[0]
    assert exact.p_meet_sla == 1.0
    assert risky.p_meet_sla < 0.5 and risky.on_time_mean < 1.0
    assert roomy.on_time_mean > risky.on_time_mean
    # same seed, same paths: the simulation is reproducible
    again = simulate_risk(inputs, fc, allocation("ID", "listing", fte),
                          RiskSettings(paths=400)).summary.iloc[0]
    assert again.on_time_mean == risky.on_time_mean


@pytest.mark.parametrize("interval", [60, 30])
def test_realtime_service_level_is_erlang_c(tiny, interval):
    # live in GB: 1600 cases/day, flat over 24 h, 3 min AHT -> 66.67 cases/h = 3.333 Erlangs
    # (half-hour intervals: 33.3 cases x 180 s / 1800 s, the same load)
    inputs = load_inputs(tiny(scenario__toml=f'[plan]\nstart = "2027-01-04"\nweeks = {WEEKS}\n'
                                             f'[workforce]\ninterval_minutes = {interval}\n'))
    load = 1600 / 24 * 180 / 3600
    n = required_agents(load, 180, 0.8, 20)
    fte = n * 24 * 7 / REALTIME_HOURS  # the plan's FTE staff exactly n agents every hour
    out = simulate_risk(inputs, flat_forecast("GB", "live", 1600), allocation("GB", "live", fte),
                        EXACT).summary.iloc[0]
    assert out.kind == "realtime"
    assert out.on_time_mean == pytest.approx(service_level(load, n, 180, 20), abs=2e-3)
    assert out.p_meet_sla == 1.0
    # half an agent less every hour: half the time n - 1 agents, half the time n
    fte = (n - 0.5) * 24 * 7 / REALTIME_HOURS
    out = simulate_risk(inputs, flat_forecast("GB", "live", 1600), allocation("GB", "live", fte),
                        EXACT).summary.iloc[0]
    half = 0.5 * (service_level(load, n - 1, 180, 20) + service_level(load, n, 180, 20))
    assert out.on_time_mean == pytest.approx(half, abs=2e-3)
    assert out.p_meet_sla == float(half >= 0.8)
    assert np.isnan(out.backlog_age_mean_days)


def test_roll_ups_combine_queues(inputs):
    fc = pd.concat([flat_forecast("ID", "listing", 400), flat_forecast("GB", "live", 1600)])
    alloc = pd.concat([allocation("ID", "listing", 140 / DEFERRABLE_HOURS),
                       allocation("GB", "live", 0.0)])
    out = simulate_risk(inputs, fc, alloc, EXACT)
    assert set(out.summary["market"]) == {"ID", "GB"}
    overall = out.overall.set_index("quarter")
    # one cell met (ID listing, 18,200 cases), one missed (GB live, no agents: 145,600 cases)
    assert overall.loc["all", "p_meet_weighted"] == pytest.approx(18200 / (18200 + 145600))
    assert overall.loc["all", "p_all_meet"] == 0.0


def test_capacity_table_sums_pools():
    a = pd.concat([allocation("ID", "listing", 2.0), allocation("ID", "listing", 3.0)])
    assert capacity_table(a)["fte"].tolist() == [5.0] * WEEKS


def test_bad_settings_and_missing_forecast(inputs):
    with pytest.raises(InputError, match="correlation"):
        simulate_risk(inputs, flat_forecast("ID", "listing", 1), allocation("ID", "listing", 1),
                      RiskSettings(correlation=1.0))
    with pytest.raises(InputError, match="forecast"):
        simulate_risk(inputs, None, allocation("ID", "listing", 1))
    with pytest.raises(InputError, match="allocation: fte"):
        simulate_risk(inputs, flat_forecast("ID", "listing", 1),
                      allocation("ID", "listing", 1).drop(columns="fte"))


def test_whole_simulation_agrees_with_case_by_case_des(tiny):
    """simulate_risk against individual cases on the same volume and AHT paths.

    The paths are rebuilt from the documented generator (same seed and series stream);
    each path's cases, rounded to whole cases, go through the DES (tests/des.py) one by one.
    """
    from des import des_on_time

    from planning.periods import quarter_labels
    from planning.risk.paths import aht_factors, ar1_scores, quantile_cases, series_rng

    queues = ("queue,kind,aht_minutes,tat_hours,sla_target,answer_seconds,inhouse_only,"
              "automation_rate\nlisting,deferrable,6,24,0.97,,false,0.5\n"
              "live,realtime,3,,0.8,20,false,0\n")
    inputs = load_inputs(tiny(queues__csv=queues,
                              scenario__toml=f'[plan]\nstart = "2027-01-04"\nweeks = {WEEKS}\n'))
    paths, rho, cv = 300, 0.9, 0.05
    fte = 1.02 * 14 / DEFERRABLE_HOURS  # 40 cases/day x 0.5 x 0.1 h = 2 h/day = 14 h/week
    got = simulate_risk(inputs, flat_forecast("ID", "listing", 40, spread=0.15),
                        allocation("ID", "listing", fte),
                        RiskSettings(paths=paths, correlation=rho, aht_cv=cv)).summary.iloc[0]
    rng = series_rng(0, "ID", "listing")
    z = ar1_scores(rng, paths, 91, rho)
    cases = quantile_cases(z, np.full(91, 34.0), np.full(91, 40.0), np.full(91, 46.0)) * 0.5
    aht = np.repeat(aht_factors(rng, paths, WEEKS, cv), 7, axis=1) * 0.1
    cap = np.full(91, fte * DEFERRABLE_HOURS / 7)
    shares = np.empty(paths)
    for p in range(paths):
        counts = np.rint(cases[p]).astype(int)
        n, ok = des_on_time(counts, [np.full(k, aht[p, d]) for d, k in enumerate(counts)], cap, 1)
        shares[p] = ok.sum() / n.sum()
    assert set(quarter_labels(pd.date_range("2027-01-04", periods=WEEKS, freq="7D"))) == {"2027Q1"}
    p_des = (shares >= 0.97).mean()
    p = (p_des + got.p_meet_sla) / 2
    assert 0.05 < p < 0.95  # an informative case, neither certain nor hopeless
    assert abs(p_des - got.p_meet_sla) < 4 * np.sqrt(2 * p * (1 - p) / paths)
    assert abs(shares.mean() - got.on_time_mean) < 4 * np.sqrt(2 * shares.var() / paths)


def test_spare_capacity_is_shared_in_proportion():
    from planning.risk.simulate import with_spare_capacity

    week = pd.Timestamp("2027-01-04")
    alloc = pd.DataFrame({"pool": ["S", "S", "V"], "pool_type": ["site", "site", "vendor"],
                          "market": ["ID", "GB", "GB"], "queue": "listing", "week": week,
                          "fte": [6.0, 2.0, 3.0]})
    sites = pd.DataFrame({"site": ["S"], "week": [week], "productive_fte": [10.0]})
    vendors = pd.DataFrame({"vendor": ["V"], "quarter": ["2027Q1"], "fte": [5.0]})

    class Fake:  # the two things with_spare_capacity reads from the inputs
        vendors = pd.DataFrame({"vendor": ["V"], "aht_factor": [1.25]})

        @staticmethod
        def plan_weeks():
            return pd.DatetimeIndex([week])

    out = with_spare_capacity(alloc, sites, vendors, Fake())
    # site S: 10 productive, 8 allocated -> 2 spare, 6:2 -> +1.5 and +0.5;
    # vendor V: 5 contracted / 1.25 = 4 capacity, 3 allocated -> +1
    assert out["fte"].tolist() == pytest.approx([7.5, 2.5, 4.0])


def test_forecast_without_p10_p90_is_simulated_without_uncertainty(inputs):
    fc = flat_forecast("ID", "listing", 400).drop(columns=["p10", "p90"])
    out = simulate_risk(inputs, fc, allocation("ID", "listing", 140 / DEFERRABLE_HOURS),
                        RiskSettings(paths=30, aht_cv=0.0))
    assert any("P10/P90" in n for n in out.notes)
    assert out.summary.iloc[0].p_meet_sla == 1.0
