"""Accuracy measures of a backtest (all on the original scale of cases).

- WAPE = sum |y - p50| / sum y                      (0.10 = 10 % of the volume)
- MASE = mean over scored days of |y - p50| / s_w   where s_w is the mean absolute
  change over 7 days, |y_t - y_(t-7)|, in the training part of that day's window
  (seasonal period 7: MASE < 1 beats a one-week-ahead seasonal naive in-sample)
- bias = sum (p50 - y) / sum y                      (> 0: forecast too high)
- coverage = share of days with lo <= y <= hi        (P10-P90 should cover ~0.80)
"""

from __future__ import annotations

import numpy as np


def wape(y: np.ndarray, pred: np.ndarray) -> float:
    """Weighted absolute percentage error; NaN when there is no volume at all."""
    total = float(np.sum(y))
    err = float(np.sum(np.abs(np.asarray(y) - np.asarray(pred))))
    if total <= 0:
        return 0.0 if err == 0 else float("nan")
    return err / total


def bias(y: np.ndarray, pred: np.ndarray) -> float:
    """Relative bias, positive when the forecast is too high; NaN without volume."""
    total = float(np.sum(y))
    diff = float(np.sum(np.asarray(pred) - np.asarray(y)))
    if total <= 0:
        return 0.0 if diff == 0 else float("nan")
    return diff / total


def naive_scale(y_train: np.ndarray, observed: np.ndarray | None = None, season: int = 7) -> float:
    """Mean absolute seasonal difference of the training data (MASE denominator)."""
    y_train = np.asarray(y_train, dtype=float)
    if y_train.size <= season:
        return float("nan")
    d = np.abs(y_train[season:] - y_train[:-season])
    if observed is not None:
        d = d[observed[season:] & observed[:-season]]
    return float(np.mean(d)) if d.size else float("nan")


def mase(errors_by_window: list[np.ndarray], scales: list[float]) -> float:
    """Mean of |error| / scale over every scored day of every window."""
    parts = [np.abs(e) / s for e, s in zip(errors_by_window, scales, strict=True)
             if e.size and np.isfinite(s) and s > 0]
    if not parts:
        return float("nan")
    return float(np.mean(np.concatenate(parts)))


def coverage(y: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> float:
    """Share of actuals inside [lo, hi]."""
    y = np.asarray(y)
    if y.size == 0:
        return float("nan")
    return float(np.mean((y >= lo) & (y <= hi)))
