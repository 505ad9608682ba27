"""Cold start: a series with little history borrows the shape of similar long series.

The donors are the long series (a year or more) of the same group (in the planner: the
same queue in other markets), else every long series. Each donor's event-cleaned log1p
path (history, then its chosen model's pre-event forecast) is shifted so that its mean
over the new series' observed days equals the new series' own (event-cleaned) mean; the
shifted paths are averaged and the new series' own event calendar is applied.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from forecasts import events as ev
from forecasts.series import Series, clean_history

YEAR = 365  # history a donor needs, days


def donors(s: Series, series: list[Series], groups: Mapping[str, str] | None) -> list[Series]:
    """Long series (a year or more) of the same group, else every long series."""
    long = [d for d in series if d.uid != s.uid and d.n >= YEAR]
    if groups is not None and s.uid in groups:
        same = [d for d in long if groups.get(d.uid) == groups[s.uid]]
        long = same or long
    return long


def cold_start(
    s: Series,
    series: list[Series],
    bases: Mapping[str, np.ndarray],
    groups: Mapping[str, str] | None,
    learnt: Mapping[str, Mapping],
    pooled: Mapping,
    horizon: int,
) -> tuple[np.ndarray | None, list[Series]]:
    """(forecast of the next ``horizon`` days in cases, the donors used), or (None, [])
    when no donor covers the dates. ``bases``: each donor's pre-event log1p forecast."""
    long = [d for d in donors(s, series, groups) if d.uid in bases]
    zc = clean_history(s, s.n, learnt[s.uid], pooled)
    end = s.start + pd.Timedelta(days=s.n + horizon - 1)
    paths, used = [], []
    for d in long:
        if d.start > s.start or d.start + pd.Timedelta(days=d.n + horizon - 1) < end:
            continue
        path = np.concatenate([clean_history(d, d.n, learnt[d.uid], pooled),
                               bases[d.uid]])
        off = (s.start - d.start).days
        hist = path[off: off + s.n]
        shift = float(np.mean((zc - hist)[s.observed]))
        paths.append(path[off + s.n: off + s.n + horizon] + shift)
        used.append(d)
    if not paths:
        return None, []
    u_fut, m_fut = ev.event_effect(s.cal, learnt[s.uid], pooled, s.n, s.n + horizon)
    z = np.mean(paths, axis=0)
    point = np.maximum(np.expm1(z + u_fut), 0.0) * m_fut
    return point, used
