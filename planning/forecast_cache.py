"""The forecast stage's entries in the disk cache (:mod:`planning.disk_cache`).

An entry is the forecast stage's :class:`forecasts.ForecastResult`, keyed on

- the content of what the forecast reads: the whole ``volumes`` and ``events`` tables
  (every cell, column name and dtype) and the plan's start and length;
- the forecast settings: quantiles and backtest windows (not the engine or the number of
  worker processes: they do not change the result);
- the code version: the source of ``forecasts/`` and of the forecast stage, and the
  versions of Python, numpy, pandas and statsforecast.

So changing one volume cell, a quantile or the code is a miss, and changing shrinkage or a
site is a hit.
"""

from __future__ import annotations

from collections.abc import Sequence

from planning.disk_cache import code_version, combine, frame_digest
from planning.inputs.tables import Inputs

#: source whose code decides the forecast: every .py under folders, or single files
FORECAST_CODE = ("forecasts", "planning/forecast_stage.py", "planning/periods.py",
                 "planning/forecast_cache.py", "planning/disk_cache.py")
#: packages whose version can change a forecast
FORECAST_PACKAGES = ("numpy", "pandas", "statsforecast")


def forecast_version() -> str:
    """Version of the forecasting code (FORECAST_CODE) and packages (FORECAST_PACKAGES)."""
    return code_version(FORECAST_CODE, FORECAST_PACKAGES)


def forecast_key(inputs: Inputs, quantiles: Sequence[float], windows: int | None,
                 version: str | None = None) -> str:
    """The cache key of the forecast stage on ``inputs``: volumes, events, plan start and
    weeks, the quantiles and backtest windows (None: the forecaster's default), and the code
    version (default :func:`forecast_version`)."""
    plan = inputs.scenario.plan
    return combine("forecast", frame_digest(inputs.volumes), frame_digest(inputs.events),
                   str(plan.start), int(plan.weeks), tuple(sorted({float(q) for q in quantiles})),
                   "default" if windows is None else int(windows),
                   version or forecast_version())
