"""The price of confidence: targeted plans for p = 0.5 ... 0.99 against uniform-quantile plans.

For each target p: the SLA-confidence plan (:mod:`planning.risk.confidence`) and, beside it,
the cheapest *uniform* plan giving the same guarantee: every cell staffed to one common
forecast level (the same quantile of each day's forecast, as ``plan.quantile`` does, read
from the distribution the risk model simulates), the lowest level at which every cell the
targeted plan promises reaches the target on the same calibration paths. Both plans are
optimised by the same MIP (with the same preference of where unavoidable shortfall goes) and
checked on the same paths, so the saving is the targeting's, not the dice's. Each point is a pure function of its target (:func:`confidence_point`), so
points can be mapped over an engine.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from planning.engines import Engine, current_engine
from planning.errors import InputError, Issue
from planning.inputs.tables import Inputs
from planning.optimise import PlanResult, optimise
from planning.risk.calibrate import Calibrator, Cell
from planning.risk.confidence import ConfidencePlan, ConfidenceSettings, plan_to_confidence
from planning.risk.levels import level_quantile

CONFIDENCE_TARGETS = (0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99)

COLUMNS = ["target", "status", "total_cost", "headcount_end", "vendor_fte",
           "shortfall_fte_weeks", "cells_promised", "p_min_promised", "uniform_quantile",
           "uniform_status", "uniform_total_cost", "uniform_headcount_end", "uniform_vendor_fte",
           "uniform_shortfall_fte_weeks", "uniform_p_min_promised", "uniform_same_guarantee",
           "saving", "saving_pct", "seconds", "cpu_seconds"]
# seconds, cpu_seconds: wall and CPU time (this process) to make the targeted plan
# (calibration and MIP solves), without the uniform one


@dataclass(frozen=True)
class ConfidenceFrontier:
    """points: one row per target (:data:`COLUMNS`; money in the plan's currency, headcount
    and FTE in people, probabilities in [0, 1]); notes: what a reader should know."""

    points: pd.DataFrame
    notes: tuple[str, ...] = field(default=())
    seconds: float = 0.0


def plan_figures(plan: PlanResult) -> dict[str, float]:
    """total_cost, in-house headcount at the plan's end (sum over sites of the last week),
    average contracted vendor FTE per quarter, shortfall FTE-weeks."""
    sites = plan.sites
    last = sites[sites["week"] == sites["week"].max()]["headcount"].sum() if len(sites) else 0.0
    vendor = (plan.vendors.groupby("quarter")["fte"].sum().mean() if len(plan.vendors) else 0.0)
    return {"total_cost": float(plan.total_cost or 0.0), "headcount_end": float(last),
            "vendor_fte": float(vendor), "shortfall_fte_weeks": float(plan.shortfall_fte_weeks or 0.0)}


def uniform_level(cal: Calibrator, targeted: ConfidencePlan) -> float:
    """Lowest common level at which every cell-quarter the targeted plan promises reaches
    the required share when staffed exactly to its requirement (bisection, tolerance as
    the targeted plan's). A cell-quarter's calibrated level was the lowest for that quarter
    with the earlier quarters at their own levels, so the answer lies between the highest
    first-quarter level and the highest level of any promised cell-quarter."""
    settings = targeted.settings
    cells = targeted.cells
    prom = cells[cells["promised"]]
    if prom.empty:
        return float(cells["level"].max())
    first = prom[prom["quarter"] == cal.quarters[0]]["level"]
    lo = float(first.max()) - settings.tol if len(first) else float(prom["level"].min())
    hi = float(prom["level"].max())
    need = {(m, q): set(g["quarter"]) for (m, q), g in prom.groupby(["market", "queue"])}
    top = prom.groupby(["market", "queue"])["level"].max()

    def meets(z: float) -> bool:
        todo: list[Cell] = [c for c in need if top[c] > z + 1e-12]
        fte = cal.levels.weekly({c: np.full(len(cal.quarters), z) for c in todo}, cal.weeks)
        for c in todo:
            p = cal.probability(c, fte.get(c, np.zeros(len(cal.weeks))))
            if any(p[cal.quarters.index(k)] < settings.required - 1e-12 for k in need[c]):
                return False
        return True

    if meets(lo):
        return lo
    while hi - lo > settings.tol:
        mid = 0.5 * (lo + hi)
        lo, hi = (lo, mid) if meets(mid) else (mid, hi)
    return hi


def confidence_point(target: float, *, inputs: Inputs, forecast: pd.DataFrame,
                     base: ConfidenceSettings, time_limit_s: float | None = None,
                     mip_gap: float | None = None) -> dict:
    """One frontier row (:data:`COLUMNS`) for ``target``: the targeted plan and the cheapest
    uniform-level plan with the same guarantee (pure; runs anywhere)."""
    return targeted_and_uniform(target, inputs=inputs, forecast=forecast, base=base,
                                time_limit_s=time_limit_s, mip_gap=mip_gap)[2]


def targeted_and_uniform(target: float, *, inputs: Inputs, forecast: pd.DataFrame,
                         base: ConfidenceSettings, time_limit_s: float | None = None,
                         mip_gap: float | None = None
                         ) -> tuple[ConfidencePlan, PlanResult | None, dict]:
    """(targeted plan, uniform plan or None, frontier row) for one target."""
    t0, c0 = time.perf_counter(), time.process_time()
    settings = dataclasses.replace(base, target=float(target))
    cal = settings.calibrator(inputs, forecast)
    tp = plan_to_confidence(inputs, forecast, settings, time_limit_s=time_limit_s,
                            mip_gap=mip_gap, explain=False, calibrator=cal)
    row: dict = {"target": float(target), "status": tp.plan.status.value}
    if not tp.plan.ok:
        return tp, None, {**row, "seconds": time.perf_counter() - t0,
                          "cpu_seconds": time.process_time() - c0}
    row.update(plan_figures(tp.plan), cells_promised=int(tp.cells["promised"].sum()),
               p_min_promised=tp.min_promised, seconds=time.perf_counter() - t0,
               cpu_seconds=time.process_time() - c0)
    z = uniform_level(cal, tp)
    levels = {c: np.full(len(cal.quarters), z) for c in cal.series}
    # the uniform plan gets the targeted plan's preference of where unavoidable shortfall
    # goes (its shortfall weights), so it has the same chance to keep the same cells promised
    uni = optimise(inputs, cal.levels.table(levels), time_limit_s=time_limit_s, mip_gap=mip_gap,
                   explain=False, shortfall_weights=tp.weights or None)
    row.update(uniform_quantile=level_quantile(z), uniform_status=uni.status.value)
    if not uni.ok:
        return tp, None, row
    fig = plan_figures(uni)
    row.update({f"uniform_{k}": v for k, v in fig.items()})
    staffing = cal.staffing(uni.allocation)
    promised = tp.cells[tp.cells["promised"]]
    probs = {c: cal.probability(c, staffing[c]) for c in
             {(m, q) for m, q in zip(promised["market"], promised["queue"], strict=True)}}
    p_cells = [probs[(r.market, r.queue)][cal.quarters.index(r.quarter)]
               for r in promised.itertuples(index=False)]
    row["uniform_p_min_promised"] = float(min(p_cells)) if p_cells else np.nan
    # the same guarantee: every cell-quarter the targeted plan promises reaches the target
    # on the same paths with the uniform plan's staffing (shortfall the uniform plan has
    # there is reported in uniform_shortfall_fte_weeks, but what is promised is the chance)
    same = bool(p_cells) and all(p >= settings.required - 1e-12 for p in p_cells)
    row["uniform_same_guarantee"] = bool(same)
    if same:
        row["saving"] = fig["total_cost"] - row["total_cost"]
        row["saving_pct"] = 100.0 * row["saving"] / fig["total_cost"] if fig["total_cost"] else np.nan
    return tp, uni, row


def confidence_frontier(inputs: Inputs, forecast: pd.DataFrame, *,
                        targets: Sequence[float] = CONFIDENCE_TARGETS,
                        base: ConfidenceSettings | None = None,
                        time_limit_s: float | None = None, mip_gap: float | None = None,
                        progress: Callable[[float], None] | None = None,
                        engine: Engine | None = None) -> ConfidenceFrontier:
    """The confidence frontier: :func:`confidence_point` for every target (mapped over the
    engine; progress(p) is called before each point on a local engine)."""
    t0 = time.perf_counter()
    if inputs.requirements is not None or forecast is None:
        raise InputError([Issue("requirements", None, None, None, "the confidence frontier "
                                "plans against the forecast's uncertainty: it needs volumes or a "
                                "forecast table, not a requirements table")])
    base = base or ConfidenceSettings(0.9)
    todo = sorted({float(p) for p in targets})
    engine = engine or current_engine()
    results = engine.imap(confidence_point, todo, window=max(1, len(todo)), inputs=inputs,
                          forecast=forecast, base=base, time_limit_s=time_limit_s, mip_gap=mip_gap)
    rows = []
    for p in todo:
        if progress is not None:
            progress(p)
        rows.append(next(results))
    points = pd.DataFrame(rows, columns=COLUMNS)
    notes = []
    if (~points["uniform_same_guarantee"].fillna(False).astype(bool)).any():
        notes.append("where uniform_same_guarantee is false, the uniform plan at that level "
                     "leaves some cell the targeted plan promises below the target (a higher "
                     "level everywhere pushes capacity-bound cells into shortfall): no uniform "
                     "quantile gives the same guarantee, so no saving is shown")
    return ConfidenceFrontier(points, tuple(notes), time.perf_counter() - t0)
