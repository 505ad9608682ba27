"""SLA risk of a plan: Monte Carlo over the forecast's uncertainty (see docs/risk.md).

For every (market, queue) the forecast's P10/P50/P90 give random daily volume paths
(:mod:`planning.risk.paths`: two-piece log-normal marginals, AR(1) across days, AHT noise per
week). Each path is run through the plan's capacity for that market and queue:

- deferrable queues: a day-by-day FIFO backlog (:mod:`planning.risk.backlog`) with the
  plan's productive hours per day, ``fte x hours_per_week x (1 - shrinkage) x max_occupancy / 7``;
- realtime queues: Erlang service level per interval (:mod:`planning.risk.realtime`) with the
  agents the plan's FTE allow, spread over the intervals like the plan's own staffing.

A quarter meets the SLA on a path when the share of that quarter's cases handled in time
(closed within the deadline / answered within answer_seconds) is at least sla_target.
The plan's FTE are the optimiser's allocation: in-house-equivalent productive FTE per pool,
market, queue and week (vendor FTE already divided by aht_factor). Shortfall is unstaffed.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from planning.disk_cache import code_version, combine, frame_digest
from planning.engines import Engine, current_engine
from planning.errors import InputError, Issue
from planning.inputs.digest import digest_inputs
from planning.inputs.tables import Inputs
from planning.periods import quarter_labels
from planning.risk.series import (
    daily_frame,
    day_quarters,
    draw_one,
    on_time_share,
    quarter_share,
    series_rows,
    serve,
)

SUMMARY_COLUMNS = [
    "market", "queue", "kind", "quarter", "sla_target", "paths", "expected_cases",
    "capacity_fte", "p_meet_sla", "on_time_mean", "on_time_p05", "backlog_age_mean_days",
    "backlog_age_p95_days",
]


@dataclass(frozen=True)
class RiskSettings:
    """Monte Carlo settings.

    paths: simulated volume paths per series; seed: random seed (same seed, same paths);
    correlation: lag-1 correlation of the daily forecast errors (latent AR(1), in (-1, 1));
    aht_cv: coefficient of variation of AHT, one multiplier per path and week (0 = none).
    """

    paths: int = 2000
    seed: int = 0
    correlation: float = 0.9
    aht_cv: float = 0.05

    def check(self) -> None:
        """Raise InputError naming the setting when a value is out of range."""
        issues = []
        if not (isinstance(self.paths, int) and self.paths >= 1):
            issues.append(Issue("risk", None, "paths", str(self.paths), "a whole number >= 1"))
        if not -1.0 < float(self.correlation) < 1.0:
            issues.append(Issue("risk", None, "correlation", str(self.correlation),
                                "a number strictly between -1 and 1"))
        if not 0.0 <= float(self.aht_cv) <= 2.0:
            issues.append(Issue("risk", None, "aht_cv", str(self.aht_cv), "a number in [0, 2]"))
        if issues:
            raise InputError(issues)


@dataclass(frozen=True)
class RiskResult:
    """SLA risk of one plan.

    summary: per market, queue and quarter (columns :data:`SUMMARY_COLUMNS`): p_meet_sla
        (share of paths meeting the SLA), on_time_mean / on_time_p05 (mean and 5th
        percentile over paths of the share of cases handled in time), backlog_age_mean_days
        (mean over days and paths of the age of the oldest open work at day end) and
        backlog_age_p95_days (95th percentile over paths of its maximum in the quarter);
        the ages are NaN for realtime queues. capacity_fte: the plan's FTE (weekly average).
    markets: per market and quarter: p_all_queues_meet (every queue of the market meets
        its SLA on the same path), on_time_mean (cases-weighted over its queues).
    overall: per quarter and ``all``: p_meet_weighted (cases-weighted mean of p_meet_sla
        over market-queue cells) and p_all_meet (every cell meets on the same path).
    notes: assumptions a reader should know (e.g. series without P10/P90).
    seconds: wall seconds of the simulation; reused: read from the disk cache, so
    ``seconds`` are those of the earlier run that made it.
    """

    summary: pd.DataFrame
    markets: pd.DataFrame
    overall: pd.DataFrame
    settings: RiskSettings
    notes: tuple[str, ...] = field(default=())
    seconds: float = 0.0
    reused: bool = False


def check_allocation(allocation: pd.DataFrame | None) -> None:
    """Raise InputError naming the columns an allocation table lacks."""
    if allocation is None:
        raise InputError([Issue("allocation", None, None, None, "table is missing: the plan's "
                                "allocation rows (pool, market, queue, week, fte) are needed")])
    missing = [c for c in ("pool", "market", "queue", "week", "fte") if c not in allocation.columns]
    if missing:
        raise InputError([Issue("allocation", None, c, None, "column is missing")
                          for c in missing])


def capacity_table(allocation: pd.DataFrame) -> pd.DataFrame:
    """The plan's FTE per market, queue and week: allocation summed over pools."""
    check_allocation(allocation)
    if len(allocation) == 0:
        return pd.DataFrame(columns=["market", "queue", "week", "fte"])
    alloc = allocation.assign(week=pd.to_datetime(allocation["week"]))
    return alloc.groupby(["market", "queue", "week"], as_index=False)["fte"].sum()


