"""Volume paths: quantiles, day-to-day correlation and AHT noise as specified."""

from __future__ import annotations

import numpy as np
import pytest

from planning.risk.paths import Z90, aht_factors, ar1_scores, quantile_cases, series_rng


def test_quantile_map_passes_through_the_three_quantiles():
    p10, p50, p90 = np.array([80.0, 0.0]), np.array([100.0, 5.0]), np.array([130.0, 9.0])
    for z, want in ((-Z90, p10), (0.0, p50), (Z90, p90)):
        got = quantile_cases(np.full((1, 2), z), p10, p50, p90)[0]
        assert got == pytest.approx(want)


def test_sampled_quantiles_match_forecast():
    rng = series_rng(0, "ID", "listing")
    z = ar1_scores(rng, 20000, 3, 0.5)
    x = quantile_cases(z, np.full(3, 80.0), np.full(3, 100.0), np.full(3, 130.0))
    n = x.shape[0]
    for level, q in ((0.1, 80.0), (0.5, 100.0), (0.9, 130.0)):
        share = (x[:, 1] <= q).mean()
        assert abs(share - level) < 4 * np.sqrt(level * (1 - level) / n)


def test_ar1_correlation_and_unit_variance():
    z = ar1_scores(np.random.default_rng(1), 4000, 40, 0.7)
    assert z[:, 20].std() == pytest.approx(1.0, abs=0.05)
    lag1 = np.corrcoef(z[:, 10], z[:, 11])[0, 1]
    lag3 = np.corrcoef(z[:, 10], z[:, 13])[0, 1]
    assert lag1 == pytest.approx(0.7, abs=0.04)
    assert lag3 == pytest.approx(0.7 ** 3, abs=0.04)


def test_aht_factors_mean_one_and_cv():
    f = aht_factors(np.random.default_rng(2), 50000, 2, 0.1)
    assert f.mean() == pytest.approx(1.0, abs=0.003)
    assert f.std() / f.mean() == pytest.approx(0.1, abs=0.003)
    assert np.all(aht_factors(np.random.default_rng(2), 3, 2, 0.0) == 1.0)


def test_series_streams_are_reproducible_and_distinct():
    a = series_rng(5, "ID", "x").standard_normal(3)
    assert np.array_equal(a, series_rng(5, "ID", "x").standard_normal(3))
    assert not np.array_equal(a, series_rng(5, "GB", "x").standard_normal(3))
