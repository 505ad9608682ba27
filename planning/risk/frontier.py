"""Cost-vs-risk frontier: plans staffed to several forecast quantiles and their SLA risk.

For each quantile q (P50, P70, ... P95) the plan is solved exactly as the contract defines
it with ``plan.quantile = q`` (requirements from the forecast's ``pNN`` column, then the
optimiser), and its SLA risk is simulated (:mod:`planning.risk.simulate`) against the same forecast
uncertainty with the same random paths for every plan (common random numbers, so the
differences between points are the plans', not the dice's). The forecast is made once
with every quantile needed. See docs/risk.md.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pandas as pd

from planning.engines import Engine, LocalEngine, current_engine
from planning.errors import InputError, Issue
from planning.forecast_stage import forecast_stage
from planning.inputs.tables import Inputs
from planning.optimise import optimise
from planning.requirements.compute import compute_requirements, quantile_column
from planning.risk.simulate import RiskResult, RiskSettings, simulate_risk, with_spare_capacity

FRONTIER_QUANTILES = (0.5, 0.7, 0.8, 0.9, 0.95)

COLUMNS = ["quantile", "status", "total_cost", "shortfall_fte_weeks", "p_meet_weighted",
           "p_all_meet", "solve_seconds", "risk_seconds"]


@dataclass(frozen=True)
class FrontierResult:
    """points: one row per quantile (columns :data:`COLUMNS`; costs in the plan's currency,
    probabilities in [0, 1]); markets: quantile, market, p_meet_weighted (cases-weighted
    mean over the market's queues and quarters of the probability of meeting the SLA),
    on_time_mean; risks: the full :class:`RiskResult` per quantile; notes: skipped
    quantiles and the like."""

    points: pd.DataFrame
    markets: pd.DataFrame
    risks: dict[float, RiskResult] = field(default_factory=dict)
    notes: tuple[str, ...] = field(default=())
    seconds: float = 0.0


def frontier_forecast(inputs: Inputs, quantiles: Sequence[float],
                      reuse: pd.DataFrame | None = None) -> pd.DataFrame:
    """The forecast with p10, p50, p90 and every frontier quantile (made once).

    A forecast table in the inputs is used as it is (quantiles it lacks are skipped later);
    so is ``reuse`` (e.g. the forecast the plan was made from) when it has every column
    needed; volumes are forecast again otherwise.
    """
    if inputs.forecast is not None:
        return inputs.forecast
    wanted = tuple(sorted({0.1, 0.5, 0.9, *(round(q, 2) for q in quantiles)}))
    if reuse is not None and all(quantile_column(q) in reuse.columns for q in wanted):
        return reuse
    if inputs.volumes is None:
        raise InputError([Issue("volumes", None, None, None, "table is missing: the frontier "
                                "re-plans from the forecast, so it needs volumes or a forecast")])

    return forecast_stage(inputs, quantiles=wanted).forecast


def cost_risk_frontier(inputs: Inputs, *, quantiles: Sequence[float] = FRONTIER_QUANTILES,
                       forecast: pd.DataFrame | None = None,
                       settings: RiskSettings | None = None, time_limit_s: float | None = None,
                       spare_capacity: bool = False,
                       progress: Callable[[float], None] | None = None,
                       engine: Engine | None = None) -> FrontierResult:
    """Solve and simulate one plan per quantile; quantiles whose column the forecast lacks
    are skipped (with a note). spare_capacity: simulate with each pool's unallocated
    capacity shared out (:func:`planning.risk.simulate.with_spare_capacity`); progress(q) is called
    before each quantile (on a distributed engine all re-plans start at once).
    engine: where the re-plans run (default: :func:`current_engine`)."""
    t0 = time.perf_counter()
    if inputs.requirements is not None:
        raise InputError([Issue("requirements", None, None, None, "the frontier re-plans from "
                                "the forecast: remove the requirements table to use it")])
    settings = settings or RiskSettings()
    settings.check()
    fc = forecast if forecast is not None else frontier_forecast(inputs, quantiles)
    points, markets, risks, notes = [], [], {}, []
    todo = []
    for q in sorted(set(quantiles)):
        if quantile_column(q) not in fc.columns:
            notes.append(f"quantile {q:g} skipped: the forecast has no {quantile_column(q)} column")
        else:
            todo.append(q)
    engine = engine or current_engine()
    # the re-plans are independent: mapped over the engine (lazily, so that a local run
    # reports progress before each quantile)
    results = engine.imap(frontier_point, todo, window=max(1, len(todo)), inputs=inputs,
                          forecast=fc, settings=settings, time_limit_s=time_limit_s,
                          spare_capacity=spare_capacity)
    for q in todo:
        if progress is not None:
            progress(q)
        point, risk, note = next(results)
        points.append(point)
        if note:
            notes.append(note)
        if risk is not None:
            risks[q] = risk
            markets.append(_market_points(q, risk))
    market_cols = ["quantile", "market", "p_meet_weighted", "on_time_mean"]
    return FrontierResult(
        points=pd.DataFrame(points, columns=COLUMNS),
        markets=(pd.concat(markets, ignore_index=True) if markets
                 else pd.DataFrame(columns=market_cols)),
        risks=risks, notes=tuple(notes), seconds=time.perf_counter() - t0)


def frontier_point(q: float, *, inputs: Inputs, forecast: pd.DataFrame,
                   settings: RiskSettings, time_limit_s: float | None = None,
                   spare_capacity: bool = False) -> tuple[dict, RiskResult | None, str | None]:
    """One frontier point: the plan at quantile ``q`` and its SLA risk (pure; run anywhere).

    Returns the point's row (:data:`COLUMNS`), the risk (None without a plan) and a note.
    """
    at_q = dataclasses.replace(inputs, scenario=inputs.scenario.replace("plan", quantile=q))
    plan = optimise(at_q, compute_requirements(at_q, forecast), time_limit_s=time_limit_s,
                    explain=False)
    if not plan.ok:
        return {"quantile": q, "status": plan.status.value}, None, \
            f"quantile {q:g}: no plan ({plan.message})"
    alloc = plan.allocation
    if spare_capacity:
        alloc = with_spare_capacity(alloc, plan.sites, plan.vendors, at_q)
    # this point is one engine task already: its cells are simulated where it runs
    risk = simulate_risk(at_q, forecast, alloc, settings, engine=LocalEngine())
    overall = risk.overall.set_index("quarter").loc["all"]
    return {"quantile": q, "status": plan.status.value, "total_cost": plan.total_cost,
            "shortfall_fte_weeks": plan.shortfall_fte_weeks,
            "p_meet_weighted": overall["p_meet_weighted"], "p_all_meet": overall["p_all_meet"],
            "solve_seconds": plan.build_seconds + plan.solve_seconds,
            "risk_seconds": risk.seconds}, risk, None


def _market_points(q: float, risk: RiskResult) -> pd.DataFrame:
    s = risk.summary.assign(w=lambda f: f["expected_cases"],
                            wp=lambda f: f["expected_cases"] * f["p_meet_sla"],
                            wt=lambda f: f["expected_cases"] * f["on_time_mean"])
    g = s.groupby("market", as_index=False)[["w", "wp", "wt"]].sum()
    safe = g["w"].where(g["w"] > 0, 1.0)
    return pd.DataFrame({"quantile": q, "market": g["market"], "p_meet_weighted": g["wp"] / safe,
                         "on_time_mean": g["wt"] / safe})
