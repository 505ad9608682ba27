"""Tests of planning.requirements.queueing against published values, hand calculations and second methods.

Second methods used here (none shares code with planning.requirements.queueing):
- Erlang B / C: the direct textbook sums evaluated with mpmath at 60 significant digits;
- Erlang A: the truncated birth-death CTMC solved with numpy linear algebra, and the
  service level from a tagged caller's absorbing Markov chain (uniformisation), which
  does not use the offered-wait density the module uses.
"""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planning.requirements.queueing import (
    TARGET_TOLERANCE,
    ErlangAResult,
    average_wait,
    erlang_a,
    erlang_b,
    erlang_c,
    required_agents,
    required_agents_many,
    service_level,
)

TOL = TARGET_TOLERANCE


# --------------------------------------------------------------------------- second methods


def mp_erlang_b(load: float, agents: int) -> float:
    """Erlang B = (A^n/n!) / sum_{k<=n} A^k/k!, summed in 60-digit arithmetic."""
    with mp.workdps(60):
        a, term, total = mp.mpf(load), mp.mpf(1), mp.mpf(1)
        for k in range(1, agents + 1):
            term = term * a / k
            total += term
        return float(term / total)


def mp_erlang_c(load: float, agents: int) -> float:
    """Erlang C = (A^n/n! n/(n-A)) / (sum_{k<n} A^k/k! + A^n/n! n/(n-A))."""
    with mp.workdps(60):
        a, term, below = mp.mpf(load), mp.mpf(1), mp.mpf(0)
        for k in range(agents):
            below += term
            term = term * a / (k + 1)
        top = term * agents / (agents - a)
        return float(top / (below + top))


def ctmc_erlang_a(load, agents, aht, patience, answer, extra=400) -> dict[str, float]:
    """M/M/n+M by brute force: stationary law of the truncated chain, and the service
    level from the absorbing chain of a tagged caller who finds j callers ahead."""
    lam, mu, theta, n = load / aht, 1 / aht, 1 / patience, agents
    size = n + extra
    q = np.zeros((size, size))
    for k in range(size):
        if k + 1 < size:
            q[k, k + 1] = lam
        if k > 0:
            q[k, k - 1] = min(k, n) * mu + max(k - n, 0) * theta
        q[k, k] = -q[k].sum()
    system = np.vstack([q.T, np.ones(size)])
    rhs = np.zeros(size + 1)
    rhs[-1] = 1.0
    pi = np.linalg.lstsq(system, rhs, rcond=None)[0]
    assert pi[-1] < 1e-16, "truncation too short"
    k = np.arange(size)
    queue = np.maximum(k - n, 0)
    # tagged caller: state j = callers ahead (0..extra-1), plus absorbing "answered"
    m = extra
    g = np.zeros((m + 1, m + 1))
    for j in range(m):
        forward = n * mu + j * theta  # a service completion or an abandonment ahead
        g[j, j] = -(forward + theta)  # theta: the tagged caller abandons
        if j > 0:
            g[j, j - 1] = forward
        else:
            g[0, m] = n * mu  # answered
    rate = -g.diagonal().min()
    step = np.eye(m + 1) + g / rate
    v = np.zeros(m + 1)
    v[m] = 1.0  # backward equation: u(t) = exp(g t) 1_answered
    answered = np.zeros(m)
    weight = math.exp(-rate * answer)
    i = 0
    while True:  # uniformisation: P(t) = sum_i Poisson(rate t; i) step^i
        answered += weight * v[:m]
        i += 1
        if i > rate * answer + 12 * math.sqrt(rate * answer + 1) + 30:
            break
        v = step @ v
        weight *= rate * answer / i
    served_late = answered  # P(answered by `answer` | j ahead on arrival)
    sl = pi[:n].sum() + (pi[n : n + m] * served_late[: len(pi[n : n + m])]).sum()
    return {
        "wait_probability": pi[n:].sum(),
        "abandon_probability": theta * (queue * pi).sum() / lam,
        "service_level": sl,
        "average_wait": (queue * pi).sum() / lam,
        "occupancy": (np.minimum(k, n) * pi).sum() / n,
    }


# --------------------------------------------------------------------------- Erlang B


