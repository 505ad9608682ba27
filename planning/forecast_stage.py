"""The forecast stage: daily volume history -> the contract's ``forecast`` table.

Each (market, queue) series of ``volumes`` becomes one ``unique_id`` for
:mod:`forecasts`; events for market ``*`` apply to every series, others to the series of
their market; a known ``uplift`` is passed on as the day's multiplier. The forecast covers
every day of the plan (``plan.start`` for ``7 x plan.weeks`` days), also when history ends
before the plan starts (the gap is forecast too). History on or after ``plan.start`` is
not used. A series with little history borrows the shape of the same queue in other markets.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import pandas as pd

import forecasts
from forecasts import ForecastResult, ForecastWarning
from forecasts.result import LATE_HISTORY
from planning.disk_cache import DiskCache, cached, current_cache
from planning.engines import Engine, current_engine
from planning.errors import InputError, Issue
from planning.forecast_cache import forecast_key
from planning.inputs.tables import Inputs
from planning.periods import plan_days

BACKTEST_WINDOWS: int | None = None  # the forecaster's default: 3, more for short plans


def _series_ids(pairs: pd.DataFrame) -> dict[tuple[str, str], str]:
    ids = {(m, q): f"{m}|{q}" for m, q in pairs.itertuples(index=False)}
    if len(set(ids.values())) < len(ids):  # names containing "|" that collide
        ids = {key: f"series{i}" for i, key in enumerate(ids)}
    return ids


def _events(inputs: Inputs, ids: dict[tuple[str, str], str]) -> pd.DataFrame:
    ev = inputs.events
    cols = ["ds", "name", "unique_id", "uplift"]
    if ev is None or ev.empty:
        return pd.DataFrame(columns=cols)
    by_market: dict[str, list[str]] = {}
    for (m, _q), uid in ids.items():
        by_market.setdefault(m, []).append(uid)
    uplift = ev["uplift"] if "uplift" in ev.columns else pd.Series(float("nan"), index=ev.index)
    rows = []
    for d, name, market, up in zip(ev["date"], ev["name"], ev["market"], uplift, strict=True):
        targets = [None] if market == "*" else by_market.get(market, [])
        rows += [(d, name, uid, up) for uid in targets]
    return pd.DataFrame(rows, columns=cols)


def forecast_stage(
    inputs: Inputs,
    *,
    quantiles: Sequence[float] = (0.1, 0.5, 0.9),
    backtest_windows: int | None = BACKTEST_WINDOWS,
    n_jobs: int | None = None,
    engine: Engine | None = None,
    cache: DiskCache | None = None,
) -> ForecastResult:
    """Forecast every (market, queue) of ``inputs.volumes`` over the plan's days.

    quantiles: forecast quantiles (columns p10, p50, p90 by default).
    backtest_windows: rolling-origin windows per series, each as long as the forecast
        horizon (the days from the end of history to the plan's last day); default
        (None): 3, or up to 6 for a plan of under 13 weeks, so that they hold 13 weeks
        (:func:`forecasts.engine.default_windows`).
    n_jobs: worker processes for the model fits (None: 2 on a 2-core machine when there
        are 8 series or more).
    engine: where the per-series fits run (default: :func:`current_engine`; local: the
        forecaster's own worker processes). The forecast is the same on every engine.
    cache: where to look the result up first and keep it (default: the cache a front end
        set with :func:`planning.disk_cache.use_cache`; none outside such a block).

    Returns forecast: market, queue, date, one pNN column per quantile (cases per day,
    before automation), model; one row per series and plan day. backtest: market, queue,
    model, wape, mase, bias, coverage_NN (share of held-out days inside the outer quantiles,
    e.g. coverage_80 for P10-P90), n_windows, n_days, chosen (the model the forecast uses);
    rolling-origin backtest over the same horizon as the forecast. warnings: what did not
    stop the forecast (history after plan.start left out, the engine's fallbacks), with
    the market and queue they concern.
    """
    cache = cache if cache is not None else current_cache()
    return cached(cache, lambda: forecast_key(inputs, quantiles, backtest_windows), ForecastResult,
                  lambda: _forecast(inputs, quantiles, backtest_windows, n_jobs, engine))


def _forecast(inputs: Inputs, quantiles: Sequence[float], backtest_windows: int | None,
              n_jobs: int | None, engine: Engine | None) -> ForecastResult:
    vol = inputs.volumes
    if vol is None or vol.empty:
        raise InputError([Issue("volumes", None, None, None,
                                "table is missing or empty: provide daily history of cases")])
    days = plan_days(inputs.scenario.plan.start, inputs.scenario.plan.weeks)
    warnings: list[ForecastWarning] = []
    late = vol["date"] >= days[0]
    if late.any():
        warnings.append(ForecastWarning(LATE_HISTORY, (
            f"volumes on or after plan.start {days[0].date()} are not used for the forecast "
            f"({int(late.sum())} rows, up to {vol.loc[late, 'date'].max().date()})")))
    hist = vol.loc[~late]
    pairs = vol[["market", "queue"]].drop_duplicates()
    missing = pairs.merge(hist[["market", "queue"]].drop_duplicates(), how="left", indicator=True)
    missing = missing[missing["_merge"] == "left_only"]
    if not missing.empty:
        raise InputError([Issue("volumes", None, "date", None,
                                f"market {m}, queue {q} has no history before plan.start "
                                f"{days[0].date()}")
                          for m, q in missing[["market", "queue"]].itertuples(index=False)])
    ids = _series_ids(pairs)
    frame = pd.DataFrame({
        "unique_id": [ids[(m, q)] for m, q in zip(hist["market"], hist["queue"], strict=True)],
        "ds": hist["date"].to_numpy(),
        "y": hist["cases"].to_numpy(dtype=float),
    })
    del hist  # a copy of the whole history: not needed while the series are fitted
    last = frame.groupby("unique_id")["ds"].max()
    horizon = int((days[-1] - last.min()).days)
    try:
        res = forecasts.forecast_with_backtest(
            frame, horizon, events=_events(inputs, ids), quantiles=quantiles,
            windows=backtest_windows, groups={uid: q for (_m, q), uid in ids.items()},
            n_jobs=n_jobs, mapper=(engine or current_engine()).series_mapper())
    except forecasts.ForecastInputError as exc:
        raise InputError([Issue("volumes", None, None, None, str(exc))]) from None
    back = {uid: key for key, uid in ids.items()}

    def keyed(df: pd.DataFrame) -> pd.DataFrame:
        out = df.copy()
        out.insert(0, "queue", [back[u][1] for u in out["unique_id"]])
        out.insert(0, "market", [back[u][0] for u in out["unique_id"]])
        return out.drop(columns="unique_id")

    fc = res.forecast[res.forecast["ds"].isin(days)].rename(columns={"ds": "date"})
    fc = keyed(fc).sort_values(["market", "queue", "date"], ignore_index=True)
    bt = keyed(res.backtest).sort_values(["market", "queue", "model"], ignore_index=True)
    names = {uid: (("market", m), ("queue", q)) for uid, (m, q) in back.items()}
    warnings += [w.renamed(names) for w in res.warnings]
    return replace(res, forecast=fc, backtest=bt, warnings=tuple(warnings))
