"""Small and synthetic optimiser instances: for tests, benchmarks and trying the model.

:func:`make_inputs` builds a normalised :class:`~planning.inputs.tables.Inputs` (the loader's
dtypes and defaults) from a few dict rows; :func:`synthetic` a scalable instance.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from planning.inputs.scenario import PlanSettings, Scenario, SolverSettings
from planning.inputs.tables import Inputs
from planning.periods import plan_weeks

SITE_DEFAULTS = {"hire_cost": 0.0, "attrition_month": 0.0, "max_headcount": np.nan,
                 "max_starts_week": np.nan, "lead_weeks": 0, "ramp": (),
                 "overtime_max_share": 0.0, "overtime_premium": 1.5}
VENDOR_DEFAULTS = {"min_fte": 0.0, "max_fte": np.nan, "markets": ("*",), "aht_factor": 1.0}
QUEUE_DEFAULTS = {"kind": "deferrable", "aht_minutes": 5.0, "tat_hours": 24.0, "sla_target": np.nan,
                  "answer_seconds": np.nan, "patience_seconds": np.nan, "max_abandon": 0.05,
                  "inhouse_only": False, "automation_rate": 0.0, "max_exposure_share": np.nan}
SURGE_DEFAULTS = {"price_per_fte_week": np.nan, "premium": 1.5}


def _frame(rows: list[dict[str, Any]], defaults: dict[str, Any], lists: tuple[str, ...],
           ints: tuple[str, ...] = ()) -> pd.DataFrame:
    full = [{**defaults, **r} for r in rows]
    for r in full:
        for c in lists:
            v = r[c]
            r[c] = tuple(v) if isinstance(v, list | tuple) else tuple(str(v).split(";"))
        if "ramp" in r:
            r["ramp"] = tuple(float(x) for x in r["ramp"] if x != "")
    f = pd.DataFrame(full)
    for c in f.columns:
        if c in lists or c == "ramp":
            continue
        if c in ints:
            f[c] = f[c].astype("int64")
        elif isinstance(defaults.get(c), float) or (c not in defaults and f[c].dtype.kind in "if"):
            f[c] = f[c].astype("float64")
    return f


def make_inputs(*, markets: list[dict], queues: list[dict], sites: list[dict] | None = None,
                vendors: list[dict] | None = None, start: date = date(2027, 1, 4), weeks: int = 4,
                solver: SolverSettings | None = None, vendor_surge: list[dict] | None = None) -> Inputs:
    """Inputs from dict rows; missing optional columns get the contract's defaults.

    markets rows: market, language, [min_inhouse_share]; queues rows: queue, [inhouse_only ...];
    sites rows: site, languages ("en;ms" or a tuple), headcount, cost_per_fte_month, ...;
    vendors rows: vendor, languages, price_per_fte_month, ...; vendor_surge rows: vendor,
    week (ISO Monday), max_fte, [price_per_fte_week], [premium].
    """
    scen = Scenario(plan=PlanSettings(start=start, weeks=weeks), solver=solver or SolverSettings())
    mk = _frame(markets, {"min_inhouse_share": 0.0}, ())
    qu = _frame(queues, QUEUE_DEFAULTS, ())
    qu["inhouse_only"] = qu["inhouse_only"].astype(bool)
    si = _frame(sites, SITE_DEFAULTS, ("languages",), ("lead_weeks",)) if sites else None
    ve = _frame(vendors, VENDOR_DEFAULTS, ("languages", "markets")) if vendors else None
    empty_mq = pd.DataFrame({"market": pd.Series(dtype=object), "queue": pd.Series(dtype=object),
                             "aht_minutes": pd.Series(dtype=float),
                             "automation_rate": pd.Series(dtype=float)})
    empty_ev = pd.DataFrame({"date": pd.Series(dtype="datetime64[ns]"), "name": pd.Series(dtype=object),
                             "market": pd.Series(dtype=object), "uplift": pd.Series(dtype=float)})
    su = None
    if vendor_surge:
        su = _frame(vendor_surge, SURGE_DEFAULTS, ())
        su["week"] = pd.to_datetime(su["week"])
        su["max_fte"] = su["max_fte"].astype("float64")
    return Inputs(scenario=scen, markets=mk, queues=qu, market_queues=empty_mq, events=empty_ev,
                  sites=si, vendors=ve, vendor_surge=su, source="examples")


def requirements_frame(inputs: Inputs, rows: dict[tuple[str, str], list[float] | float]) -> pd.DataFrame:
    """A requirements table: {(market, queue): per-week required FTE (list) or one value}."""
    weeks = plan_weeks(inputs.scenario.plan.start, inputs.scenario.plan.weeks)
    out = []
    for (m, q), vals in rows.items():
        seq = vals if isinstance(vals, list) else [vals] * len(weeks)
        out += [{"market": m, "queue": q, "week": w, "required_fte": float(v)}
                for w, v in zip(weeks, seq, strict=True)]
    f = pd.DataFrame(out, columns=["market", "queue", "week", "required_fte"])
    f["week"] = pd.to_datetime(f["week"])
    return f


def synthetic(n_markets: int = 50, n_weeks: int = 52, n_queues: int = 6, seed: int = 1,
              solver: SolverSettings | None = None) -> tuple[Inputs, pd.DataFrame]:
    """A scalable instance: markets in 10 languages, 4 sites, 4 vendors, seasonal demand.

    Sites have attrition, lead time, ramp, headcount and starts caps; vendors caps and
    market lists; some queues are in-house only and some markets have an in-house floor.
    """
    rng = np.random.default_rng(seed)
    langs = [f"l{i}" for i in range(10)]
    markets = [{"market": f"M{i:03d}", "language": langs[i % 10],
                "min_inhouse_share": 0.5 if i % 7 == 0 else 0.0} for i in range(n_markets)]
    queues = [{"queue": f"q{j}", "inhouse_only": j == 0} for j in range(n_queues)]
    sites = [{"site": f"S{k}", "languages": tuple(langs[k * 3: k * 3 + 4]),
              "headcount": 20.0 * n_markets / 4, "cost_per_fte_month": 3000.0 + 500 * k,
              "hire_cost": 2000.0, "attrition_month": 0.03, "max_headcount": 60.0 * n_markets / 4,
              "max_starts_week": 2.0 * n_markets / 4, "lead_weeks": 4, "ramp": (0.0, 0.5, 0.75)}
             for k in range(4)]
    vendors = [{"vendor": f"V{k}", "languages": tuple(langs[(2 * k + j) % 10] for j in range(5)),
                "price_per_fte_month": 2500.0 + 400 * k, "min_fte": 2.0, "max_fte": 8.0 * n_markets / 4,
                "markets": ("*",) if k % 2 == 0 else tuple(m["market"] for m in markets[::2]),
                "aht_factor": 1.1 + 0.05 * k} for k in range(4)]
    inputs = make_inputs(markets=markets, queues=queues, sites=sites, vendors=vendors,
                         weeks=n_weeks, solver=solver)
    t = np.arange(n_weeks)
    rows = {}
    for m in markets:
        for q in queues:
            base = rng.uniform(1, 8)
            rows[(m["market"], q["queue"])] = list(
                np.round(base * (1 + 0.3 * np.sin(2 * np.pi * t / 52 + rng.uniform(0, 6))), 3))
    return inputs, requirements_frame(inputs, rows)


def synthetic_forecast(n_markets: int = 50, n_weeks: int = 26, n_queues: int = 6, seed: int = 1,
                       demand: tuple[float, float] = (2.0, 5.0), caps: bool = True
                       ) -> tuple[Inputs, pd.DataFrame]:
    """:func:`synthetic`'s pools with deferrable queues (5 min, 24 h deadline, 95% on time)
    and a daily forecast (market, queue, date, p10, p50, p90) instead of requirements.

    P50 cases a day are ``base x 40.8 x season x weekday`` (40.8 cases of 5 minutes a day
    are one FTE's productive hours, so ``base`` is about the P50 FTE of the cell, drawn
    uniformly from ``demand``; the default 2-5 is a little above today's headcount, so the
    plan hires and contracts);
    the P10/P90 band widens from -/+10% (and +13%) in week 0 to twice that in the last week.
    caps=False drops the pools' limits (headcount and vendor caps, hiring pace, lead time),
    so every plan can be staffed and plans differ only in what they buy.
    """
    inputs, _ = synthetic(n_markets=n_markets, n_weeks=n_weeks, n_queues=n_queues, seed=seed)
    queues = inputs.queues.assign(sla_target=0.95, tat_hours=24.0, aht_minutes=5.0)
    inputs = dataclasses.replace(inputs, queues=queues)
    if not caps:
        inputs = dataclasses.replace(
            inputs, sites=inputs.sites.assign(max_headcount=np.nan, max_starts_week=np.nan,
                                              lead_weeks=0),
            vendors=inputs.vendors.assign(max_fte=np.nan))
    rng = np.random.default_rng(seed + 1)
    days = pd.date_range(pd.Timestamp(inputs.scenario.plan.start), periods=7 * n_weeks, freq="D")
    t = np.arange(len(days))
    weekday = np.array([1.1, 1.05, 1.0, 1.0, 0.95, 0.9, 1.0])[days.weekday]
    frames = []
    for m in inputs.markets["market"]:
        for q in queues["queue"]:
            base = rng.uniform(*demand)
            p50 = base * 40.8 * (1 + 0.3 * np.sin(2 * np.pi * t / 364 + rng.uniform(0, 6))) * weekday
            width = 0.1 * (1 + t / max(1, len(t) - 1))
            frames.append(pd.DataFrame({"market": m, "queue": q, "date": days, "p10": p50 * (1 - width),
                                        "p50": p50, "p90": p50 * (1 + 1.3 * width)}))
    return inputs, pd.concat(frames, ignore_index=True)
