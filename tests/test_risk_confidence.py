"""Planning to an SLA confidence (planning.risk.confidence) against independent references:
a case-by-case discrete-event simulation (tests/des.py) with its own volume paths, brute
force over per-cell quantile choices, monotonicity in the target, and a risk run with a seed
the plan never saw."""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from confidence_fixtures import BANDS, WEEKS, confidence_forecast, confidence_inputs
from conftest import count_calls, write_folder
from des import des_on_time

from planning.cli.main import main
from planning.disk_cache import DiskCache, use_cache
from planning.errors import InputError
from planning.inputs.loading import load_inputs
from planning.optimise import PlanResult, PlanStatus, optimise
from planning.pipeline import run_plan
from planning.risk import confidence as confidence_module
from planning.risk.confidence import (
    ConfidenceSettings,
    confidence_key,
    plan_to_confidence,
    promise_check,
)
from planning.risk.levels import quantile_level
from planning.risk.simulate import RiskSettings, simulate_risk

PATHS = 400
Z90 = 1.2815515655446004


def settings(target: float, **kw) -> ConfidenceSettings:
    return ConfidenceSettings(target, paths=PATHS, seed=11, **kw)


@pytest.fixture
def inputs(tmp_path):
    return confidence_inputs(tmp_path)


def test_targeted_plan_promises_every_cell_and_costs_what_it_staffs(inputs):
    out = plan_to_confidence(inputs, confidence_forecast(), settings(0.9))
    assert out.plan.ok and out.plan.shortfall_fte_weeks == pytest.approx(0, abs=1e-6)
    assert out.cells["promised"].all() and out.cells["meets_target"].all()
    assert out.min_promised >= settings(0.9).required
    # the MIP staffs exactly the calibrated requirement: cost = 13 weeks x FTE x 300
    fte = out.requirements["required_fte"].sum()
    assert out.plan.total_cost == pytest.approx(fte * 1300 * 12 / 52, rel=1e-9)
    assert out.plan.sla_confidence == 0.9 and out.rounds == 1


def _independent_paths(rng, paths: int, days: int, band: tuple[float, float, float],
                       rho: float) -> np.ndarray:
    """Daily cases (paths, days) written from docs/risk.md, not from planning.risk.paths:
    AR(1) normal scores, two-piece log-normal through P10/P50/P90."""
    lo, mid, hi = band
    z = np.empty((paths, days))
    z[:, 0] = rng.standard_normal(paths)
    for d in range(1, days):
        z[:, d] = rho * z[:, d - 1] + math.sqrt(1 - rho * rho) * rng.standard_normal(paths)
    return np.where(z < 0, mid * (mid / lo) ** (z / Z90), mid * (hi / mid) ** (z / Z90))


def test_case_level_simulation_confirms_the_promise(inputs):
    # The plan is made with AHT noise off, then re-checked case by case: whole cases (0.1 h
    # each, 50% automated) queue FIFO for 2 moderators who work the plan's hours, with paths
    # drawn by the test itself. Each cell's share of quarters with >= 95% of cases within a
    # day must be the target or better, within 3 standard errors of 300 replications.
    target = 0.9
    out = plan_to_confidence(inputs, confidence_forecast(), settings(target, aht_cv=0.0))
    alloc = out.plan.allocation.groupby(["market", "queue"])
    rng = np.random.default_rng(2027)
    reps, days = 300, 7 * WEEKS
    for (m, q), g in alloc:
        hours_per_day = np.repeat(g.sort_values("week")["fte"].to_numpy(), 7) * 23.8 / 7
        cases = np.rint(_independent_paths(rng, reps, days, BANDS[m], 0.9) * 0.5).astype(int)
        met = 0
        for r in range(reps):
            n, ok = des_on_time(cases[r], [np.full(k, 0.1) for k in cases[r]], hours_per_day,
                                deadline_days=1, servers=2)
            met += ok.sum() >= 0.95 * n.sum()
        p_des = met / reps
        se = math.sqrt(target * (1 - target) / reps)
        assert p_des >= target - 3 * se, (m, p_des)
        planned = float(out.cells.set_index(["market", "queue"]).loc[(m, q), "p_meet_sla"])
        assert abs(p_des - planned) <= 4 * math.hypot(se, math.sqrt(planned * (1 - planned) / PATHS))


def test_a_risk_run_with_another_seed_confirms_the_promise(inputs):
    fc = confidence_forecast()
    out = plan_to_confidence(inputs, fc, settings(0.9))
    risk = simulate_risk(inputs, fc, out.plan.allocation, RiskSettings(paths=2000, seed=0))
    check = promise_check(risk.summary, out.cells, 0.9)
    assert check["promised"].all()
    assert check["p_meet_sla"].min() >= 0.9 - 3 * math.sqrt(0.9 * 0.1 / 2000)


