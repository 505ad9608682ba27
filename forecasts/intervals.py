"""Quantiles from backtest errors (split-conformal on the log1p scale)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from forecasts.series import Series


def conformal(
    point: np.ndarray, errors: np.ndarray, quantiles: Sequence[float], zero_share: float = 0.0
) -> np.ndarray:
    """Quantile forecasts (columns in ``quantiles`` order) from log1p errors.

    ``p_q = expm1(log1p(point) + Q_q(errors))``, non-negative, with quantiles below the
    median never above the point forecast and those above never below it; the 0.5
    quantile is the point forecast itself. A quantile q < 0.5 is 0 when at least a
    share q of recent days had no cases (``zero_share``).
    """
    lp = np.log1p(point)
    cols = []
    for q in quantiles:
        if q < 0.5 and q <= zero_share:
            cols.append(np.zeros_like(point))
            continue
        if q == 0.5 or errors.size == 0:
            cols.append(point.copy())
            continue
        # conservative order statistics (as split-conformal does): counts stay covered
        e = np.quantile(errors, q, method="lower" if q < 0.5 else "higher")
        v = np.maximum(np.expm1(lp + e), 0.0)
        cols.append(np.minimum(v, point) if q < 0.5 else np.maximum(v, point))
    out = np.column_stack(cols)
    return np.maximum.accumulate(np.maximum(out, 0.0), axis=1)


def zero_share(s: Series, n_train: int, days: int = 56) -> float:
    """Share of observed days without cases among the last ``days`` training days."""
    lo = max(0, n_train - days)
    obs = s.observed[lo:n_train]
    return float(np.mean(s.y[lo:n_train][obs] == 0)) if obs.any() else 0.0


def naive_errors(s: Series) -> np.ndarray:
    """Fallback errors when no backtest exists: week-on-week log1p changes of history."""
    z = np.log1p(s.y)
    if z.size <= 7:
        return np.array([-0.5, 0.0, 0.5])
    return (z[7:] - z[:-7])[s.observed[7:] & s.observed[:-7]]
