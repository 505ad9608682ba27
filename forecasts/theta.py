"""Theta candidate: statsforecast's AutoTheta on the deseasonalised log1p history.

The standard Theta method (Assimakopoulos & Nikolopoulos 2000; winner of the M3
competition) is simple exponential smoothing with a drift of half the history's linear
trend, fitted by statsforecast's ``auto_theta`` restricted to that form (``STM``) after
removing a weekly pattern (classical additive decomposition, when its seasonality test
finds one). Its optimised and dynamic forms cost four times as much (all four are tried by
default) and were no more accurate on the benchmark panels. It is fitted as the ETS
candidate is: to the last :data:`forecasts.models.ETS_DAYS` days of the event-cleaned log1p
history with the yearly pattern taken out (added back by the caller).

Theta's drift is the slope of a straight line through the fitted days, so a step in the
level (a policy change) would be read as growth and extrapolated for the whole horizon.
When those days hold a clear level shift (:func:`forecasts.models.level_shift`, on the
days less their weekday means), Theta is fitted to the days since the shift, as the
harmonic model fits a step there.
"""

from __future__ import annotations

import warnings

import numpy as np

from forecasts.models import ETS_DAYS, SHIFT_SPAN, level_shift


def theta_forecast(a: np.ndarray, h: int) -> np.ndarray:
    """``h`` future values of ``a`` (log1p scale, daily) by AutoTheta with a weekly season.

    Raises ValueError when no Theta variant can be fitted or the forecast is not finite.
    """
    from statsforecast.theta import auto_theta, forecast_theta  # deferred: heavy (preload)

    y = np.asarray(a[-ETS_DAYS:], dtype=float)
    if y.size >= 3 * SHIFT_SPAN:
        at = level_shift(y - weekday_means(y))
        if at is not None and y.size - at >= SHIFT_SPAN:
            y = y[at:]
    if y.size < 28 or np.ptp(y) < 1e-9:
        return np.full(h, float(y[-1]) if y.size else 0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            fit = auto_theta(y, 7, model="STM", decomposition_type="additive", nmse=1)
            out = np.asarray(forecast_theta(fit, h)["mean"], dtype=float)
        except Exception as exc:  # statsforecast raises a bare Exception when nothing fits
            raise ValueError(f"Theta: {exc}") from exc
    if not np.all(np.isfinite(out)):
        raise ValueError("Theta produced non-finite values")
    return out


def weekday_means(y: np.ndarray) -> np.ndarray:
    """Each day's mean over the days of ``y`` 7, 14, ... days apart (its weekday's mean)."""
    pos = np.arange(y.size) % 7
    means = np.bincount(pos, weights=y, minlength=7) / np.bincount(pos, minlength=7)
    return means[pos]