def test_erlang_b_by_hand() -> None:
    # B(2, 4) = (2^4/4!) / (1 + 2 + 2^2/2 + 2^3/6 + 2^4/24) = (2/3) / 7 = 2/21
    assert erlang_b(2, 4) == pytest.approx(2 / 21, rel=1e-14)
    assert erlang_b(1, 1) == pytest.approx(0.5, rel=1e-15)
    assert erlang_b(7.5, 0) == 1.0
    assert erlang_b(0, 3) == 0.0


def test_erlang_b_published_erlang_com_example() -> None:
    # erlang.com calculator manual, "How much traffic can a trunk group handle?":
    # 15 lines at 1% blocking carry 8.108 Erlangs (traffic quoted to 3 decimals, so B is
    # 0.01 within dB/dA x 0.0005 ~ 5e-6).
    # https://erlang.com/calculatormanual/howmuchtrafficcanatrunkgrouphandle.htm
    assert erlang_b(8.108, 15) == pytest.approx(0.01, abs=1e-5)


def _traffic_at_blocking(agents: int, blocking: float) -> float:
    lo, hi = 0.0, 3.0 * agents
    for _ in range(100):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if erlang_b(mid, agents) < blocking else (lo, mid)
    return lo


@pytest.mark.parametrize(
    ("agents", "blocking", "table_erlangs"),
    [(5, 0.001, 0.8), (5, 0.01, 1.4), (5, 0.02, 1.7), (5, 0.05, 2.2),
     (8, 0.001, 2.1), (8, 0.01, 3.1), (8, 0.02, 3.6), (8, 0.05, 4.5),
     (9, 0.001, 2.6), (9, 0.01, 3.8), (9, 0.02, 4.3), (9, 0.05, 5.4)],
)
def test_erlang_b_published_table(agents: int, blocking: float, table_erlangs: float) -> None:
    # Erlang B table (offered Erlangs for a blocking probability, 0.1 Erlang resolution),
    # Carrier Grade Voice Over IP, 2nd ed., Appendix A,
    # https://www.globalspec.com/reference/55139/203279/appendix-a-table-of-erlang-b
    assert round(_traffic_at_blocking(agents, blocking), 1) == pytest.approx(table_erlangs)


@pytest.mark.parametrize(
    ("load", "agents"),
    [(0.5, 3), (10, 15), (10, 12), (48, 55), (100, 120), (250.7, 260), (480.3, 500),
     (1000, 1000), (10_000, 10_000), (10_000, 10_150)],
)
def test_erlang_b_c_match_mpmath(load: float, agents: int) -> None:
    assert erlang_b(load, agents) == pytest.approx(mp_erlang_b(load, agents), rel=1e-10)
    if agents > load:
        assert erlang_c(load, agents) == pytest.approx(mp_erlang_c(load, agents), rel=1e-10)


# --------------------------------------------------------------------------- Erlang C


def test_erlang_c_360_calls_example() -> None:
    # Classic worked example (the "Erlang-C formula" tutorial): 360 calls per half hour,
    # 4-minute calls, 55 agents, 15-second target -> traffic 360 x 240 / 1800 = 48 Erlangs,
    # occupancy 48/55. The published figures are recomputed here with mpmath.
    load = 360 * 240 / 1800
    assert load == 48
    c = mp_erlang_c(48, 55)
    assert erlang_c(load, 55) == pytest.approx(c, rel=1e-12)
    assert service_level(load, 55, 240, 15) == pytest.approx(1 - c * math.exp(-7 * 15 / 240),
                                                             rel=1e-12)
    assert average_wait(load, 55, 240) == pytest.approx(c * 240 / 7, rel=1e-12)


def test_erlang_c_by_hand_small() -> None:
    # M/M/1: C = rho; M/M/2 with A = 1: C = (1/2 * 2) / (1 + 1 + 1) = 1/3.
    assert erlang_c(0.6, 1) == pytest.approx(0.6, rel=1e-14)
    assert erlang_c(1.0, 2) == pytest.approx(1 / 3, rel=1e-14)
    # M/M/1 wait: P(W > t) = rho e^{-(1 - rho) t / aht}; mean wait rho aht / (1 - rho)
    assert service_level(0.6, 1, 100, 50) == pytest.approx(1 - 0.6 * math.exp(-0.2), rel=1e-14)
    assert average_wait(0.6, 1, 100) == pytest.approx(150.0, rel=1e-14)


