"""Per-cell calibration of safety capacity (planning.risk.calibrate, planning.risk.levels)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from confidence_fixtures import confidence_forecast, confidence_inputs

from planning.requirements.compute import compute_requirements
from planning.risk.backlog import fifo_backlog
from planning.risk.calibrate import Calibrator, max_steps, required_share
from planning.risk.levels import Z_HI, Z_LO, level_quantile, quantile_level

PATHS = 400


@pytest.fixture
def cal(tmp_path):
    inputs = confidence_inputs(tmp_path)
    return Calibrator(inputs, confidence_forecast(), paths=PATHS, seed=3, correlation=0.9,
                      aht_cv=0.05)


def test_levels_and_quantiles_by_hand():
    assert level_quantile(0.0) == pytest.approx(0.5)
    assert level_quantile(1.2815515655446004) == pytest.approx(0.9, abs=1e-12)
    assert quantile_level(0.975) == pytest.approx(1.959964, abs=1e-6)
    assert level_quantile(Z_LO) == pytest.approx(0.1) and level_quantile(Z_HI) == pytest.approx(0.999)
    # (3.0902 + 1.2816) / 2^8 = 0.0171 <= 0.02 < (3.0902 + 1.2816) / 2^7
    assert max_steps() == 8
    # 0.9 + sqrt(0.9 x 0.1 / 400) = 0.9 + 0.015
    assert required_share(0.9, 400, 1.0) == pytest.approx(0.915)


def test_requirement_at_level_zero_is_the_p50_requirement(cal, tmp_path):
    inputs = confidence_inputs(tmp_path)
    p50 = compute_requirements(inputs, confidence_forecast())
    got = cal.levels.table({c: np.zeros(1) for c in cal.series})
    assert got["required_fte"].to_numpy() == pytest.approx(p50["required_fte"].to_numpy())
    # level 1.2816 is the P90 column: 120 and 170 cases -> 60 / 85 manual x 0.1 h = 6 / 8.5 h
    # a day -> 42 / 59.5 h a week over 40 x 0.7 x 0.85 = 23.8 productive hours per FTE
    p90 = cal.levels.weekly({c: np.full(1, 1.2815515655446004) for c in cal.series}, cal.weeks)
    assert p90[("ID", "listing")] == pytest.approx(np.full(13, 42 / 23.8))
    assert p90[("GB", "listing")] == pytest.approx(np.full(13, 59.5 / 23.8))


def test_bisection_terminates_in_the_stated_bound_and_is_minimal(cal):
    need = required_share(0.9, PATHS, 1.0)
    out = cal.calibrate(sorted(cal.series), need)
    # one quarter: one evaluation at each end of the bracket, then at most max_steps()
    assert out.steps <= len(cal.quarters) * (2 + max_steps())
    for c in cal.series:
        z = float(out.level[c][0])
        assert out.reachable[c][0]
        at = cal.probability(c, cal.levels.weekly({c: np.array([z])}, cal.weeks)[c])[0]
        below = cal.probability(c, cal.levels.weekly({c: np.array([z - 0.02])}, cal.weeks)[c])[0]
        assert at == out.p[c][0] >= need > below  # meets at its level, not 0.02 lower
    # the wide forecast needs the higher level
    assert out.level[("GB", "listing")][0] > out.level[("ID", "listing")][0]


def test_probability_never_falls_with_the_level(cal):
    c = ("GB", "listing")
    zs = np.linspace(-1.0, 2.0, 7)
    ps = [cal.probability(c, cal.levels.weekly({c: np.array([z])}, cal.weeks)[c])[0] for z in zs]
    assert all(b >= a for a, b in itertools.pairwise(ps))
    assert ps[0] < 0.5 < ps[-1]


def test_initial_backlog_continues_a_run_split_in_two():
    # one FIFO run over 20 days equals a run of days 0-9 and one of days 10-19 started
    # with the first run's backlog at the end of day 9 (on-time shares of days 10-19)
    rng = np.random.default_rng(5)
    work = rng.uniform(5, 15, (50, 20))
    cap = np.full(20, 9.5)
    whole = fifo_backlog(work, cap, 1, with_age=False)
    first = fifo_backlog(work[:, :10], cap[:10], 0, with_age=False)
    second = fifo_backlog(work[:, 10:], cap[10:], 1, with_age=False,
                          initial=first.backlog_hours[:, -1])
    assert second.on_time == pytest.approx(whole.on_time[:, 10:])
    with pytest.raises(ValueError, match="ages"):
        fifo_backlog(work, cap, 1, initial=np.zeros(50))


def test_two_quarters_searched_in_turn_agree_with_the_whole_plan_simulated(tmp_path):
    # the search runs quarter by quarter from the carried backlog; the probabilities it
    # reports are those of the whole 26 weeks simulated at the levels found
    inputs = confidence_inputs(tmp_path, weeks=26)
    cal = Calibrator(inputs, confidence_forecast(26), paths=PATHS, seed=3, correlation=0.9,
                     aht_cv=0.05)
    need = required_share(0.9, PATHS, 1.0)
    out = cal.calibrate(sorted(cal.series), need)
    assert cal.quarters == ("2027Q1", "2027Q2")
    assert out.steps <= 2 * (2 + max_steps())
    fte = cal.levels.weekly(out.level, cal.weeks)
    for c in cal.series:
        whole = cal.probability(c, fte[c])
        assert whole == pytest.approx(out.p[c], abs=1.0 / PATHS)
        assert (whole >= need - 1.0 / PATHS).all()


def test_remembered_requirements_and_probabilities_equal_fresh_ones(cal, tmp_path):
    # A cell's requirement comes from its own rows only, so one computed beside other cells
    # (and remembered) equals one computed alone, by compute_requirements directly.
    fc = confidence_forecast()
    weeks = cal.weeks
    both = {("GB", "listing"): np.array([0.7]), ("ID", "listing"): np.array([-0.3])}
    first = cal.levels.weekly(both, weeks)
    inputs = confidence_inputs(tmp_path)
    for cell, z in both.items():
        rows = fc[(fc["market"] == cell[0]) & (fc["queue"] == cell[1])]
        lo, mid, hi = rows["p10"].iloc[0], rows["p50"].iloc[0], rows["p90"].iloc[0]
        cases = mid * (hi / mid) ** (z[0] / 1.2815515655446004) if z[0] >= 0 \
            else mid * (mid / lo) ** (z[0] / 1.2815515655446004)
        alone = compute_requirements(inputs, rows.assign(p10=cases, p50=cases, p90=cases))
        np.testing.assert_allclose(first[cell], alone["required_fte"].to_numpy(), rtol=1e-12)
    again = cal.levels.weekly({("GB", "listing"): np.array([0.7])}, weeks)
    np.testing.assert_array_equal(again[("GB", "listing")], first[("GB", "listing")])
    again[("GB", "listing")][:] = -1  # a caller changing its copy changes nothing kept
    assert (cal.levels.weekly(both, weeks)[("GB", "listing")] > 0).all()
    # a remembered probability is the simulation's: the same as a fresh Calibrator's
    fte = first[("GB", "listing")]
    p = cal.probability(("GB", "listing"), fte)
    assert p is not cal.probability(("GB", "listing"), fte)
    fresh = Calibrator(inputs, fc, paths=PATHS, seed=3, correlation=0.9, aht_cv=0.05)
    np.testing.assert_array_equal(fresh.probability(("GB", "listing"), fte.copy()), p)
    assert cal.probability(("GB", "listing"), fte * 0.8)[0] < p[0]  # remembered per staffing
    higher = cal.levels.weekly({("GB", "listing"): np.array([1.5])}, weeks)  # ... and level
    assert higher[("GB", "listing")].sum() > first[("GB", "listing")].sum()