def with_spare_capacity(allocation: pd.DataFrame, sites: pd.DataFrame, vendors: pd.DataFrame,
                        inputs: Inputs) -> pd.DataFrame:
    """The allocation plus each pool's unallocated capacity, shared out (an option).

    A pool's capacity in a week is a site's ``productive_fte`` (plan ``sites`` table) or a
    vendor's quarterly ``fte / aht_factor`` (plan ``vendors`` table); what the allocation
    leaves unused is added to the cells that pool serves that week, in proportion to its
    allocation to them (a pool with no allocation that week keeps its spare). Returns the
    allocation's columns with ``fte`` raised; nothing else changes.
    """
    if allocation is None or len(allocation) == 0:
        return allocation
    alloc = allocation.assign(week=pd.to_datetime(allocation["week"]))
    cap: dict[tuple[str, pd.Timestamp], float] = {}
    if sites is not None and len(sites):
        for r in sites.itertuples(index=False):
            cap[(str(r.site), pd.Timestamp(r.week))] = float(r.productive_fte)
    if vendors is not None and len(vendors) and inputs.vendors is not None:
        factor = dict(zip(inputs.vendors["vendor"].astype(str),
                          inputs.vendors["aht_factor"].fillna(1.0).astype(float), strict=True))
        weeks = inputs.plan_weeks()
        week_q = dict(zip(weeks, quarter_labels(weeks), strict=True))
        fte = {(str(r.vendor), str(r.quarter)): float(r.fte) for r in vendors.itertuples(index=False)}
        for w, q in week_q.items():
            for v, f in factor.items():
                if (v, q) in fte:
                    cap[(v, pd.Timestamp(w))] = fte[(v, q)] / f
    used = alloc.groupby(["pool", "week"])["fte"].transform("sum")
    total = pd.Series([cap.get((p, w), np.nan) for p, w in zip(alloc["pool"], alloc["week"],
                                                                strict=True)], index=alloc.index)
    spare = (total - used).clip(lower=0.0).fillna(0.0)
    return alloc.assign(fte=alloc["fte"] + spare * alloc["fte"] / used.where(used > 0, 1.0))


@dataclass(frozen=True)
class CellTask:
    """One (market, queue) to simulate: its daily workload rows (sorted by date, with
    p10/p50/p90), its planned realtime intervals (None for deferrable queues) and the
    plan's FTE per week."""

    market: str
    queue: str
    rows: pd.DataFrame
    planned: pd.DataFrame | None
    fte_week: np.ndarray


