"""Planning to an SLA confidence: the cheapest plan meeting every cell's quarterly SLA with
probability at least p (``[plan] sla_confidence``; docs/risk.md, "Planning to an SLA
confidence").

1. Calibrate (:mod:`planning.risk.calibrate`): per (market, queue) and quarter the lowest
   forecast level whose requirement, staffed exactly, meets the SLA on a share
   ``p + margin`` of the calibration paths.
2. Optimise: the MIP of docs/optimiser.md, unchanged, covers the requirement at those
   levels at least cost (who serves what, hires, vendor contracts, shortfall).
3. Check and feed back: the plan's allocation is simulated on the calibration paths. A cell
   is exactly at its calibrated probability unless the plan is short in it. Where cells
   miss, two more solves at most (``max_rounds``): first the shortfall penalty is made
   slightly cheaper in the cells short the most (so unavoidable shortfall concentrates
   there instead of sinking every cell of a tight pool just below the target); then the
   cells still below target are re-calibrated with the plan's staffing as a cap in their
   short weeks (so later weeks carry the catch-up). A round is kept only when fewer cells
   miss (or as many with less shortfall). Every solve is explained, so the kept one needs
   no further solve.

Cells without shortfall in the quarter or an earlier one are *promised*: their probability
(on the calibration paths) is at least the target plus the margin. Cells with shortfall
carry the optimiser's reasons. The plan's capacity per cell is its allocation, and the
simulation serves each cell with exactly that (no reallocation between cells at run time).
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from planning.disk_cache import (
    DiskCache,
    cached,
    code_version,
    combine,
    current_cache,
    frame_digest,
)
from planning.errors import InputError, Issue
from planning.inputs.digest import digest_inputs
from planning.inputs.tables import Inputs
from planning.optimise import PlanResult, PlanStatus, optimise
from planning.optimise.commitments import Commitments
from planning.periods import quarter_labels
from planning.risk.calibrate import (
    CALIBRATION_SEED,
    TOL,
    Calibration,
    Calibrator,
    Cell,
    required_share,
)
from planning.risk.levels import level_quantile

#: tables an SLA-confidence plan does not read (the forecast is given; actuals are for KPIs)
NOT_READ = ("volumes", "actual_queues", "actual_sites", "actual_vendors")
#: source whose code decides an SLA-confidence plan (folders: every .py under them)
CONFIDENCE_CODE = ("planning/risk", "planning/optimise", "planning/requirements",
                   "planning/inputs", "planning/periods.py",
                   "planning/units.py", "planning/errors.py", "planning/disk_cache.py")
#: packages whose version can change it
CONFIDENCE_PACKAGES = ("numpy", "pandas", "pulp", "highspy")

CELL_COLUMNS = ["market", "queue", "quarter", "kind", "level", "quantile", "p_meet_sla",
                "promised", "meets_target", "shortfall_fte_weeks", "reason_code"]


@dataclass(frozen=True)
class ConfidenceSettings:
    """How the planner calibrates.

    target: probability p in (0, 1) of meeting each cell's quarterly SLA; paths, seed,
    correlation, aht_cv: the calibration Monte Carlo (the risk check's model; the seed
    differs from ``headcount risk``'s default 0); margin_se: calibrate to
    ``p + margin_se x sqrt(p (1 - p) / paths)``; tol: bisection tolerance on the level;
    max_rounds: MIP solves at most (1 = no feedback).
    """

    target: float
    paths: int = 2000
    seed: int = CALIBRATION_SEED
    correlation: float = 0.9
    aht_cv: float = 0.05
    margin_se: float = 1.0
    tol: float = TOL
    max_rounds: int = 3

    @property
    def required(self) -> float:
        """Share of calibration paths each promised cell must meet."""
        return required_share(self.target, self.paths, self.margin_se)

    def calibrator(self, inputs: Inputs, forecast: pd.DataFrame) -> Calibrator:
        """Draw the calibration paths."""
        return Calibrator(inputs, forecast, paths=self.paths, seed=self.seed,
                          correlation=self.correlation, aht_cv=self.aht_cv)


@dataclass(frozen=True)
class ConfidencePlan:
    """A plan made to an SLA confidence.

    plan: the optimised plan (its ``sla_confidence`` and ``confidence`` fields filled);
    requirements: the requirement table at the calibrated levels (compute_requirements
    columns); cells: per market, queue and quarter (:data:`CELL_COLUMNS`): level (z),
    quantile (Phi(z)), p_meet_sla (share of calibration paths meeting the SLA with the
    plan), promised (no shortfall in the cell in that quarter or before), meets_target
    (p_meet_sla >= target), shortfall_fte_weeks and reason_code of the quarter; markets:
    per market and quarter the lowest probability over promised cells; rounds: MIP solves;
    simulations: calibration search steps (:attr:`Calibration.steps`, summed over
    searches); weights: the shortfall weights of the last solve (empty: none);
    every_solve_optimal: every round's MIP ended optimal (a round stopped by
    the clock may have decided which plan was kept, so such a result depends on the load);
    reused: read from the disk cache (``seconds`` are the earlier run's).
    """

    target: float
    settings: ConfidenceSettings
    plan: PlanResult
    requirements: pd.DataFrame
    cells: pd.DataFrame
    markets: pd.DataFrame
    rounds: int = 1
    simulations: int = 0
    seconds: float = 0.0
    notes: tuple[str, ...] = field(default=())
    weights: dict[tuple[str, str], float] = field(default_factory=dict)
    every_solve_optimal: bool = True
    reused: bool = False

    @property
    def min_promised(self) -> float:
        """Lowest probability over promised cells (NaN when none is promised)."""
        p = self.cells.loc[self.cells["promised"], "p_meet_sla"]
        return float(p.min()) if len(p) else float("nan")


def check_target(target: float) -> None:
    """Raise InputError unless 0 < target < 1."""
    if not 0.0 < float(target) < 1.0:
        raise InputError([Issue("scenario", None, "plan.sla_confidence", str(target),
                                "a probability strictly between 0 and 1, e.g. 0.9")])


def confidence_key(inputs: Inputs, forecast: pd.DataFrame, settings: ConfidenceSettings, *,
                   time_limit_s: float | None, mip_gap: float | None, explain: bool | str,
                   commitments: Commitments | None, version: str | None = None) -> str:
    """The disk-cache key of :func:`plan_to_confidence`: every input table but
    :data:`NOT_READ` (each cell), every scenario section, the forecast (each cell), the
    settings (target, paths, seed, correlation, AHT noise, margin, tolerance, rounds), the
    solver arguments, the commitments, and the code version (default: the source of
    :data:`CONFIDENCE_CODE` and the versions of :data:`CONFIDENCE_PACKAGES`)."""
    d = digest_inputs(inputs)
    commits = None if commitments is None else (frame_digest(commitments.starts),
                                                frame_digest(commitments.vendor_fte))
    return combine("confidence", d.all_but(NOT_READ, [name for name, _ in d.sections]),
                   frame_digest(forecast), repr(settings), time_limit_s, mip_gap, explain,
                   commits, version or code_version(CONFIDENCE_CODE, CONFIDENCE_PACKAGES))


def plan_to_confidence(inputs: Inputs, forecast: pd.DataFrame,
                       settings: ConfidenceSettings | None = None, *,
                       time_limit_s: float | None = None, mip_gap: float | None = None,
                       explain: bool | str = True, commitments: Commitments | None = None,
                       calibrator: Calibrator | None = None,
                       cache: DiskCache | None = None) -> ConfidencePlan:
    """The cheapest plan meeting every cell's quarterly SLA with probability >= target.

    settings: default ConfidenceSettings(inputs.scenario.plan.sla_confidence); calibrator:
    paths already drawn for this forecast (e.g. shared by frontier points; such a call is
    not cached). cache: where to look the plan up first and keep it when solved to
    optimality (default: the cache a front end set with
    :func:`planning.disk_cache.use_cache`; none outside such a block), keyed by
    :func:`confidence_key`.
    """
    if settings is None:
        target = inputs.scenario.plan.sla_confidence
        if target is None:
            raise InputError([Issue("scenario", None, "plan.sla_confidence", None,
                                    "is not set: nothing to plan to")])
        settings = ConfidenceSettings(float(target))
    check_target(settings.target)
    if forecast is None:
        raise InputError([Issue("forecast", None, None, None, "plan.sla_confidence needs the "
                                "daily forecast (volumes or a forecast table); a requirements "
                                "table has no uncertainty to plan against")])
    solver = {"time_limit_s": time_limit_s, "mip_gap": mip_gap, "explain": explain,
              "commitments": commitments}

    def make() -> ConfidencePlan:
        return _plan_to_confidence(inputs, forecast, settings, calibrator=calibrator, **solver)

    cache = None if calibrator is not None else cache if cache is not None else current_cache()
    return cached(cache, lambda: confidence_key(inputs, forecast, settings, **solver),
                  ConfidencePlan, make, keep=_worth_keeping)


def _worth_keeping(out: ConfidencePlan) -> bool:
    """Only a plan whose every round was solved to optimality is kept: one where a solve
    was stopped by the clock (which depends on the machine's load) or no plan at all is
    made afresh next time."""
    return out.every_solve_optimal and out.plan.status is PlanStatus.OPTIMAL


def _plan_to_confidence(inputs: Inputs, forecast: pd.DataFrame, settings: ConfidenceSettings,
                        *, time_limit_s: float | None, mip_gap: float | None,
                        explain: bool | str, commitments: Commitments | None,
                        calibrator: Calibrator | None) -> ConfidencePlan:
    t0 = time.perf_counter()
    cal = calibrator or settings.calibrator(inputs, forecast)
    required = settings.required
    cells = sorted(cal.series)
    calib = cal.calibrate(cells, required, tol=settings.tol)
    sims = calib.steps
    levels = dict(calib.level)
    req = cal.levels.table(levels)

    def solve(table: pd.DataFrame, with_explain: bool | str,
              weights: dict[Cell, float]) -> PlanResult:
        return optimise(inputs, table, time_limit_s=time_limit_s, mip_gap=mip_gap,
                        explain=with_explain, commitments=commitments,
                        shortfall_weights=weights or None)

    weights: dict[Cell, float] = {}
    plan = solve(req, explain, weights)
    if not plan.ok:
        return _result(settings, cal, plan, req, levels, calib, 1, sims, t0)
    rounds, optimal = 1, plan.status is PlanStatus.OPTIMAL
    probs = _probabilities(cal, plan)
    for step in ("concentrate", "raise")[:settings.max_rounds - 1]:
        failing = _failing(cal, plan, probs, required)
        if not failing:
            break
        trial_levels, trial_weights = levels, weights
        if step == "concentrate":
            trial_weights = _concentrate(cal, plan, failing)
        else:
            again = cal.calibrate(failing, required, tol=settings.tol,
                                  start={c: levels[c] for c in failing},
                                  limits=_short_caps(cal, plan, failing))
            sims += again.steps
            raised = {c: again.level[c] for c in failing
                      if np.any(again.level[c] > levels[c] + 1e-12)}
            if not raised:
                continue
            trial_levels = {**levels, **raised}
        trial_req = req if trial_levels is levels else cal.levels.table(trial_levels)
        # explained now (from the duals: far cheaper than the MIP) so that a kept round
        # needs no second solve for its explanations
        trial = solve(trial_req, explain, trial_weights)
        rounds += 1
        optimal = optimal and trial.status is PlanStatus.OPTIMAL
        if not trial.ok:
            continue
        trial_probs = _probabilities(cal, trial)
        before = (len(failing), plan.shortfall_fte_weeks)
        after = (len(_failing(cal, trial, trial_probs, required)), trial.shortfall_fte_weeks)
        if after < before:
            plan, probs = trial, trial_probs
            levels, req, weights = trial_levels, trial_req, trial_weights
    out = _result(settings, cal, plan, req, levels, calib, rounds, sims, t0, probs)
    return dataclasses.replace(out, weights=dict(weights), every_solve_optimal=optimal)


#: how much cheaper (relative) shortfall is made in the cell short the most, so the MIP
#: leaves unavoidable shortfall where it is largest instead of spreading it
CONCENTRATE = 0.02


def _concentrate(cal: Calibrator, plan: PlanResult, failing: list[Cell]) -> dict[Cell, float]:
    """Shortfall weights for the cells below target: ``1 - CONCENTRATE x short / most``, so
    a cell that misses by far takes the shortfall that would otherwise sink its neighbours
    (who share its pools) just below the target."""
    short = _short_weeks(cal, plan)
    total = {c: float(short[c].sum()) for c in failing}
    most = max(total.values(), default=0.0)
    if most <= 0:
        return {}
    return {c: 1.0 - CONCENTRATE * total[c] / most for c in failing}


def _probabilities(cal: Calibrator, plan: PlanResult) -> dict[Cell, np.ndarray]:
    staffing = cal.staffing(plan.allocation)
    return {c: cal.probability(c, staffing[c]) for c in cal.series}


def _short_weeks(cal: Calibrator, plan: PlanResult) -> dict[Cell, np.ndarray]:
    """Shortfall FTE per cell and planned week."""
    out = {c: np.zeros(len(cal.weeks)) for c in cal.series}
    if len(plan.shortfall):
        pos = {w: i for i, w in enumerate(cal.weeks)}
        for r in plan.shortfall.itertuples(index=False):
            c = (str(r.market), str(r.queue))
            if c in out and pd.Timestamp(r.week) in pos:
                out[c][pos[pd.Timestamp(r.week)]] += float(r.fte)
    return out


def _failing(cal: Calibrator, plan: PlanResult, probs: dict[Cell, np.ndarray],
             required: float) -> list[Cell]:
    """Cells below the required share in some quarter (only short cells can be)."""
    return [c for c in sorted(probs) if np.any(probs[c] < required - 1e-12)]


def _short_caps(cal: Calibrator, plan: PlanResult, cells: list[Cell]) -> dict[Cell, np.ndarray]:
    """Per cell: the plan's staffing as a cap in the weeks it is short, no cap elsewhere."""
    staffing, short = cal.staffing(plan.allocation), _short_weeks(cal, plan)
    return {c: np.where(short[c] > 1e-9, staffing[c], np.inf) for c in cells}


def _result(settings: ConfidenceSettings, cal: Calibrator, plan: PlanResult, req: pd.DataFrame,
            levels: dict[Cell, np.ndarray], calib: Calibration, rounds: int, sims: int,
            t0: float, probs: dict[Cell, np.ndarray] | None = None) -> ConfidencePlan:
    notes = list(cal.notes)
    if not plan.ok:
        return ConfidencePlan(settings.target, settings, plan, req,
                              pd.DataFrame(columns=CELL_COLUMNS), pd.DataFrame(), rounds, sims,
                              time.perf_counter() - t0, tuple(notes))
    short = _short_weeks(cal, plan)
    reasons = _reasons(plan)
    rows = []
    for c in sorted(cal.series):
        q_short = [float(short[c][cal.week_quarter == k].sum()) for k in range(len(cal.quarters))]
        for k, label in enumerate(cal.quarters):
            promised = all(x <= 1e-6 for x in q_short[:k + 1])
            p = float(probs[c][k]) if probs is not None else float("nan")
            rows.append({"market": c[0], "queue": c[1], "quarter": label,
                         "kind": cal.series[c].kind, "level": float(levels[c][k]),
                         "quantile": level_quantile(float(levels[c][k])), "p_meet_sla": p,
                         "promised": promised, "meets_target": p >= settings.target,
                         "shortfall_fte_weeks": q_short[k],
                         "reason_code": reasons.get((c[0], c[1], label), "")})
    cells = pd.DataFrame(rows, columns=CELL_COLUMNS)
    unreachable = [(c, cal.quarters[k]) for c, r in calib.reachable.items()
                   for k in range(len(r)) if not r[k]]
    if unreachable:
        notes.append(f"{len(unreachable)} cell-quarters miss the target even staffed to "
                     "P99.9 every day (the SLA target is out of reach of staffing alone)")
    missed = cells[~cells["meets_target"]]
    if len(missed):
        notes.append(f"{len(missed)} of {len(cells)} cell-quarters fall short of the target; "
                     "each has shortfall in that quarter or an earlier one (see reason_code)")
    plan = dataclasses.replace(plan, sla_confidence=settings.target, confidence=cells)
    return ConfidencePlan(settings.target, settings, plan, req, cells,
                          market_confidence(cells, settings.target),
                          rounds, sims, time.perf_counter() - t0, tuple(notes))


def _reasons(plan: PlanResult) -> dict[tuple[str, str, str], str]:
    """Shortfall reason codes per market, queue and quarter (joined with ';')."""
    if not len(plan.shortfall) or "reason_code" not in plan.shortfall:
        return {}
    s = plan.shortfall.assign(quarter=quarter_labels(plan.shortfall["week"]).to_numpy())
    out = {}
    for (m, q, label), g in s.groupby(["market", "queue", "quarter"]):
        codes = dict.fromkeys(x for rc in g["reason_code"].dropna() for x in str(rc).split(";"))
        out[(str(m), str(q), str(label))] = ";".join(x.strip() for x in codes if x.strip())
    return out


def market_confidence(cells: pd.DataFrame, target: float) -> pd.DataFrame:
    """Per market and quarter of a confidence table (PlanResult.confidence): cells, promised
    cells (no shortfall), the lowest probability over promised ones, and the target."""
    rows = []
    for (m, label), g in cells.groupby(["market", "quarter"], sort=True):
        prom = g[g["promised"].astype(bool)]
        rows.append({"market": m, "quarter": label, "cells": len(g), "promised": len(prom),
                     "p_min_promised": float(prom["p_meet_sla"].min()) if len(prom) else np.nan,
                     "target": target})
    return pd.DataFrame(rows, columns=["market", "quarter", "cells", "promised",
                                       "p_min_promised", "target"])


def sampling_error(p: float, paths: int) -> float:
    """Standard error of a probability p estimated from ``paths`` independent paths."""
    return math.sqrt(p * (1.0 - p) / paths)


def promise_check(summary: pd.DataFrame, cells: pd.DataFrame, target: float) -> pd.DataFrame:
    """A risk run's p_meet_sla (``simulate_risk(...).summary``) beside the plan's promise.

    cells: the plan's confidence table (promised per market, queue and quarter). Returns
    market, queue, quarter, promised, p_planned (calibration paths), p_meet_sla (this run),
    meets_target (p_meet_sla >= target).
    """
    plan = cells[["market", "queue", "quarter", "promised", "p_meet_sla"]].rename(
        columns={"p_meet_sla": "p_planned"})
    plan = plan.assign(promised=plan["promised"].astype(bool))
    out = summary[["market", "queue", "quarter", "p_meet_sla"]].merge(
        plan, on=["market", "queue", "quarter"], how="left")
    out["promised"] = out["promised"].fillna(False).astype(bool)
    out["meets_target"] = out["p_meet_sla"] >= target
    return out[["market", "queue", "quarter", "promised", "p_planned", "p_meet_sla",
                "meets_target"]]
