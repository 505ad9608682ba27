"""Day-by-day FIFO backlog of a deferrable queue, vectorised over many volume paths.

Work is counted in hours (cases x AHT). Day d brings ``w[d]`` hours of new cases and the
plan gives ``c[d]`` productive hours; new work can be worked on the day it arrives (as in the
requirement formula of docs/requirements.md). Backlog at the end of day d (Lindley):

    B[d] = max(0, B[d-1] + w[d] - c[d]),   B[-1] = 0 (the plan starts with no backlog)

With cumulative arrivals ``A[d] = w[0] + ... + w[d]``, cumulative work done is
``S[d] = A[d] - B[d]``. Cases are worked first in, first out, so day d's cases occupy the
slice ``(A[d-1], A[d]]`` of the work stream, and the share of them closed by the end of day
``d + D`` (their deadline, D = floor(tat_hours / 24)) is

    on_time[d] = clip((S[d + D] - A[d-1]) / w[d], 0, 1)      (1 when w[d] = 0)

Deadlines after the plan's last day are judged as if the last day's capacity continued for
D more days with no new work. The age of the backlog at the end of day e is the number of
days since the arrival day of the oldest open work (0 = it arrived today; 0 when nothing is
open); work of age D or more at the end of a day has missed its deadline.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: relative tolerance below which work counts as done (float rounding of cumulative sums)
REL_TOL = 1e-9


@dataclass(frozen=True)
class BacklogPaths:
    """Per path and plan day (arrays of shape (paths, days)).

    on_time: share of the day's cases closed by their deadline; backlog_hours: open work at
    the end of the day (hours); age_days: age of the oldest open work at the end of the day
    (None when not asked for).
    """

    on_time: np.ndarray
    backlog_hours: np.ndarray
    age_days: np.ndarray | None


def fifo_backlog(work: np.ndarray, capacity: np.ndarray, deadline_days: int, *,
                 with_age: bool = True, initial: np.ndarray | None = None) -> BacklogPaths:
    """Simulate the FIFO backlog for work (paths, days) and capacity (days,) or (paths, days).

    work, capacity in hours per day (>= 0); deadline_days D >= 0 whole days. with_age=False
    skips the backlog ages (age_days is None then), which the on-time shares do not need.
    initial: open work (hours, (paths,)) ahead of day 0's cases, e.g. the backlog at the end
    of a previous stretch of days; it is worked first (ages need with_age=False then).
    """
    w = np.atleast_2d(np.asarray(work, dtype=float))
    paths, days = w.shape
    c = np.broadcast_to(np.asarray(capacity, dtype=float), (paths, days))
    d_extra = int(deadline_days)
    if d_extra < 0:
        raise ValueError(f"deadline_days must be >= 0, got {deadline_days}")
    if days == 0:
        empty = np.zeros((paths, 0))
        return BacklogPaths(empty, empty, empty)
    if initial is not None and with_age:
        raise ValueError("backlog ages are not tracked for an initial backlog (with_age=False)")
    b0 = np.zeros(paths) if initial is None else np.asarray(initial, dtype=float).copy()
    w_ext = np.concatenate([w, np.zeros((paths, d_extra))], axis=1)
    c_ext = np.concatenate([c, np.repeat(c[:, -1:], d_extra, axis=1)], axis=1)
    # the recursion runs day by day over contiguous rows (days, paths), then back
    net = np.ascontiguousarray((w_ext - c_ext).T)
    backlog_t = np.empty_like(net)
    b = b0.copy()
    for d in range(days + d_extra):
        np.add(b, net[d], out=b)
        np.maximum(b, 0.0, out=b)
        backlog_t[d] = b
    backlog = backlog_t.T
    arrived = np.cumsum(w_ext, axis=1) + b0[:, None]
    done = arrived - backlog
    tol = REL_TOL * np.maximum(1.0, arrived[:, -1:])
    before = arrived[:, :days] - w  # A[d-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        share = (done[:, d_extra:d_extra + days] - before) / w
    share = np.where(done[:, d_extra:d_extra + days] >= arrived[:, :days] - tol, 1.0, share)
    on_time = np.clip(np.where(w > 0, share, 1.0), 0.0, 1.0)
    if not with_age:
        return BacklogPaths(on_time, backlog[:, :days], None)
    age = _oldest_open_age(arrived[:, :days], done[:, :days], backlog[:, :days], tol)
    return BacklogPaths(on_time, backlog[:, :days], age)


def _oldest_open_age(arrived: np.ndarray, done: np.ndarray, backlog: np.ndarray,
                     tol: np.ndarray) -> np.ndarray:
    """Days since the arrival day of the oldest open work at each day's end (0 if none).

    The oldest open day at the end of day e is the first d with A[d] > S[e]; one
    searchsorted over all paths at once (rows shifted apart so the flat array stays sorted).
    """
    paths, days = arrived.shape
    span = float(arrived[:, -1].max()) + 1.0 + float(tol.max())
    shift = (np.arange(paths, dtype=float) * span)[:, None]
    flat_a = (arrived + shift).ravel()
    pos = np.searchsorted(flat_a, (done + tol + shift).ravel(), side="right")
    oldest = pos.reshape(paths, days) - (np.arange(paths) * days)[:, None]
    today = np.arange(days)[None, :]
    return np.where(backlog > tol, today - np.minimum(oldest, today), 0).astype(float)