def test_unstable_queue() -> None:
    assert erlang_c(10, 10) == 1.0
    assert erlang_c(10.5, 7) == 1.0
    assert service_level(10, 10, 180, 20) == 0.0
    assert average_wait(10, 9, 180) == math.inf
    assert erlang_c(10, 11) < 1.0


def test_large_load_stability() -> None:
    load = 10_000.0
    agents = range(9_900, 10_401, 10)
    b = np.array([erlang_b(load, n) for n in agents])
    c = np.array([erlang_c(load, n) for n in agents])
    sl = np.array([service_level(load, n, 180, 20) for n in agents])
    for values in (b, c, sl):
        assert np.all(np.isfinite(values)) and np.all((values >= 0) & (values <= 1))
    assert np.all(np.diff(b) < 0)
    assert np.all(np.diff(c) <= 0) and np.all(np.diff(sl) >= 0)
    assert sl[-1] > 0.999 and c[agents.index(10_000) + 1] < 1.0
    assert erlang_c(load, 10_100) == pytest.approx(mp_erlang_c(load, 10_100), rel=1e-10)


# --------------------------------------------------------------------------- Erlang A


ERLANG_A_CASES = [
    # load, agents, aht_seconds, patience_seconds, answer_seconds
    (4.0, 5, 60.0, 30.0, 20.0),
    (8.0, 7, 120.0, 200.0, 15.0),  # fewer agents than load: stable thanks to abandonment
    (20.0, 22, 180.0, 90.0, 30.0),
    (2.0, 1, 300.0, 600.0, 60.0),
    (15.0, 18, 240.0, 1200.0, 0.0),
    (30.0, 25, 60.0, 20.0, 10.0),
]


@pytest.mark.parametrize("case", ERLANG_A_CASES)
def test_erlang_a_matches_ctmc(case: tuple[float, int, float, float, float]) -> None:
    result = erlang_a(*case)
    expected = ctmc_erlang_a(*case)
    for field, value in expected.items():
        assert getattr(result, field) == pytest.approx(value, rel=1e-7, abs=1e-10), field


def test_erlang_a_result_is_frozen() -> None:
    result = erlang_a(4, 5, 60, 30, 20)
    assert isinstance(result, ErlangAResult)
    with pytest.raises(AttributeError):
        result.service_level = 1.0  # type: ignore[misc]


def test_erlang_a_infinite_patience_is_erlang_c() -> None:
    r = erlang_a(10, 12, 180, 1e12, 20)
    assert r.wait_probability == pytest.approx(mp_erlang_c(10, 12), rel=1e-6)
    assert r.service_level == pytest.approx(service_level(10, 12, 180, 20), rel=1e-6)
    assert r.average_wait == pytest.approx(average_wait(10, 12, 180), rel=1e-6)
    assert r.abandon_probability < 1e-9 and r.occupancy == pytest.approx(10 / 12, rel=1e-8)


def test_erlang_a_no_patience_is_erlang_b() -> None:
    # Callers who find all agents busy leave at once: a loss system.
    r = erlang_a(10, 12, 180, 1e-7, 20)
    b = mp_erlang_b(10, 12)
    assert r.abandon_probability == pytest.approx(b, rel=1e-5)
    assert r.service_level == pytest.approx(1 - b, rel=1e-5)
    assert r.occupancy == pytest.approx(10 * (1 - b) / 12, rel=1e-5)


def test_erlang_a_edge_cases() -> None:
    assert erlang_a(0, 3, 180, 60, 20) == ErlangAResult(0.0, 0.0, 1.0, 0.0, 0.0)
    r = erlang_a(5, 0, 180, 60, 20)  # nobody to answer: everyone waits and abandons
    assert r.wait_probability == 1.0 and r.abandon_probability == pytest.approx(1.0)
    assert r.service_level == 0.0 and r.occupancy == 0.0
    assert r.average_wait == pytest.approx(60.0)


