"""Accuracy measures against values worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from forecasts import metrics


def test_wape_and_bias_hand_example() -> None:
    y = np.array([10.0, 20.0, 30.0, 40.0])
    p = np.array([12.0, 18.0, 33.0, 40.0])
    # |errors| 2 + 2 + 3 + 0 = 7 over 100 cases; signed (p - y) 2 - 2 + 3 + 0 = 3
    assert metrics.wape(y, p) == pytest.approx(0.07)
    assert metrics.bias(y, p) == pytest.approx(0.03)


def test_wape_without_volume() -> None:
    assert metrics.wape(np.zeros(3), np.zeros(3)) == 0.0
    assert np.isnan(metrics.wape(np.zeros(3), np.ones(3)))


def test_mase_hand_example() -> None:
    # training data, 10 days: seasonal differences y[t] - y[t-7] for t = 7, 8, 9 are
    # 8-1 = 7, 9-2 = 7, 12-3 = 9 -> scale = 23 / 3
    train = np.array([1, 2, 3, 4, 5, 6, 7, 8, 9, 12], dtype=float)
    scale = metrics.naive_scale(train)
    assert scale == pytest.approx(23 / 3)
    # two windows: errors (1, -2) with scale 23/3 and (4,) with scale 2
    got = metrics.mase([np.array([1.0, -2.0]), np.array([4.0])], [23 / 3, 2.0])
    assert got == pytest.approx((1 / (23 / 3) + 2 / (23 / 3) + 4 / 2) / 3)


def test_naive_scale_skips_missing_days() -> None:
    train = np.array([1, 2, 3, 4, 5, 6, 7, 8, 100, 12], dtype=float)
    observed = np.ones(10, dtype=bool)
    observed[8] = False  # day 8 was filled in, its difference does not count
    assert metrics.naive_scale(train, observed) == pytest.approx((7 + 9) / 2)


def test_coverage_counts_bounds_inclusive() -> None:
    y = np.array([1.0, 5.0, 9.0, 10.0])
    assert metrics.coverage(y, np.full(4, 1.0), np.full(4, 9.0)) == pytest.approx(0.75)
