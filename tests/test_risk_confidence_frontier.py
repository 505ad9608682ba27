"""The price of confidence (planning.risk.confidence_frontier) on the two-market instance of
confidence_fixtures, whose costs are worked out by hand."""

from __future__ import annotations

import pytest
from confidence_fixtures import BANDS, WEEKS, confidence_forecast, confidence_inputs

from planning.risk.confidence import ConfidenceSettings
from planning.risk.confidence_frontier import confidence_frontier, targeted_and_uniform
from planning.risk.levels import quantile_level

Z90 = 1.2815515655446004
WEEKLY = 1300 * 12 / 52  # cost of one FTE-week


def fte(market: str, z: float) -> float:
    """Required FTE at level z, by hand: flat days, so the deadline formula gives the day's
    work, w = cases x 0.5 (automation) x 6 / 60 h; FTE = 7 w / (40 x 0.7 x 0.85)."""
    lo, mid, hi = BANDS[market]
    cases = mid * (hi / mid) ** (z / Z90) if z >= 0 else mid * (mid / lo) ** (z / Z90)
    return 7 * cases * 0.05 / 23.8


def test_targeted_is_cheaper_than_the_uniform_quantile_by_the_narrow_market(tmp_path):
    inputs, fc = confidence_inputs(tmp_path), confidence_forecast()
    base = ConfidenceSettings(0.9, paths=400, seed=11)
    tp, uni, row = targeted_and_uniform(0.9, inputs=inputs, forecast=fc, base=base)
    z = tp.cells.set_index("market")["level"]
    assert z["GB"] > z["ID"]  # the wide band needs the higher level
    # the uniform level is the one GB needs (within the bisection tolerance)
    z_u = quantile_level(row["uniform_quantile"])
    assert z["GB"] - 0.021 <= z_u <= z["GB"] + 1e-9
    assert row["uniform_same_guarantee"]
    assert row["total_cost"] == pytest.approx(WEEKS * WEEKLY * (fte("ID", z["ID"]) + fte("GB", z["GB"])),
                                              rel=1e-6)
    assert row["uniform_total_cost"] == pytest.approx(
        WEEKS * WEEKLY * (fte("ID", z_u) + fte("GB", z_u)), rel=1e-6)
    assert row["saving"] == pytest.approx(row["uniform_total_cost"] - row["total_cost"])
    assert row["saving"] > 0 and row["saving_pct"] == pytest.approx(
        100 * row["saving"] / row["uniform_total_cost"])
    assert row["p_min_promised"] >= base.required and row["uniform_p_min_promised"] >= base.required
    assert uni is not None and uni.shortfall_fte_weeks == pytest.approx(0, abs=1e-9)


def test_frontier_rises_with_the_target(tmp_path):
    inputs, fc = confidence_inputs(tmp_path), confidence_forecast()
    out = confidence_frontier(inputs, fc, targets=(0.95, 0.6, 0.8),
                              base=ConfidenceSettings(0.9, paths=400, seed=11))
    pts = out.points
    assert pts["target"].tolist() == [0.6, 0.8, 0.95]
    assert pts["total_cost"].is_monotonic_increasing
    assert pts["uniform_total_cost"].is_monotonic_increasing
    assert (pts["saving"] > 0).all() and pts["uniform_same_guarantee"].all()
    assert (pts["headcount_end"] * WEEKS * WEEKLY >= pts["total_cost"] * (1 - 1e-9)).all()
