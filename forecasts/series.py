"""One daily series on its own calendar (day 0 = its first date), gaps filled."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from forecasts import events as ev


@dataclass
class Series:
    """A series: cases per day from ``start``.

    y: cases used for fitting, gaps and glitches filled; observed: False there.
    actual: the cases as given, NaN on missing days; what the backtest scores.
    """

    uid: str
    start: pd.Timestamp
    y: np.ndarray
    observed: np.ndarray
    actual: np.ndarray
    cal: ev.SeriesEvents = field(default_factory=lambda: ev.SeriesEvents({}))

    @property
    def scored(self) -> np.ndarray:
        """Days with a real value (missing days are never scored)."""
        return ~np.isnan(self.actual)

    @property
    def n(self) -> int:
        return int(self.y.size)

    def days(self, first: int, count: int) -> pd.DatetimeIndex:
        return pd.date_range(self.start + pd.Timedelta(days=first), periods=count, freq="D")


def fill_weekly(y: np.ndarray) -> np.ndarray:
    """Fill NaN days by linear interpolation between the same weekdays."""
    out = y.astype(float).copy()
    obs = ~np.isnan(out)
    if obs.all():
        return out
    t = np.arange(out.size)
    for r in range(7):
        idx = t[t % 7 == r]
        o = obs[idx]
        if o.any():
            out[idx[~o]] = np.interp(idx[~o], idx[o], out[idx[o]])
        else:
            out[idx] = np.interp(idx, t[obs], y[obs])
    return out


def regularize(history: pd.DataFrame) -> list[Series]:
    """One daily series per unique_id from a checked history frame."""
    out = []
    for uid, g in history.groupby("unique_id", sort=True):
        days = pd.date_range(g["ds"].iloc[0], g["ds"].iloc[-1], freq="D")
        y = g.set_index("ds")["y"].reindex(days).to_numpy(dtype=float)
        out.append(Series(str(uid), days[0], fill_weekly(y), ~np.isnan(y), y))
    return out


def clean_history(s: Series, n_train: int, learnt: Mapping, pooled: Mapping) -> np.ndarray:
    """log1p of days 0..n_train-1 with event effects taken out (learnt or known)."""
    u, m = ev.event_effect(s.cal, learnt, pooled, 0, n_train)
    m = np.where(m > 0, m, 1.0)  # a known uplift of 0 (a closed day) cannot be undone
    return np.log1p(np.expm1(np.log1p(s.y[:n_train]) - u) / m)


def despike(s: Series, ratio: float = 4.0, min_level: float = 10.0) -> int:
    """Treat data glitches as missing days; returns how many days were dropped.

    A day more than ``ratio`` times above or below the median of its nearest same
    weekdays (3 each side), where that median is at least ``min_level`` cases, and that is
    not within the lead/lag days of a calendar event, is an outage or a double count, not
    demand a model can learn from: it is refilled like a missing day for fitting (so it
    does not bend the fitted pattern) but still scored in the backtest (so the accuracy
    and the interval widths stay honest about it). Set the event calendar first.
    """
    n = s.n
    on_event = np.zeros(n, dtype=bool)
    for off in s.cal.offsets.values():
        on_event |= off[:n] != ev.NONE
    usable = s.observed & ~on_event
    z = np.log1p(s.y)
    base = ev.baselines(z, usable, np.arange(n))
    with np.errstate(invalid="ignore"):
        flag = (usable & np.isfinite(base) & (np.abs(z - base) > np.log(ratio))
                & (np.expm1(base) >= min_level))
    if flag.any():
        s.observed = s.observed & ~flag
        s.y = fill_weekly(np.where(s.observed, s.y, np.nan))
    return int(flag.sum())
