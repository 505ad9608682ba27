"""The quarterly headcount ask: what to request per site, vendor and market each quarter.

- per site and quarter: end-of-quarter headcount, starts, and the week by which
  requisitions must open (the quarter's first start week minus lead_weeks);
- hiring schedule: every week with starts, and its requisition week;
- per vendor and quarter: contracted FTE and cost;
- per market and quarter: required, in-house, vendor and shortfall FTE (weekly averages) and
  the cost attributed to the market: each site's and vendor's weekly cost (with overtime and
  vendor surge when those options are on) is shared out by
  the FTE it allocated to each market that week; cost of capacity allocated to nobody is
  reported on a row with market ``(unallocated)`` so attributed costs add up to total_cost.
"""

from __future__ import annotations

from collections import defaultdict

import pandas as pd

from planning.optimise.build import Model
from planning.optimise.extract import Solution, value

UNALLOCATED = "(unallocated)"


def _monday_minus(week: pd.Timestamp, weeks: int) -> pd.Timestamp:
    return pd.Timestamp(week) - pd.Timedelta(weeks=weeks)


def hiring_schedule(model: Model, sol: Solution) -> pd.DataFrame:
    """Rows {site, week, quarter, starts, requisition_week} for weeks with starts > 0."""
    lead = {s.name: s.lead_weeks for s in model.data.sites}
    h = sol.sites.loc[sol.sites["starts"] > 1e-6, ["site", "week", "quarter", "starts"]].copy()
    h["requisition_week"] = [_monday_minus(w, lead[s]) for s, w in zip(h["site"], h["week"], strict=True)]
    return h.reset_index(drop=True)


def site_ask(model: Model, sol: Solution) -> pd.DataFrame:
    """Per site and quarter: end_headcount, starts, requisitions_open_by (NaT if no starts), cost;
    with overtime on also overtime_fte_weeks and overtime_cost (not in cost)."""
    hires = hiring_schedule(model, sol)
    rows = []
    for (site, Q), g in sol.sites.groupby(["site", "quarter"], sort=False):
        g = g.sort_values("week")
        h = hires[(hires["site"] == site) & (hires["quarter"] == Q)]
        rows.append({"site": site, "quarter": Q, "end_headcount": float(g["headcount"].iloc[-1]),
                     "starts": float(g["starts"].sum()),
                     "requisitions_open_by": h["requisition_week"].min() if len(h) else pd.NaT,
                     "cost": float(g["cost"].sum())})
        if "overtime_fte" in g:
            rows[-1].update(overtime_fte_weeks=float(g["overtime_fte"].sum()),
                            overtime_cost=float(g["overtime_cost"].sum()))
    cols = ["site", "quarter", "end_headcount", "starts", "requisitions_open_by", "cost"]
    if "overtime_fte" in sol.sites:
        cols += ["overtime_fte_weeks", "overtime_cost"]
    out = pd.DataFrame(rows, columns=cols)
    out["requisitions_open_by"] = pd.to_datetime(out["requisitions_open_by"])
    return out


def vendor_ask(sol: Solution) -> pd.DataFrame:
    """Per vendor and quarter: contracted fte and cost; with vendor surge on also
    surge_fte_weeks and surge_cost (surge bought in the quarter's weeks, not in cost)."""
    out = sol.vendors[["vendor", "quarter", "fte", "cost"]].copy()
    if len(sol.surge):
        used = sol.surge.groupby(["vendor", "quarter"])[["fte", "cost"]].sum()
        keys = list(zip(out["vendor"], out["quarter"], strict=True))
        out["surge_fte_weeks"] = [float(used["fte"].get(k, 0.0)) for k in keys]
        out["surge_cost"] = [float(used["cost"].get(k, 0.0)) for k in keys]
    return out


def attributed_cost(model: Model) -> dict[tuple[str, str], float]:
    """{(quarter, market): cost} with each pool's weekly cost shared by allocated FTE."""
    d = model.data
    alloc: dict[tuple[str, int], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    pos = {w: t for t, w in enumerate(d.weeks)}
    for (p, m, _q, w), v in model.var.get("x", {}).items():
        alloc[(p, pos[w])][m] += value(v)
    out: dict[tuple[str, str], float] = defaultdict(float)

    def share(pool: str, t: int, cost: float) -> None:
        a = {m: f for m, f in alloc.get((pool, t), {}).items() if f > 0}
        total = sum(a.values())
        if total <= 0:
            out[(d.quarter[t], UNALLOCATED)] += cost
            return
        for m, f in a.items():
            out[(d.quarter[t], m)] += cost * f / total

    overtime, surge = model.var.get("overtime", {}), model.var.get("surge", {})
    for s in d.sites:
        for t, w in enumerate(d.weeks):
            cost = s.weekly_cost * value(model.var["H"][(s.name, w)])
            cost += s.hire_cost * value(model.var["starts"][(s.name, w)])
            if (s.name, w) in overtime:
                cost += s.overtime_cost * value(overtime[(s.name, w)])
            share(s.name, t, cost)
    for v in d.vendors:
        for t, w in enumerate(d.weeks):
            cost = v.weekly_price * value(model.var["F"][(v.name, d.quarter[t])])
            if (v.name, w) in surge:
                cost += d.surge[(v.name, t)][1] * value(surge[(v.name, w)])
            share(v.name, t, cost)
    return dict(out)


def market_ask(model: Model, sol: Solution) -> pd.DataFrame:
    """Per quarter and market: weekly-average FTE (required, in-house, vendor, shortfall) and
    attributed_cost; plus ``(unallocated)`` rows for capacity no market used."""
    cost = attributed_cost(model)
    q = sol.quarterly.copy()
    q["attributed_cost"] = [cost.get((Q, m), 0.0) for Q, m in zip(q["quarter"], q["market"], strict=True)]
    extra = [{"quarter": Q, "market": m, "required_fte": 0.0, "inhouse_fte": 0.0, "vendor_fte": 0.0,
              "shortfall_fte": 0.0, "attributed_cost": c}
             for (Q, m), c in sorted(cost.items()) if m == UNALLOCATED and abs(c) > 1e-9]
    if extra:
        q = pd.DataFrame(q.to_dict("records") + extra, columns=[*q.columns])
    return q.sort_values(["quarter", "market"], ignore_index=True)