def test_erlang_a_large_load_stability() -> None:
    results = [erlang_a(10_000, n, 180, 120, 20) for n in range(9_700, 10_301, 50)]
    for r in results:
        for v in (r.wait_probability, r.abandon_probability, r.service_level, r.occupancy):
            assert math.isfinite(v) and 0 <= v <= 1
        assert math.isfinite(r.average_wait) and r.average_wait >= 0
    sl = [r.service_level for r in results]
    ab = [r.abandon_probability for r in results]
    assert all(np.diff(sl) > 0) and all(np.diff(ab) < 0)


# --------------------------------------------------------------------------- staffing


def test_required_agents_by_second_method() -> None:
    # 10 Erlangs, AHT 180 s, 80% in 20 s: the smallest n with SL(n) >= 0.8, where
    # SL(n) = 1 - C(n) e^{-(n - 10) 20/180} with C from the 60-digit direct sum.
    def sl(n: int) -> float:
        return 1 - mp_erlang_c(10, n) * math.exp(-(n - 10) * 20 / 180)

    expected = next(n for n in range(11, 40) if sl(n) >= 0.8)
    assert sl(expected - 1) < 0.8
    assert required_agents(10, 180, 0.8, 20) == expected
    assert required_agents(0, 180, 0.8, 20) == 0
    assert required_agents(0, 180, 0.8, 20, patience_seconds=60) == 0
    # occupancy cap: 10 Erlangs at most 70% busy -> ceil(10 / 0.7) = 15
    assert required_agents(10, 180, 0.8, 20, max_occupancy=0.7) == 15


def _meets(load, agents, aht, sla, answer, patience, max_abandon, max_occupancy) -> bool:
    if agents == 0:
        return False
    if patience is None:
        return (service_level(load, agents, aht, answer) >= sla - TOL
                and load / agents <= max_occupancy + TOL and agents > load)
    r = erlang_a(load, agents, aht, patience, answer)
    return (r.service_level >= sla - TOL and r.abandon_probability <= max_abandon + TOL
            and r.occupancy <= max_occupancy + TOL)


@pytest.mark.parametrize("patience", [None, 60.0, 300.0])
def test_required_agents_many_is_minimal_per_load(patience: float | None) -> None:
    rng = np.random.default_rng(7)
    loads = np.concatenate([rng.uniform(0.1, 3_000, 120), [0.0, 0.0, 42.0, 42.0]])
    args = (180.0, 0.8, 20.0, patience, 0.05, 0.95)
    got = required_agents_many(loads, 180.0, 0.8, 20.0, patience_seconds=patience,
                               max_abandon=0.05, max_occupancy=0.95)
    assert got.shape == loads.shape and got.dtype == np.int64
    for load, n in zip(loads, got, strict=True):
        if load == 0:
            assert n == 0
            continue
        assert _meets(load, int(n), *args), (load, n)
        assert not _meets(load, int(n) - 1, *args), (load, n)


def test_required_agents_many_matches_scalar_and_keeps_shape() -> None:
    loads = np.array([[5.0, 120.5], [120.5, 4_999.0]])
    many = required_agents_many(loads, 300, 0.9, 30, patience_seconds=240)
    assert many.shape == (2, 2)
    for load, n in zip(loads.ravel(), many.ravel(), strict=True):
        assert required_agents(load, 300, 0.9, 30, patience_seconds=240) == n


def test_required_agents_large_load() -> None:
    n = required_agents(10_000, 180, 0.8, 20)
    assert _meets(10_000, n, 180, 0.8, 20, None, 0.05, 1.0)
    assert not _meets(10_000, n - 1, 180, 0.8, 20, None, 0.05, 1.0)
    n_a = required_agents(10_000, 180, 0.8, 20, patience_seconds=120)
    assert _meets(10_000, n_a, 180, 0.8, 20, 120, 0.05, 1.0)
    assert not _meets(10_000, n_a - 1, 180, 0.8, 20, 120, 0.05, 1.0)


