"""The quarterly headcount ask: what to request per site, vendor and market each quarter.

- per site and quarter: end-of-quarter headcount, starts, and the week by which
  requisitions must open (the quarter's first start week minus lead_weeks);
- hiring schedule: every week with starts, and its requisition week;
- per vendor and quarter: contracted FTE and cost;
- per market and quarter: required, in-house, vendor and shortfall FTE (weekly averages) and
  the cost attributed to the market by the rule of :mod:`planning.optimise.costs` (each
  pool's quarter cost, overtime and surge included, split by the FTE-weeks it worked for
  each market), so attributed costs add up to total_cost.
"""

from __future__ import annotations

import pandas as pd

from planning.optimise.build import Model
from planning.optimise.extract import Solution


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


def market_ask(model: Model, sol: Solution) -> pd.DataFrame:
    """Per quarter and market: weekly-average FTE (required, in-house, vendor, shortfall) and
    attributed_cost (the ``cost`` of ``sol.quarterly``, see :mod:`planning.optimise.costs`);
    plus ``(unallocated)`` rows for cost of pools that worked for no market in a quarter."""
    return sol.quarterly.rename(columns={"cost": "attributed_cost"})
