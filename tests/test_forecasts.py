"""The public API: shapes, validation, and the hard cases on series of known structure.

Every expected value comes from the generating process of the synthetic series (or is
worked out by hand), never from the forecaster's own output.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import forecasts
from forecasts import ForecastInputError

START = pd.Timestamp("2024-01-01")
WEEKLY = np.array([1.0, 1.05, 1.0, 0.95, 1.1, 0.6, 0.5])  # Monday .. Sunday


def truth(days: pd.DatetimeIndex, level: float = 1000.0, yearly: float = 0.0) -> np.ndarray:
    """Noise-free volume: level x weekday factor x yearly wave."""
    t = (days - START).days.to_numpy(dtype=float)
    return level * WEEKLY[days.weekday] * np.exp(yearly * np.sin(2 * np.pi * t / 365.25))


def frame(uid: str | int, days: pd.DatetimeIndex, y: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({"unique_id": uid, "ds": days, "y": y})


def noisy(days: pd.DatetimeIndex, sd: float, seed: int, **kw: float) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return truth(days, **kw) * np.exp(rng.normal(0.0, sd, len(days)))


def days_from(start: pd.Timestamp | str, n: int) -> pd.DatetimeIndex:
    return pd.date_range(start, periods=n, freq="D")


# ---------------------------------------------------------------- shape and validation


def test_output_columns_one_per_quantile() -> None:
    d = days_from(START, 120)
    out = forecasts.forecast(frame("a", d, truth(d)), 10, quantiles=(0.9, 0.1, 0.5, 0.25))
    assert list(out.columns) == ["unique_id", "ds", "p10", "p25", "p50", "p90", "model"]
    assert out["ds"].tolist() == list(days_from(d[-1] + pd.Timedelta(days=1), 10))


def test_unique_id_keeps_its_type() -> None:
    d = days_from(START, 70)
    h = pd.concat([frame(7, d, truth(d)), frame(8, d, truth(d))])
    out = forecasts.forecast_with_backtest(h, 3)
    assert sorted(set(out.forecast["unique_id"])) == [7, 8]
    assert sorted(set(out.backtest["unique_id"])) == [7, 8]


def test_seasonal_naive_values_by_hand() -> None:
    d = days_from(START, 70)
    y = np.arange(70, dtype=float)  # last week is 63..69
    out = forecasts.forecast(frame("a", d, y), 9, models=["SeasonalNaive"], windows=0)
    assert out["p50"].tolist() == pytest.approx([63, 64, 65, 66, 67, 68, 69, 63, 64], abs=1e-9)
    assert (out["model"] == "SeasonalNaive").all()


@pytest.mark.parametrize(
    "history,message",
    [
        (pd.DataFrame({"unique_id": ["a"], "y": [1.0]}), "missing column `ds`"),
        (pd.DataFrame({"unique_id": ["a"], "ds": ["2024-01-01"]}), "missing column `y`"),
        (pd.DataFrame({"ds": ["2024-01-01"], "y": [1.0]}), "missing column `unique_id`"),
        (pd.DataFrame({"unique_id": ["a"], "ds": ["2024-01-01"], "y": [-1.0]}), "`y` must be >= 0"),
        (pd.DataFrame({"unique_id": ["a"], "ds": ["2024-01-01"], "y": ["x"]}), "`y` must be a finite"),
        (pd.DataFrame({"unique_id": ["a"], "ds": ["nonsense"], "y": [1.0]}), "`ds` must hold dates"),
        (pd.DataFrame({"unique_id": ["a", "a"], "ds": ["2024-01-01"] * 2, "y": [1.0, 2.0]}),
         "duplicate (unique_id, ds) = (a, 2024-01-01)"),
    ],
)
def test_bad_history_names_the_column(history: pd.DataFrame, message: str) -> None:
    with pytest.raises(ForecastInputError) as err:
        forecasts.forecast(history, 7)
    assert message in str(err.value)


def test_bad_events_and_options_name_what_is_wrong() -> None:
    d = days_from(START, 60)
    h = frame("a", d, truth(d))
    with pytest.raises(ForecastInputError, match="events is missing column `name`"):
        forecasts.forecast(h, 7, events=pd.DataFrame({"ds": ["2024-03-01"]}))
    with pytest.raises(ForecastInputError, match="`uplift` must be a number >= 0"):
        forecasts.forecast(h, 7, events=pd.DataFrame({"ds": ["2024-03-01"], "name": ["x"],
                                                      "uplift": [-2.0]}))
    with pytest.raises(ForecastInputError, match="quantiles"):
        forecasts.forecast(h, 7, quantiles=(0.1, 1.5))
    with pytest.raises(ForecastInputError, match="freq"):
        forecasts.forecast(h, 7, freq="W")
    with pytest.raises(ForecastInputError, match="horizon"):
        forecasts.forecast(h, 0)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(1, 80),
    zeros=st.floats(0.0, 1.0),
    scale=st.sampled_from([0.0, 0.5, 3.0, 1e4]),
    seed=st.integers(0, 1000),
)
def test_quantiles_monotone_nonnegative_never_nan(n: int, zeros: float, scale: float,
                                                   seed: int) -> None:
    rng = np.random.default_rng(seed)
    y = rng.poisson(scale, n) * (rng.random(n) > zeros)
    d = days_from(START, n)
    out = forecasts.forecast(frame("a", d, y.astype(float)), 15)
    q = out[["p10", "p50", "p90"]].to_numpy()
    assert np.all(np.isfinite(q))
    assert np.all(q >= 0)
    assert np.all(np.diff(q, axis=1) >= 0)


# ---------------------------------------------------------------- backtest


def test_backtest_seasonal_naive_metrics_by_hand() -> None:
    d = days_from(START, 100)
    rng = np.random.default_rng(3)
    y = np.round(truth(d) * np.exp(rng.normal(0, 0.1, 100)))
    bt = forecasts.backtest(frame("a", d, y), 7, 2, step=7, models=["SeasonalNaive"])
    row = bt[bt["model"] == "SeasonalNaive"].iloc[0]
    # windows: train on days 0..85 and predict 86..92, train on 0..92 and predict 93..99;
    # a seasonal naive forecast of the next 7 days is the last 7 training days.
    abs_err, signed, vol, scaled = 0.0, 0.0, 0.0, []
    for cut in (86, 93):
        actual, pred = y[cut: cut + 7], y[cut - 7: cut]
        abs_err += np.abs(actual - pred).sum()
        signed += (pred - actual).sum()
        vol += actual.sum()
        scale = np.mean([abs(y[t] - y[t - 7]) for t in range(7, cut)])
        scaled += list(np.abs(actual - pred) / scale)
    assert row["wape"] == pytest.approx(abs_err / vol)
    assert row["bias"] == pytest.approx(signed / vol)
    assert row["mase"] == pytest.approx(np.mean(scaled))
    assert row["n_windows"] == 2 and row["n_days"] == 14 and bool(row["chosen"])


def test_intervals_cover_about_80_percent_of_future_actuals() -> None:
    """Known noise: log-normal, sd 0.15. Score on a simulated future the model never saw."""
    n, h, sd = 400, 28, 0.15
    hist, fut = [], []
    for i in range(12):
        y = noisy(days_from(START, n + h), sd, seed=i, level=200.0 * (i + 1))
        d = days_from(START, n)
        hist.append(frame(f"s{i}", d, y[:n]))
        fut.append(frame(f"s{i}", days_from(d[-1] + pd.Timedelta(days=1), h), y[n:]))
    res = forecasts.forecast_with_backtest(pd.concat(hist), h, windows=4,
                                           models=["Harmonic", "SeasonalNaive"])
    got = res.forecast.merge(pd.concat(fut), on=["unique_id", "ds"])
    inside = (got["y"] >= got["p10"]) & (got["y"] <= got["p90"])
    assert 0.72 <= inside.mean() <= 0.88
    # the backtest's own (leave-one-window-out) coverage says the same
    chosen = res.backtest[res.backtest["chosen"]]
    assert 0.72 <= chosen["coverage_80"].mean() <= 0.88
    # and the median is a median: about half the actuals fall below it
    assert 0.4 <= (got["y"] < got["p50"]).mean() <= 0.6


# ---------------------------------------------------------------- hard cases


def test_event_uplift_threefold_spike_recovered() -> None:
    d = days_from(START, 3 * 365)
    y = noisy(d, 0.05, seed=7)
    sale_days = pd.to_datetime(["2024-11-11", "2025-11-11", "2026-11-11"])
    y[(sale_days - START).days] *= 3.0
    events = pd.DataFrame({"ds": sale_days.append(pd.DatetimeIndex(["2027-11-11"])),
                           "name": "11.11"})
    h = (pd.Timestamp("2027-11-20") - d[-1]).days
    out = forecasts.forecast(frame("a", d, y), h, events=events).set_index("ds")
    sale = out.loc["2027-11-11", "p50"]
    expected = 3.0 * truth(pd.DatetimeIndex(["2027-11-11"]))[0]
    assert sale == pytest.approx(expected, rel=0.12)
    week_before = out.loc["2027-11-04", "p50"]  # same weekday, no event
    assert sale / week_before == pytest.approx(3.0, rel=0.1)


def test_known_uplift_multiplies_the_day() -> None:
    d = days_from(START, 200)
    y = noisy(d, 0.03, seed=8)
    events = pd.DataFrame({"ds": ["2024-07-25", "2024-07-27"], "name": ["new_campaign", "outage"],
                           "uplift": [2.0, 0.0]})
    out = forecasts.forecast(frame("a", d, y), 14, events=events).set_index("ds")
    assert out.loc["2024-07-27", ["p10", "p50", "p90"]].tolist() == [0.0, 0.0, 0.0]
    # 2024-07-25 and 2024-08-01 are both Thursdays
    assert out.loc["2024-07-25", "p50"] / out.loc["2024-08-01", "p50"] == pytest.approx(2.0,
                                                                                       rel=0.03)


@pytest.mark.parametrize("factor", [1.6, 0.6])  # policy change up, automation break down
def test_level_shift_forecast_follows_new_level(factor: float) -> None:
    d = days_from(START, 2 * 365)
    y = noisy(d, 0.05, seed=11)
    y[-70:] *= factor  # the step happened 10 weeks before the end of history
    out = forecasts.forecast(frame("a", d, y), 182)
    fut = days_from(d[-1] + pd.Timedelta(days=1), 182)
    want = factor * truth(fut)
    # the new level, neither the old one nor the step taken for growth, all 26 weeks long
    for first, last in ((0, 28), (154, 182)):
        ratio = out["p50"][first:last].sum() / want[first:last].sum()
        assert ratio == pytest.approx(1.0, abs=0.06)


def test_cold_start_borrows_shape_scaled_to_level() -> None:
    long_days = days_from(START, 2 * 365)
    parts = [frame(f"m{i}|q", long_days, noisy(long_days, 0.04, seed=20 + i, level=800.0 * (i + 1),
                                               yearly=0.3)) for i in range(3)]
    new_days = long_days[-56:]  # a market with 8 weeks of history, level 250
    parts.append(frame("new|q", new_days, noisy(new_days, 0.04, seed=30, level=250.0, yearly=0.3)))
    parts.append(frame("m0|other", long_days, noisy(long_days, 0.04, seed=40, level=90.0)))
    groups = {"m0|q": "q", "m1|q": "q", "m2|q": "q", "new|q": "q", "m0|other": "other"}
    out = forecasts.forecast(pd.concat(parts), 91, groups=groups)
    new = out[out["unique_id"] == "new|q"]
    assert (new["model"] == forecasts.COLD_START).all()
    want = truth(pd.DatetimeIndex(new["ds"]), level=250.0, yearly=0.3)
    # within 8 % on every day: the shape (weekday and yearly) is borrowed, the level its own
    assert np.max(np.abs(new["p50"].to_numpy() / want - 1)) < 0.08
    assert np.all(new["p10"] < new["p50"]) and np.all(new["p90"] > new["p50"])


def test_missing_week_is_filled_and_not_scored() -> None:
    d = days_from(START, 500)
    y = noisy(d, 0.05, seed=12)
    gap = (d >= "2025-03-03") & (d < "2025-03-10")  # a week lost 8 weeks before the end
    h = frame("a", d, y)[~gap]
    res = forecasts.forecast_with_backtest(h, 28, windows=3, step=28)
    fut = days_from(d[-1] + pd.Timedelta(days=1), 28)
    assert res.forecast["p50"].notna().all()
    assert res.forecast["p50"].sum() / truth(fut).sum() == pytest.approx(1.0, abs=0.05)
    # windows cover days 416..443, 444..471, 472..499; the gap (days 427..433) is in the
    # first, so 3 x 28 - 7 days are scored
    assert set(res.backtest["n_days"]) == {3 * 28 - 7}


def test_zero_heavy_series_stays_sane() -> None:
    rng = np.random.default_rng(5)
    n, h = 400, 28
    y = rng.poisson(0.4, n + h).astype(float)  # about two thirds zeros
    d = days_from(START, n)
    out = forecasts.forecast(frame("a", d, y[:n]), h)
    q = out[["p10", "p50", "p90"]].to_numpy()
    assert np.all(np.isfinite(q)) and np.all(q >= 0) and np.all(np.diff(q, axis=1) >= 0)
    assert out["p50"].mean() < 1.5  # a median of Poisson(0.4) is 0
    assert out["p90"].max() >= 1.0  # yet the upper quantile allows a case or more
    inside = (y[n:] >= out["p10"].to_numpy()) & (y[n:] <= out["p90"].to_numpy())
    assert inside.mean() >= 0.7


def test_worker_processes_give_the_same_result() -> None:
    d = days_from(START, 150)
    h = pd.concat([frame(f"s{i}", d, noisy(d, 0.1, seed=i, level=100.0 * (i + 1)))
                   for i in range(8)])
    one = forecasts.forecast_with_backtest(h, 14, n_jobs=1)
    two = forecasts.forecast_with_backtest(h, 14, n_jobs=2)
    pd.testing.assert_frame_equal(one.forecast, two.forecast)
    pd.testing.assert_frame_equal(one.backtest, two.backtest)


def test_data_glitches_do_not_bend_the_forecast_but_are_scored() -> None:
    d = days_from(START, 365)
    y = noisy(d, 0.03, seed=13)
    mondays = np.flatnonzero(d.weekday == 0)
    y[mondays[20]] = 0.0  # an outage: nothing recorded that Monday
    y[mondays[30]] *= 10  # a double count
    y[-10] = 0.0  # another outage, inside the last backtest window
    res = forecasts.forecast_with_backtest(frame("a", d, y), 28, windows=2, step=28)
    fut = days_from(d[-1] + pd.Timedelta(days=1), 28)
    ratio = res.forecast["p50"].to_numpy() / truth(fut)
    # on the log scale one zero among 52 Mondays would pull every Monday down ~13 %
    assert np.max(np.abs(ratio - 1)) < 0.04
    # the outage is still an actual the backtest scores: 2 windows x 28 days, none dropped
    assert set(res.backtest["n_days"]) == {56}


def test_listed_event_spike_is_not_a_glitch() -> None:
    d = days_from(START, 2 * 365)
    y = noisy(d, 0.03, seed=14)
    sale = pd.to_datetime(["2024-06-18", "2025-06-18"])
    y[(sale - START).days] *= 6.0  # six-fold: far beyond the glitch threshold of 4
    events = pd.DataFrame({"ds": sale.append(pd.DatetimeIndex(["2026-01-06"])), "name": "618"})
    out = forecasts.forecast(frame("a", d, y), 14, events=events).set_index("ds")
    assert out.loc["2026-01-06", "p50"] / out.loc["2026-01-13", "p50"] == pytest.approx(6.0,
                                                                                       rel=0.1)