def test_required_agents_erlang_a_far_from_erlang_c() -> None:
    # A lax target with short patience: the answer lies far below the Erlang C guess,
    # exercising the exact search outside the stepping window.
    args = (180.0, 0.3, 20.0, 10.0, 0.9, 1.0)
    n = required_agents(2_000, 180, 0.3, 20, patience_seconds=10, max_abandon=0.9)
    assert n < 2_000
    assert _meets(2_000, n, *args) and not _meets(2_000, n - 1, *args)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [({"load": -1}, "load"), ({"aht_seconds": 0}, "aht_seconds"),
     ({"sla_target": 0}, "sla_target"), ({"sla_target": 1.2}, "sla_target"),
     ({"answer_seconds": -5}, "answer_seconds"), ({"patience_seconds": 0}, "patience_seconds"),
     ({"max_abandon": 1.5}, "max_abandon"), ({"max_occupancy": 0}, "max_occupancy"),
     ({"load": float("nan")}, "load"), ({"sla_target": "high"}, "sla_target")],
)
def test_required_agents_validates(kwargs: dict, name: str) -> None:
    args = {"load": 10.0, "aht_seconds": 180.0, "sla_target": 0.8, "answer_seconds": 20.0}
    args.update(kwargs)
    load = args.pop("load")
    with pytest.raises(ValueError, match=name):
        required_agents(load, **args)


def test_validation_of_formulas() -> None:
    with pytest.raises(ValueError, match="agents"):
        erlang_b(10, -1)
    with pytest.raises(ValueError, match="agents"):
        erlang_c(10, 2.5)
    with pytest.raises(ValueError, match="load"):
        erlang_c(-3, 2)
    with pytest.raises(ValueError, match="aht_seconds"):
        service_level(3, 4, -1, 20)
    with pytest.raises(ValueError, match="patience_seconds"):
        erlang_a(3, 4, 180, -1, 20)
    with pytest.raises(ValueError, match="loads"):
        required_agents_many(np.array([1.0, -2.0]), 180, 0.8, 20)


# --------------------------------------------------------------------------- properties

loads_st = st.floats(min_value=0.01, max_value=800, allow_nan=False)
agents_st = st.integers(min_value=0, max_value=900)


@settings(max_examples=60, deadline=None)
@given(load=loads_st, agents=agents_st)
def test_erlang_c_at_least_erlang_b(load: float, agents: int) -> None:
    assert erlang_c(load, agents) >= erlang_b(load, agents) - 1e-15


@settings(max_examples=60, deadline=None)
@given(load=loads_st, agents=agents_st, aht=st.floats(10, 900), answer=st.floats(0, 120))
def test_more_agents_never_lower_service_level(load, agents, aht, answer) -> None:
    assert service_level(load, agents + 1, aht, answer) >= service_level(load, agents, aht,
                                                                          answer) - 1e-12


@settings(max_examples=40, deadline=None)
@given(load=loads_st, agents=st.integers(0, 900), aht=st.floats(10, 900),
       patience=st.floats(5, 3_000), answer=st.floats(0, 120))
def test_erlang_a_more_agents_never_lower_service_level(load, agents, aht, patience,
                                                        answer) -> None:
    # Tolerance 1e-9: in deep overload (a few agents for hundreds of Erlangs) the log-space
    # sums carry absolute rounding of ~1e-12; near any realistic staffing level it is ~1e-15.
    low = erlang_a(load, agents, aht, patience, answer)
    high = erlang_a(load, agents + 1, aht, patience, answer)
    assert high.service_level >= low.service_level - 1e-9
    assert high.abandon_probability <= low.abandon_probability + 1e-9


@settings(max_examples=40, deadline=None)
@given(load=st.floats(0.05, 2_000), aht=st.floats(10, 900), sla=st.floats(0.05, 0.99),
       answer=st.floats(0, 120), occupancy=st.floats(0.5, 1.0),
       patience=st.one_of(st.none(), st.floats(5, 3_000)), max_abandon=st.floats(0.01, 0.5))
def test_required_agents_is_minimal(load, aht, sla, answer, occupancy, patience,
                                    max_abandon) -> None:
    n = required_agents(load, aht, sla, answer, patience_seconds=patience,
                        max_abandon=max_abandon, max_occupancy=occupancy)
    args = (aht, sla, answer, patience, max_abandon, occupancy)
    assert _meets(load, n, *args)
    assert not _meets(load, n - 1, *args)
