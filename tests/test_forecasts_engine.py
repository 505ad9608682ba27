"""Backtest windows, gap filling and conformal quantiles, worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from forecasts.engine import plan_cutoffs
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
