"""Cost per quarter and per market-quarter of a plan: the one computation that plan.json,
the workbook, the scenario comparison (and its waterfall) and the Plan page all use, so their
quarter costs always add up to the plan's total cost, overtime and vendor surge included.

All money in the plan's currency. Inputs are the plan's long tables (as in
:class:`planning.optimise.run.PlanResult` or plan.json rows): ``sites`` {site, week, cost,
[overtime_cost]}, ``vendors`` {vendor, quarter, cost}, ``surge`` {vendor, week, cost} (vendor
surge bought, may be empty) and ``allocation`` {pool, market, week, fte}. A ``quarter``
column is derived from ``week`` where missing (:func:`planning.periods.quarter_labels`).

Attribution rule (per market and quarter): each site's and vendor's cost in a quarter
(site: headcount cost + hiring + overtime; vendor: contract + surge) is split among markets in
proportion to the FTE-weeks that pool worked for each market in that quarter (its
``allocation``). A pool that worked for no market in a quarter keeps its cost on a row with
market :data:`UNALLOCATED`, so attributed costs always add up to the total cost.
"""

from __future__ import annotations

import pandas as pd

from planning.periods import quarter_labels

UNALLOCATED = "(unallocated)"
#: columns of :func:`quarter_costs`
QUARTER_COST_COLUMNS = ["quarter", "site_cost", "overtime_cost", "vendor_cost", "surge_cost", "cost"]


def _with_quarter(frame: pd.DataFrame | None, keys: list[str], cols: list[str]) -> pd.DataFrame:
    """``frame`` (or an empty one) with text ``keys``, a quarter column and numeric ``cols``."""
    if frame is None or len(frame) == 0:
        return pd.DataFrame({k: pd.Series(dtype=object) for k in [*keys, "quarter"]}
                            | {c: pd.Series(dtype="float64") for c in cols})
    out = frame.copy()
    if "quarter" not in out.columns:
        out["quarter"] = quarter_labels(pd.to_datetime(out["week"])).to_numpy()
    for c in cols:
        out[c] = pd.to_numeric(out[c], errors="coerce").fillna(0.0) if c in out.columns else 0.0
    return out


def pool_quarter_costs(sites: pd.DataFrame | None, vendors: pd.DataFrame | None,
                       surge: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per pool and quarter: pool_type (site/vendor), base_cost (site: headcount x weekly cost +
    starts x hire_cost; vendor: contract), extra_cost (site: overtime; vendor: surge) and cost
    (their sum). Pools in table order, quarters sorted."""
    s = _with_quarter(sites, ["site"], ["cost", "overtime_cost"])
    v = _with_quarter(vendors, ["vendor"], ["cost"])
    g = _with_quarter(surge, ["vendor"], ["cost"])
    site_rows = s.groupby(["site", "quarter"], sort=False)[["cost", "overtime_cost"]].sum()
    site_rows = site_rows.rename(columns={"cost": "base_cost", "overtime_cost": "extra_cost"})
    vend = v.groupby(["vendor", "quarter"], sort=False)["cost"].sum().rename("base_cost")
    surged = g.groupby(["vendor", "quarter"], sort=False)["cost"].sum().rename("extra_cost")
    vend_rows = pd.concat([vend, surged], axis=1).fillna(0.0)
    parts = []
    for kind, rows in (("site", site_rows), ("vendor", vend_rows)):
        rows = rows.reset_index()
        rows.columns = ["pool", "quarter", "base_cost", "extra_cost"]
        rows.insert(1, "pool_type", kind)
        parts.append(rows)
    out = pd.concat(parts, ignore_index=True) if any(len(p) for p in parts) else parts[0]
    out["cost"] = out["base_cost"] + out["extra_cost"]
    order = {p: i for i, p in enumerate(dict.fromkeys(out["pool"]))}
    out = out.assign(_t=(out["pool_type"] == "vendor").astype(int), _o=out["pool"].map(order))
    out = out.sort_values(["_t", "_o", "quarter"], kind="stable").drop(columns=["_t", "_o"])
    return out.reset_index(drop=True)


def quarter_costs(sites: pd.DataFrame | None, vendors: pd.DataFrame | None,
                  surge: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per quarter: site_cost, overtime_cost, vendor_cost, surge_cost and cost (their sum);
    the costs of all quarters add up to the plan's total_cost."""
    pools = pool_quarter_costs(sites, vendors, surge)
    rows = []
    for q, part in pools.groupby("quarter", sort=True):
        site = part[part["pool_type"] == "site"]
        vend = part[part["pool_type"] == "vendor"]
        rows.append({"quarter": q, "site_cost": float(site["base_cost"].sum()),
                     "overtime_cost": float(site["extra_cost"].sum()),
                     "vendor_cost": float(vend["base_cost"].sum()),
                     "surge_cost": float(vend["extra_cost"].sum())})
    out = pd.DataFrame(rows, columns=QUARTER_COST_COLUMNS[:-1])
    out["cost"] = out[QUARTER_COST_COLUMNS[1:-1]].sum(axis=1)
    return out


def market_quarter_costs(sites: pd.DataFrame | None, vendors: pd.DataFrame | None,
                         allocation: pd.DataFrame | None,
                         surge: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per quarter and market: cost attributed by the rule in the module docstring.

    Columns quarter, market, cost; sorted by quarter then market, ``(unallocated)`` rows only
    where a pool worked for no market in a quarter and had a cost.
    """
    pools = pool_quarter_costs(sites, vendors, surge)
    alloc = _with_quarter(allocation, ["pool", "market"], ["fte"])
    worked: dict[tuple[str, str], dict[str, float]] = {}
    for (pool, quarter, market), fte in alloc.groupby(["pool", "quarter", "market"])["fte"].sum().items():
        if fte > 0:
            worked.setdefault((pool, quarter), {})[market] = float(fte)
    acc: dict[tuple[str, str], float] = {}
    for rec in pools.itertuples(index=False):
        shares = worked.get((rec.pool, rec.quarter), {})
        total = sum(shares.values())
        if total <= 0:
            if rec.cost != 0:
                key = (rec.quarter, UNALLOCATED)
                acc[key] = acc.get(key, 0.0) + rec.cost
            continue
        for market, fte in shares.items():
            acc[(rec.quarter, market)] = acc.get((rec.quarter, market), 0.0) + rec.cost * fte / total
    rows = [{"quarter": q, "market": m, "cost": c} for (q, m), c in acc.items()]
    out = pd.DataFrame(rows, columns=["quarter", "market", "cost"])
    return out.sort_values(["quarter", "market"], ignore_index=True)


def with_market_costs(quarterly: pd.DataFrame, costs: pd.DataFrame) -> pd.DataFrame:
    """plan.json's ``quarterly`` rows with a ``cost`` column from :func:`market_quarter_costs`,
    plus ``(unallocated)`` rows (all FTE 0) for cost no market's work took, so that the
    ``cost`` of all rows adds up to the plan's total cost."""
    key = {(q, m): c for q, m, c in costs[["quarter", "market", "cost"]].itertuples(index=False)}
    out = quarterly.copy()
    out["cost"] = [key.pop((q, m), 0.0) for q, m in zip(out["quarter"], out["market"], strict=True)]
    extra = [{"quarter": q, "market": m, "required_fte": 0.0, "inhouse_fte": 0.0,
              "vendor_fte": 0.0, "shortfall_fte": 0.0, "cost": c} for (q, m), c in key.items()]
    if extra:
        out = pd.concat([out, pd.DataFrame(extra)], ignore_index=True)
    return out.sort_values(["quarter", "market"], ignore_index=True)
