"""Event calendar as learnt multiplicative uplifts with lead and lag days.

For every event name and every offset ``o`` in ``-lead .. lag`` days from the nearest day
of that event, the uplift is learnt from a series' own history as the mean log ratio
``log1p(y[d]) - log1p(baseline[d])`` over the past days ``d`` at that offset, where the
baseline is the median of the nearest unaffected same-weekday days (up to 3 weeks each
side, looking at most 8 weeks away; days with no such day on one side are not used).
Estimates within two standard errors of zero are set to zero (four, for an estimate from a
single day). A run of consecutive event days (Ramadan) is offset 0 throughout.

Uplifts are additive on the log1p scale, i.e. multiplicative on volumes:
``forecast = expm1(log1p(base) + u)``. A known uplift given by the user multiplies the
forecast on that day instead of the learnt day-0 uplift.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

NONE = 10_000  # offset marker: day not near an event of this name
LEAD_DAYS = 3
LAG_DAYS = 3
SINGLE_T = 4.0  # an uplift seen on one day only must exceed this many standard errors


@dataclass(frozen=True)
class SeriesEvents:
    """One series' calendar: per name, each day's offset from its nearest event day.

    offsets[name][t] is in ``-lead .. lag`` or NONE, for days t = 0 .. n_total-1 counted
    from the series' first day. known[name] maps a day index to a user-given multiplier.
    """

    offsets: Mapping[str, np.ndarray]
    known: Mapping[str, Mapping[int, float]] = field(default_factory=dict)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.offsets)


def nearest_offsets(event_days: Iterable[int], n: int, lead: int, lag: int) -> np.ndarray:
    """Offset of each day 0..n-1 from the nearest event day, NONE outside ``-lead..lag``."""
    ev = np.unique(np.fromiter(event_days, dtype=np.int64))
    out = np.full(n, NONE, dtype=np.int64)
    if ev.size == 0 or n == 0:
        return out
    t = np.arange(n)
    i = np.searchsorted(ev, t, side="right")  # ev[i-1] <= t < ev[i]
    prev = ev[np.clip(i - 1, 0, ev.size - 1)]
    nxt = ev[np.clip(i, 0, ev.size - 1)]
    after = t - prev  # >= 0 when prev <= t
    before = t - nxt  # < 0 when nxt > t
    ok_after = (prev <= t) & (after <= lag)
    ok_before = (nxt > t) & (before >= -lead)
    use_before = ok_before & (~ok_after | (-before < after))
    out[ok_after] = after[ok_after]
    out[use_before] = before[use_before]
    return out


def series_events(
    events: pd.DataFrame, uid: str, start: pd.Timestamp, n_total: int,
    lead: int = LEAD_DAYS, lag: int = LAG_DAYS,
) -> SeriesEvents:
    """Calendar of series ``uid`` from checked events (unique_id None = every series)."""
    if events.empty:
        return SeriesEvents({})
    mine = events[events["unique_id"].isna() | (events["unique_id"] == uid)]
    offsets: dict[str, np.ndarray] = {}
    known: dict[str, dict[int, float]] = {}
    for name, grp in mine.groupby("name", sort=True):
        days = ((grp["ds"] - start).dt.days).to_numpy()
        offsets[str(name)] = nearest_offsets(days, n_total, lead, lag)
        k = grp[grp["uplift"].notna()]
        if not k.empty:
            known[str(name)] = {
                int(d): float(u) for d, u in zip((k["ds"] - start).dt.days, k["uplift"], strict=True)
            }
    return SeriesEvents(offsets, known)


def _noise_sd(z: np.ndarray, usable: np.ndarray) -> float:
    """Robust sd of one day's log1p volume around its weekly pattern."""
    ok = usable[7:] & usable[:-7]
    d = (z[7:] - z[:-7])[ok]
    if d.size < 10:
        return float("inf")
    mad = np.median(np.abs(d - np.median(d)))
    return float(1.4826 * mad / np.sqrt(2.0))