@dataclass(frozen=True)
class CellOutcome:
    """What the summaries and roll-ups need of one cell's paths, per quarter (in plan order).

    quarters: quarter labels; met, cases, on_time: per quarter and path (quarters, paths):
    whether the quarter met the SLA, its cases and its cases handled in time; age_mean:
    per quarter the mean over paths and days of the backlog age (days; NaN for realtime);
    age_p95: per quarter the 95th percentile over paths of the quarter's largest age;
    fte: the plan's FTE per week. O(paths x quarters), whatever the number of days.
    """

    kind: str
    sla: float
    quarters: tuple[str, ...]
    met: np.ndarray
    cases: np.ndarray
    on_time: np.ndarray
    age_mean: np.ndarray
    age_p95: np.ndarray
    fte: np.ndarray


def simulate_cell(task: CellTask, *, inputs: Inputs, settings: RiskSettings) -> CellOutcome:
    """One cell's paths, reduced per quarter before they leave the worker
    (:class:`CellOutcome`): the paths x days arrays are dropped here, so what the caller
    holds grows with paths x quarters per cell, not paths x days.

    Pure: the random numbers come from the cell's own generator (seed, market, queue), so
    the result is the same wherever and in whatever order cells run.
    """
    series = draw_one(inputs, task.rows, task.planned, settings.paths, settings.seed,
                      settings.correlation, settings.aht_cv)
    on_time, age = serve(series, task.fte_week, inputs)
    days_q, _ = day_quarters(inputs)
    labels = tuple(dict.fromkeys(days_q))
    met, cases, on, age_mean, age_p95 = [], [], [], [], []
    for label in labels:
        mask = days_q == label
        m, n_cases, n_on = quarter_share(series, on_time, mask)
        met.append(m)
        cases.append(n_cases)
        on.append(n_on)
        age_mean.append(np.nan if age is None else float(age[:, mask].mean()))
        age_p95.append(np.nan if age is None else
                       float(np.quantile(age[:, mask].max(axis=1), 0.95, method="higher")))
    return CellOutcome(series.kind, series.sla, labels, np.array(met), np.array(cases),
                       np.array(on), np.array(age_mean), np.array(age_p95), task.fte_week)


def _light(inputs: Inputs) -> Inputs:
    """The inputs a cell needs (scenario and small tables), without the long history."""
    return dataclasses.replace(inputs, volumes=None, intraday=None, forecast=None,
                               requirements=None, actual_queues=None, actual_sites=None,
                               actual_vendors=None)


def simulate_risk(inputs: Inputs, forecast: pd.DataFrame, allocation: pd.DataFrame,
                  settings: RiskSettings | None = None, *, engine: Engine | None = None
                  ) -> RiskResult:
    """SLA risk of the plan whose allocation (pool, market, queue, week, fte) is given.

    forecast: the contract's forecast table (p50 and, for uncertainty, p10 and p90), the
    same one the plan was staffed from. Raises InputError when there is no forecast.
    engine: where the cells' paths are simulated (default: :func:`current_engine`); the
    result is the same on every engine.
    """
    t0 = time.perf_counter()
    settings = settings or RiskSettings()
    settings.check()
    daily, notes = daily_frame(inputs, forecast)
    weeks = inputs.plan_weeks()
    cap = capacity_table(allocation).set_index(["market", "queue", "week"])["fte"]
    tasks = []
    for rows, planned in series_rows(inputs, daily):
        m, q = rows["market"].iloc[0], rows["queue"].iloc[0]
        fte_week = np.array([float(cap.get((m, q, w), 0.0)) for w in weeks])
        tasks.append(CellTask(m, q, rows, planned, fte_week))
    engine = engine or current_engine()
    done = engine.map(simulate_cell, tasks, inputs=_light(inputs), settings=settings)
    cells = {(t.market, t.queue): c for t, c in zip(tasks, done, strict=True)}
    _, week_q = day_quarters(inputs)
    summary, outcome = _summarise(cells, week_q, settings.paths)
    return RiskResult(summary=summary, markets=_markets(outcome, summary),
                      overall=_overall(outcome, summary), settings=settings,
                      notes=tuple(notes), seconds=time.perf_counter() - t0)


