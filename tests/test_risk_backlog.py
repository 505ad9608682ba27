"""FIFO backlog model of SLA risk: hand-computed cases and a discrete-event simulation."""

from __future__ import annotations

import numpy as np
import pytest
from des import des_on_time, des_replications

from planning.risk.backlog import fifo_backlog


def test_exact_capacity_meets_every_deadline():
    work = np.array([[5.0, 7.0, 3.0, 9.0]])
    out = fifo_backlog(work, work[0], 0)  # capacity = that day's work, deadline same day
    assert np.all(out.on_time == 1.0)
    assert np.all(out.backlog_hours == 0.0)
    assert np.all(out.age_days == 0.0)


def test_spike_spills_by_hand():
    # 30 h arrive on day 0, 10 h/day capacity, deadline D = 1: by the end of day 1 only 20 h
    # of day 0's 30 h are done -> 2/3 on time. Backlog 20, 10, 0; oldest open is day 0.
    work = np.array([[30.0, 0, 0, 0]])
    out = fifo_backlog(work, np.full(4, 10.0), 1)
    assert out.on_time[0] == pytest.approx([2 / 3, 1, 1, 1])
    assert out.backlog_hours[0] == pytest.approx([20, 10, 0, 0])
    assert out.age_days[0].tolist() == [0, 1, 0, 0]
    # the same with individual 1-hour cases: 20 of 30 finished by the end of day 1
    _, ok = des_on_time(np.array([30, 0, 0, 0]), [np.ones(30), [], [], []],
                             np.full(4, 10.0), 1)
    assert ok.tolist() == [20, 0, 0, 0]


def test_under_capacity_by_hand():
    # w = 20 h/day, c = 15 h/day, D = 1: backlog after day e is 5 (e + 1); day d's batch
    # is (1.5 - 0.25 d) on time, clipped: 1, 1, 1, .75, .5, .25, 0, ...
    days = 14
    out = fifo_backlog(np.full((1, days), 20.0), np.full(days, 15.0), 1)
    expected = np.clip(1.5 - 0.25 * np.arange(days), 0, 1)
    assert out.on_time[0] == pytest.approx(expected)
    assert out.backlog_hours[0] == pytest.approx(5.0 * (np.arange(days) + 1))
    # oldest open day at the end of day e: first d with 20 (d + 1) > 15 (e + 1)
    e = np.arange(days)
    assert out.age_days[0].tolist() == (e - np.floor(0.75 * (e + 1))).tolist()


def test_deadline_past_plan_end_uses_last_capacity():
    # 10 h on the last day, 4 h/day, D = 2: 4 + 4 + 4 = 12 h available by the deadline
    out = fifo_backlog(np.array([[0.0, 10.0]]), np.array([4.0, 4.0]), 2)
    assert out.on_time[0] == pytest.approx([1.0, 1.0])
    out = fifo_backlog(np.array([[0.0, 10.0]]), np.array([4.0, 4.0]), 1)
    assert out.on_time[0] == pytest.approx([1.0, 0.8])


@pytest.mark.parametrize("servers", [1, 4])
def test_des_agrees_path_by_path(servers):
    """Same random cases through both models: equal up to the partly worked cases."""
    rng = np.random.default_rng(3)
    days, aht = 35, 0.25
    counts = rng.poisson(np.where(np.arange(days) % 7 == 3, 90, 40))
    cap = np.full(days, 11.0)
    hours = [np.full(n, aht) for n in counts]
    n, ok = des_on_time(counts, hours, cap, 1, servers=servers)
    fluid = fifo_backlog((counts * aht)[None, :].astype(float), cap, 1).on_time[0] * counts
    assert np.all(np.abs(ok - fluid) <= servers + 1e-9)
    assert ok.sum() < n.sum()  # the test has late work in it


def test_des_agrees_within_sampling_error():
    """Poisson arrivals, exponential handling times: independent draws in both models."""
    days, mean_cases, aht, cap, reps, target = 28, 40.0, 0.1, 4.15, 400, 0.9
    lam = np.full(days, mean_cases)
    lam[[5, 6, 12, 19]] = 70.0  # surge days
    des = des_replications(np.random.default_rng(11), lam, aht, np.full(days, cap), 1, reps)
    rng = np.random.default_rng(12)
    counts = rng.poisson(lam, size=(reps, days))
    work = rng.gamma(np.maximum(counts, 1), aht) * (counts > 0)  # sum of exponentials
    fluid = fifo_backlog(work, np.full(days, cap), 1).on_time
    shares = (fluid * counts).sum(axis=1) / counts.sum(axis=1)
    se = np.sqrt(des.var() / reps + shares.var() / reps)
    assert abs(des.mean() - shares.mean()) < 4 * se
    p_des, p_vec = (des >= target).mean(), (shares >= target).mean()
    p = (p_des + p_vec) / 2
    assert 0.05 < p < 0.95  # a case where the probability is informative
    assert abs(p_des - p_vec) < 4 * np.sqrt(2 * p * (1 - p) / reps)
