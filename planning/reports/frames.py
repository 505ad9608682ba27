"""A plan's tables as finance reads them, and the per-quarter views.

Shared by the workbook (:mod:`planning.reports.workbook`) and the scenario diff (:mod:`planning.reports.compare`)
so both show the same numbers, whether the plan was solved now or read back: the tables as
plan.json keeps them (:meth:`~planning.optimise.PlanResult.table`); every week gets its calendar quarter
(:func:`planning.periods.quarter_labels`).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from planning.optimise.costs import pool_quarter_costs, quarter_costs
from planning.optimise.result import PlanResult
from planning.periods import quarter_labels

SITE_COLUMNS = ["site", "week", "quarter", "headcount", "starts", "productive_fte", "cost"]
VENDOR_COLUMNS = ["vendor", "quarter", "weeks", "fte", "cost"]
POOL_COLUMNS = ["quarter", "pool_type", "pool", "fte", "starts", "cost"]


def plan_table(plan: PlanResult, key: str, columns: list[str] | None = None) -> pd.DataFrame:
    """One table of the plan as plan.json keeps it (``week`` as datetime, ``quarter`` added);
    ``columns`` missing from it are added empty."""
    frame = plan.table(key)
    if columns is not None:
        text = ("site", "vendor", "pool", "market", "queue", "quarter", "week")
        for c in columns:
            if c not in frame.columns and not (c == "quarter" and "week" in columns):
                frame[c] = pd.Series(dtype=object if c in text else "float64")
    if "week" in frame.columns:
        frame["week"] = pd.to_datetime(frame["week"])
        if "quarter" not in frame.columns:
            frame.insert(list(frame.columns).index("week") + 1, "quarter",
                         quarter_labels(frame["week"]).to_numpy() if len(frame) else [])
    return frame


def _order(names: pd.Series, preferred: list[str]) -> pd.Series:
    rank = {n: i for i, n in enumerate(preferred)}
    return names.map(lambda n: rank.get(n, len(rank)))


def site_weeks(plan: PlanResult, site_order: list[str] | None = None) -> pd.DataFrame:
    """Sites by week, sorted by site (input order) then week, so each site's rows are contiguous.

    Columns: site, week, quarter, headcount, starts, productive_fte[, allocated_fte], cost
    [, overtime_fte, overtime_cost] (overtime when the plan has it; not in cost).
    """
    frame = plan_table(plan, "sites", SITE_COLUMNS)
    cols = SITE_COLUMNS[:-1] + (["allocated_fte"] if "allocated_fte" in frame.columns else []) + ["cost"]
    cols += [c for c in ("overtime_fte", "overtime_cost") if c in frame.columns]
    frame = frame[cols]
    frame = frame.assign(_o=_order(frame["site"], site_order or [])).sort_values(
        ["_o", "site", "week"], kind="stable").drop(columns="_o")
    return frame.reset_index(drop=True)


def vendor_quarters(plan: PlanResult, weeks: pd.DatetimeIndex,
                    vendor_order: list[str] | None = None) -> pd.DataFrame:
    """Vendors by quarter with the number of planned weeks in that quarter.

    Columns: vendor, quarter, weeks, fte, cost (cost = fte x price x 12/52 x weeks).
    """
    frame = plan_table(plan, "vendors", ["vendor", "quarter", "fte", "cost"])
    per_quarter = quarter_labels(weeks).value_counts()
    frame["weeks"] = frame["quarter"].map(per_quarter).fillna(0).astype("int64")
    frame = frame[VENDOR_COLUMNS]
    frame = frame.assign(_o=_order(frame["vendor"], vendor_order or [])).sort_values(
        ["_o", "vendor", "quarter"], kind="stable").drop(columns="_o")
    return frame.reset_index(drop=True)


def pool_quarters(sites: pd.DataFrame, vendors: pd.DataFrame,
                  surge: pd.DataFrame | None = None) -> pd.DataFrame:
    """The quarterly ask per site and vendor, sorted by quarter then sites before vendors.

    fte: a site's headcount in the quarter's last planned week; a vendor's contracted FTE.
    starts: a site's new starts in the quarter (vendors: NaN). cost: the quarter's cost,
    overtime and vendor surge included (:func:`planning.optimise.costs.pool_quarter_costs`).
    Also returns, in ``attrs["rows"]``, the site_weeks / vendor row positions of each line.
    """
    rows: list[dict[str, Any]] = []
    costs = pool_quarter_costs(sites, vendors, surge)
    cost = {(t, p, q): c for t, p, q, c in costs[["pool_type", "pool", "quarter", "cost"]]
            .itertuples(index=False)}
    for (site, quarter), part in sites.groupby(["site", "quarter"], sort=False):
        rows.append({"quarter": quarter, "pool_type": "site", "pool": site,
                     "fte": float(part.sort_values("week")["headcount"].iloc[-1]),
                     "starts": float(part["starts"].sum()),
                     "cost": cost.get(("site", site, quarter), 0.0),
                     "_src": (int(part.index.min()), int(part.index.max()))})
    for i, rec in vendors.iterrows():
        rows.append({"quarter": rec["quarter"], "pool_type": "vendor", "pool": rec["vendor"],
                     "fte": float(rec["fte"]), "starts": float("nan"),
                     "cost": cost.get(("vendor", rec["vendor"], rec["quarter"]), 0.0),
                     "_src": (int(i), int(i))})
    frame = pd.DataFrame(rows, columns=[*POOL_COLUMNS, "_src"])
    frame["_t"] = (frame["pool_type"] == "vendor").astype(int)
    frame["_i"] = range(len(frame))
    frame = frame.sort_values(["quarter", "_t", "_i"], kind="stable").reset_index(drop=True)
    src = list(frame["_src"])
    frame = frame[POOL_COLUMNS]
    frame.attrs["rows"] = src
    return frame


def plan_pools(plan: PlanResult, weeks: pd.DatetimeIndex) -> pd.DataFrame:
    """:func:`pool_quarters` of a plan (``weeks``: the plan's Mondays)."""
    return pool_quarters(site_weeks(plan), vendor_quarters(plan, weeks), plan.surge)


def plan_quarter_costs(plan: PlanResult) -> pd.DataFrame:
    """:func:`planning.optimise.costs.quarter_costs` of a plan."""
    return quarter_costs(plan_table(plan, "sites"), plan_table(plan, "vendors"), plan.surge)


def quarter_totals(plan: PlanResult, pools: pd.DataFrame) -> pd.DataFrame:
    """Per quarter: inhouse_headcount (end of quarter), vendor_fte, required_fte,
    shortfall_fte (weekly averages, summed over markets), shortfall_fte_weeks and cost
    (overtime and vendor surge included; the quarters add up to total_cost)."""
    costs = plan_quarter_costs(plan).set_index("quarter")["cost"]
    quarters = sorted(set(pools["quarter"]))
    quarterly = plan_table(plan, "quarterly", ["quarter", "market", "required_fte", "inhouse_fte",
                                               "vendor_fte", "shortfall_fte"])
    short = plan_table(plan, "shortfall", ["market", "queue", "week", "fte"])
    quarters = sorted(set(quarters) | set(quarterly.get("quarter", [])) | set(costs.index))
    out = []
    for q in quarters:
        p = pools[pools["quarter"] == q]
        qq = quarterly[quarterly["quarter"] == q] if len(quarterly) else quarterly
        s = short[short["quarter"] == q] if len(short) else short
        out.append({
            "quarter": q,
            "inhouse_headcount": float(p.loc[p["pool_type"] == "site", "fte"].sum()),
            "vendor_fte": float(p.loc[p["pool_type"] == "vendor", "fte"].sum()),
            "required_fte": float(qq["required_fte"].sum()) if len(qq) else 0.0,
            "shortfall_fte": float(qq["shortfall_fte"].sum()) if len(qq) else 0.0,
            "shortfall_fte_weeks": float(s["fte"].sum()) if len(s) else 0.0,
            "cost": float(costs.get(q, 0.0)),
        })
    return pd.DataFrame(out, columns=["quarter", "inhouse_headcount", "vendor_fte", "required_fte",
                                      "shortfall_fte", "shortfall_fte_weeks", "cost"])