def _summarise(cells: dict[tuple[str, str], CellOutcome], week_q: np.ndarray, paths: int
               ) -> tuple[pd.DataFrame, dict]:
    """Per cell and quarter statistics, and per-path outcomes for the roll-ups."""
    rows, outcome = [], {}
    for (m, q), c in cells.items():
        for k, label in enumerate(c.quarters):
            met, n_cases, n_on = c.met[k], c.cases[k], c.on_time[k]
            share = on_time_share(n_cases, n_on)
            outcome[(m, q, label)] = (met, n_cases, n_on)
            rows.append({
                "market": m, "queue": q, "kind": c.kind, "quarter": label,
                "sla_target": c.sla, "paths": paths, "expected_cases": float(n_cases.mean()),
                "capacity_fte": float(c.fte[week_q == label].mean()),
                "p_meet_sla": float(met.mean()), "on_time_mean": float(share.mean()),
                "on_time_p05": float(np.quantile(share, 0.05)),
                "backlog_age_mean_days": float(c.age_mean[k]),
                "backlog_age_p95_days": float(c.age_p95[k]),
            })
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS), outcome


def _markets(outcome: dict, summary: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for (m, label), g in summary.groupby(["market", "quarter"], sort=True):
        keys = [(m, q, label) for q in g["queue"]]
        met = np.all([outcome[k][0] for k in keys], axis=0)
        cases = np.sum([outcome[k][1] for k in keys], axis=0)
        on = np.sum([outcome[k][2] for k in keys], axis=0)
        share = on_time_share(cases, on)
        rows.append({"market": m, "quarter": label, "queues": len(keys),
                     "p_all_queues_meet": float(met.mean()), "on_time_mean": float(share.mean())})
    return pd.DataFrame(rows, columns=["market", "quarter", "queues", "p_all_queues_meet",
                                       "on_time_mean"])


def _overall(outcome: dict, summary: pd.DataFrame) -> pd.DataFrame:
    rows = []
    groups = [(label, g) for label, g in summary.groupby("quarter", sort=True)] + [("all", summary)]
    for label, g in groups:
        if g.empty:
            continue
        weights = g["expected_cases"].to_numpy()
        p = g["p_meet_sla"].to_numpy()
        weighted = float((weights * p).sum() / weights.sum()) if weights.sum() > 0 else float(p.mean())
        met = np.all([outcome[(r.market, r.queue, r.quarter)][0] for r in g.itertuples()], axis=0)
        rows.append({"quarter": label, "cells": len(g), "p_meet_weighted": weighted,
                     "p_all_meet": float(met.mean())})
    return pd.DataFrame(rows, columns=["quarter", "cells", "p_meet_weighted", "p_all_meet"])


#: source whose code decides a plan's simulated SLA risk (folders: every .py under them)
RISK_CODE = ("planning/risk", "planning/requirements", "planning/inputs", "planning/periods.py",
             "planning/units.py", "planning/errors.py", "planning/disk_cache.py")
#: tables the simulation does not read (the forecast is given; actuals are for KPIs)
RISK_NOT_READ = ("volumes", "actual_queues", "actual_sites", "actual_vendors")


def risk_key(inputs: Inputs, forecast: pd.DataFrame, allocation: pd.DataFrame,
             settings: RiskSettings, version: str | None = None) -> str:
    """The disk-cache key of a plan's simulated risk (``planning.pipeline.plan_risk``):
    every input table but :data:`RISK_NOT_READ` (each cell), every scenario section, the
    forecast and the allocation (each cell), the Monte Carlo settings, and the code version
    (default: the source of :data:`RISK_CODE` and the numpy and pandas versions)."""
    d = digest_inputs(inputs)
    return combine("risk", d.all_but(RISK_NOT_READ, [name for name, _ in d.sections]),
                   frame_digest(forecast), frame_digest(allocation), repr(settings),
                   version or code_version(RISK_CODE, ("numpy", "pandas")))
