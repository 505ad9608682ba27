"""The Theta candidate on series whose structure is known exactly."""

from __future__ import annotations

import numpy as np
import pytest

from forecasts.theta import theta_forecast, weekday_means

WK = np.array([0.1, 0.1, 0.1, 0.1, 0.1, -0.4, -0.4])


def test_weekday_means_by_hand() -> None:
    y = np.arange(14.0)  # positions 0..6 twice: means 3.5, 4.5, ..., 9.5
    assert weekday_means(y)[:7].tolist() == [3.5, 4.5, 5.5, 6.5, 7.5, 8.5, 9.5]


def test_theta_on_a_flat_weekly_pattern_forecasts_it() -> None:
    rng = np.random.default_rng(1)
    a = 6.0 + np.tile(WK, 60) + rng.normal(0, 0.02, 420)
    fc = theta_forecast(a, 14)
    assert np.all(np.isfinite(fc))
    assert np.max(np.abs(fc - (6.0 + np.tile(WK, 2)))) < 0.06


@pytest.mark.parametrize("step", [0.47, -0.51])  # x1.6 and x0.6 in cases
def test_a_level_shift_is_not_extrapolated_as_growth(step: float) -> None:
    # a flat series that steps 10 weeks before the end: 26 weeks later it is still at the
    # new level (fitted to all 364 days, Theta's drift would carry it 10-13 % further)
    rng = np.random.default_rng(2)
    a = 6.0 + np.tile(WK, 52) + rng.normal(0, 0.03, 364)
    a[-70:] += step
    fc = theta_forecast(a, 182)
    want = 6.0 + step + np.tile(WK, 26)
    assert np.mean(fc[-28:] - want[-28:]) == pytest.approx(0.0, abs=0.03)


def test_constant_and_short_series() -> None:
    assert theta_forecast(np.full(100, 2.0), 3).tolist() == [2.0, 2.0, 2.0]
    assert theta_forecast(np.array([1.0, 2.0]), 2).tolist() == [2.0, 2.0]
