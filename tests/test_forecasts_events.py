"""Event offsets and learnt uplifts on series with known spikes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasts import events as ev
from forecasts.validation import check_events


def test_nearest_offsets_by_hand() -> None:
    got = ev.nearest_offsets([5, 6, 12], 16, lead=2, lag=1)
    n = ev.NONE
    #        0  1  2   3   4  5  6  7  8  9  10  11 12 13 14 15
    want = [n, n, n, -2, -1, 0, 0, 1, n, n, -2, -1, 0, 1, n, n]
    assert got.tolist() == want


def _series(n: int, seed: int = 0, sd: float = 0.05) -> tuple[pd.DatetimeIndex, np.ndarray]:
    rng = np.random.default_rng(seed)
    days = pd.date_range("2023-01-01", periods=n, freq="D")
    weekly = np.where(days.weekday >= 5, 0.6, 1.0)
    return days, 500.0 * weekly * np.exp(rng.normal(0, sd, n))


def test_learns_threefold_spike_and_day_after() -> None:
    days, y = _series(3 * 365)
    sale = pd.to_datetime(["2023-11-11", "2024-11-11", "2025-11-11"])
    for d in sale:
        i = (d - days[0]).days
        y[i] *= 3.0
        y[i + 1] *= 1.5
    events = check_events(pd.DataFrame({"ds": sale, "name": "11.11"}))
    cal = ev.series_events(events, "a", days[0], len(y))
    u = ev.learn_uplifts(np.log1p(y), np.ones(len(y), bool), len(y), cal)
    assert np.exp(u[("11.11", 0)]) == pytest.approx(3.0, rel=0.08)
    assert np.exp(u[("11.11", 1)]) == pytest.approx(1.5, rel=0.08)
    assert u[("11.11", -2)] == 0.0  # nothing happens two days before: set to zero


def test_event_effect_uses_known_uplift_and_pool() -> None:
    events = check_events(pd.DataFrame({
        "ds": pd.to_datetime(["2024-01-10", "2024-01-20"]),
        "name": ["sale", "sale"],
        "uplift": [np.nan, 2.0],
    }))
    cal = ev.series_events(events, "a", pd.Timestamp("2024-01-01"), 30, lead=0, lag=0)
    u, m = ev.event_effect(cal, {}, {("sale", 0): 0.5}, 0, 30)
    assert u[9] == 0.5 and m[9] == 1.0  # learnt (here: pooled) uplift on the 10th
    assert u[19] == 0.0 and m[19] == 2.0  # the known multiplier on the 20th
    assert np.count_nonzero(u) == 1 and np.count_nonzero(m != 1.0) == 1


def test_events_for_other_series_are_ignored() -> None:
    events = check_events(pd.DataFrame({
        "ds": pd.to_datetime(["2024-01-10", "2024-01-12"]), "name": ["a", "b"],
        "unique_id": ["x", None],
    }))
    cal = ev.series_events(events, "y", pd.Timestamp("2024-01-01"), 30)
    assert cal.names == ("b",)


def test_a_baseline_from_one_side_only_is_refused_when_two_sided() -> None:
    # 30 days of 1.0, usable everywhere: day 25 has same weekdays 18 and 11 (and 4) before
    # it and none after (day 32 is past the end)
    z = np.ones(30)
    usable = np.ones(30, bool)
    days = np.array([10, 25])
    assert ev.baselines(z, usable, days).tolist() == [1.0, 1.0]
    got = ev.baselines(z, usable, days, two_sided=True)
    assert got[0] == 1.0 and np.isnan(got[1])


def test_an_uplift_seen_once_must_be_large_to_be_learnt() -> None:
    # noise sd 0.03 in logs: standard error of a one-day estimate 1.12 x 0.03 = 0.034, so
    # the one-day threshold is 4 x 0.034 = 0.134 and the two-day one 2 x 0.024 = 0.048
    days, y = _series(2 * 365, seed=3, sd=0.03)
    dip = pd.to_datetime(["2023-05-10", "2024-05-08"])  # a 10 % dip (0.105 in logs)
    for d in dip:
        y[(d - days[0]).days] *= 0.9
    spike = pd.Timestamp("2024-03-06")  # a threefold spike, once (1.1 in logs)
    y[(spike - days[0]).days] *= 3.0
    events = check_events(pd.DataFrame({"ds": [*dip, spike],
                                        "name": ["holiday", "holiday", "sale"]}))
    cal = ev.series_events(events, "a", days[0], len(y), lead=0, lag=0)
    z, obs = np.log1p(y), np.ones(len(y), bool)
    twice = ev.learn_uplifts(z, obs, len(y), cal)
    assert np.exp(twice[("holiday", 0)]) == pytest.approx(0.9, abs=0.04)
    assert np.exp(twice[("sale", 0)]) == pytest.approx(3.0, rel=0.1)
    # history up to the second dip's eve: the dip was seen once, under the threshold
    once = ev.learn_uplifts(z, obs, (dip[1] - days[0]).days, cal)
    assert once[("holiday", 0)] == 0.0
    assert np.exp(once[("sale", 0)]) == pytest.approx(3.0, rel=0.1)
