"""Candidate models on series whose structure is known exactly."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasts import models


def test_seasonal_naive_repeats_last_week_by_hand() -> None:
    y = np.arange(1.0, 11.0)  # 1..10; last week is days 4..10 -> values 4..10
    got = models.seasonal_naive(y, 9)
    assert got.tolist() == [4, 5, 6, 7, 8, 9, 10, 4, 5]


def test_seasonal_naive_short_history_is_mean() -> None:
    assert models.seasonal_naive(np.array([2.0, 4.0]), 3).tolist() == [3.0, 3.0, 3.0]


def _pattern(days: pd.DatetimeIndex) -> np.ndarray:
    """log1p volume: weekly bump, yearly wave, 10 %/year growth, level 1000."""
    t = (days - pd.Timestamp("2024-01-01")).days.to_numpy(dtype=float)
    weekly = np.where(days.weekday >= 5, -0.4, 0.1)
    yearly = 0.2 * np.sin(2 * np.pi * t / 365.25)
    return np.log(1000.0) + 0.1 * t / 365.25 + weekly + yearly


def test_harmonic_recovers_weekly_and_yearly_pattern() -> None:
    days = pd.date_range("2024-01-01", periods=3 * 365, freq="D")
    future = pd.date_range(days[-1] + pd.Timedelta(days=1), periods=91, freq="D")
    fc, _, _ = models.harmonic_fit(_pattern(days), days, future)
    truth = _pattern(future)
    # within 3 % of the true (noise-free) volume over a quarter ahead
    assert np.max(np.abs(np.expm1(fc) / np.exp(truth) - 1)) < 0.03


def test_ets_on_weekly_pattern_is_finite_and_close() -> None:
    rng = np.random.default_rng(1)
    wk = np.array([0.1, 0.1, 0.1, 0.1, 0.1, -0.4, -0.4])
    a = 6.0 + np.tile(wk, 60) + rng.normal(0, 0.02, 420)
    fc = models.ets_forecast(a, 14)
    assert np.all(np.isfinite(fc))
    assert np.max(np.abs(fc - (6.0 + np.tile(wk, 2)))) < 0.05


def test_ets_on_constant_series_is_constant() -> None:
    assert models.ets_forecast(np.zeros(100), 5).tolist() == [0.0] * 5


@pytest.mark.parametrize("n,order", [(100, 0), (399, 0), (400, 8), (800, 8)])
def test_yearly_order_follows_history_length(n: int, order: int) -> None:
    assert models.yearly_order(n) == order


def test_level_shift_found_at_its_day() -> None:
    rng = np.random.default_rng(4)
    d = rng.normal(0, 0.05, 700)
    d[600:] += np.log(1.3)  # a 30 % step on day 600
    at = models.level_shift(d)
    assert at is not None and abs(at - 600) <= 3


def test_steady_growth_is_not_a_level_shift() -> None:
    rng = np.random.default_rng(5)
    d = np.log(1.25) * np.arange(700) / 365 + rng.normal(0, 0.05, 700)  # 25 % a year
    assert models.level_shift(d) is None


def test_harmonic_does_not_extrapolate_a_step_as_growth() -> None:
    days = pd.date_range("2024-01-01", periods=3 * 365, freq="D")
    future = pd.date_range(days[-1] + pd.Timedelta(days=1), periods=182, freq="D")
    z = np.log(1000.0) + np.where(days.weekday >= 5, -0.4, 0.1)
    z[-100:] += np.log(1.6)
    fc, _, _ = models.harmonic_fit(z, days, future)
    want = np.log(1600.0) + np.where(future.weekday >= 5, -0.4, 0.1)
    assert np.max(np.abs(np.expm1(fc) / np.exp(want) - 1)) < 0.03
