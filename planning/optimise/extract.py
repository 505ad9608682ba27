"""Step 4 of the optimiser: a solved model -> tidy tables.

Every table is long, with the contract's column names; weeks are ``datetime64`` Mondays,
quarters labels like ``2027Q1``; FTE are FTE, costs are in the plan's currency.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from planning.optimise.build import Model
from planning.optimise.costs import market_quarter_costs, quarter_costs, with_market_costs

TOL = 1e-6


def value(v) -> float:
    """A solved variable's value; tiny solver noise around 0 becomes 0."""
    x = v.varValue
    if x is None:
        return 0.0
    x = float(x)
    return 0.0 if abs(x) < 1e-9 else x


@dataclass(frozen=True)
class Solution:
    """Solved values as tables; totals in currency and FTE-weeks."""

    sites: pd.DataFrame
    vendors: pd.DataFrame
    allocation: pd.DataFrame
    shortfall: pd.DataFrame
    quarterly: pd.DataFrame
    budget: pd.DataFrame
    total_cost: float
    shortfall_fte_weeks: float
    penalty_cost: float
    surge: pd.DataFrame = field(default_factory=pd.DataFrame)
    exposure: pd.DataFrame = field(default_factory=pd.DataFrame)


def _starts(model: Model) -> dict[tuple[str, str], float]:
    out = {}
    for key, v in model.var.get("starts", {}).items():
        x = value(v)
        out[key] = float(round(x)) if model.integer and abs(x - round(x)) < 1e-5 else x
    return out


def site_table(model: Model) -> pd.DataFrame:
    """Per site and week: headcount, starts, productive_fte (after ramp), allocated_fte, cost.

    cost = weekly cost x headcount + hire_cost x starts. When overtime is on (any site with
    overtime_max_share > 0) also overtime_fte (FTE-weeks of overtime, on top of
    productive_fte) and overtime_cost (overtime_fte x weekly cost x overtime_premium; not in
    cost).
    """
    d = model.data
    starts = _starts(model)
    alloc = _allocated(model)
    overtime = model.var.get("overtime")
    rows = []
    for s in d.sites:
        for t, w in enumerate(d.weeks):
            h = value(model.var["H"][(s.name, w)])
            n = starts[(s.name, w)]
            loss = sum(wk * starts[(s.name, d.weeks[t - k])] for k, wk in s.ramp_loss() if t - k >= 0)
            rows.append({"site": s.name, "week": pd.Timestamp(w), "quarter": d.quarter_of_week[t],
                         "headcount": h, "starts": n, "productive_fte": h - loss,
                         "allocated_fte": alloc.get((s.name, w), 0.0),
                         "cost": s.weekly_cost * h + s.hire_cost * n})
            if overtime is not None:
                ot = value(overtime[(s.name, w)]) if (s.name, w) in overtime else 0.0
                rows[-1].update(overtime_fte=ot, overtime_cost=s.overtime_cost * ot)
    cols = ["site", "week", "quarter", "headcount", "starts", "productive_fte", "allocated_fte", "cost"]
    if overtime is not None:
        cols += ["overtime_fte", "overtime_cost"]
    return pd.DataFrame(rows, columns=cols)


def surge_table(model: Model) -> pd.DataFrame:
    """Per vendor_surge row of the plan: vendor, week, quarter, max_fte, price_per_fte_week,
    fte (surge FTE used) and cost (fte x price). Empty without a vendor_surge table."""
    d = model.data
    pos = {w: t for t, w in enumerate(d.weeks)}
    rows = []
    for (v, w), var in model.var.get("surge", {}).items():
        top, price = d.surge[(v, pos[w])]
        f = value(var)
        rows.append({"vendor": v, "week": pd.Timestamp(w), "quarter": d.quarter_of_week[pos[w]],
                     "max_fte": top, "price_per_fte_week": price, "fte": f, "cost": price * f})
    cols = ["vendor", "week", "quarter", "max_fte", "price_per_fte_week", "fte", "cost"]
    return pd.DataFrame(rows, columns=cols)


def exposure_table(model: Model) -> pd.DataFrame:
    """Per pool, harmful queue and week with work: fte (its productive FTE on the queue),
    capacity_fte (the pool's productive FTE without overtime), share = fte / capacity_fte,
    and max_share. Empty when no queue has max_exposure_share."""
    d = model.data
    if not d.exposure:
        return pd.DataFrame()
    work: dict[tuple[str, str, str], float] = {}
    for (p, _m, q, w), v in model.var.get("x", {}).items():
        if q in d.exposure:
            work[(p, q, w)] = work.get((p, q, w), 0.0) + value(v)
    rows = []
    for (p, q, w), f in sorted(work.items()):
        con = model.con["exposure"][(p, q, w)]
        # the row is  work - share x capacity <= 0, so capacity = (work - row value) / share
        cap = (f - con.value()) / d.exposure[q]
        if f > TOL:
            rows.append({"pool": p, "queue": q, "week": pd.Timestamp(w), "fte": f,
                         "capacity_fte": cap, "share": f / cap if cap > TOL else float("nan"),
                         "max_share": d.exposure[q]})
    return pd.DataFrame(rows, columns=["pool", "queue", "week", "fte", "capacity_fte", "share",
                                       "max_share"])


def _allocated(model: Model) -> dict[tuple[str, str], float]:
    out: dict[tuple[str, str], float] = {}
    for (p, _m, _q, w), v in model.var.get("x", {}).items():
        out[(p, w)] = out.get((p, w), 0.0) + value(v)
    return out


