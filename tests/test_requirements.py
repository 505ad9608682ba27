"""Requirements (contract section 3), checked against numbers worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from planning.errors import InputError
from planning.inputs.loading import load_inputs
from planning.requirements.compute import compute_requirements, deadline_capacity

# productive hours of one FTE per week with the contract defaults: 40 x (1 - 0.30) x 0.85
DEFERRABLE_HOURS = 40 * 0.7 * 0.85  # 23.8
REALTIME_HOURS = 40 * 0.7  # 28.0


def forecast(market: str, queue: str, daily: list[float], start: str = "2027-01-04",
             **quantiles: list[float]) -> pd.DataFrame:
    days = pd.date_range(start, periods=len(daily), freq="D")
    frame = pd.DataFrame({"market": market, "queue": queue, "date": days, "p50": daily})
    for col, values in quantiles.items():
        frame[col] = values
    return frame


@pytest.mark.parametrize(
    ("week", "deadline", "target", "expected"),
    [
        # one spike day, the rest idle
        ([10, 0, 0, 0, 0, 0, 0], 0, 1.0, 10.0),          # D=0: the peak day itself
        ([10, 0, 0, 0, 0, 0, 0], 1, 1.0, 5.0),           # 10 h may be cleared over 2 days
        ([10, 0, 0, 0, 0, 0, 0], 7, 1.0, 10 / 7),        # a week's deadline: the average
        ([10, 0, 0, 0, 0, 0, 0], 0, 0.9, 9.0),           # target relaxes the peak term only
        ([0, 0, 0, 0, 0, 0, 70], 30, 0.5, 10.0),         # backlog may not grow: average 70/7
        # flat work: the week's average always binds (7k/(k+1) < 7)
        ([7] * 7, 1, 1.0, 7.0),
        # a two-day surge with a 1-day deadline: days 3-4 = 30 h over 2+1 days = 10 h/day
        ([2, 2, 2, 15, 15, 2, 2], 1, 1.0, 10.0),
    ],
)
def test_deadline_capacity_by_hand(week, deadline, target, expected):
    got = deadline_capacity(np.array([week], dtype=float), np.array([deadline]), np.array([target]))
    assert got[0] == pytest.approx(expected, rel=1e-12)


def test_deadline_capacity_against_brute_force_backlog_simulation():
    """Second method: the smallest capacity whose FIFO backlog meets every deadline, by bisection."""
    rng = np.random.default_rng(7)

    def feasible(work, cap, d):
        # work arriving on day i must be done by the end of day i + d (FIFO, constant capacity)
        done = 0.0
        cum = np.cumsum(work)
        for day in range(7 + d):
            done = min(cum[min(day, 6)], done + cap)
            due = day - d
            if 0 <= due < 7 and done < cum[due] - 1e-9:
                return False
        return done >= cum[6] - 1e-9 and cap * 7 >= cum[6] - 1e-9

    for _ in range(40):
        work = rng.gamma(1.0, 5.0, size=7) * (rng.random(7) < 0.7)
        d = int(rng.integers(0, 4))
        lo, hi = 0.0, float(work.sum()) + 1.0
        for _ in range(60):
            mid = (lo + hi) / 2
            lo, hi = (lo, mid) if feasible(work, mid, d) else (mid, hi)
        got = deadline_capacity(work[None, :], np.array([d]), np.array([1.0]))[0]
        assert got == pytest.approx(hi, rel=1e-6, abs=1e-9)


def test_deferrable_fte_by_hand(tiny):
    inputs = load_inputs(tiny())
    # 100 cases/day, one day of 300; automation 0.5, AHT 6 min -> 5 h/day, spike day 15 h.
    daily = [100] * 14
    daily[9] = 300  # Wednesday of week 2
    req = compute_requirements(inputs, forecast("ID", "listing", daily))
    week1, week2 = req.to_dict("records")
    assert week1["workload_hours"] == pytest.approx(35.0)
    assert week1["required_fte"] == pytest.approx(7 * 5.0 / DEFERRABLE_HOURS)
    # D = 1 day: the 15 h spike may spill into Thursday: 15 / 2 = 7.5 h/day beats the
    # week average 45 / 7 and the windows (5 + 15) / 3, (15 + 5) / 3.
    assert week2["capacity_hours_per_day"] == pytest.approx(7.5)
    assert week2["required_fte"] == pytest.approx(7 * 7.5 / DEFERRABLE_HOURS)
    assert week2["forecast_cases"] == 900 and week2["manual_cases"] == 450
    assert week2["week"] == pd.Timestamp("2027-01-11")
    assert week2["deadline_days"] == 1 and week2["kind"] == "deferrable"


def test_levers_and_overrides(tiny):
    path = tiny(
        market_queues__csv="market,queue,aht_minutes,automation_rate\nID,listing,12,\n",
        scenario__toml="""
            [plan]
            start = "2027-01-04"
            weeks = 1
            [levers]
            volume_multiplier = 1.5
            aht_multiplier = 2
            automation_delta = 0.7
        """,
    )
    inputs = load_inputs(path)
    req = compute_requirements(inputs, forecast("ID", "listing", [100] * 7))
    row = req.iloc[0]
    # automation 0.5 + 0.7 -> clipped to 1: nothing manual is left
    assert row["automation_rate"] == 1.0 and row["required_fte"] == 0.0
    path = tiny(
        market_queues__csv="market,queue,aht_minutes,automation_rate\nID,listing,12,0.2\n",
        scenario__toml="""
            [plan]
            start = "2027-01-04"
            weeks = 1
            [levers]
            volume_multiplier = 1.5
            aht_multiplier = 2
        """,
    )
    row = compute_requirements(load_inputs(path), forecast("ID", "listing", [100] * 7)).iloc[0]
    # 100 x 1.5 x (1 - 0.2) = 120 manual cases/day x 24 min = 48 h/day, flat
    assert row["aht_minutes"] == 24.0 and row["manual_cases"] == pytest.approx(840)
    assert row["required_fte"] == pytest.approx(7 * 48 / DEFERRABLE_HOURS)


def test_staffed_quantile_column(tiny):
    path = tiny(scenario__toml='[plan]\nstart = "2027-01-04"\nweeks = 1\nquantile = 0.9\n')
    fc = forecast("ID", "listing", [100] * 7, p90=[200] * 7)
    row = compute_requirements(load_inputs(path), fc).iloc[0]
    assert row["forecast_cases"] == 1400  # from p90, not p50


def _erlang_c_direct(a: float, n: int) -> float:
    """Erlang C by the textbook formula: fine at small loads, independent of planning.requirements.queueing."""
    top = a**n / math.factorial(n) * n / (n - a)
    return top / (sum(a**k / math.factorial(k) for k in range(n)) + top)


def _agents_direct(a: float, aht: float, target: float, answer: float) -> int:
    n = math.floor(a) + 1
    while 1 - _erlang_c_direct(a, n) * math.exp(-(n - a) * answer / aht) < target:
        n += 1
    return n


def test_realtime_fte_matches_erlang_c_by_a_second_method(tiny):
    inputs = load_inputs(tiny(scenario__toml='[plan]\nstart = "2027-01-04"\nweeks = 1\n'))
    # flat profile (no intraday table): 4,800 cases/day -> 200 per hour; AHT 3 min -> 10 Erlangs
    req = compute_requirements(inputs, forecast("GB", "live", [4800] * 7))
    row = req.iloc[0]
    agents = _agents_direct(10.0, 180.0, 0.8, 20.0)
    assert agents == 14  # the classic worked example: 10 Erlangs, 80% in 20 s -> 14 agents
    assert row["agents_peak"] == agents
    assert row["agent_hours"] == pytest.approx(agents * 24 * 7)
    assert row["required_fte"] == pytest.approx(agents * 24 * 7 / REALTIME_HOURS)


def test_realtime_intraday_profile_and_half_hour_intervals(tiny):
    shares = [0.0] * 24
    shares[20], shares[21] = 0.75, 0.25  # 75% of the day's cases 20:00-21:00
    intraday = "queue,hour,share\n" + "\n".join(f"live,{h},{s}" for h, s in enumerate(shares))
    path = tiny(intraday__csv=intraday,
                scenario__toml='[plan]\nstart = "2027-01-04"\nweeks = 1\n[workforce]\ninterval_minutes = 30\n')
    row = compute_requirements(load_inputs(path), forecast("GB", "live", [1600] * 7)).iloc[0]
    # hour 20: 1200 cases -> 600 per half hour x 180 s / 1800 s = 60 Erlangs; hour 21: 20 Erlangs
    a20, a21 = _agents_direct(60.0, 180.0, 0.8, 20.0), _agents_direct(20.0, 180.0, 0.8, 20.0)
    assert row["agents_peak"] == a20
    assert row["agent_hours"] == pytest.approx(7 * (2 * a20 + 2 * a21) * 0.5)


def test_forecast_must_cover_every_plan_day(tiny):
    inputs = load_inputs(tiny())
    daily = forecast("ID", "listing", [100] * 14)
    with pytest.raises(InputError) as info:
        compute_requirements(inputs, daily.drop(index=10))
    assert info.value.errors[0].message() == (
        "forecast: date = 2027-01-14, market ID queue listing has no forecast for this day; the plan "
        "needs every day from 2027-01-04 to 2027-01-17 (1 days missing)")


def test_requirements_scale_linearly_with_volume_for_deferrable_queues(tiny):
    inputs = load_inputs(tiny())
    rng = np.random.default_rng(3)
    daily = list(rng.integers(0, 500, size=14).astype(float))
    one = compute_requirements(inputs, forecast("ID", "listing", daily))["required_fte"]
    three = compute_requirements(inputs, forecast("ID", "listing", [3 * d for d in daily]))["required_fte"]
    np.testing.assert_allclose(three.to_numpy(), 3 * one.to_numpy(), rtol=1e-12)