def test_no_cheaper_than_brute_force_over_per_cell_quantiles(inputs):
    # every per-cell choice of quantile from a grid, each planned by the same MIP and judged
    # on the planner's own calibration paths: the cheapest choice meeting the target in
    # both cells costs at least the targeted plan (whose levels are not tied to the grid)
    fc = confidence_forecast()
    s = settings(0.9)
    cal = s.calibrator(inputs, fc)
    targeted = plan_to_confidence(inputs, fc, s, calibrator=cal, explain=False)
    grid = (0.7, 0.9, 0.95, 0.99)
    cells = sorted(cal.series)
    best = math.inf
    for combo in itertools.product(grid, repeat=len(cells)):
        levels = {c: np.array([quantile_level(qq)]) for c, qq in zip(cells, combo, strict=True)}
        req = cal.levels.table(levels)
        plan = optimise(inputs, req, explain=False)
        staffing = cal.staffing(plan.allocation)
        if all(cal.probability(c, staffing[c])[0] >= s.required for c in cells):
            best = min(best, plan.total_cost)
    assert math.isfinite(best)
    assert targeted.plan.total_cost <= best * (1 + 1e-6)


def test_higher_confidence_never_costs_less(inputs):
    fc = confidence_forecast()
    cal = settings(0.5).calibrator(inputs, fc)
    outs = [plan_to_confidence(inputs, fc, settings(p), calibrator=cal, explain=False)
            for p in (0.6, 0.8, 0.95)]
    costs = [o.plan.total_cost for o in outs]
    assert costs[0] <= costs[1] * (1 + 1e-4) and costs[1] <= costs[2] * (1 + 1e-4)
    assert costs[2] > costs[0]
    for a, b in itertools.pairwise(outs):
        assert (b.cells["level"].to_numpy() >= a.cells["level"].to_numpy() - 1e-12).all()


def test_out_of_reach_cells_are_short_with_reasons(tmp_path):
    # 4 people in all, both markets on the one site: the 90% levels need about 1.8 (ID) + 3.1
    # (GB) FTE a week. The first solve may spread the 0.9 FTE missing a week over both
    # cells, sinking both; the feedback makes shortfall slightly cheaper where it is largest,
    # so it all lands on one cell and the other keeps its promise, at the same total shortfall
    capped = confidence_inputs(tmp_path, max_headcount=4.0)
    once = plan_to_confidence(capped, confidence_forecast(), settings(0.9, max_rounds=1))
    out = plan_to_confidence(capped, confidence_forecast(), settings(0.9))
    # the cap binds every week: short = the calibrated requirement above 4 FTE, week by week
    weekly = out.requirements.groupby("week")["required_fte"].sum()
    assert out.plan.ok and out.plan.shortfall_fte_weeks == pytest.approx((weekly - 4).sum(), rel=1e-6)
    assert out.plan.shortfall_fte_weeks == pytest.approx(once.plan.shortfall_fte_weeks, rel=1e-6)
    cells = out.cells.set_index("market")
    assert cells.loc["ID", "promised"] and cells.loc["ID", "p_meet_sla"] >= settings(0.9).required
    assert not cells.loc["GB", "promised"] and cells.loc["GB", "reason_code"] == "headcount_cap"
    assert out.cells["promised"].sum() >= once.cells["promised"].sum()
    assert any("fall short" in n for n in out.notes)


def test_pipeline_plans_to_the_scenario_key_and_plan_json_keeps_it(tmp_path):
    inputs = confidence_inputs(tmp_path)
    inputs = dataclasses.replace(inputs, scenario=inputs.scenario.replace(
        "plan", sla_confidence=0.8))
    run = run_plan(inputs, forecast=confidence_forecast())
    assert run.confidence is not None and run.plan.sla_confidence == 0.8
    doc = run.plan.to_json()
    assert doc["sla_confidence"]["target"] == 0.8
    assert len(doc["sla_confidence"]["cells"]) == 2
    back = PlanResult.from_json(doc)
    assert back.sla_confidence == 0.8
    assert back.confidence["p_meet_sla"].tolist() == pytest.approx(
        run.plan.confidence["p_meet_sla"].tolist())
    # without the key: no sla_confidence in plan.json at all
    plain = run_plan(confidence_inputs(tmp_path / "b"), forecast=confidence_forecast())
    assert plain.confidence is None and "sla_confidence" not in plain.plan.to_json()


