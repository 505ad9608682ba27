"""Daily volume forecasts with measured accuracy (Nixtla-style long frames).

``forecast(history, horizon)`` takes ``unique_id, ds, y`` and returns
``unique_id, ds, p10, p50, p90, model``; ``backtest(history, horizon, windows)`` returns
the rolling-origin accuracy per series and model (WAPE, MASE, bias, interval coverage);
``forecast_with_backtest`` returns both and the warnings as one :class:`ForecastResult`.
The per-series work is :func:`forecast_one` (what an execution engine maps over series).
See docs/forecasting.md for the models and how one is chosen per series.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import pandas as pd

from forecasts.engine import COLD_START, prepare, run
from forecasts.one import MODELS, ForecastSettings, SeriesForecast, SeriesTask, forecast_one
from forecasts.result import ForecastResult, ForecastWarning
from forecasts.validation import (
    ForecastInputError,
    check_events,
    check_history,
    check_quantiles,
    quantile_column,
)
from forecasts.workers import Mapper

__all__ = [
    "COLD_START",
    "MODELS",
    "ForecastInputError",
    "ForecastResult",
    "ForecastSettings",
    "ForecastWarning",
    "Mapper",
    "SeriesForecast",
    "SeriesTask",
    "backtest",
    "forecast",
    "forecast_one",
    "forecast_with_backtest",
    "prepare",
    "quantile_column",
]

def forecast_with_backtest(
    history: pd.DataFrame,
    horizon: int,
    *,
    freq: str = "D",
    events: pd.DataFrame | None = None,
    quantiles: Sequence[float] = (0.1, 0.5, 0.9),
    windows: int | None = None,
    step: int | None = None,
    groups: Mapping[str, str] | None = None,
    models: Sequence[str] | None = None,
    n_jobs: int | None = None,
    mapper: Mapper | None = None,
) -> ForecastResult:
    """Backtest the candidate models, choose one per series and forecast ``horizon`` days.

    history: unique_id, ds (daily dates), y (cases >= 0); missing days are allowed.
    horizon: days to forecast after each series' last date.
    events: ds, name, optional unique_id (blank = every series), optional uplift
        (a known multiplier; blank = learn it from history). List future dates too.
    windows, step: rolling-origin backtest windows, each ``horizon`` days long (shorter
        when history is short), ``step`` days apart (default: spread over the history).
        Default windows: 3, or more for a short horizon so that they hold 13 weeks (at
        most 6; :func:`forecasts.engine.default_windows`).
    groups: unique_id -> group label; a series with under 16 weeks of history borrows
        the shape of long series in its group (default: of all long series).
    models: restrict the candidates (names in MODELS).
    n_jobs: worker processes for the model fits (default: 2 when there are 8 series or
        more and the machine has 2 cores, else 1).
    mapper: run the per-series work another way, e.g. on a Dask or Ray cluster:
        ``mapper(fn, items)`` returns ``[fn(item) for item in items]`` in order, where ``fn``
        is :func:`forecasts.engine.forecast_kept` (n_jobs is then unused): each fit is
        reduced in its worker to what the combination needs; the result does not depend on
        where the fits ran.
    Returns forecast (unique_id, ds, pNN per quantile, model), backtest and warnings.
    """
    if freq != "D":
        raise ForecastInputError(f"freq: only daily data (freq='D') is supported, got {freq!r}")
    if int(horizon) != horizon or horizon < 1:
        raise ForecastInputError(f"horizon must be a whole number of days >= 1, got {horizon!r}")
    if windows is not None and (int(windows) != windows or windows < 0):
        raise ForecastInputError(f"windows must be a whole number >= 0, got {windows!r}")
    if models is not None:
        unknown = sorted(set(models) - set(MODELS))
        if unknown or not models:
            raise ForecastInputError(f"models: {unknown} unknown; choose from {list(MODELS)}")
    qs = check_quantiles(quantiles)
    hist = check_history(history)
    groups = None if groups is None else {str(k): v for k, v in groups.items()}
    res = run(hist, int(horizon), check_events(events), qs,
              None if windows is None else int(windows), step, groups,
              models, n_jobs, mapper)
    # give unique_id back in the caller's type (ints stay ints)
    original = dict(zip(history["unique_id"].astype(str), history["unique_id"], strict=True))
    fc, bt = res.forecast, res.backtest
    fc["unique_id"] = fc["unique_id"].map(original)
    bt["unique_id"] = bt["unique_id"].map(original)
    return replace(res, forecast=fc, backtest=bt)


def forecast(
    history: pd.DataFrame,
    horizon: int,
    *,
    freq: str = "D",
    events: pd.DataFrame | None = None,
    quantiles: Sequence[float] = (0.1, 0.5, 0.9),
    **options: Any,
) -> pd.DataFrame:
    """Daily quantile forecasts: unique_id, ds, pNN per quantile, model.

    Options as in :func:`forecast_with_backtest` (windows, step, groups, models).
    """
    return forecast_with_backtest(
        history, horizon, freq=freq, events=events, quantiles=quantiles, **options
    ).forecast


def backtest(
    history: pd.DataFrame,
    horizon: int,
    windows: int | None = None,
    *,
    freq: str = "D",
    events: pd.DataFrame | None = None,
    quantiles: Sequence[float] = (0.1, 0.5, 0.9),
    **options: Any,
) -> pd.DataFrame:
    """Rolling-origin accuracy per series and model: wape, mase, bias, coverage_NN.

    ``chosen`` marks the model :func:`forecast` uses for the series.
    """
    return forecast_with_backtest(
        history, horizon, freq=freq, events=events, quantiles=quantiles, windows=windows,
        **options,
    ).backtest
