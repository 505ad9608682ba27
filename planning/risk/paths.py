"""Random daily volume paths consistent with a forecast's P10/P50/P90 (for SLA risk).

Per series and day the marginal distribution is a two-piece log-normal through the three
quantiles: with ``z`` a standard normal score,

    cases(z) = p50 * (p50 / p10) ** (z / z90)   for z < 0   (so z = -z90 gives p10)
    cases(z) = p50 * (p90 / p50) ** (z / z90)   for z >= 0  (so z = +z90 gives p90)

where ``z90 = 1.28155...`` is the standard normal 90% quantile. The map is increasing in z,
so P10, P50 and P90 of the simulated cases equal the forecast's exactly (up to sampling).
Where a quantile is 0 (a log is undefined) that side is linear in z instead, floored at 0.

Day-to-day correlation: the scores follow a stationary AR(1) process,
``z[d] = rho z[d-1] + sqrt(1 - rho^2) e[d]`` with ``e`` independent standard normals, so
every day is N(0, 1) and the correlation of two days k apart is ``rho ** k``.

AHT variation: one multiplicative factor per path and week, log-normal with mean 1 and
coefficient of variation ``aht_cv`` (``exp(sigma e - sigma^2 / 2)``, ``sigma^2 = log(1 + cv^2)``).
"""

from __future__ import annotations

import zlib

import numpy as np

#: standard normal 90% quantile
Z90 = 1.2815515655446004


def series_rng(seed: int, market: str, queue: str, stream: int = 0) -> np.random.Generator:
    """A generator for one series that does not depend on which other series exist.

    Same seed, market, queue and stream -> the same numbers (common random numbers when
    several plans are simulated against the same forecast).
    """
    key = zlib.crc32(f"{market}\x1f{queue}".encode())
    return np.random.default_rng([int(seed), key, int(stream)])


def ar1_scores(rng: np.random.Generator, paths: int, days: int, rho: float) -> np.ndarray:
    """Standard normal scores, shape (paths, days), AR(1) across days with lag-1 corr rho."""
    if not -1.0 < rho < 1.0:
        raise ValueError(f"correlation must be in (-1, 1), got {rho}")
    e = rng.standard_normal((days, paths))  # drawn day-major: contiguous rows below
    z = np.empty_like(e)
    if days == 0:
        return z.T
    z[0] = e[0]
    scale = np.sqrt(1.0 - rho * rho)
    for d in range(1, days):
        np.multiply(z[d - 1], rho, out=z[d])
        z[d] += scale * e[d]
    return z.T


def quantile_cases(z: np.ndarray, p10: np.ndarray, p50: np.ndarray, p90: np.ndarray) -> np.ndarray:
    """Cases per day for scores z (paths, days) from per-day quantiles (days,).

    Quantiles are sorted per day first (crossing forecasts are repaired, not rejected).
    """
    q = np.sort(np.stack([p10, p50, p90]).astype(float), axis=0)
    lo, mid, hi = (np.maximum(x, 0.0) for x in q)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_lo = np.where((lo > 0) & (mid > 0), np.log(mid / lo), np.nan) / Z90
        log_hi = np.where(mid > 0, np.log(hi / mid), np.nan) / Z90
        down = np.where(np.isfinite(log_lo), mid * np.exp(z * log_lo),
                        mid + z * (mid - lo) / Z90)
        up = np.where(np.isfinite(log_hi), mid * np.exp(z * log_hi), z * hi / Z90)
    return np.maximum(np.where(z < 0, down, up), 0.0)


def aht_factors(rng: np.random.Generator, paths: int, weeks: int, cv: float) -> np.ndarray:
    """Per path and week AHT multipliers (paths, weeks): log-normal, mean 1, CV ``cv``."""
    if cv < 0:
        raise ValueError(f"aht_cv must be >= 0, got {cv}")
    if cv == 0:
        return np.ones((paths, weeks))
    sigma = np.sqrt(np.log1p(cv * cv))
    return np.exp(sigma * rng.standard_normal((paths, weeks)) - 0.5 * sigma * sigma)