def baselines(z: np.ndarray, usable: np.ndarray, days: np.ndarray,
              two_sided: bool = False) -> np.ndarray:
    """Median of the nearest 3 usable same-weekday days each side (within 8 weeks).

    NaN where fewer than 2 such days exist, and with ``two_sided`` where either side has
    none (a baseline from one side only takes a seasonal rise or fall for the event's).
    """
    n = usable.size
    k = np.arange(1, 9)
    vals, sides = [], []
    for sign in (-1, 1):
        j = days[:, None] + sign * 7 * k[None, :]
        ok = (j >= 0) & (j < n)
        jc = np.clip(j, 0, n - 1)
        ok &= usable[jc]
        ok &= np.cumsum(ok, axis=1) <= 3
        vals.append(np.where(ok, z[jc], np.nan))
        sides.append(ok.any(axis=1))
    both = np.hstack(vals)
    enough = np.sum(~np.isnan(both), axis=1) >= 2
    if two_sided:
        enough &= sides[0] & sides[1]
    out = np.full(days.size, np.nan)
    if enough.any():
        out[enough] = np.nanmedian(both[enough], axis=1)
    return out


def learn_uplifts(
    z: np.ndarray, observed: np.ndarray, n_train: int, cal: SeriesEvents
) -> dict[tuple[str, int], float]:
    """Learnt log1p uplift per (name, offset) from days ``0 .. n_train-1``.

    z: log1p of the gap-filled series; observed: False on filled gaps. Only (name, offset)
    pairs seen on training days with a baseline on both sides (:func:`baselines`) appear
    in the result. An estimate within two standard errors of zero is 0; one from a single
    day must exceed SINGLE_T standard errors (one day tells an event's effect from noise
    only when the effect is large: a sale's spike, not a holiday's lead day).
    """
    if not cal.offsets:
        return {}
    active = {nm: off[:n_train] != NONE for nm, off in cal.offsets.items()}
    n_active = np.sum(list(active.values()), axis=0)
    obs = observed[:n_train]
    usable = obs & (n_active == 0)
    sigma = _noise_sd(z[:n_train], usable)
    affected = np.flatnonzero((n_active > 0) & obs)
    ratio = np.full(n_train, np.nan)
    ratio[affected] = z[affected] - baselines(z[:n_train], usable, affected, two_sided=True)
    sole = n_active == 1
    out: dict[tuple[str, int], float] = {}
    for name, off in cal.offsets.items():
        off = off[:n_train]
        for o in np.unique(off[off != NONE]):
            at = (off == o) & obs
            pick = at & sole if (at & sole).any() else at
            r = ratio[pick]
            r = r[np.isfinite(r)]
            if r.size == 0:
                continue
            u = float(np.mean(r))
            se = 1.12 * sigma / np.sqrt(r.size)
            out[(name, int(o))] = u if abs(u) > (SINGLE_T if r.size == 1 else 2.0) * se else 0.0
    return out


def pool_uplifts(learnt: Iterable[Mapping[tuple[str, int], float]]) -> dict[tuple[str, int], float]:
    """Median uplift per (name, offset) over the series that learnt it."""
    acc: dict[tuple[str, int], list[float]] = {}
    for m in learnt:
        for key, u in m.items():
            acc.setdefault(key, []).append(u)
    return {k: float(np.median(v)) for k, v in acc.items()}


def event_effect(
    cal: SeriesEvents,
    uplifts: Mapping[tuple[str, int], float],
    pooled: Mapping[tuple[str, int], float],
    start: int,
    stop: int,
) -> tuple[np.ndarray, np.ndarray]:
    """(log1p shift u, known multiplier m) for days ``start .. stop-1``.

    A series' own estimate is used where it has one, else the pooled one, else none.
    On a day with a known uplift for an event, that event's learnt day-0 shift is dropped
    and the known multiplier applies.
    """
    n = stop - start
    u = np.zeros(n)
    m = np.ones(n)
    for name, off in cal.offsets.items():
        seg = off[start:stop]
        known = cal.known.get(name, {})
        for i in np.flatnonzero(seg != NONE):
            day = start + int(i)
            if day in known:
                m[i] *= known[day]
                continue
            key = (name, int(seg[i]))
            u[i] += uplifts.get(key, pooled.get(key, 0.0))
    return u, m
