"""Variance explained: planned versus actual required FTE (and its cost), split into causes.

Required FTE of a (market, queue, week) is modelled as a product of four driver factors and a
constant ``k`` fixed at the plan's value::

    required_fte = k x volume x manual_share x aht_minutes x paid_per_productive

- volume: cases received (planned: the forecast staffed to x volume_multiplier);
- manual_share: ``1 - automation rate`` (actual: ``1 - automated_cases / cases``);
- aht_minutes: handling time per manual case;
- paid_per_productive: ``1 / (1 - shrinkage)``, paid hours per productive hour (actual: the
  achieved shrinkage of the sites serving the market, see :func:`market_shrinkage`);
- ``k`` = planned required_fte / product of the planned factors: it carries the hours per
  week, the occupancy target and the peak / Erlang effect of the plan, and stays fixed.

The difference ``actual - planned`` is split with the Shapley value of the four factors
(:func:`shapley_effects`): each factor's effect is its average marginal contribution over
every order in which the factors can switch from planned to actual. The four effects add up
exactly to the total, do not depend on an arbitrary order, and a factor that did not move
has effect 0. Cost effects are FTE effects x the plan's cost of one required FTE-week in the
market (:func:`unit_costs`), so they add up exactly too. See docs/kpis.md.

Planner overrides: when the requirements carry ``model_cases`` (the model's cases before the
``forecast_overrides``), the volume effect is split further. Volume enters the product
linearly, so its Shapley effect is ``c x (actual - planned cases)`` with a coefficient ``c``
that does not depend on the volumes; with ``planned = model + override change`` it splits
exactly into ``volume_model_fte = c x (actual - model)`` (the model's error) and
``volume_override_fte = c x (model - planned)`` (what the override did to the gap: negative
when judgement moved the plan towards what happened).
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from itertools import combinations
from math import factorial

import numpy as np
import pandas as pd

from planning.errors import InputError, Issue
from planning.inputs.tables import Inputs
from planning.periods import quarter_labels
from planning.units import weekly_from_monthly

FACTORS = ("volume", "automation", "aht", "productivity")
FTE_COLUMNS = ["planned_fte", "actual_fte", "difference_fte", *[f"{f}_fte" for f in FACTORS]]
COST_COLUMNS = ["planned_cost", "actual_cost", "difference_cost", *[f"{f}_cost" for f in FACTORS]]
#: the volume effect split into the model's error and the planners' override (see above)
OVERRIDE_FTE = ["volume_model_fte", "volume_override_fte"]
OVERRIDE_COST = ["volume_model_cost", "volume_override_cost"]


def shapley_effects(base: Mapping[str, np.ndarray], actual: Mapping[str, np.ndarray],
                    scale: np.ndarray | float = 1) -> dict[str, np.ndarray]:
    """Shapley split of ``scale x prod(actual) - scale x prod(base)`` over the factors.

    base, actual: factor name -> array (all of one shape). Works on float arrays and on
    object arrays of :class:`fractions.Fraction` (then the split is exact in rational
    arithmetic). Returns factor name -> effect; the effects sum to the total difference.
    """
    names = list(base)
    n = len(names)
    effects: dict[str, np.ndarray] = {}
    exact = any(np.asarray(base[f]).dtype == object for f in names)
    for i, name in enumerate(names):
        others = [f for j, f in enumerate(names) if j != i]
        total: np.ndarray | float = 0
        for size in range(n):
            w = Fraction(factorial(size) * factorial(n - size - 1), factorial(n))
            weight = w if exact else float(w)
            for subset in combinations(others, size):
                rest = 1
                for f in others:
                    rest = rest * (actual[f] if f in subset else base[f])
                total = total + weight * rest * (actual[name] - base[name])
        effects[name] = total * scale
    return effects


def _actual_factors(planned: pd.DataFrame) -> None:
    """Fill the actual factor columns, falling back to the planned value where not measured."""
    cases = planned["cases"]
    auto = np.where(cases > 0, planned["automated_cases"].fillna(0.0) / cases.where(cases > 0, 1.0),
                    planned["automation_rate"])
    planned["actual_manual_share"] = 1.0 - auto
    planned["actual_aht"] = planned["aht_achieved"].fillna(planned["aht_minutes"])


def market_shrinkage(inputs: Inputs, allocation: pd.DataFrame | None = None) -> pd.DataFrame:
    """Achieved paid-per-productive factor per market and week: columns market, week,
    planned_ppp, actual_ppp (``1 / (1 - shrinkage)``).

    A site's achieved shrinkage is ``1 - productive_hours / (headcount x hours_per_week)``.
    A market's factor is the average over the pools serving it, weighted by the plan's
    allocation of that week (vendors report no hours and, like a site without actuals that
    week, count at the planned shrinkage);
    without an allocation, over the sites speaking its language, weighted by headcount.
    """
    wf = inputs.scenario.workforce
    planned = 1.0 / (1.0 - wf.shrinkage)
    sites = inputs.actual_sites
    cols = ["market", "week", "planned_ppp", "actual_ppp"]
    if sites is None or sites.empty:
        return _no_shrinkage()
    paid = sites["headcount"] * wf.hours_per_week
    site_ppp = sites.assign(ppp=np.where(sites["productive_hours"] > 0,
                                         paid / sites["productive_hours"].where(sites["productive_hours"] > 0, 1),
                                         planned))[["site", "week", "ppp", "headcount"]]
    if allocation is not None and not allocation.empty:
        w = allocation.assign(week=pd.to_datetime(allocation["week"])).groupby(
            ["pool", "market", "week"], as_index=False)["fte"].sum()
        w = w.merge(site_ppp.rename(columns={"site": "pool"}), on=["pool", "week"], how="left")
        w["ppp"] = w["ppp"].fillna(planned)  # vendors, and sites without actuals that week
        w = w[w["week"].isin(set(sites["week"]))]
        w["weight"] = w["fte"]
    else:
        lang = inputs.markets[["market", "language"]]
        speaks = inputs.sites[["site", "languages"]].explode("languages").rename(
            columns={"languages": "language"}) if inputs.sites is not None else pd.DataFrame(
            columns=["site", "language"])
        w = lang.merge(speaks, on="language").merge(site_ppp, on="site")
        w["weight"] = w["headcount"]
    w = w[w["weight"] > 0]
    if w.empty:
        return _no_shrinkage()
    g = w.assign(wp=w["weight"] * w["ppp"]).groupby(["market", "week"], as_index=False)[
        ["wp", "weight"]].sum()
    g["actual_ppp"] = g["wp"] / g["weight"]
    g["planned_ppp"] = planned
    return g[cols]


def _no_shrinkage() -> pd.DataFrame:
    return pd.DataFrame({"market": pd.Series(dtype=object), "week": pd.Series(dtype="datetime64[ns]"),
                         "planned_ppp": pd.Series(dtype=float), "actual_ppp": pd.Series(dtype=float)})


def unit_costs(inputs: Inputs, allocation: pd.DataFrame | None = None) -> pd.DataFrame:
    """Cost of one required FTE-week per market and week (columns market, week, unit_cost).

    With the plan's allocation: its FTE-weighted average over pools of a site's weekly cost
    (``cost_per_fte_month x 12 / 52``) or a vendor's weekly price x aht_factor. Without one
    (week NaT = every week): the mean weekly cost of the sites speaking the market's language.
    """
    unit: dict[str, float] = {}
    if inputs.sites is not None:
        unit |= dict(zip(inputs.sites["site"], weekly_from_monthly(inputs.sites["cost_per_fte_month"]),
                         strict=True))
    if inputs.vendors is not None:
        v = inputs.vendors
        unit |= dict(zip(v["vendor"], weekly_from_monthly(v["price_per_fte_month"]) * v["aht_factor"],
                         strict=True))
    if allocation is not None and not allocation.empty:
        a = allocation.assign(week=pd.to_datetime(allocation["week"]),
                              unit=allocation["pool"].map(unit))
        a["wc"] = a["fte"] * a["unit"]
        g = a.groupby(["market", "week"], as_index=False)[["wc", "fte"]].sum()
        g["unit_cost"] = g["wc"] / g["fte"]
        return g[["market", "week", "unit_cost"]]
    rows = []
    for market, language in zip(inputs.markets["market"], inputs.markets["language"], strict=True):
        costs = [unit[s] for s, langs in zip(inputs.sites["site"], inputs.sites["languages"], strict=True)
                 if language in langs] if inputs.sites is not None else []
        rows.append({"market": market, "week": pd.NaT,
                     "unit_cost": float(np.mean(costs)) if costs else float("nan")})
    return pd.DataFrame(rows, columns=["market", "week", "unit_cost"])


def requirement_variance(inputs: Inputs, requirements: pd.DataFrame,
                         allocation: pd.DataFrame | None = None) -> pd.DataFrame:
    """Planned versus actual required FTE and cost per market, queue and actual week, split
    into volume, automation, AHT and productivity effects (columns :data:`FTE_COLUMNS`,
    :data:`COST_COLUMNS`, plus the planned and actual factors and ``quarter``).

    requirements: the plan's requirements with their drivers (forecast_cases,
    automation_rate, aht_minutes). allocation: the plan's allocation (pool, market, queue,
    week, fte) for productivity weights and unit costs; optional.
    Rows are the weeks present in both ``actual_queues`` and the requirements.
    """
    actual = inputs.actual_queues
    if actual is None or actual.empty:
        return pd.DataFrame(columns=["market", "queue", "week", "quarter", *FTE_COLUMNS, *COST_COLUMNS])
    missing = [c for c in ("forecast_cases", "automation_rate", "aht_minutes")
               if c not in requirements or requirements[c].isna().all()]
    if missing:
        raise InputError([Issue("requirements", None, ", ".join(missing) or "forecast_cases", None,
                                "the variance split needs the drivers of each requirement "
                                "(forecast cases, automation rate, AHT): a requirements table "
                                "brought as input has none; plan from volumes or a forecast")])
    keys = ["market", "queue", "week"]
    split = "model_cases" in requirements
    req = requirements[[*keys, "required_fte", "forecast_cases", "automation_rate", "aht_minutes",
                        *(["model_cases"] if split else [])]]
    req = req.assign(week=pd.to_datetime(req["week"]))
    act = actual.rename(columns={"aht_minutes": "aht_achieved"})[
        [*keys, "cases", "automated_cases", "aht_achieved"]]
    df = req.merge(act, on=keys, how="inner")
    df["planned_cases"] = df["forecast_cases"] * inputs.scenario.levers.volume_multiplier
    _actual_factors(df)
    ppp = market_shrinkage(inputs, allocation)
    df = df.merge(ppp, on=["market", "week"], how="left")
    planned_ppp = 1.0 / (1.0 - inputs.scenario.workforce.shrinkage)
    df["planned_ppp"] = planned_ppp
    df["actual_ppp"] = df["actual_ppp"].fillna(planned_ppp)
    base = {"volume": df["planned_cases"].to_numpy(float),
            "automation": 1.0 - df["automation_rate"].to_numpy(float),
            "aht": df["aht_minutes"].to_numpy(float),
            "productivity": df["planned_ppp"].to_numpy(float)}
    new = {"volume": df["cases"].to_numpy(float),
           "automation": df["actual_manual_share"].to_numpy(float),
           "aht": df["actual_aht"].to_numpy(float),
           "productivity": df["actual_ppp"].to_numpy(float)}
    product = base["volume"] * base["automation"] * base["aht"] * base["productivity"]
    k = np.where(product > 0, df["required_fte"].to_numpy(float) / np.where(product > 0, product, 1.0),
                 _fallback_k(inputs, df))
    effects = shapley_effects(base, new, k)
    df["planned_fte"] = k * product
    df["actual_fte"] = k * new["volume"] * new["automation"] * new["aht"] * new["productivity"]
    df["difference_fte"] = df["actual_fte"] - df["planned_fte"]
    for f in FACTORS:
        df[f"{f}_fte"] = effects[f]
    if split:  # c = the volume effect per case, from a unit step in volume alone
        unit = shapley_effects({**base, "volume": np.zeros(len(df))},
                               {**new, "volume": np.ones(len(df))}, k)["volume"]
        model = df["model_cases"].to_numpy(float) * inputs.scenario.levers.volume_multiplier
        df["volume_model_fte"] = unit * (new["volume"] - model)
        df["volume_override_fte"] = unit * (model - base["volume"])
    costs = unit_costs(inputs, allocation)
    if costs["week"].isna().all():
        df = df.merge(costs.drop(columns="week"), on="market", how="left")
    else:
        df = df.merge(costs, on=["market", "week"], how="left")
        fallback = unit_costs(inputs, None).drop(columns="week").rename(columns={"unit_cost": "uc0"})
        df = df.merge(fallback, on="market", how="left")
        df["unit_cost"] = df["unit_cost"].fillna(df["uc0"])
        df = df.drop(columns="uc0")
    pairs = list(zip(COST_COLUMNS, FTE_COLUMNS, strict=True))
    pairs += list(zip(OVERRIDE_COST, OVERRIDE_FTE, strict=True)) if split else []
    for a, b in pairs:
        df[a] = df[b] * df["unit_cost"].fillna(0.0)
    df["quarter"] = quarter_labels(df["week"]).to_numpy()
    return df.sort_values(keys).reset_index(drop=True)


def _fallback_k(inputs: Inputs, df: pd.DataFrame) -> np.ndarray:
    """k where the plan had no work: required FTE per (case x minute x paid/productive) at a
    flat week, ``1 / (60 x hours_per_week x occupancy)`` (occupancy 1 for realtime queues)."""
    wf = inputs.scenario.workforce
    kind = df["queue"].map(dict(zip(inputs.queues["queue"], inputs.queues["kind"], strict=True)))
    occ = np.where(kind == "realtime", 1.0, wf.max_occupancy)
    return 1.0 / (60.0 * wf.hours_per_week * occ)


def variance_summary(variance: pd.DataFrame, by: tuple[str, ...] = ("market", "quarter")
                     ) -> pd.DataFrame:
    """Effects per ``by`` (default market and quarter): FTE columns as weekly averages over
    the weeks with actuals (FTE), cost columns summed (currency). Adds ``weeks`` and, per
    effect, its share of the total difference (``<factor>_share``; NaN when the total is 0)."""
    keys = list(by)
    if variance.empty:
        return pd.DataFrame(columns=[*keys, "weeks", *FTE_COLUMNS, *COST_COLUMNS])
    split = "volume_override_fte" in variance
    fte = FTE_COLUMNS + (OVERRIDE_FTE if split else [])
    values = fte + COST_COLUMNS + (OVERRIDE_COST if split else [])
    weekly = variance.groupby([*keys, "week"], as_index=False)[values].sum()
    out = weekly.groupby(keys, as_index=False).agg(
        weeks=("week", "nunique"), **{c: (c, "sum") for c in values})
    out[fte] = out[fte].div(out["weeks"], axis=0)
    total = out["difference_fte"].where(out["difference_fte"].abs() > 1e-12)
    for f in FACTORS:
        out[f"{f}_share"] = out[f"{f}_fte"] / total
    return out


def explain_sentence(row: pd.Series, what: str = "") -> str:
    """One line for the monthly review, e.g. ``ID 2027Q1: required FTE +41.2 over plan
    (+12.0 %); 68 % AHT, 30 % volume, 3 % automation, -1 % productivity``."""
    diff = row["difference_fte"]
    word = "over" if diff >= 0 else "under"
    rel = f"{diff / row['planned_fte']:+.1%}" if row["planned_fte"] else "none planned"
    parts = sorted(FACTORS, key=lambda f: -abs(row[f"{f}_fte"]))
    shares = ", ".join(f"{row[f'{f}_share']:.0%} {f}" for f in parts
                       if pd.notna(row.get(f"{f}_share")))
    head = what or " ".join(str(row[c]) for c in ("market", "queue", "quarter") if c in row)
    judgement = ""
    if pd.notna(row.get("volume_override_fte")) and abs(row["volume_override_fte"]) > 1e-9:
        judgement = (f"; of the volume effect, {row['volume_model_fte']:+,.1f} FTE is the "
                     f"model's error and {row['volume_override_fte']:+,.1f} FTE the forecast "
                     f"overrides ({'they narrowed' if row['volume_override_fte'] * diff < 0 else 'they widened'} the gap)")
    return (f"{head}: required FTE {diff:+,.1f} {word} plan ({rel}); "
            f"{shares or 'no difference'}{judgement}")


def largest_differences(summary: pd.DataFrame, n: int) -> pd.DataFrame:
    """The ``n`` rows of a :func:`variance_summary` with the largest absolute difference in
    required FTE (actual minus plan), largest first: what a review reads first."""
    order = summary["difference_fte"].abs().sort_values(ascending=False, kind="stable").index
    return summary.reindex(order).head(n)
