"""Rolling-origin backtest, model choice per series, conformal quantiles, cold start.

Flow for every series (all on its own daily calendar, day 0 = its first date):

1. gaps (missing days) are filled weekday by weekday for fitting and never scored;
2. for each backtest window (training = days before a cutoff) and for the final fit,
   event uplifts are learnt from the training days, pooled over series for events a
   series has not seen, every candidate model forecasts the next ``h`` days;
3. the model with the smallest absolute error over the backtest days is chosen;
4. quantiles come from the chosen model's backtest errors on the log1p scale
   (split-conformal); coverage is measured leaving each window out of its own intervals;
5. a series with under COLD_START_DAYS of history borrows the forecast shape of the
   long series of its group (or of all long series), scaled to its own level.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from forecasts import events as ev
from forecasts.coldstart import cold_start, donors
from forecasts.intervals import conformal, naive_errors, zero_share
from forecasts.one import (
    MODELS,
    NEEDS_ETS,
    Cut,
    ForecastSettings,
    SeriesForecast,
    SeriesTask,
    coverage_column,
    forecast_item,
)
from forecasts.result import NAIVE_ERRORS, POOLED_ERRORS, ForecastResult, ForecastWarning
from forecasts.series import Series, despike, regularize
from forecasts.validation import quantile_column
from forecasts.workers import Mapper, default_jobs, map_local

COLD_START = "ColdStart"
COLD_START_DAYS = 112  # under 16 weeks of history: borrow the shape of similar series
MIN_TRAIN = 56  # shortest training part of a backtest window, days
YEAR_TRAIN = 365  # training length preferred for every window when history allows
MIN_ERRORS = 20  # a band from fewer of a series' own backtest errors borrows other series'
WINDOWS = 3  # backtest windows by default ...
BACKTEST_DAYS = 91  # ... or more for a short horizon, so that they score 13 weeks ...
MAX_WINDOWS = 6  # ... up to this many (each window is one more fit of every candidate)


def default_windows(h: int) -> int:
    """Backtest windows for horizon ``h`` days when the caller gives none: WINDOWS, or as
    many as it takes for the windows to hold BACKTEST_DAYS days (at most MAX_WINDOWS).

    Three 21-day windows score 63 days (45 on a weekdays-only series): too few errors, and
    from too few origins, for a P10-P90 band or for the combination's weights (on the
    bank_calls panel the band covered 56 % of held-out days with three windows, 72 % with
    five). A 26-week forecast keeps three windows (a year and a half of backtest days).
    """
    return min(MAX_WINDOWS, max(WINDOWS, -(-BACKTEST_DAYS // max(int(h), 1))))


def plan_cutoffs(n: int, h: int, windows: int, step: int | None = None) -> tuple[list[int], int]:
    """Training lengths of the backtest windows (ascending) and the backtest horizon.

    The last window ends on the last day of history; earlier ones start ``step`` days
    earlier each (default: ``h``, or more so that the windows spread over a year, and
    less when the history is too short for that). Each training part keeps at least a
    year when history allows, else MIN_TRAIN days. With too little history the horizon
    is shortened; with under MIN_TRAIN + 7 days there is no backtest.
    """
    if windows <= 0:
        return [], 0
    hb = min(h, n - MIN_TRAIN)
    if hb < 7:
        return [], 0
    min_train = YEAR_TRAIN if n - hb - (windows - 1) * 28 >= YEAR_TRAIN else MIN_TRAIN
    if step is None:  # spread the windows over up to a year, so every season is scored
        room = n - hb - min_train
        wanted = max(hb, -(-365 // windows))
        step = hb if windows == 1 else max(7, min(wanted, room // (windows - 1)))
    cuts = sorted(c for c in (n - hb - k * step for k in range(windows)) if c >= min_train)
    return cuts, hb


def prepare(history: pd.DataFrame, horizon: int, events: pd.DataFrame, windows: int,
            step: int | None = None) -> list[SeriesTask]:
    """Every series of a checked history with its backtest cuts and final cut.

    Windows are aligned from the end: window k is each series' k-th last cutoff. Event
    uplifts are learnt (cheap) for every window first, so that each window can pool them
    over the series that have that window; the final cut pools over long series only.
    """
    series = regularize(history)
    for s in series:
        s.cal = ev.series_events(events, s.uid, s.start, s.n + horizon)
        despike(s)
    cold = {s.uid for s in series if s.n < COLD_START_DAYS}
    plans = {s.uid: plan_cutoffs(s.n, horizon, windows, step) for s in series}
    n_win = max((len(c) for c, _ in plans.values()), default=0)
    cuts: dict[str, list[Cut]] = {s.uid: [] for s in series}
    for k in range(n_win):
        todo = [(s, plans[s.uid][0][-1 - k], plans[s.uid][1]) for s in series
                if len(plans[s.uid][0]) > k]
        learnt = {s.uid: ev.learn_uplifts(np.log1p(s.y), s.observed, c, s.cal) for s, c, _ in todo}
        pooled = ev.pool_uplifts(learnt.values())
        for s, c, hb in todo:
            cuts[s.uid].insert(0, Cut(c, hb, learnt[s.uid], pooled))
    learnt = {s.uid: ev.learn_uplifts(np.log1p(s.y), s.observed, s.n, s.cal) for s in series}
    pooled = ev.pool_uplifts(v for u, v in learnt.items() if u not in cold)
    return [SeriesTask(s, tuple(cuts[s.uid]), Cut(s.n, horizon, learnt[s.uid], pooled),
                       all_finals=s.uid in cold) for s in series]


def kept(fit: SeriesForecast) -> SeriesForecast:
    """What :func:`combine` reads of a fit: its scores, best model, every candidate's
    backtest errors (a series with too few errors of its own borrows every series'),
    warnings, and the final forecast, pre-event base (what a cold start borrows) and capped
    days of the best model only; the other candidates' final fits are dropped."""
    best = {fit.best}
    return replace(fit, final={m: v for m, v in fit.final.items() if m in best},
                   base={m: v for m, v in fit.base.items() if m in best},
                   capped={m: v for m, v in fit.capped.items() if m in best})


def forecast_kept(item: tuple[SeriesTask, ForecastSettings]) -> SeriesForecast:
    """:func:`kept` of :func:`forecasts.one.forecast_item`, in the worker (less to send back)."""
    return kept(forecast_item(item))


def run(
    history: pd.DataFrame,
    horizon: int,
    events: pd.DataFrame,
    quantiles: Sequence[float],
    windows: int | None = None,
    step: int | None = None,
    groups: Mapping[str, str] | None = None,
    models: Sequence[str] | None = None,
    n_jobs: int | None = None,
    mapper: Mapper | None = None,
) -> ForecastResult:
    """Backtest, choose and forecast every series of a checked history.

    windows: backtest windows (default :func:`default_windows` of the horizon).
    mapper: how the per-series work (:func:`forecast_kept`: ``forecast_one`` of a (task,
        settings) pair, reduced to what :func:`combine` needs) is mapped over the series
        (default: in ``n_jobs`` local worker processes, :func:`forecasts.workers.map_local`).
        Each fit is reduced (:func:`kept`) in the worker that made it, so the full fits of
        the other candidates are never sent back or held together.
    """
    if windows is None:
        windows = default_windows(horizon)
    settings = ForecastSettings(tuple(m for m in MODELS if models is None or m in models),
                                tuple(quantiles))
    tasks = prepare(history, horizon, events, windows, step)
    items = [(t, settings) for t in tasks]
    jobs = default_jobs(len(items)) if n_jobs is None else n_jobs
    ets = any(m in NEEDS_ETS for m in settings.models)
    if mapper is None:
        fits = map_local(forecast_kept, items, jobs, ets=ets)
    else:
        fits = list(mapper(forecast_kept, items))
    return combine(tasks, fits, settings, groups)


def combine(tasks: Sequence[SeriesTask], fits: Sequence[SeriesForecast],
            settings: ForecastSettings, groups: Mapping[str, str] | None) -> ForecastResult:
    """The forecast and backtest frames from every series' fits: cold starts borrow from
    their donors, and bands built from too few own errors borrow other series' errors."""
    quantiles = settings.quantiles
    series = [t.series for t in tasks]
    fit = {f.uid: f for f in fits}
    task = {t.series.uid: t for t in tasks}
    chosen = {s.uid: COLD_START if task[s.uid].all_finals and donors(s, series, groups)
              else fit[s.uid].best for s in series}
    pooled_err = {m: np.concatenate([fit[s.uid].errors[m] for s in series]) for m in MODELS}
    warnings: list[ForecastWarning] = []
    frames = []
    for s in series:
        f, m = fit[s.uid], chosen[s.uid]
        cut = task[s.uid].final
        if m == COLD_START:
            bases = {d.uid: fit[d.uid].base[chosen[d.uid]] for d in series
                     if chosen[d.uid] in fit[d.uid].base}
            learnt = {t.series.uid: t.final.learnt for t in tasks}
            point, used = cold_start(s, series, bases, groups, learnt, cut.pooled, cut.h)
            errs = np.concatenate([fit[d.uid].errors[chosen[d.uid]] for d in used]
                                  or [np.empty(0)])
            if point is None:  # no donor covers the dates: fall back to its own best
                m = chosen[s.uid] = f.best
        if m != COLD_START:
            point = f.final[m]
            errs = f.errors[m]
            warnings += f.warnings
        if errs.size < MIN_ERRORS:
            band = f"P{round(100 * min(quantiles))}-P{round(100 * max(quantiles))} band"
            if pooled_err.get(m, np.empty(0)).size >= MIN_ERRORS:
                warnings.append(ForecastWarning(POOLED_ERRORS, (
                    f"its own backtest gave {errs.size} errors (under {MIN_ERRORS}), so its "
                    f"{band} is built from the {m} backtest errors of all series"),
                    (("unique_id", s.uid),)))
                errs = pooled_err[m]
            else:
                warnings.append(ForecastWarning(NAIVE_ERRORS, (
                    f"too few backtest errors ({errs.size}) to build its {band} from, so the "
                    "band follows the week-on-week changes of its history"),
                    (("unique_id", s.uid),)))
                errs = naive_errors(s)
        frames.append(_quantile_frame(s, cut, point, errs, quantiles, m))
    bt = _backtest_frame(series, fit, chosen, quantiles)
    return ForecastResult(pd.concat(frames, ignore_index=True), bt, tuple(warnings))


def _quantile_frame(s: Series, cut: Cut, point: np.ndarray, errs: np.ndarray,
                    quantiles: Sequence[float], model: str) -> pd.DataFrame:
    """Conformal quantiles of the final forecast; a known multiplier scales every quantile
    (an uplift of 0 closes the day)."""
    _, known = ev.event_effect(s.cal, cut.learnt, cut.pooled, s.n, s.n + cut.h)
    base = np.where(known > 0, np.nan_to_num(point) / np.where(known > 0, known, 1.0), 0.0)
    q = conformal(base, errs, quantiles, zero_share(s, s.n)) * known[:, None]
    f = pd.DataFrame(q, columns=[quantile_column(x) for x in quantiles])
    f.insert(0, "ds", s.days(s.n, cut.h))
    f.insert(0, "unique_id", s.uid)
    f["model"] = model
    return f


def _backtest_frame(series: Sequence[Series], fit: Mapping[str, SeriesForecast],
                    chosen: Mapping[str, str], quantiles: Sequence[float]) -> pd.DataFrame:
    rows = []
    for s in series:
        scores = fit[s.uid].scores
        for m, sc in scores.items():
            rows.append({"unique_id": s.uid, "model": m, **sc, "chosen": m == chosen[s.uid]})
        if chosen[s.uid] not in scores:
            rows.append({"unique_id": s.uid, "model": chosen[s.uid], "chosen": True,
                         "n_windows": 0, "n_days": 0})
    bt = pd.DataFrame(rows)
    cols = ["unique_id", "model", "wape", "mase", "bias"]
    if min(quantiles) < max(quantiles):
        cols.append(coverage_column(quantiles))
    cols += ["n_windows", "n_days", "chosen"]
    for c in cols:
        if c not in bt.columns:
            bt[c] = np.nan
    bt = bt[cols].copy()
    bt["n_windows"] = bt["n_windows"].fillna(0).astype(int)
    bt["n_days"] = bt["n_days"].fillna(0).astype(int)
    bt["chosen"] = bt["chosen"].astype(bool)
    return bt.sort_values(["unique_id", "model"], ignore_index=True)
