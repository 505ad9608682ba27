"""Candidate models: small pure functions from a daily history to a point forecast.

Every model sees a gap-filled, event-cleaned history on the log1p scale
``z = log1p(cases)`` together with its calendar, and returns ``h`` future values on
the same scale. Working on log1p makes weekly and yearly patterns multiplicative, keeps forecasts non-negative and
lets zero-heavy series through; the back-transformed forecast is a median, which is what
WAPE rewards.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

HINGE_DAYS = 56  # spacing of trend change points in the harmonic regression
RIDGE = 30.0  # ridge penalty on trend changes (log1p units per year, squared)
DAMPING = 0.998  # daily damping of the trend slope when extrapolated
RECENT_DAYS = 28  # residual window for the level correction
LOOK = 182  # days over which the end slope of the trend is measured
ETS_DAYS = 364  # the ETS model is fitted on the last ETS_DAYS days
SHIFT_SPAN = 28  # days compared on each side of a candidate level shift
SHIFT_T = 8.0  # a level shift must exceed this many standard errors ...
SHIFT_MIN = 0.1  # ... and this size in log units (about 10 %)


def seasonal_naive(y: np.ndarray, h: int, season: int = 7) -> np.ndarray:
    """Each future day repeats the same weekday of the last observed week."""
    if y.size == 0:
        return np.zeros(h)
    if y.size < season:
        return np.full(h, float(np.mean(y)))
    last = y[-season:]
    return last[np.arange(h) % season].astype(float)


def fourier_terms(days: pd.DatetimeIndex, k: int) -> np.ndarray:
    """Yearly sin/cos pairs 1..k at each day (period 365.25 days)."""
    if k == 0:
        return np.empty((len(days), 0))
    t = (days - pd.Timestamp("2000-01-01")).days.to_numpy(dtype=float)
    ang = 2.0 * np.pi * np.outer(t, np.arange(1, k + 1)) / 365.25
    return np.hstack([np.sin(ang), np.cos(ang)])


def yearly_order(n: int) -> int:
    """Fourier order of the yearly pattern a history of n days supports."""
    return 8 if n >= 400 else 0


def _weekday_dummies(days: pd.DatetimeIndex) -> np.ndarray:
    wd = days.weekday.to_numpy()
    return (wd[:, None] == np.arange(1, 7)[None, :]).astype(float)


def level_shift(d: np.ndarray, span: int = SHIFT_SPAN, within: int = 365) -> int | None:
    """Day index of the largest level shift in the last ``within`` days, if any.

    ``d`` is a deseasonalised log series. At each candidate day the mean of the ``span``
    days after it is compared with the mean of the ``span`` days before; a shift counts
    when it is over SHIFT_MIN (log units) and over SHIFT_T standard errors, with the
    noise measured robustly from day-to-day changes. A steady trend moves the two means
    apart by only ``slope x span``; a policy change or an automation go-live moves them
    by the step.
    """
    n = d.size
    if n < 2 * span + 7:
        return None
    c = np.concatenate([[0.0], np.cumsum(d)])
    tau = np.arange(max(span, n - within), n - span + 1)
    diff = (c[tau + span] - c[tau]) / span - (c[tau] - c[tau - span]) / span
    step_noise = np.diff(d)
    sd = 1.4826 * float(np.median(np.abs(step_noise - np.median(step_noise)))) / np.sqrt(2.0)
    if tau.size == 0 or sd <= 0:
        return None
    t_stat = np.abs(diff) / (sd * np.sqrt(2.0 / span))
    i = int(np.argmax(t_stat))
    if t_stat[i] > SHIFT_T and abs(diff[i]) > SHIFT_MIN:
        return int(tau[i])
    return None


def _design(days: pd.DatetimeIndex, n: int, k: int, shift_at: int | None) -> tuple:
    t = np.arange(n, dtype=float) / 365.25
    knots = np.arange(HINGE_DAYS, n - HINGE_DAYS // 2, HINGE_DAYS) / 365.25
    hinges = np.maximum(0.0, t[:, None] - knots[None, :])
    four = fourier_terms(days, k)
    step = np.zeros((n, 0)) if shift_at is None else (np.arange(n) >= shift_at)[:, None] * 1.0
    X = np.hstack([np.ones((n, 1)), t[:, None], _weekday_dummies(days), four, step, hinges])
    pen = np.zeros(X.shape[1])
    pen[8: 8 + four.shape[1]] = 1e-3
    pen[X.shape[1] - hinges.shape[1]:] = RIDGE
    return X, pen, four.shape[1], step.shape[1]


def harmonic_fit(
    z: np.ndarray, days: pd.DatetimeIndex, future: pd.DatetimeIndex
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Regression on weekday, yearly Fourier terms, a piecewise-linear trend and a step.

    Returns (forecast of z on ``future``, yearly component on ``days``, on ``future``).
    The trend may change slope every HINGE_DAYS days (ridge-penalised). When the last
    year holds a clear level shift (:func:`level_shift`), a step at that day joins the
    regression, so the shift is not mistaken for growth. Beyond the history the forecast
    continues from the end level, corrected by the median residual of the last
    RECENT_DAYS days, with the average slope of the smooth trend over the last LOOK
    days, damped by DAMPING per day.
    """
    n = z.size
    k = yearly_order(n)
    X, pen, nf, ns = _design(days, n, k, None)
    beta = np.linalg.solve(X.T @ X + np.diag(pen), X.T @ z)
    seasonal = X[:, 2: 8 + nf] @ beta[2: 8 + nf]
    shift_at = level_shift(z - seasonal)
    if shift_at is not None:
        X, pen, nf, ns = _design(days, n, k, shift_at)
        beta = np.linalg.solve(X.T @ X + np.diag(pen), X.T @ z)
    b_four = beta[8: 8 + nf]
    yearly_hist = X[:, 8: 8 + nf] @ b_four
    yearly_fut = fourier_terms(future, k) @ b_four
    smooth = X[:, :2] @ beta[:2] + X[:, 8 + nf + ns:] @ beta[8 + nf + ns:]
    trend = smooth + X[:, 8 + nf: 8 + nf + ns] @ beta[8 + nf: 8 + nf + ns]
    resid = z - X @ beta
    level = trend[-1] + (float(np.median(resid[-RECENT_DAYS:])) if RECENT_DAYS else 0.0)
    look = min(LOOK, n - 1)
    if shift_at is not None:
        look = min(look, max(n - 1 - shift_at, 0)) or look
    slope = (smooth[-1] - smooth[-1 - look]) / look if look > 0 else 0.0
    steps = np.arange(1, len(future) + 1)
    if DAMPING < 1.0:
        damped = DAMPING * (1 - DAMPING**steps) / (1 - DAMPING)
    else:
        damped = steps.astype(float)
    wd_f = _weekday_dummies(future) @ beta[2:8]
    forecast = level + slope * damped + wd_f + yearly_fut
    return forecast, yearly_hist, yearly_fut


def preload() -> None:
    """Import the ETS and Theta implementations now (about 1.4 CPU s), e.g. once before
    forking workers."""
    from statsforecast import ets, theta  # noqa: F401  (deferred: heavy, only their fits need them)


def ets_forecast(a: np.ndarray, h: int) -> np.ndarray:
    """Damped additive Holt-Winters, weekly season, on the last ETS_DAYS of ``a`` (log1p).

    Fitted by statsforecast's ETS restricted to ETS(A,Ad,A) (one model), by likelihood. The
    fit is asked for one-step errors only (``nmse=1``): the likelihood, hence the fitted
    model, is the same as with statsforecast's default of 3, at under half the cost.
    """
    from statsforecast.ets import ets_f, forecast_ets  # deferred: heavy, see preload()

    y = a[-ETS_DAYS:]
    if y.size < 28 or np.ptp(y) < 1e-9:
        return np.full(h, float(y[-1]) if y.size else 0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = ets_f(np.asarray(y, dtype=float), m=7, model="AAA", damped=True, nmse=1)
        out = forecast_ets(fit, h=h)["mean"]
    out = np.asarray(out, dtype=float)
    if not np.all(np.isfinite(out)):
        raise FloatingPointError("ETS produced non-finite values")
    return out
