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

import contextlib
import multiprocessing as mp
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from forecasts import events as ev
from forecasts import metrics
from forecasts.coldstart import cold_start, donors
from forecasts.intervals import conformal, naive_errors, zero_share
from forecasts.models import ets_forecast, harmonic_fit, seasonal_naive
from forecasts.series import Series, clean_history, despike, regularize
from forecasts.validation import quantile_column

MODELS = ("Ensemble", "Harmonic", "ETS", "SeasonalNaive")  # tie-break order
COLD_START = "ColdStart"
COLD_START_DAYS = 112  # under 16 weeks of history: borrow the shape of similar series
MIN_TRAIN = 56  # shortest training part of a backtest window, days
YEAR_TRAIN = 365  # training length preferred for every window when history allows

#: ``mapper(fn, items) -> [fn(item) for item in items]``, run wherever the caller chooses
Mapper = Callable[[Callable[[Any], Any], list], list]


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


def candidate_forecasts(
    s: Series, n_train: int, h: int, learnt: Mapping, pooled: Mapping
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Every candidate's forecast of days n_train .. n_train+h-1 (cases), and the
    pre-event log1p base of the smooth models (for cold-start donors)."""
    y = s.y[:n_train]
    zc = clean_history(s, n_train, learnt, pooled)
    u_fut, m_fut = ev.event_effect(s.cal, learnt, pooled, n_train, n_train + h)
    cap = float(np.log1p(10.0 * max(float(np.max(y)), 1.0)))

    def back(zf: np.ndarray) -> np.ndarray:
        zf = np.minimum(zf, cap)
        return np.maximum(np.expm1(np.minimum(zf + u_fut, cap)), 0.0) * m_fut

    base: dict[str, np.ndarray] = {"SeasonalNaive": seasonal_naive(zc, h)}
    if n_train >= 28:
        zh, yh, yf = harmonic_fit(zc, s.days(0, n_train), s.days(n_train, h))
        base["Harmonic"] = np.minimum(zh, cap)
        with contextlib.suppress(ValueError, FloatingPointError, np.linalg.LinAlgError):
            base["ETS"] = np.minimum(ets_forecast(zc - yh, h) + yf, cap)
    out = {name: back(zf) for name, zf in base.items()}
    if "Harmonic" in base and "ETS" in base:
        out["Ensemble"] = 0.5 * (out["Harmonic"] + out["ETS"])
        base["Ensemble"] = np.log1p(0.5 * (np.expm1(base["Harmonic"]) + np.expm1(base["ETS"])))
    return out, base


@dataclass
class _Window:
    n_train: int
    h: int
    preds: dict[str, np.ndarray]


def _log_errors(s: Series, w: _Window, model: str) -> np.ndarray:
    sl = slice(w.n_train, w.n_train + w.h)
    ok = s.scored[sl]
    return (np.log1p(s.actual[sl][ok]) - np.log1p(w.preds[model][ok]))


def _fit_series(task: tuple[Series, list[tuple[int, int, dict, dict]]]) -> list[tuple]:
    s, windows = task
    return [candidate_forecasts(s, c, hb, learnt, pooled) for c, hb, learnt, pooled in windows]


def _start_method() -> str | None:
    """``fork`` from a single-threaded process (the CLI), else None: with other threads alive
    (the app runs stages in threads) a fork can copy a held lock and deadlock, and spawned
    workers would re-import the caller's main module, so the fits run in this process."""
    if threading.active_count() == 1 and "fork" in mp.get_all_start_methods():
        return "fork"
    return None


def _map_series(tasks: list, n_jobs: int | None, mapper: Mapper | None = None
                ) -> list[list[tuple]]:
    """Fit every series' windows, in ``n_jobs`` worker processes when worthwhile.

    n_jobs None: 2 workers (or fewer cores) when there are 8 series or more, else 1.
    Falls back to one process where fork is unavailable or the pool breaks.
    mapper: ``mapper(fn, tasks)`` runs the fits instead (a Dask or Ray engine's map).
    """
    if mapper is not None:
        return list(mapper(_fit_series, tasks))
    if n_jobs is None:
        n_jobs = min(2, os.cpu_count() or 1) if len(tasks) >= 8 else 1
    method = _start_method()
    if n_jobs > 1 and method is not None:
        try:
            with ProcessPoolExecutor(n_jobs, mp_context=mp.get_context(method)) as pool:
                chunk = max(1, len(tasks) // (4 * n_jobs))
                return list(pool.map(_fit_series, tasks, chunksize=chunk))
        except (BrokenProcessPool, OSError):
            pass
    return [_fit_series(t) for t in tasks]


@dataclass
class RunResult:
    """Everything one run produces."""

    forecast: pd.DataFrame
    backtest: pd.DataFrame


def run(
    history: pd.DataFrame,
    horizon: int,
    events: pd.DataFrame,
    quantiles: Sequence[float],
    windows: int = 3,
    step: int | None = None,
    groups: Mapping[str, str] | None = None,
    models: Sequence[str] | None = None,
    n_jobs: int | None = None,
    mapper: Mapper | None = None,
) -> RunResult:
    """Backtest, choose and forecast every series of a checked history."""
    allowed = tuple(m for m in MODELS if models is None or m in models)
    series = regularize(history)
    for s in series:
        s.cal = ev.series_events(events, s.uid, s.start, s.n + horizon)
        despike(s)
    cold = {s.uid for s in series if s.n < COLD_START_DAYS}
    plans = {s.uid: plan_cutoffs(s.n, horizon, windows, step) for s in series}
    n_win = max((len(c) for c, _ in plans.values()), default=0)

    # backtest windows, aligned from the end: window k is each series' k-th last cutoff.
    # Uplifts are learnt (cheap) for every window first, so that each window can pool
    # them over series; then every series' fits run, in worker processes when n_jobs > 1.
    jobs: dict[str, list[tuple[int, int, dict, dict]]] = {s.uid: [] for s in series}
    for k in range(n_win):
        todo = [(s, plans[s.uid][0][-1 - k], plans[s.uid][1]) for s in series
                if len(plans[s.uid][0]) > k]
        learnt = {s.uid: ev.learn_uplifts(np.log1p(s.y), s.observed, c, s.cal) for s, c, _ in todo}
        pooled = ev.pool_uplifts(learnt.values())
        for s, c, hb in todo:
            jobs[s.uid].insert(0, (c, hb, learnt[s.uid], pooled))
    learnt = {s.uid: ev.learn_uplifts(np.log1p(s.y), s.observed, s.n, s.cal) for s in series}
    pooled = ev.pool_uplifts(v for u, v in learnt.items() if u not in cold)
    for s in series:
        jobs[s.uid].append((s.n, horizon, learnt[s.uid], pooled))
    fitted = _map_series([(s, jobs[s.uid]) for s in series], n_jobs, mapper)
    done = {s.uid: [_Window(c, hb, f[0]) for (c, hb, _, _), f in zip(jobs[s.uid][:-1], out[:-1],
                                                                      strict=True)]
            for s, out in zip(series, fitted, strict=True)}
    finals = {s.uid: out[-1] for s, out in zip(series, fitted, strict=True)}

    scores: dict[str, dict[str, dict]] = {}
    best: dict[str, str] = {}
    for s in series:
        wins = done[s.uid]
        scores[s.uid] = {m: _score(s, wins, m, quantiles) for m in allowed
                         if wins and m in finals[s.uid][0] and all(m in w.preds for w in wins)}
        sc = scores[s.uid]
        best[s.uid] = (min(sc, key=lambda m, sc=sc: (sc[m]["mae"], MODELS.index(m))) if sc
                       else next(m for m in (*allowed, "SeasonalNaive") if m in finals[s.uid][0]))
    chosen = {s.uid: COLD_START if s.uid in cold and donors(s, series, groups) else best[s.uid]
              for s in series}

    pooled_err = {m: np.concatenate([_log_errors(s, w, m) for s in series for w in done[s.uid]
                                     if m in w.preds] or [np.empty(0)]) for m in MODELS}
    frames = []
    for s in series:
        m = chosen[s.uid]
        if m == COLD_START:
            bases = {d.uid: finals[d.uid][1][chosen[d.uid]] for d in series
                     if chosen[d.uid] in finals[d.uid][1]}
            point, used = cold_start(s, series, bases, groups, learnt, pooled, horizon)
            errs = np.concatenate([_log_errors(d, w, chosen[d.uid]) for d in used
                                   for w in done[d.uid]] or [np.empty(0)])
            if point is None:  # no donor covers the dates: fall back to its own best
                m = chosen[s.uid] = best[s.uid]
        if m != COLD_START:
            point = finals[s.uid][0][m]
            errs = np.concatenate([_log_errors(s, w, m) for w in done[s.uid]] or [np.empty(0)])
        if errs.size < 20:
            errs = pooled_err.get(m, np.empty(0)) if pooled_err.get(m, np.empty(0)).size else errs
        if errs.size < 20:
            errs = naive_errors(s)
        # a known multiplier scales every quantile (an uplift of 0 closes the day)
        _, known = ev.event_effect(s.cal, learnt[s.uid], pooled, s.n, s.n + horizon)
        base = np.where(known > 0, np.nan_to_num(point) / np.where(known > 0, known, 1.0), 0.0)
        q = conformal(base, errs, quantiles, zero_share(s, s.n)) * known[:, None]
        f = pd.DataFrame(q, columns=[_col(x) for x in quantiles])
        f.insert(0, "ds", s.days(s.n, horizon))
        f.insert(0, "unique_id", s.uid)
        f["model"] = m
        frames.append(f)
    rows = []
    for s in series:
        for m, sc in scores[s.uid].items():
            rows.append({"unique_id": s.uid, "model": m, **sc, "chosen": m == chosen[s.uid]})
        if chosen[s.uid] not in scores[s.uid]:
            rows.append({"unique_id": s.uid, "model": chosen[s.uid], "chosen": True,
                         "n_windows": 0, "n_days": 0})
    bt = pd.DataFrame(rows)
    return RunResult(pd.concat(frames, ignore_index=True), _order_backtest(bt, quantiles))


def _col(q: float) -> str:

    return quantile_column(q)


def _score(s: Series, wins: list[_Window], m: str, quantiles: Sequence[float]) -> dict:
    ys, ps, errs, scales, inside = [], [], [], [], []
    lo_q, hi_q = min(quantiles), max(quantiles)
    for i, w in enumerate(wins):
        sl = slice(w.n_train, w.n_train + w.h)
        ok = s.scored[sl]
        y, p = s.actual[sl][ok], w.preds[m][ok]
        ys.append(y)
        ps.append(p)
        errs.append(y - p)
        scales.append(metrics.naive_scale(np.nan_to_num(s.actual[: w.n_train]),
                                          s.scored[: w.n_train]))
        if len(wins) > 1 and lo_q < hi_q:
            other = np.concatenate([_log_errors(s, o, m) for j, o in enumerate(wins) if j != i])
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
        out[_coverage_col(quantiles)] = float(np.mean(np.concatenate(inside))) if inside else np.nan
    return out


def _coverage_col(quantiles: Sequence[float]) -> str:
    return f"coverage_{round((max(quantiles) - min(quantiles)) * 100):d}"


def _order_backtest(bt: pd.DataFrame, quantiles: Sequence[float]) -> pd.DataFrame:
    cols = ["unique_id", "model", "wape", "mase", "bias"]
    if min(quantiles) < max(quantiles):
        cols.append(_coverage_col(quantiles))
    cols += ["n_windows", "n_days", "chosen"]
    for c in cols:
        if c not in bt.columns:
            bt[c] = np.nan
    bt = bt[cols].copy()
    bt["n_windows"] = bt["n_windows"].fillna(0).astype(int)
    bt["n_days"] = bt["n_days"].fillna(0).astype(int)
    bt["chosen"] = bt["chosen"].astype(bool)
    return bt.sort_values(["unique_id", "model"], ignore_index=True)


