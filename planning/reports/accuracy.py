"""Per series: the model the forecast chose and how accurate it was in the backtest.

One row per (market, queue) from the forecast stage's backtest table (one row per series
and candidate model), so a planner sees which series' forecasts to trust. The same table
is printed by ``headcount forecast --report`` and shown on the app's Forecast page.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: a series is flagged when its backtest WAPE is above this (share of volume)
WAPE_FLAG = 0.20
#: ... or when its P10-P90 band held fewer / more of the backtest days than this
COVERAGE_RANGE = (0.65, 0.95)

COLUMNS = ["market", "queue", "model", "wape", "mase", "bias", "coverage", "naive_wape",
           "n_windows", "n_days", "check"]


def accuracy_table(backtest: pd.DataFrame) -> pd.DataFrame:
    """The chosen model of every series and its backtest accuracy, least reliable first.

    backtest: market (or unique_id), queue, model, wape, mase, bias, coverage_NN,
    n_windows, n_days, chosen (as :func:`planning.forecast_stage.forecast_stage` returns).
    Returns :data:`COLUMNS`: wape, bias (shares of the volume), mase (1 = as good as a
    one-week-ahead seasonal naive in sample), coverage (share of backtest days inside the
    outer quantiles, e.g. P10-P90), naive_wape (the SeasonalNaive candidate's WAPE on the
    same days, the baseline), and ``check``: why to look at the series ("" when nothing),
    e.g. ``no backtest (short history)``, ``WAPE 31%``, ``not better than seasonal naive``,
    ``P10-P90 held 52% of days``.
    """
    keys = ["market", "queue"] if {"market", "queue"} <= set(backtest.columns) else ["unique_id"]
    cov = next((c for c in backtest.columns if c.startswith("coverage_")), None)
    chosen = backtest[backtest["chosen"].astype(bool)].copy()
    naive = backtest[backtest["model"] == "SeasonalNaive"].set_index(keys)["wape"]
    chosen["coverage"] = chosen[cov] if cov else np.nan
    chosen["naive_wape"] = [naive.get(k if len(keys) > 1 else k[0], np.nan)
                            for k in chosen[keys].itertuples(index=False)]
    half = int(cov.split("_")[1]) // 2 if cov else 0
    band = f"P{50 - half}-P{50 + half}" if cov else "band"
    chosen["check"] = [_check(r, band) for r in chosen.itertuples(index=False)]
    if keys == ["unique_id"]:
        chosen = chosen.rename(columns={"unique_id": "market"}).assign(queue="")
    out = chosen.reindex(columns=COLUMNS)
    order = out["check"].ne("").map({True: 0, False: 1})
    return (out.assign(_o=order, _w=-out["wape"].fillna(-np.inf))
            .sort_values(["_o", "_w", "market", "queue"]).drop(columns=["_o", "_w"])
            .reset_index(drop=True))


def _check(r, band: str) -> str:
    if not r.n_windows:
        return "no backtest (short history)"
    reasons = []
    if r.wape > WAPE_FLAG:
        reasons.append(f"WAPE {r.wape:.0%}")
    if np.isfinite(r.naive_wape) and r.model != "SeasonalNaive" and r.wape >= r.naive_wape:
        reasons.append("not better than seasonal naive")
    lo, hi = COVERAGE_RANGE
    if np.isfinite(r.coverage) and not lo <= r.coverage <= hi:
        reasons.append(f"{band} held {r.coverage:.0%} of days")
    return "; ".join(reasons)


def format_accuracy(table: pd.DataFrame, limit: int = 40) -> str:
    """The table as text for a terminal: every series when at most ``limit``, else the
    ``limit`` least reliable ones and a count of the rest."""
    shown = table.head(limit)
    text = shown.to_string(index=False, na_rep="-", formatters={
        "wape": "{:.1%}".format, "bias": "{:+.1%}".format, "coverage": "{:.0%}".format,
        "naive_wape": "{:.1%}".format, "mase": "{:.2f}".format})
    if len(table) > limit:
        text += f"\n... and {len(table) - limit} more series (least reliable shown first)"
    return text
