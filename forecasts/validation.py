"""Checks on the frames handed to :mod:`forecasts`; every error names the column."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd


class ForecastInputError(ValueError):
    """A frame handed to the forecaster is unusable; the message names table and column."""


def quantile_column(q: float) -> str:
    """Column name of quantile ``q``: 0.1 -> ``p10``, 0.5 -> ``p50``, 0.975 -> ``p97.5``."""
    pct = round(q * 100, 6)
    return f"p{int(pct):02d}" if float(pct).is_integer() else f"p{pct:g}"


def check_quantiles(quantiles: Sequence[float]) -> tuple[float, ...]:
    """Sorted, distinct quantiles, each strictly between 0 and 1."""
    qs = tuple(sorted({float(q) for q in quantiles}))
    if not qs:
        raise ForecastInputError("quantiles: give at least one quantile, e.g. (0.1, 0.5, 0.9)")
    bad = [q for q in qs if not 0.0 < q < 1.0 or not np.isfinite(q)]
    if bad:
        raise ForecastInputError(f"quantiles: {bad} must be strictly between 0 and 1")
    return qs


def _require(frame: pd.DataFrame, table: str, columns: Sequence[str]) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise ForecastInputError(f"{table}: expected a pandas DataFrame, got {type(frame).__name__}")
    for col in columns:
        if col not in frame.columns:
            raise ForecastInputError(
                f"{table} is missing column `{col}` (needs {', '.join(columns)})"
            )


def _dates(values: pd.Series, table: str, column: str) -> pd.Series:
    try:
        out = pd.to_datetime(values)
    except (ValueError, TypeError) as exc:
        raise ForecastInputError(f"{table}: column `{column}` must hold dates ({exc})") from None
    if out.isna().any():
        row = int(np.flatnonzero(out.isna().to_numpy())[0])
        raise ForecastInputError(f"{table}: column `{column}` is blank in row {row}")
    if (out != out.dt.normalize()).any():
        raise ForecastInputError(f"{table}: column `{column}` must hold whole days (daily data)")
    return out


def check_history(history: pd.DataFrame) -> pd.DataFrame:
    """A clean copy of ``history`` (unique_id str, ds datetime64, y float64), sorted."""
    _require(history, "history", ("unique_id", "ds", "y"))
    if history.empty:
        raise ForecastInputError("history has no rows")
    out = pd.DataFrame(
        {
            "unique_id": history["unique_id"].astype(str),
            "ds": _dates(history["ds"], "history", "ds"),
        }
    )
    y = pd.to_numeric(history["y"], errors="coerce")
    bad = y.isna() | ~np.isfinite(y.to_numpy(dtype=float, na_value=np.nan))
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise ForecastInputError(
            f"history: column `y` must be a finite number, row {i} has {history['y'].iloc[i]!r}"
        )
    if (y < 0).any():
        i = int(np.flatnonzero((y < 0).to_numpy())[0])
        raise ForecastInputError(f"history: column `y` must be >= 0, row {i} has {y.iloc[i]}")
    out["y"] = y.astype(float).to_numpy()
    dup = out.duplicated(["unique_id", "ds"])
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise ForecastInputError(
            "history: duplicate (unique_id, ds) = "
            f"({out['unique_id'].iloc[i]}, {out['ds'].iloc[i].date()}) in row {i}"
        )
    return out.sort_values(["unique_id", "ds"], ignore_index=True)


def check_events(events: pd.DataFrame | None) -> pd.DataFrame:
    """Events as columns ds, name, unique_id (None = every series), uplift (NaN = learn it)."""
    cols = ["ds", "name", "unique_id", "uplift"]
    if events is None or (isinstance(events, pd.DataFrame) and events.empty):
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in
                             zip(cols, ["datetime64[ns]", object, object, float], strict=True)})
    _require(events, "events", ("ds", "name"))
    out = pd.DataFrame({"ds": _dates(events["ds"], "events", "ds")})
    names = events["name"]
    if names.isna().any() or (names.astype(str).str.strip() == "").any():
        raise ForecastInputError("events: column `name` must not be blank")
    out["name"] = names.astype(str).to_numpy()
    if "unique_id" in events.columns:
        uid = events["unique_id"]
        out["unique_id"] = [None if pd.isna(u) else str(u) for u in uid]
    else:
        out["unique_id"] = None
    if "uplift" in events.columns:
        up = pd.to_numeric(events["uplift"], errors="coerce")
        typed = events["uplift"].notna() & up.isna()
        if typed.any() or (up < 0).any():
            raise ForecastInputError(
                "events: column `uplift` must be a number >= 0 (blank = learn it from history)"
            )
        out["uplift"] = up.astype(float).to_numpy()
    else:
        out["uplift"] = np.nan
    return out.reset_index(drop=True)
