"""A discrete-event simulation of individual cases, to validate the vectorised backlog model.

Independent of :mod:`planning.risk.backlog` by construction: it follows every case through
a FIFO queue served by ``servers`` moderators, instead of cumulative work curves.

Model (the same assumptions the backlog model states, so the two must agree): the cases of
day d arrive at the start of day d, in a random order; each case needs its own handling time
(hours); the team delivers ``capacity[d]`` productive hours during day d, split evenly over
the moderators and spread evenly over the day. A case of day d is on time when it is
finished by the end of day ``d + D``. After the last day the last day's capacity continues
(no new cases) until everything is done.

Time is tracked on each moderator's *work clock* ``G(t)`` (hours of work one moderator can
have done by time t, in days): every moderator works at rate 1 on that clock, so a case
starting at work time g ends at g + handling time, and a deadline at day-end e is the work
time ``G(e)``. The next case in line goes to the moderator who is free first.
"""

from __future__ import annotations

import heapq

import numpy as np


def work_clock(capacity: np.ndarray, servers: int, horizon_days: int) -> np.ndarray:
    """``G`` at each day boundary 0..horizon_days (hours per moderator), capacity extended."""
    cap = np.asarray(capacity, dtype=float)
    ext = np.concatenate([cap, np.repeat(cap[-1:], max(0, horizon_days - cap.size))])
    return np.concatenate([[0.0], np.cumsum(ext[:horizon_days] / servers)])


def des_on_time(cases_per_day: np.ndarray, handling_hours: list[np.ndarray], capacity: np.ndarray,
                deadline_days: int, servers: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Per day: the number of cases and the number finished by their deadline.

    cases_per_day: whole numbers (days,); handling_hours[d]: handling time of each of day
    d's cases in queue order (hours); capacity: productive hours per day (days,), > 0 at the
    end so the queue drains; deadline_days D >= 0.
    """
    counts = np.asarray(cases_per_day, dtype=np.int64)
    days = counts.size
    total_work = float(sum(float(np.sum(h)) for h in handling_hours))
    last = float(np.asarray(capacity, dtype=float)[-1])
    extra = int(np.ceil(total_work / last)) + deadline_days + 2 if last > 0 else deadline_days + 2
    clock = work_clock(capacity, servers, days + extra)
    free = [0.0] * servers  # work time at which each moderator is next free
    heapq.heapify(free)
    on_time = np.zeros(days, dtype=np.int64)
    for d in range(days):
        start_of_day = clock[d]
        due = clock[min(d + deadline_days + 1, clock.size - 1)]
        for h in handling_hours[d][:counts[d]]:
            begin = max(heapq.heappop(free), start_of_day)
            end = begin + float(h)
            heapq.heappush(free, end)
            if end <= due + 1e-9:
                on_time[d] += 1
    return counts, on_time


def des_replications(rng: np.random.Generator, mean_cases: np.ndarray, aht_hours: float,
                     capacity: np.ndarray, deadline_days: int, replications: int,
                     servers: int = 1, poisson: bool = True, exponential: bool = True
                     ) -> np.ndarray:
    """Share of all cases on time in each replication (replications,).

    Cases per day are Poisson(mean_cases[d]) (or exactly mean_cases when poisson is False);
    handling times exponential with mean aht_hours (or exactly aht_hours).
    """
    shares = np.empty(replications)
    for r in range(replications):
        counts = rng.poisson(mean_cases) if poisson else np.rint(mean_cases).astype(np.int64)
        hours = [rng.exponential(aht_hours, n) if exponential else np.full(n, aht_hours)
                 for n in counts]
        n, ok = des_on_time(counts, hours, capacity, deadline_days, servers)
        shares[r] = ok.sum() / n.sum() if n.sum() else 1.0
    return shares
