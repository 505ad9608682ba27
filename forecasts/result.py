"""What a forecast run returns: one frozen type from :mod:`forecasts` to the CLI and the app.

The same :class:`ForecastResult` comes out of :func:`forecasts.forecast_with_backtest` (series
named by ``unique_id``), of :func:`planning.forecast_stage.forecast_stage` (series named by
``market`` and ``queue``) and out of the forecast cache. Its warnings say where the engine did
something other than the usual: dropped a failed ETS fit, capped a forecast, or built an
interval from other series' errors.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import pandas as pd

#: kinds of :class:`ForecastWarning`
ETS_FAILED = "ets_failed"  # an ETS fit raised: ETS, Ensemble and Weighted not used where it failed
CAPPED = "capped"  # the forecast hit the cap of 10x the history's largest day
POOLED_ERRORS = "pooled_errors"  # too few own backtest errors: the band uses other series'
NAIVE_ERRORS = "naive_errors"  # no backtest errors at all: the band uses week-on-week changes
LATE_HISTORY = "late_history"  # history on or after the plan's start was left out


@dataclass(frozen=True)
class ForecastWarning:
    """Something the forecaster did instead of the usual, for one series (or for all).

    kind: one of ETS_FAILED, CAPPED, POOLED_ERRORS, NAIVE_ERRORS, LATE_HISTORY.
    detail: what happened, in words.
    series: which series, as (name, value) pairs: ``(("unique_id", "a"),)`` from
        :mod:`forecasts`, ``(("market", "BR"), ("queue", "listing"))`` from the forecast
        stage; empty when the warning is not about one series.
    """

    kind: str
    detail: str
    series: tuple[tuple[str, str], ...] = ()

    def get(self, name: str) -> str | None:
        """The value of ``name`` in :attr:`series` (e.g. ``get("market")``), or None."""
        return dict(self.series).get(name)

    def where(self) -> str:
        """``market BR, queue listing`` (or ``forecast`` when not about one series)."""
        return ", ".join(f"{k} {v}" for k, v in self.series) or "forecast"

    def message(self) -> str:
        """One line for the CLI and the app: ``warning: market BR, queue listing: ...``."""
        return f"warning: {self.where()}: {self.detail}"

    def renamed(self, names: Mapping[str, tuple[tuple[str, str], ...]]) -> ForecastWarning:
        """The same warning with its ``unique_id`` replaced by ``names[unique_id]``."""
        uid = self.get("unique_id")
        return self if uid is None or uid not in names else replace(self, series=names[uid])


@dataclass(frozen=True)
class ForecastResult:
    """A forecast, the backtest it was chosen by, and what the user should know about it.

    forecast: the series' key columns (``unique_id``; or ``market, queue``), ``ds`` (or
        ``date``), one ``pNN`` column per quantile (cases per day), ``model``.
    backtest: key columns, model, wape, mase, bias, coverage_NN, n_windows, n_days, chosen;
        empty when the forecast was given in the inputs rather than made.
    warnings: :class:`ForecastWarning` per fallback the engine took, in series order.
    """

    forecast: pd.DataFrame
    backtest: pd.DataFrame
    warnings: tuple[ForecastWarning, ...] = field(default=())