def test_scenario_key_is_checked(tiny):
    with pytest.raises(InputError, match="sla_confidence"):
        load_inputs(tiny(scenario__toml='[plan]\nstart = "2027-01-04"\nsla_confidence = 1.2\n'))
    ok = load_inputs(tiny(scenario__toml='[plan]\nstart = "2027-01-04"\nsla_confidence = 0.9\n'))
    assert ok.scenario.plan.sla_confidence == 0.9
    assert ok.scenario.to_dict()["plan"]["sla_confidence"] == 0.9


def test_requirements_table_and_confidence_do_not_mix(tmp_path):
    inputs = confidence_inputs(tmp_path)
    req = run_plan(inputs, forecast=confidence_forecast()).requirements
    both = dataclasses.replace(inputs, requirements=req[["market", "queue", "week", "required_fte"]],
                               scenario=inputs.scenario.replace("plan", sla_confidence=0.9))
    with pytest.raises(InputError, match="sla_confidence"):
        run_plan(both)


# -- the disk cache (planning.disk_cache) -----------------------------------------------------
def counting_plans(monkeypatch) -> list[int]:
    """Count calibrated plans actually made (what a cache hit must avoid)."""
    return count_calls(monkeypatch, confidence_module, "_plan_to_confidence")


def test_the_cache_returns_the_same_plan_without_calibrating_again(inputs, tmp_path,
                                                                   monkeypatch):
    calls = counting_plans(monkeypatch)
    cache = DiskCache(tmp_path / "cache")
    first = plan_to_confidence(inputs, confidence_forecast(), settings(0.9), cache=cache)
    again = plan_to_confidence(inputs, confidence_forecast(), settings(0.9), cache=cache)
    assert len(calls) == 1
    pd.testing.assert_frame_equal(again.cells, first.cells)
    pd.testing.assert_frame_equal(again.plan.allocation, first.plan.allocation)
    assert again.plan.total_cost == first.plan.total_cost
    # no cache in force (a library call): calibrated every time
    plan_to_confidence(inputs, confidence_forecast(), settings(0.9))
    assert len(calls) == 2


def test_the_cache_key_follows_every_input_of_the_calibration(inputs):
    fc = confidence_forecast()

    def key(inp=inputs, forecast=fc, s=None, **kw) -> str:
        args = {"time_limit_s": None, "mip_gap": None, "explain": True, "commitments": None}
        return confidence_key(inp, forecast, s or settings(0.9), **{**args, **kw})

    base = key()
    assert key(inp=dataclasses.replace(inputs), forecast=fc.copy()) == base  # same content
    moved = fc.copy()
    moved.loc[17, "p90"] += 0.5  # one forecast cell
    assert key(forecast=moved) != base
    sites = inputs.sites.copy()
    sites.loc[0, "cost_per_fte_month"] += 1  # one input cell
    assert key(inp=dataclasses.replace(inputs, sites=sites)) != base
    wf = inputs.scenario.replace("workforce", shrinkage=0.31)  # a scenario setting
    assert key(inp=dataclasses.replace(inputs, scenario=wf)) != base
    assert key(s=settings(0.8)) != base
    assert key(s=dataclasses.replace(settings(0.9), seed=12)) != base
    assert key(s=dataclasses.replace(settings(0.9), paths=PATHS + 1)) != base
    assert key(s=dataclasses.replace(settings(0.9), max_rounds=1)) != base
    assert key(mip_gap=1e-3) != base and key(time_limit_s=5.0) != base
    assert key(explain=False) != base
    assert key(version="other code") != base
    # volumes are not read when the forecast is given
    assert key(inp=dataclasses.replace(inputs, volumes=None)) == base


