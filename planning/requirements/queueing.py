"""Erlang B, C and A (M/M/n+M) formulas and agent staffing for realtime queues.

Units: ``load`` is offered traffic in Erlangs (cases x aht_seconds / interval_seconds),
``agents`` a whole number of agents, every time in seconds. See docs/queueing.md.

Numerics:

* Erlang B is computed with the recursion ``B(k) = A B(k-1) / (k + A B(k-1))`` (the
  inverse Erlang B recursion ``1/B(k) = 1 + k/A * 1/B(k-1)`` written so that it cannot
  overflow); ``A**n / n!`` is never formed. It is exact to rounding and stable to
  10,000 Erlangs and beyond.
* Erlang A sums the birth-death chain above ``n`` in log space, dropping terms below
  ``exp(-40)`` times the largest one (a relative error below 1e-17).
* A target counts as met when the measure is within ``TARGET_TOLERANCE`` (1e-12) of it,
  so that rounding never decides a staffing level.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

TARGET_TOLERANCE = 1e-12
_TAIL_SIGMAS = 11.0  # series terms kept past the peak: 11 sqrt(x) + 20 (drop >= exp(-40))
_CELLS = 65_536  # array cells per series chunk (cache-sized; measured fastest)
_WINDOW = 8  # Erlang A staffing: agents searched either side of the guess

__all__ = [
    "TARGET_TOLERANCE",
    "ErlangAResult",
    "average_wait",
    "erlang_a",
    "erlang_a_arrays",
    "erlang_b",
    "erlang_c",
    "erlang_c_from_b",
    "required_agents",
    "required_agents_many",
    "service_level",
]


# --------------------------------------------------------------------------- validation


def _number(value: float, name: str, *, low: float = 0.0, low_open: bool = False,
            high: float = math.inf, high_open: bool = False) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    bad_low = x <= low if low_open else x < low
    bad_high = x >= high if high_open else x > high
    if not math.isfinite(x) or bad_low or bad_high:
        lo, hi = ("(" if low_open else "["), (")" if high_open or high == math.inf else "]")
        raise ValueError(f"{name} must be finite and in {lo}{low:g}, {high:g}{hi}, got {value!r}")
    return x


def _agents(agents: int) -> int:
    try:
        whole = float(agents).is_integer() and not isinstance(agents, bool) and agents >= 0
    except (TypeError, ValueError, OverflowError):
        whole = False
    if not whole:
        raise ValueError(f"agents must be a whole number >= 0, got {agents!r}")
    return int(agents)


def _targets(aht_seconds: float, sla_target: float, answer_seconds: float,
             patience_seconds: float | None, max_abandon: float,
             max_occupancy: float) -> tuple[float, float, float, float | None, float, float]:
    aht = _number(aht_seconds, "aht_seconds", low_open=True)
    sla = _number(sla_target, "sla_target", low_open=True, high=1.0)
    answer = _number(answer_seconds, "answer_seconds")
    patience = (None if patience_seconds is None
                else _number(patience_seconds, "patience_seconds", low_open=True))
    abandon = _number(max_abandon, "max_abandon", high=1.0)
    occupancy = _number(max_occupancy, "max_occupancy", low_open=True, high=1.0)
    return aht, sla, answer, patience, abandon, occupancy


# --------------------------------------------------------------------------- Erlang B / C


def erlang_b(load: float, agents: int) -> float:
    """Blocking probability of M/M/n/n (Erlang loss formula) for ``load`` Erlangs."""
    a, n = _number(load, "load"), _agents(agents)
    b = 1.0
    for k in range(1, n + 1):
        if b == 0.0:
            break
        b = a * b / (k + a * b)
    return b


def erlang_c_from_b(a: np.ndarray | float, n: np.ndarray | float, b: np.ndarray | float
                    ) -> np.ndarray | float:
    """Erlang C from Erlang B (valid for n > a): C = n B / (n - a (1 - B))."""
    return n * b / (n - a * (1.0 - b))


def erlang_c(load: float, agents: int) -> float:
    """Probability that an arrival waits in M/M/n (Erlang delay formula).

    1.0 when ``agents <= load``: the queue is unstable and every arrival eventually waits.
    """
    a, n = _number(load, "load"), _agents(agents)
    if n <= a:
        return 1.0
    return float(erlang_c_from_b(a, n, erlang_b(a, n)))


def service_level(load: float, agents: int, aht_seconds: float, answer_seconds: float) -> float:
    """Erlang C service level: share of arrivals answered within ``answer_seconds``.

    ``1 - C(n, A) exp(-(n - A) answer_seconds / aht_seconds)``; 0.0 when ``agents <= load``.
    """
    a, n = _number(load, "load"), _agents(agents)
    aht = _number(aht_seconds, "aht_seconds", low_open=True)
    t = _number(answer_seconds, "answer_seconds")
    if n <= a:
        return 0.0
    return 1.0 - erlang_c(a, n) * math.exp(-(n - a) * t / aht)


def average_wait(load: float, agents: int, aht_seconds: float) -> float:
    """Erlang C mean wait in queue over all arrivals (ASA), seconds: C aht / (n - A).

    ``math.inf`` when ``agents <= load``.
    """
    a, n = _number(load, "load"), _agents(agents)
    aht = _number(aht_seconds, "aht_seconds", low_open=True)
    if n <= a:
        return math.inf
    return erlang_c(a, n) * aht / (n - a)


# --------------------------------------------------------------------------- Erlang A


@dataclass(frozen=True)
class ErlangAResult:
    """Steady state of M/M/n+M (Erlang A); probabilities over all arrivals.

    - ``wait_probability``: an arrival finds every agent busy (it queues).
    - ``abandon_probability``: an arrival leaves before being answered.
    - ``service_level``: an arrival is answered within ``answer_seconds`` (abandoners and
      callers answered later count as failures).
    - ``average_wait``: mean time in queue in seconds over all arrivals, abandoners counted
      until they leave (= abandon_probability x patience_seconds).
    - ``occupancy``: share of agent time busy = load x (1 - abandon_probability) / agents.
    """

    wait_probability: float
    abandon_probability: float
    service_level: float
    average_wait: float
    occupancy: float


def _log_series(x: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """log S and log M for S = sum_j T_j, M = sum_j j T_j, T_j = x^j / prod_{i<=j}(c + i).

    Terms rise while ``x > c + j`` and then fall faster than a Gaussian of width
    sqrt(x); the sum keeps the peak plus 11 sqrt(x) + 20 terms (drop >= exp(-40)).
    Padding rows to a common length only adds smaller terms, so it is harmless.
    """
    x, c = np.asarray(x, float), np.asarray(c, float)
    log_s, log_m = np.empty_like(x), np.empty_like(x)
    if x.size == 0:
        return log_s, log_m
    length = (np.maximum(0.0, np.ceil(x - c)) + np.ceil(_TAIL_SIGMAS * np.sqrt(x)) + 20)
    length = length.astype(np.int64)
    order = np.argsort(length)
    start = 0
    with np.errstate(divide="ignore"):
        while start < x.size:
            rows_len = int(length[order[min(x.size - 1, start)]])
            stop = start + max(1, _CELLS // max(rows_len, 1))
            idx = order[start:stop]
            jmax = int(length[idx].max())
            j = np.arange(1, jmax + 1, dtype=float)
            log_t = np.cumsum(np.log(x[idx])[:, None] - np.log(c[idx][:, None] + j), axis=1)
            peak = np.maximum(log_t.max(axis=1), 0.0)
            log_s[idx] = peak + np.log(np.exp(-peak) + np.exp(log_t - peak[:, None]).sum(axis=1))
            with np.errstate(invalid="ignore"):
                mt = log_t + np.log(j)
            mpeak = mt.max(axis=1)
            fin = np.isfinite(mpeak)
            mpeak_safe = np.where(fin, mpeak, 0.0)
            msum = np.exp(mt - mpeak_safe[:, None]).sum(axis=1)
            log_m[idx] = np.where(fin, mpeak_safe + np.log(msum), -np.inf)
            start = stop
    return log_s, log_m


def erlang_a_arrays(a: np.ndarray, n: np.ndarray, b: np.ndarray, aht: float,
                     patience: float, answer: float) -> tuple[np.ndarray, ...]:
    """Erlang A measures for arrays of loads ``a`` > 0, agents ``n`` and B(n, a) ``b``.

    With pi_k the stationary probabilities, T_j = pi_{n+j} / pi_n and
    sum_{k<=n} pi_k = pi_n / B, the normaliser is pi_n (1/B - 1 + S(b_)), where
    b_ = a patience / aht and S is ``_log_series`` with c = n patience / aht.
    """
    a, n, b = (np.asarray(v, float) for v in (a, n, b))
    lam_over_theta = a * patience / aht
    ratio = n * patience / aht  # n mu / theta
    log_s, log_m = _log_series(lam_over_theta, ratio)
    y0 = math.exp(-answer / patience)
    log_s2, _ = _log_series(lam_over_theta * y0, ratio)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        log_free = np.log1p(-b) - np.log(b)  # log(1/B - 1): states below n relative to pi_n
        log_norm = np.logaddexp(log_free, log_s)
        p_wait = 1.0 / (1.0 + np.exp(log_free - log_s))
        p_nowait = 1.0 / (1.0 + np.exp(log_s - log_free))
        p_abandon = np.exp(log_m - log_norm) / lam_over_theta
        # answered after waiting <= answer: (n/a) [(S-1) - e^{b_(1-y0) - n t/aht} (S2-1)]
        log_s_1 = log_s + np.log(-np.expm1(-log_s))
        log_s2_1 = log_s2 + np.log(-np.expm1(-log_s2))
        log_late = -lam_over_theta * math.expm1(-answer / patience) - n * answer / aht + log_s2_1
        waited_ok = (n / a) * (np.exp(log_s_1 - log_norm) - np.exp(log_late - log_norm))
        waited_ok = np.where(np.isfinite(waited_ok), waited_ok, 0.0)
        sl = np.clip(p_nowait + np.maximum(waited_ok, 0.0), 0.0, 1.0)
        occupancy = np.where(n > 0, a * (1.0 - p_abandon) / np.maximum(n, 1), 0.0)
    return p_wait, p_abandon, sl, p_abandon * patience, occupancy


def erlang_a(load: float, agents: int, aht_seconds: float, patience_seconds: float,
             answer_seconds: float) -> ErlangAResult:
    """Erlang A (M/M/n+M, Palm): exponential patience with mean ``patience_seconds``.

    Exact: the birth-death chain of the number in system is summed in log space; the
    service level uses the offered-wait density of Zeltyn & Mandelbaum (2005),
    ``f_V(x) = lambda pi_{n-1} exp(lambda (1 - e^{-theta x}) / theta - n mu x)``, so
    P(answered within t) = P(no wait) + integral_0^t f_V(x) e^{-theta x} dx.
    Stable for any n, including n <= load. With load 0 nothing waits (service level 1).
    """
    a, n = _number(load, "load"), _agents(agents)
    aht = _number(aht_seconds, "aht_seconds", low_open=True)
    patience = _number(patience_seconds, "patience_seconds", low_open=True)
    t = _number(answer_seconds, "answer_seconds")
    if a == 0.0:
        return ErlangAResult(0.0, 0.0, 1.0, 0.0, 0.0)
    values = erlang_a_arrays(np.array([a]), np.array([float(n)]),
                              np.array([erlang_b(a, n)]), aht, patience, t)
    return ErlangAResult(*(float(v[0]) for v in values))


# --------------------------------------------------------------------------- staffing


def required_agents(load: float, aht_seconds: float, sla_target: float, answer_seconds: float,
                    *, patience_seconds: float | None = None, max_abandon: float = 0.05,
                    max_occupancy: float = 1.0) -> int:
    """Smallest agent count meeting every target (Erlang C, or Erlang A with patience).

    Targets: service level >= sla_target; occupancy <= max_occupancy; with patience,
    abandon_probability <= max_abandon (Erlang C has no abandonment). Load 0 -> 0.
    """
    a = _number(load, "load")
    return int(required_agents_many(np.array([a]), aht_seconds, sla_target, answer_seconds,
                                    patience_seconds=patience_seconds,
                                    max_abandon=max_abandon, max_occupancy=max_occupancy)[0])


def required_agents_many(loads: np.ndarray, aht_seconds: float, sla_target: float,
                         answer_seconds: float, *, patience_seconds: float | None = None,
                         max_abandon: float = 0.05, max_occupancy: float = 1.0) -> np.ndarray:
    """``required_agents`` for many loads (Erlangs) at once; int64 array of loads' shape.

    Equal loads are solved once. Erlang C: one Erlang B recursion runs over all loads in
    step, each load testing every n > load until its targets hold. Erlang A: the Erlang C
    answer is the starting guess, searched down or up agent by agent.
    """
    aht, sla, t, patience, abandon, occ = _targets(aht_seconds, sla_target, answer_seconds,
                                                   patience_seconds, max_abandon, max_occupancy)
    arr = np.asarray(loads, dtype=float)
    if arr.size and not (np.all(np.isfinite(arr)) and arr.min() >= 0):
        raise ValueError("loads must be finite and >= 0 Erlangs")
    uniq, inverse = np.unique(arr.ravel(), return_inverse=True)
    out = np.zeros(uniq.shape, dtype=np.int64)
    pos = uniq > 0
    if pos.any():
        out[pos] = _staff_erlang_c(uniq[pos], aht, sla, t, occ)
        if patience is not None:
            out[pos] = _staff_erlang_a(uniq[pos], out[pos], aht, sla, t, patience, abandon, occ)
    return out[inverse].reshape(arr.shape)


def _meets_c(a: np.ndarray, k: int, b: np.ndarray, aht: float, sla: float, t: float,
             occ: float) -> np.ndarray:
    sl = 1.0 - erlang_c_from_b(a, k, b) * np.exp(-(k - a) * t / aht)
    return (sl >= sla - TARGET_TOLERANCE) & (a / k <= occ + TARGET_TOLERANCE)


def _staff_erlang_c(a: np.ndarray, aht: float, sla: float, t: float, occ: float) -> np.ndarray:
    """Sorted distinct loads > 0 -> smallest n > load meeting the Erlang C targets."""
    m = a.size
    result = np.full(m, -1, dtype=np.int64)
    b = np.ones(m)
    lo, k = 0, 0
    while lo < m:
        k += 1
        ab = a[lo:] * b[lo:]
        b[lo:] = ab / (k + ab)
        hi = int(np.searchsorted(a, k, side="left"))  # loads < k: n = k is stable
        if hi > lo:
            ok = _meets_c(a[lo:hi], k, b[lo:hi], aht, sla, t, occ) & (result[lo:hi] < 0)
            result[lo:hi][ok] = k
            while lo < m and result[lo] >= 0:
                lo += 1
    return result


def _meets_a(a, n, b, aht, sla, t, patience, abandon, occ) -> np.ndarray:
    _, p_ab, sl, _, occupancy = erlang_a_arrays(a, n, b, aht, patience, t)
    return ((sl >= sla - TARGET_TOLERANCE) & (p_ab <= abandon + TARGET_TOLERANCE)
            & (occupancy <= occ + TARGET_TOLERANCE))


def _b_window(a: np.ndarray, first: np.ndarray, width: int) -> np.ndarray:
    """B(first_i + w, a_i) for w = 0..width-1, by one recursion over all loads in step.

    ``first`` must be nondecreasing (loads sorted), so the rows still recursing and the
    rows inside their window at step k are contiguous ranges.
    """
    m = a.size
    window = np.empty((m, width))
    b = np.ones(m)
    last = first + width - 1
    window[first == 0, 0] = 1.0
    lo = 0
    for k in range(1, int(last.max()) + 1):
        lo = int(np.searchsorted(last, k, side="left"))  # rows with last >= k
        ab = a[lo:] * b[lo:]
        b[lo:] = ab / (k + ab)
        hi = int(np.searchsorted(first, k, side="right"))  # rows with first <= k
        if hi > lo:
            window[np.arange(lo, hi), k - first[lo:hi]] = b[lo:hi]
    return window


def _staff_erlang_a(a: np.ndarray, guess_c: np.ndarray, aht: float, sla: float, t: float,
                    patience: float, abandon: float, occ: float) -> np.ndarray:
    """Smallest n meeting the Erlang A targets for sorted distinct loads ``a`` > 0.

    Exact answers at up to 24 sample loads give a square-root-staffing guess
    ``a + beta(a) sqrt(a)`` for every load; from it each load steps down or up one agent
    at a time until n meets every target and n - 1 does not (every Erlang A measure is
    monotone in n). Loads that leave the window guess +- _WINDOW are solved alone.
    """
    args = (aht, sla, t, patience, abandon, occ)
    picks = np.unique(np.linspace(0, a.size - 1, min(a.size, 24)).round().astype(np.int64))
    exact = np.array([_search_erlang_a(float(a[i]), int(guess_c[i]), *args) for i in picks])
    beta = (exact - a[picks]) / np.sqrt(a[picks])
    guess = np.rint(a + np.interp(a, a[picks], beta) * np.sqrt(a)).astype(np.int64)
    guess = np.maximum.accumulate(np.maximum(guess, 0))
    width = 2 * _WINDOW + 1
    first = np.maximum.accumulate(np.maximum(guess - _WINDOW, 0))
    window = _b_window(a, first, width)
    rows = np.arange(a.size)
    w = guess - first
    ok = _meets_a(a, guess, window[rows, w], *args)
    result = np.full(a.size, -1, dtype=np.int64)
    step = np.where(ok, -1, 1)
    active = rows.copy()
    while active.size:
        w_next = w[active] + step[active]
        off = (w_next < 0) | (w_next >= width)
        result[active[off]] = -2  # leaves the window: solved alone below
        active, w_next = active[~off], w_next[~off]
        if not active.size:
            break
        ok_next = _meets_a(a[active], first[active] + w_next, window[active, w_next], *args)
        down = step[active] < 0
        done_down = down & ~ok_next  # n - 1 fails, n meets: n is the answer
        done_up = ~down & ok_next  # n fails, n + 1 meets: n + 1 is the answer
        result[active[done_down]] = first[active[done_down]] + w[active[done_down]]
        result[active[done_up]] = first[active[done_up]] + w_next[done_up]
        w[active] = w_next
        active = active[~(done_down | done_up)]
    for i in np.flatnonzero(result < 0):
        result[i] = _search_erlang_a(float(a[i]), int(guess[i]), *args)
    return result


def _search_erlang_a(a: float, guess: int, aht: float, sla: float, t: float, patience: float,
                     abandon: float, occ: float) -> int:
    """Smallest n meeting every Erlang A target for one load, by galloping and bisection.

    Every n below ``a max(sla, 1 - max_abandon) / max_occupancy`` fails (the carried load
    a (1 - P_ab) is at most n, and at least a x service level), so the search starts there.
    """
    lower = max(0, math.floor(a * max(sla, 1.0 - abandon) / occ * (1 - 1e-9)))
    bs = [1.0]

    def meets(n: int) -> bool:
        while len(bs) <= n:
            k, b = len(bs), bs[-1]
            bs.append(a * b / (k + a * b))
        return bool(_meets_a(np.array([a]), np.array([float(n)]), np.array([bs[n]]),
                             aht, sla, t, patience, abandon, occ)[0])

    fail, hi = lower - 1, max(guess, lower)
    while not meets(hi):
        fail, hi = hi, hi + max(1, 2 * (hi - lower))
    while hi - fail > 1:
        mid = (fail + hi) // 2
        if meets(mid):
            hi = mid
        else:
            fail = mid
    return hi
