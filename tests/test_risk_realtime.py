"""Service-level grid of realtime SLA risk against the exact Erlang formulas."""

from __future__ import annotations

import numpy as np
import pytest

from planning.requirements.queueing import erlang_a, service_level
from planning.risk.realtime import service_level_grid


def test_grid_matches_erlang_c():
    grid = service_level_grid(30, 28.0, 180.0, 20.0, None, np.linspace(0.9, 1.1, 5))
    rng = np.random.default_rng(0)
    for _ in range(200):
        n, f = int(rng.integers(1, 30)), float(rng.uniform(0.9, 1.1))
        a = float(rng.uniform(0, 28.0))
        exact = service_level(a, n, 180.0 * f, 20.0)
        assert abs(grid.lookup(np.array(a), np.array(f), np.array(float(n))) - exact) < 2e-3


def test_grid_matches_erlang_a_and_fractional_agents():
    grid = service_level_grid(12, 10.0, 180.0, 60.0, 120.0, np.array([1.0]))
    for a, n in ((3.3, 5), (7.9, 9), (9.5, 8)):
        exact = erlang_a(a, n, 180.0, 120.0, 60.0).service_level
        assert abs(grid.lookup(np.array(a), np.array(1.0), np.array(float(n))) - exact) < 2e-3
    half = 0.5 * (erlang_a(5.0, 6, 180.0, 120.0, 60.0).service_level
                  + erlang_a(5.0, 7, 180.0, 120.0, 60.0).service_level)
    assert abs(grid.lookup(np.array(5.0), np.array(1.0), np.array(6.5)) - half) < 2e-3


def test_no_load_means_full_service_and_no_agents_none():
    grid = service_level_grid(3, 2.0, 180.0, 20.0, None, np.array([1.0]))
    assert grid.lookup(np.array(0.0), np.array(1.0), np.array(0.0)) == 1.0
    assert grid.lookup(np.array(1.0), np.array(1.0), np.array(0.0)) == 0.0


@pytest.mark.parametrize("overstaff", [1.1, 1.3])
def test_daily_answered_grid_matches_interval_by_interval(overstaff):
    """The per-day interpolation of planning.risk.simulate against exact Erlang C per interval."""
    from planning.requirements.queueing import service_level
    from planning.risk.realtime import answered_by_day, factor_grid

    rng = np.random.default_rng(4)
    paths, days, hours = 40, 7, 24
    share = rng.dirichlet(np.full(hours, 5.0))
    cases = rng.lognormal(np.log(2000), 0.15, (paths, days))
    aht = np.exp(rng.normal(0, 0.05, (paths, days)))
    agents = np.rint(2000 * share * 180 / 3600 * overstaff + 2)[None, :].repeat(days, axis=0)
    e = 180 / 3600
    grid = service_level_grid(agents.max(), float((cases * aht).max()) * share.max() * e,
                              180.0, 20.0, None, factor_grid(aht))
    got = answered_by_day(grid, cases, aht, share, agents, e)
    for p in range(0, paths, 3):
        for d in range(days):
            exact = sum(cases[p, d] * s * service_level(cases[p, d] * s * aht[p, d] * e,
                                                        int(agents[d, i]), 180.0 * aht[p, d], 20.0)
                        for i, s in enumerate(share))
            assert got[p, d] == pytest.approx(exact, rel=2e-3)
