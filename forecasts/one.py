"""One series' work: backtest every candidate, choose one, fit the chosen one's forecast.

:func:`forecast_one` is the unit that worker processes (or Dask, or Ray) map over: a
:class:`SeriesTask` and :class:`ForecastSettings` in, a :class:`SeriesForecast` out, all
picklable, nothing shared. What needs every series at once (uplifts pooled over series
before, cold starts and pooled interval errors after) stays in :mod:`forecasts.engine`.

Only the fits the choice needs are made: every candidate in every backtest window (the
choice compares them all), but for the final forecast only the chosen model and what it is
made of (ETS is fitted there only when ETS or Ensemble is chosen, or Weighted with a weight
on ETS; likewise Theta), unless the series has no backtest or is a cold start.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field

import numpy as np

from forecasts import events as ev
from forecasts import metrics
from forecasts import weighted as wt
from forecasts.intervals import conformal, zero_share
from forecasts.models import ets_forecast, harmonic_fit, seasonal_naive
from forecasts.result import CAPPED, ETS_FAILED, ForecastWarning
from forecasts.series import Series, clean_history
from forecasts.theta import theta_forecast

MODELS = ("Weighted", "Ensemble", "Harmonic", "ETS", "Theta", "SeasonalNaive")  # tie-break order
NEEDS_ETS = ("Weighted", "Ensemble", "ETS")  # candidates that may need an ETS fit
NEEDS_THETA = ("Weighted", "Theta")  # ... a Theta fit
CAP = 10.0  # a forecast never exceeds CAP x the largest day of its training history


@dataclass(frozen=True)
class Cut:
    """One fit: train on days 0 .. n_train-1, forecast the next ``h`` days, with the event
    uplifts learnt from those days (``learnt``) and pooled over series (``pooled``)."""

    n_train: int
    h: int
    learnt: Mapping[tuple[str, int], float]
    pooled: Mapping[tuple[str, int], float]


@dataclass(frozen=True)
class SeriesTask:
    """A series (events set, glitches removed) with its backtest cuts and its final cut.

    windows: backtest cuts, oldest first (each ends where its held-out days start).
    final: the whole history, forecasting the horizon.
    all_finals: fit every candidate's final forecast (a cold start may fall back to any).
    """

    series: Series
    windows: tuple[Cut, ...]
    final: Cut
    all_finals: bool = False


@dataclass(frozen=True)
class ForecastSettings:
    """What every series is forecast with: the candidate models and the quantiles."""

    models: tuple[str, ...] = MODELS
    quantiles: tuple[float, ...] = (0.1, 0.5, 0.9)


@dataclass(frozen=True)
class SeriesForecast:
    """What :func:`forecast_one` found for one series.

    scores: per candidate scored in every window: wape, mase, bias, mae, coverage_NN,
        n_windows, n_days.
    best: the candidate with the smallest backtest error whose final forecast exists.
    errors: per candidate, the log1p errors ``log1p(y) - log1p(forecast)`` over every scored
        backtest day (window by window).
    final: final forecasts (cases per day, ``horizon`` days) of the candidates fitted.
    base: their pre-event log1p paths (what cold-start donors lend).
    capped: per candidate in ``final``, the days its forecast hit the cap.
    """

    uid: str
    scores: dict[str, dict]
    best: str
    errors: dict[str, np.ndarray]
    final: dict[str, np.ndarray]
    base: dict[str, np.ndarray]
    capped: dict[str, int] = field(default_factory=dict)
    warnings: tuple[ForecastWarning, ...] = ()


def candidate_forecasts(
    s: Series, cut: Cut, *, with_ets: bool = True, with_theta: bool = True
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], dict[str, int], str | None]:
    """Every candidate's forecast of days n_train .. n_train+h-1 (cases), their pre-event
    log1p base (for cold-start donors), the days each hit the cap, and why ETS failed (or
    None). ``with_ets=False`` skips the ETS fit (and so ETS and Ensemble), ``with_theta=False``
    the Theta fit; a Theta fit that fails leaves Theta out. ``Weighted`` is not made here
    (its weights come from the backtest: :func:`forecast_one`)."""
    n_train, h = cut.n_train, cut.h
    y = s.y[:n_train]
    zc = clean_history(s, n_train, cut.learnt, cut.pooled)
    u_fut, m_fut = ev.event_effect(s.cal, cut.learnt, cut.pooled, n_train, n_train + h)
    cap = float(np.log1p(CAP * max(float(np.max(y)), 1.0)))

    base: dict[str, np.ndarray] = {"SeasonalNaive": seasonal_naive(zc, h)}
    failed = None
    if n_train >= 28:
        zh, yh, yf = harmonic_fit(zc, s.days(0, n_train), s.days(n_train, h))
        base["Harmonic"] = zh
        if with_ets:
            try:
                base["ETS"] = ets_forecast(zc - yh, h) + yf
            except (ValueError, FloatingPointError, np.linalg.LinAlgError) as exc:
                failed = f"{type(exc).__name__}: {exc}"
        if with_theta:  # a failed Theta fit: the other candidates stand in, no warning
            with suppress(ValueError, FloatingPointError, np.linalg.LinAlgError):
                base["Theta"] = theta_forecast(zc - yh, h) + yf
    capped = {m: int(np.sum((zf > cap) | (zf + u_fut > cap))) for m, zf in base.items()}
    base = {m: np.minimum(zf, cap) if m != "SeasonalNaive" else zf for m, zf in base.items()}
    out = {m: np.maximum(np.expm1(np.minimum(np.minimum(zf, cap) + u_fut, cap)), 0.0) * m_fut
           for m, zf in base.items()}
    if "Harmonic" in base and "ETS" in base:
        out["Ensemble"] = 0.5 * (out["Harmonic"] + out["ETS"])
        base["Ensemble"] = np.log1p(0.5 * (np.expm1(base["Harmonic"]) + np.expm1(base["ETS"])))
        capped["Ensemble"] = max(capped["Harmonic"], capped["ETS"])
    return out, base, capped, failed


def log_errors(s: Series, cut: Cut, pred: np.ndarray) -> np.ndarray:
    """log1p(actual) - log1p(forecast) on the scored days of a backtest cut."""
    sl = slice(cut.n_train, cut.n_train + cut.h)
    ok = s.scored[sl]
    return np.log1p(s.actual[sl][ok]) - np.log1p(pred[ok])


def forecast_one(task: SeriesTask, settings: ForecastSettings) -> SeriesForecast:
    """Backtest the candidates on ``task.windows``, choose one, and fit the final forecast.

    The choice: ``Weighted`` where it is allowed and has a backtest (two windows or more:
    a combination weighted by backtest error beats choosing one model from a few windows on
    the benchmark panels, docs/forecasting.md); else the allowed candidate with the smallest
    mean absolute error (cases) over every scored backtest day, ties broken in MODELS order;
    a series without backtest days takes the first allowed candidate it has (else
    SeasonalNaive).
    """
    s, wins = task.series, task.windows
    ets_wanted = any(m in NEEDS_ETS for m in settings.models)
    theta_wanted = any(m in NEEDS_THETA for m in settings.models)
    preds, failures = [], []
    for cut in wins:
        out, _, _, failed = candidate_forecasts(s, cut, with_ets=ets_wanted,
                                                with_theta=theta_wanted)
        preds.append(out)
        if failed:
            failures.append(f"backtest to day {cut.n_train}: {failed}")
    w_final = _weighted_backtest(s, wins, preds) if "Weighted" in settings.models else {}
    allowed = [m for m in settings.models if wins and all(m in p for p in preds)]
    scores = {m: score(s, wins, [p[m] for p in preds], settings.quantiles) for m in allowed}
    ranked = sorted(scores, key=lambda m: (m != "Weighted", scores[m]["mae"], MODELS.index(m)))

    need = (set() if not ranked else set(w_final) if ranked[0] == "Weighted"
            else {"ETS"} if ranked[0] == "Ensemble" else {ranked[0]})
    final_ets = ets_wanted and (task.all_finals or not ranked or "ETS" in need)
    final_theta = theta_wanted and (task.all_finals or not ranked or "Theta" in need)
    final, base, capped, failed = candidate_forecasts(s, task.final, with_ets=final_ets,
                                                      with_theta=final_theta)
    if w_final and all(m in final for m in w_final):
        final["Weighted"] = wt.combine(final, w_final)
        base["Weighted"] = np.log1p(wt.combine({m: np.expm1(base[m]) for m in w_final},
                                               w_final))
        capped["Weighted"] = max(capped[m] for m in w_final)
    if failed:  # the final ETS fit failed: ETS, Ensemble and Weighted are no candidates
        failures.append(f"final fit: {failed}")
        scores = {m: sc for m, sc in scores.items() if m in final}
    ranked = [m for m in ranked if m in final]
    best = ranked[0] if ranked else next(m for m in (*settings.models, "SeasonalNaive")
                                        if m in final)
    errors = {m: np.concatenate([log_errors(s, c, p[m]) for c, p in zip(wins, preds, strict=True)
                                 if m in p] or [np.empty(0)]) for m in MODELS}
    warnings = []
    if failures:
        warnings.append(ForecastWarning(ETS_FAILED, (
            f"the ETS fit failed in {len(failures)} of {len(wins) + final_ets} fits, so ETS, "
            f"Ensemble and the weighted combination were not used there; the forecast uses "
            f"{best} ({failures[0]})"),
            (("unique_id", s.uid),)))
    if capped.get(best, 0):
        top = float(np.max(s.y))
        warnings.append(ForecastWarning(CAPPED, (
            f"the {best} forecast was capped at {CAP:g}x the largest day of history "
            f"({top:,.0f} cases) on {capped[best]} of {task.final.h} days"),
            (("unique_id", s.uid),)))
    return SeriesForecast(s.uid, scores, best, errors, final, base, capped, tuple(warnings))


def _weighted_backtest(s: Series, wins: Sequence[Cut],
                       preds: Sequence[dict[str, np.ndarray]]) -> dict[str, float]:
    """Add the ``Weighted`` forecast to every window's ``preds`` (weights from the other
    windows) and return the weights for the final forecast (from every window); nothing
    with under two windows or two components (:mod:`forecasts.weighted`)."""
    comps = [m for m in wt.COMPONENTS if all(m in p for p in preds)]
    if len(wins) < 2 or len(comps) < 2:
        return {}
    actual = [s.actual[c.n_train: c.n_train + c.h] for c in wins]
    errs, days = wt.window_errors(actual, preds, comps)
    w = [wt.pooled_weights(errs, days, comps, skip=i) for i in range(len(wins))]
    if not all(w):
        return {}
    for p, wi in zip(preds, w, strict=True):
        p["Weighted"] = wt.combine(p, wi)
    return wt.pooled_weights(errs, days, comps)


def forecast_item(item: tuple[SeriesTask, ForecastSettings]) -> SeriesForecast:
    """:func:`forecast_one` of a ``(task, settings)`` pair: a plain module-level function of
    one argument, which every mapper (process pool, Dask, Ray) can send to its workers."""
    return forecast_one(*item)


def score(s: Series, wins: Sequence[Cut], preds: Sequence[np.ndarray],
          quantiles: Sequence[float]) -> dict:
    """Backtest accuracy of one candidate: wape, mase, bias, mae (cases per day), n_windows,
    n_days and coverage_NN of its leave-one-window-out conformal band."""
    ys, ps, errs, scales, inside = [], [], [], [], []
    lo_q, hi_q = min(quantiles), max(quantiles)
    for i, (w, pred) in enumerate(zip(wins, preds, strict=True)):
        sl = slice(w.n_train, w.n_train + w.h)
        ok = s.scored[sl]
        y, p = s.actual[sl][ok], pred[ok]
        ys.append(y)
        ps.append(p)
        errs.append(y - p)
        scales.append(metrics.naive_scale(np.nan_to_num(s.actual[: w.n_train]),
                                          s.scored[: w.n_train]))
        if len(wins) > 1 and lo_q < hi_q:
            other = np.concatenate([log_errors(s, o, op) for j, (o, op)
                                    in enumerate(zip(wins, preds, strict=True)) if j != i])
            q = conformal(p, other, (lo_q, hi_q), zero_share(s, w.n_train))
            inside.append((y >= q[:, 0]) & (y <= q[:, 1]))
    y, p = np.concatenate(ys), np.concatenate(ps)
    out = {
        "wape": metrics.wape(y, p),
        "mase": metrics.mase(errs, scales),
        "bias": metrics.bias(y, p),
        "mae": float(np.mean(np.abs(y - p))) if y.size else float("inf"),
        "n_windows": len(wins),
        "n_days": int(y.size),
    }
    if lo_q < hi_q:
        out[coverage_column(quantiles)] = (float(np.mean(np.concatenate(inside))) if inside
                                           else np.nan)
    return out


def coverage_column(quantiles: Sequence[float]) -> str:
    """``coverage_80`` for quantiles 0.1 .. 0.9: the share of days inside the outer band."""
    return f"coverage_{round((max(quantiles) - min(quantiles)) * 100):d}"