def vendor_table(model: Model) -> pd.DataFrame:
    """Per vendor and quarter: contracted fte and cost (weekly price x fte x planned weeks)."""
    d = model.data
    rows = []
    for v in d.vendors:
        for Q in d.quarters:
            f = value(model.var["F"][(v.name, Q)])
            rows.append({"vendor": v.name, "quarter": Q, "fte": f,
                         "weeks": d.weeks_in[Q], "cost": v.weekly_price * d.weeks_in[Q] * f})
    return pd.DataFrame(rows, columns=["vendor", "quarter", "fte", "weeks", "cost"])


def allocation_table(model: Model) -> pd.DataFrame:
    """Rows {pool, pool_type, market, queue, week, fte} with fte > 0 (productive FTE)."""
    sites = set(model.data.site_names)
    rows = [
        {"pool": p, "pool_type": "site" if p in sites else "vendor", "market": m, "queue": q,
         "week": pd.Timestamp(w), "fte": value(v)}
        for (p, m, q, w), v in model.var.get("x", {}).items()
        if value(v) > TOL
    ]
    cols = ["pool", "pool_type", "market", "queue", "week", "fte"]
    return pd.DataFrame(rows, columns=cols).sort_values(["market", "queue", "week", "pool"],
                                                        ignore_index=True)


def shortfall_table(model: Model) -> pd.DataFrame:
    """Rows {market, queue, week, quarter, required_fte, fte} with uncovered fte > 0."""
    d = model.data
    pos = {w: t for t, w in enumerate(d.weeks)}
    rows = []
    for (m, q, w), v in model.var.get("short", {}).items():
        if value(v) > TOL:
            t = pos[w]
            rows.append({"market": m, "queue": q, "week": pd.Timestamp(w), "quarter": d.quarter_of_week[t],
                         "required_fte": d.required[(m, q, t)], "fte": value(v)})
    cols = ["market", "queue", "week", "quarter", "required_fte", "fte"]
    return pd.DataFrame(rows, columns=cols).sort_values(["market", "queue", "week"],
                                                        ignore_index=True)


def quarterly_table(model: Model) -> pd.DataFrame:
    """Per quarter and market: weekly averages of required, in-house, vendor and shortfall FTE.

    Averages are over the quarter's planned weeks; in-house + vendor + shortfall = required.
    (:func:`extract` adds the attributed ``cost``, see :mod:`planning.optimise.costs`.)
    """
    d = model.data
    sites = set(d.site_names)
    acc: dict[tuple[str, str], list[float]] = {}
    markets = sorted({m for m, _ in d.cells})
    for Q in d.quarters:
        for m in markets:
            acc[(Q, m)] = [0.0, 0.0, 0.0, 0.0]
    for (m, _q, t), req in d.required.items():
        acc[(d.quarter_of_week[t], m)][0] += req
    pos = {w: t for t, w in enumerate(d.weeks)}
    for (p, m, _q, w), v in model.var.get("x", {}).items():
        acc[(d.quarter_of_week[pos[w]], m)][1 if p in sites else 2] += value(v)
    for (m, _q, w), v in model.var.get("short", {}).items():
        acc[(d.quarter_of_week[pos[w]], m)][3] += value(v)
    rows = [{"quarter": Q, "market": m, "required_fte": a[0] / d.weeks_in[Q],
             "inhouse_fte": a[1] / d.weeks_in[Q], "vendor_fte": a[2] / d.weeks_in[Q],
             "shortfall_fte": a[3] / d.weeks_in[Q]} for (Q, m), a in acc.items()]
    cols = ["quarter", "market", "required_fte", "inhouse_fte", "vendor_fte", "shortfall_fte"]
    return pd.DataFrame(rows, columns=cols)


def budget_table(model: Model, sites: pd.DataFrame, vendors: pd.DataFrame,
                 surge: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per quarter with a budget: budget, cost (overtime and surge included) and overrun."""
    d = model.data
    cost = quarter_costs(sites, vendors, surge).set_index("quarter")["cost"]
    rows = [{"quarter": Q, "budget": cap, "cost": float(cost.get(Q, 0.0)),
             "overrun": value(model.var["overrun"][(Q,)])} for Q, cap in d.budget.items()]
    return pd.DataFrame(rows, columns=["quarter", "budget", "cost", "overrun"])


def extract(model: Model) -> Solution:
    """All solved tables and totals of a model whose variables hold a solution."""
    sites = site_table(model)
    vendors = vendor_table(model)
    surge = surge_table(model)
    short = shortfall_table(model)
    short_total = sum(value(v) for v in model.var.get("short", {}).values())
    overrun = sum(value(v) for v in model.var.get("overrun", {}).values())
    total = float(sites["cost"].sum() + vendors["cost"].sum())
    if "overtime_cost" in sites:
        total += float(sites["overtime_cost"].sum())
    if len(surge):
        total += float(surge["cost"].sum())
    allocation = allocation_table(model)
    quarterly = with_market_costs(quarterly_table(model),
                                  market_quarter_costs(sites, vendors, allocation, surge))
    return Solution(
        sites=sites, vendors=vendors, allocation=allocation, shortfall=short,
        quarterly=quarterly, budget=budget_table(model, sites, vendors, surge),
        total_cost=total,
        shortfall_fte_weeks=float(short_total),
        penalty_cost=float(_short_penalty(model) + model.data.overrun_penalty * overrun),
        surge=surge, exposure=exposure_table(model),
    )


def _short_penalty(model: Model) -> float:
    """The objective's shortfall term: penalty x weight (1 unless set) x short, summed."""
    d = model.data
    return sum(d.penalty * d.short_weight.get((k[0], k[1]), 1.0) * value(v)
               for k, v in model.var.get("short", {}).items())
