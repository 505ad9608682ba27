"""The risk simulation's per-cell reduction (planning.risk.simulate.simulate_cell).

Each cell's worker keeps per path and quarter only what the summaries and roll-ups need;
the tables must be exactly those of the full paths x days arrays. The reference here keeps
every path and day of every cell and reduces them afterwards, as the simulation did before.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from planning.inputs.loading import load_inputs
from planning.risk.series import daily_frame, day_quarters, draw_one, series_rows, serve
from planning.risk.simulate import (
    SUMMARY_COLUMNS,
    CellTask,
    RiskSettings,
    capacity_table,
    simulate_cell,
    simulate_risk,
)

WEEKS = 26  # 2027-01-04 .. 2027-07-04: 2027Q1 (13 weeks) and 2027Q2 (13 weeks)
QUEUES = ("queue,kind,aht_minutes,tat_hours,sla_target,answer_seconds,inhouse_only,"
          "automation_rate\nlisting,deferrable,6,48,0.95,,false,0.5\n"
          "live,realtime,3,,0.8,20,false,0\n")
SETTINGS = RiskSettings(paths=60, seed=3, correlation=0.8, aht_cv=0.1)


@pytest.fixture
def inputs(tiny):
    return load_inputs(tiny(queues__csv=QUEUES,
                            scenario__toml=f'[plan]\nstart = "2027-01-04"\nweeks = {WEEKS}\n'))


def forecast() -> pd.DataFrame:
    days = pd.date_range("2027-01-04", periods=7 * WEEKS, freq="D")
    frames = []
    for k, (m, q, level) in enumerate([("ID", "listing", 400), ("GB", "listing", 300),
                                        ("ID", "live", 900), ("GB", "live", 1600)]):
        p50 = level * (1 + 0.2 * np.sin(np.arange(days.size) / (5 + k)))
        frames.append(pd.DataFrame({"market": m, "queue": q, "date": days, "p10": 0.8 * p50,
                                    "p50": p50, "p90": 1.25 * p50}))
    return pd.concat(frames, ignore_index=True)


def allocation() -> pd.DataFrame:
    """Staffing near each cell's need, lower in some weeks, so quarters both meet and miss."""
    weeks = pd.date_range("2027-01-04", periods=WEEKS, freq="7D")
    need = {("ID", "listing"): 6.0, ("GB", "listing"): 4.5, ("ID", "live"): 4.2,
            ("GB", "live"): 6.3}
    wobble = 1 + 0.08 * np.cos(np.arange(WEEKS) / 2.0)
    return pd.concat([pd.DataFrame({"pool": "Jakarta", "pool_type": "site", "market": m,
                                    "queue": q, "week": weeks, "fte": f * wobble})
                      for (m, q), f in need.items()], ignore_index=True)


