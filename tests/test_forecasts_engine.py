"""Backtest windows, gap filling and conformal quantiles, worked out by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import forecasts
from forecasts.engine import default_windows, plan_cutoffs
from forecasts.intervals import conformal
from forecasts.series import fill_weekly


def test_cutoffs_three_years_half_year_horizon() -> None:
    # 1099 days, h = 182: windows end on the last day and one horizon apart
    cuts, h = plan_cutoffs(1099, 182, 3)
    assert h == 182
    assert cuts == [1099 - 3 * 182, 1099 - 2 * 182, 1099 - 182]


def test_cutoffs_short_horizon_spread_over_a_year() -> None:
    # h = 28 would put 3 windows in 12 weeks; they are spread 122 days apart instead
    cuts, h = plan_cutoffs(1000, 28, 3)
    assert h == 28
    assert cuts == [1000 - 28 - 2 * 122, 1000 - 28 - 122, 1000 - 28]


def test_cutoffs_short_history_keeps_eight_weeks_of_training() -> None:
    # 100 days, h = 182: the horizon shrinks to 100 - 56 = 44 days, one window fits
    assert plan_cutoffs(100, 182, 3) == ([56], 44)
    assert plan_cutoffs(60, 182, 3) == ([], 0)  # under 63 days: no backtest
    assert plan_cutoffs(500, 28, 0) == ([], 0)


def test_default_windows_hold_thirteen_weeks_for_short_horizons() -> None:
    # 3 windows, or ceil(91 / h) so that the windows hold 13 weeks, at most 6
    assert default_windows(182) == 3
    assert default_windows(56) == 3  # 2 x 56 = 112 days would do; 3 is the least
    assert default_windows(28) == 4  # 3 x 28 = 84 < 91 <= 4 x 28 = 112
    assert default_windows(21) == 5  # 4 x 21 = 84 < 91 <= 5 x 21 = 105
    assert default_windows(7) == 6  # 13 would be needed: capped


def test_a_short_horizon_is_backtested_on_more_windows_unless_told() -> None:
    days = pd.date_range("2024-01-01", periods=400, freq="D")
    rng = np.random.default_rng(3)
    hist = pd.DataFrame({"unique_id": "a", "ds": days,
                         "y": 100.0 + 10.0 * (days.weekday == 0) + rng.normal(0, 2, 400)})
    bt = forecasts.backtest(hist, 21, models=["SeasonalNaive"])
    assert bt["n_windows"].tolist() == [5] and bt["n_days"].tolist() == [5 * 21]
    bt = forecasts.backtest(hist, 21, windows=3, models=["SeasonalNaive"])
    assert bt["n_windows"].tolist() == [3] and bt["n_days"].tolist() == [3 * 21]


def test_fill_weekly_interpolates_same_weekdays() -> None:
    y = np.arange(28, dtype=float)
    y[14:21] = np.nan  # the third week is missing
    filled = fill_weekly(y)
    # day 14 lies between day 7 (7.0) and day 21 (21.0) on the same weekday
    assert filled[14] == pytest.approx(14.0)
    assert filled[20] == pytest.approx(20.0)
    assert np.array_equal(filled[:14], np.arange(14.0))


def test_conformal_uses_conservative_order_statistics() -> None:
    errors = np.log(np.array([0.5, 0.8, 0.9, 1.0, 1.0, 1.1, 1.2, 1.25, 1.5, 2.0]))
    point = np.array([99.0])  # log1p(99) = log(100)
    q = conformal(point, errors, (0.1, 0.5, 0.9))
    # 0.1: the lower order statistic at position 0.9 -> 1st smallest, ratio 0.5
    # 0.9: the higher order statistic at position 8.1 -> 10th, ratio 2.0
    assert q[0].tolist() == pytest.approx([100 * 0.5 - 1, 99.0, 100 * 2.0 - 1])


def test_conformal_zero_rule_and_monotone() -> None:
    point = np.array([0.3, 5.0])
    q = conformal(point, np.array([0.4, 0.5, 0.6]), (0.1, 0.5, 0.9), zero_share=0.6)
    assert q[:, 0].tolist() == [0.0, 0.0]  # 60 % of recent days were zero: P10 is 0
    # every error is positive, yet the lower quantile never exceeds the median
    assert np.all(np.diff(q, axis=1) >= 0)