def test_a_damaged_entry_is_calibrated_again(inputs, tmp_path, monkeypatch):
    calls = counting_plans(monkeypatch)
    cache = DiskCache(tmp_path / "cache")
    first = plan_to_confidence(inputs, confidence_forecast(), settings(0.9), cache=cache)
    (entry,) = [p for p, _, _ in cache.entries()]
    data = bytearray(entry.read_bytes())
    data[len(data) // 2] ^= 0x01
    entry.write_bytes(bytes(data))
    again = plan_to_confidence(inputs, confidence_forecast(), settings(0.9), cache=cache)
    assert len(calls) == 2  # not trusted: made again ...
    pd.testing.assert_frame_equal(again.cells, first.cells)
    plan_to_confidence(inputs, confidence_forecast(), settings(0.9), cache=cache)
    assert len(calls) == 2  # ... and the rebuilt entry is good


@pytest.mark.parametrize("status", [PlanStatus.TIME_LIMIT, PlanStatus.ERROR])
def test_a_plan_stopped_by_the_clock_or_failed_is_not_kept(inputs, tmp_path, monkeypatch,
                                                           status):
    real = confidence_module._plan_to_confidence
    calls: list[int] = []

    def stopped(*a, **kw):
        calls.append(1)
        out = real(*a, **kw)
        return dataclasses.replace(out, plan=dataclasses.replace(out.plan, status=status))

    monkeypatch.setattr(confidence_module, "_plan_to_confidence", stopped)
    cache = DiskCache(tmp_path / "cache")
    for _ in range(2):
        assert plan_to_confidence(inputs, confidence_forecast(), settings(0.9),
                                  cache=cache).plan.status is status
    assert len(calls) == 2 and cache.entries() == []


def test_a_plan_whose_later_round_was_stopped_by_the_clock_is_not_kept(inputs, tmp_path,
                                                                        monkeypatch):
    """The kept plan may be round 1's, optimal, yet a trial round stopped by the clock
    decided that it was kept: such a result depends on the load and is not cached."""
    real, solves = confidence_module.optimise, []

    def clock_after_first(*a, **kw):
        out = real(*a, **kw)
        solves.append(out.status)
        return out if len(solves) == 1 else dataclasses.replace(out, status=PlanStatus.TIME_LIMIT)

    monkeypatch.setattr(confidence_module, "optimise", clock_after_first)
    # a cell reported below target, so that a trial round is solved after the first
    monkeypatch.setattr(confidence_module, "_failing", lambda cal, *a: sorted(cal.series)[:1])
    cache = DiskCache(tmp_path / "cache")
    out = plan_to_confidence(inputs, confidence_forecast(), settings(0.9), cache=cache)
    assert len(solves) >= 2  # the case needs a trial round
    assert out.every_solve_optimal is False and cache.entries() == []
    monkeypatch.undo()
    again = plan_to_confidence(inputs, confidence_forecast(), settings(0.9), cache=cache)
    assert again.every_solve_optimal is True and len(cache.entries()) == 1


def _confidence_folder(tmp_path) -> Path:
    """The instance as an input folder planning to 0.9, with its forecast as a table."""
    confidence_inputs(tmp_path / "src")  # writes tmp_path/src/data
    files = {p.name: p.read_text() for p in (tmp_path / "src" / "data").iterdir()}
    fc = confidence_forecast().assign(date=lambda f: f["date"].dt.strftime("%Y-%m-%d"))
    files["forecast.csv"] = fc.to_csv(index=False)
    files["scenario.toml"] = files["scenario.toml"].replace(
        "[plan]\n", "[plan]\nsla_confidence = 0.9\n")
    return write_folder(tmp_path / "data", files)


def test_the_cli_reuses_the_calibrated_plan_unless_no_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("HEADCOUNT_CACHE", str(tmp_path / "cache"))
    calls = counting_plans(monkeypatch)
    data = _confidence_folder(tmp_path)
    out = tmp_path / "out"
    argv = ["plan", str(data), "--out", str(out), "--no-excel", "--no-sla"]
    assert main([*argv, "--no-cache"]) == 0
    assert main([*argv, "--no-cache"]) == 0
    assert len(calls) == 2 and not (tmp_path / "cache").exists()
    assert main(argv) == 0
    first = (out / "plan.json").read_text()
    assert main(argv) == 0
    assert main(["scenario", "save", str(data), "--name", "a", "--db",
                 str(tmp_path / "s.db")]) == 0
    assert main(["compliance", str(data), "--out", str(tmp_path / "c.csv")]) == 0
    assert len(calls) == 3  # one calibration for every command after the first
    assert _without_timings(first) == _without_timings((out / "plan.json").read_text())


def _without_timings(text: str) -> dict:
    doc = json.loads(text)
    doc.pop("solve_seconds", None)
    return doc


def test_the_cli_says_when_the_plan_was_reused_from_the_cache(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("HEADCOUNT_CACHE", str(tmp_path / "cache"))
    data = _confidence_folder(tmp_path)
    argv = ["plan", str(data), "--out", str(tmp_path / "out"), "--no-excel", "--no-sla"]
    assert main(argv) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert ", solved in " in first and "reused" not in first
    assert main(argv) == 0
    second = capsys.readouterr().out.splitlines()[0]
    assert "reused from the cache of an identical earlier run" in second
    assert "solved in" not in second
    assert main([*argv, "--no-cache"]) == 0
    assert "reused" not in capsys.readouterr().out.splitlines()[0]


def test_run_plan_says_whether_the_calibrated_plan_was_reused(tmp_path):
    inputs = load_inputs(_confidence_folder(tmp_path))
    assert run_plan(inputs).reused is False  # no cache in force: always made
    cache = DiskCache(tmp_path / "cache")
    with use_cache(cache):
        first = run_plan(inputs)
        second = run_plan(inputs)
    assert (first.reused, second.reused) == (False, True)
    assert second.plan.total_cost == first.plan.total_cost