def full_array_tables(inputs, fc: pd.DataFrame, alloc: pd.DataFrame, settings: RiskSettings
                      ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Every cell's cases, on-time cases and backlog ages per path and day, then reduced."""
    daily, _ = daily_frame(inputs, fc)
    weeks = inputs.plan_weeks()
    cap = capacity_table(alloc).set_index(["market", "queue", "week"])["fte"]
    quarters, week_q = day_quarters(inputs)
    rows, outcome = [], {}
    for cell_rows, planned in series_rows(inputs, daily):
        s = draw_one(inputs, cell_rows, planned, settings.paths, settings.seed,
                     settings.correlation, settings.aht_cv)
        fte = np.array([float(cap.get((s.market, s.queue, w), 0.0)) for w in weeks])
        on_time, age = serve(s, fte, inputs)
        assert on_time.shape == s.cases.shape == (settings.paths, 7 * WEEKS)
        for label in dict.fromkeys(quarters):
            mask = quarters == label
            n_cases = s.cases[:, mask].sum(axis=1)
            n_on = on_time[:, mask].sum(axis=1)
            share = np.where(n_cases > 0, n_on / np.where(n_cases > 0, n_cases, 1.0), 1.0)
            met = share >= s.sla - 1e-9
            outcome[(s.market, s.queue, label)] = (met, n_cases, n_on)
            rows.append({
                "market": s.market, "queue": s.queue, "kind": s.kind, "quarter": label,
                "sla_target": s.sla, "paths": settings.paths,
                "expected_cases": float(n_cases.mean()),
                "capacity_fte": float(fte[week_q == label].mean()),
                "p_meet_sla": float(met.mean()), "on_time_mean": float(share.mean()),
                "on_time_p05": float(np.quantile(share, 0.05)),
                "backlog_age_mean_days": np.nan if age is None else float(age[:, mask].mean()),
                "backlog_age_p95_days": np.nan if age is None else float(
                    np.quantile(age[:, mask].max(axis=1), 0.95, method="higher")),
            })
    summary = pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
    markets = []
    for (m, label), g in summary.groupby(["market", "quarter"], sort=True):
        keys = [(m, q, label) for q in g["queue"]]
        cases = np.sum([outcome[k][1] for k in keys], axis=0)
        on = np.sum([outcome[k][2] for k in keys], axis=0)
        share = np.where(cases > 0, on / np.where(cases > 0, cases, 1.0), 1.0)
        markets.append({"market": m, "quarter": label, "queues": len(keys),
                        "p_all_queues_meet": float(np.all([outcome[k][0] for k in keys],
                                                          axis=0).mean()),
                        "on_time_mean": float(share.mean())})
    overall = []
    for label, g in [*summary.groupby("quarter", sort=True), ("all", summary)]:
        w, p = g["expected_cases"].to_numpy(), g["p_meet_sla"].to_numpy()
        met = np.all([outcome[(r.market, r.queue, r.quarter)][0] for r in g.itertuples()], axis=0)
        overall.append({"quarter": label, "cells": len(g),
                        "p_meet_weighted": float((w * p).sum() / w.sum()),
                        "p_all_meet": float(met.mean())})
    return summary, pd.DataFrame(markets), pd.DataFrame(overall)


def test_reduced_cells_give_exactly_the_full_array_tables(inputs):
    fc, alloc = forecast(), allocation()
    got = simulate_risk(inputs, fc, alloc, SETTINGS)
    summary, markets, overall = full_array_tables(inputs, fc, alloc, SETTINGS)
    # an informative instance: two quarters, both kinds, quarters that meet and that miss
    assert set(got.summary["quarter"]) == {"2027Q1", "2027Q2"}
    assert set(got.summary["kind"]) == {"deferrable", "realtime"}
    p = got.summary["p_meet_sla"]
    assert ((p > 0) & (p < 1)).sum() >= 2
    assert (got.summary["backlog_age_p95_days"] > 0).any()
    pd.testing.assert_frame_equal(got.summary, summary, check_exact=True)
    pd.testing.assert_frame_equal(got.markets, markets, check_exact=True)
    pd.testing.assert_frame_equal(got.overall, overall, check_exact=True)


def test_a_cell_returns_per_quarter_arrays_not_days(inputs):
    daily, _ = daily_frame(inputs, forecast())
    rows, planned = series_rows(inputs, daily)[0]
    out = simulate_cell(CellTask("GB", "listing", rows, planned, np.full(WEEKS, 4.5)),
                        inputs=inputs, settings=SETTINGS)
    assert out.quarters == ("2027Q1", "2027Q2")
    for a in (out.met, out.cases, out.on_time):
        assert a.shape == (2, SETTINGS.paths)
    assert out.age_mean.shape == out.age_p95.shape == (2,)
    # the quarters' cases add up to the whole plan's (every day is in one quarter)
    s = draw_one(inputs, rows, planned, SETTINGS.paths, SETTINGS.seed, SETTINGS.correlation,
                 SETTINGS.aht_cv)
    np.testing.assert_allclose(out.cases.sum(axis=0), s.cases.sum(axis=1), rtol=1e-12)
