"""Re-plan from now: a new scenario that starts from the latest actual state.

:func:`replan_inputs` turns the inputs of a plan whose first weeks have happened into the
inputs of a new plan (past weeks locked, i.e. no longer planned):

- ``plan.start`` = the Monday after the last week with actuals; the horizon runs to the end
  of the original plan, and at least to the end of the next calendar quarter;
- ``sites.headcount`` = each site's latest actual headcount (end of that week);
- ``volumes`` gains the actual cases of the weeks after its history, spread over the days of
  each week like the plan's forecast (flat without one), so the forecast stage re-forecasts
  with the new history; a forecast or requirements table brought as input is kept as is;
- optionally (``adopt_aht``) a (market, queue) whose achieved AHT over the last weeks is off
  the plan's by more than a tolerance gets it as a ``market_queues`` override.

Hires already in the pipeline and vendor contracts already signed are
:class:`~planning.optimise.commitments.Commitments`; :func:`commitments_from_plan` reads them off the previous plan (starts
inside each site's lead time were requisitioned already; the current quarter's vendor FTE is
contracted). The optimiser honours them through
:func:`planning.optimise.commitments.apply_commitments`.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from planning.actuals.tables import actual_weeks
from planning.errors import InputError, Issue
from planning.inputs.tables import Inputs
from planning.optimise.commitments import Commitments
from planning.optimise.result import PlanResult
from planning.periods import plan_weeks, quarter_label, quarter_labels
from planning.requirements.compute import quantile_column, queue_parameters


@dataclass(frozen=True)
class Replan:
    """A re-plan's inputs and what was carried over from the actuals.

    inputs: the new plan's inputs; start: its first week; locked: the weeks with actuals
    (no longer planned); changes: rows (table, key, column, old, new) of every input value
    the actuals changed (headcount, adopted AHT).
    """

    inputs: Inputs
    start: pd.Timestamp
    locked: pd.DatetimeIndex
    changes: pd.DataFrame


def replan_start(inputs: Inputs) -> pd.Timestamp:
    """The Monday after the last week with actuals (raises InputError without actuals)."""
    weeks = actual_weeks(inputs, in_plan=False)
    if len(weeks) == 0:
        raise InputError([Issue("actual_sites", None, None, None,
                                "a re-plan starts from actuals: provide actual_sites (and "
                                "actual_queues, actual_vendors) for the weeks that have happened")])
    return weeks.max() + pd.Timedelta(days=7)


def replan_weeks(inputs: Inputs, start: pd.Timestamp) -> int:
    """Weeks from ``start`` to the end of the original plan, and at least to the end of the
    calendar quarter after ``start``'s."""
    sc = inputs.scenario.plan
    end = pd.Timestamp(sc.start) + pd.Timedelta(days=7 * sc.weeks)
    next_q_end = (start + pd.offsets.QuarterEnd(0) + pd.offsets.QuarterEnd(1)).normalize()
    weeks_next = math.floor((next_q_end - start).days / 7) + 1
    return max(math.ceil((end - start).days / 7), weeks_next)


def latest_headcount(inputs: Inputs, before: pd.Timestamp) -> pd.DataFrame:
    """Per site, the actual headcount of its last week before ``before`` (site, week, headcount)."""
    s = inputs.actual_sites
    if s is None or s.empty:
        return pd.DataFrame(columns=["site", "week", "headcount"])
    s = s[s["week"] < before].sort_values("week")
    return s.groupby("site", as_index=False).tail(1)[["site", "week", "headcount"]]


def daily_actuals(inputs: Inputs, forecast: pd.DataFrame | None = None) -> pd.DataFrame:
    """Weekly actual cases as daily rows (market, queue, date, cases), for weeks after the
    history in ``volumes``; each week's total is spread like the forecast's days (flat
    when there is no forecast for the week). Weekly totals are kept exactly."""
    aq = inputs.actual_queues
    cols = ["market", "queue", "date", "cases"]
    if aq is None or aq.empty:
        return pd.DataFrame(columns=cols)
    days = aq.loc[aq.index.repeat(7), ["market", "queue", "week", "cases"]].reset_index(drop=True)
    days["date"] = days["week"] + pd.to_timedelta(days.groupby(["market", "queue", "week"]).cumcount(),
                                                  unit="D")
    days["share"] = 1.0 / 7.0
    col = quantile_column(inputs.scenario.plan.quantile)
    if forecast is not None and col in forecast.columns:
        f = forecast[["market", "queue", "date", col]].rename(columns={col: "f"})
        days = days.merge(f, on=["market", "queue", "date"], how="left")
        tot = days.groupby(["market", "queue", "week"])["f"].transform("sum")
        ok = days.groupby(["market", "queue", "week"])["f"].transform("count").eq(7) & (tot > 0)
        days["share"] = np.where(ok, days["f"] / tot.where(tot > 0, 1.0), days["share"])
    days["cases"] = days["cases"] * days["share"]
    if inputs.volumes is not None and not inputs.volumes.empty:
        last = inputs.volumes.groupby(["market", "queue"])["date"].max().rename("last").reset_index()
        days = days.merge(last, on=["market", "queue"], how="left")
        days = days[days["last"].isna() | (days["date"] > days["last"])]
    return days[cols].reset_index(drop=True)


def adopted_aht(inputs: Inputs, start: pd.Timestamp, recent_weeks: int = 2,
                tolerance: float = 0.05) -> pd.DataFrame:
    """(market, queue, old, new) whose achieved AHT over the last ``recent_weeks`` weeks
    before ``start`` (weighted by manual cases closed) is off the effective input AHT
    (before the aht_multiplier lever) by more than ``tolerance`` (relative)."""
    aq = inputs.actual_queues
    cols = ["market", "queue", "old", "new"]
    if aq is None or aq.empty or aq["aht_minutes"].isna().all():
        return pd.DataFrame(columns=cols)
    first = start - pd.Timedelta(days=7 * recent_weeks)
    r = aq[(aq["week"] >= first) & (aq["week"] < start) & aq["aht_minutes"].notna()]
    w = r["manual_cases_closed"].fillna(r["cases"] - r["automated_cases"])
    g = r.assign(wa=w * r["aht_minutes"], w=w).groupby(["market", "queue"], as_index=False)[
        ["wa", "w"]].sum()
    g = g[g["w"] > 0]
    g["new"] = g["wa"] / g["w"]
    params = queue_parameters(inputs)[["market", "queue", "aht_minutes"]]
    params["old"] = params["aht_minutes"] / inputs.scenario.levers.aht_multiplier
    g = g.merge(params[["market", "queue", "old"]], on=["market", "queue"])
    g = g[(g["new"] / g["old"] - 1.0).abs() > tolerance]
    return g[cols].reset_index(drop=True)


def replan_inputs(inputs: Inputs, *, forecast: pd.DataFrame | None = None,
                  start: pd.Timestamp | None = None, adopt_aht: bool = True,
                  recent_weeks: int = 2, tolerance: float = 0.05) -> Replan:
    """The inputs of a plan from ``start`` (default: the Monday after the last actual week).

    forecast: the previous plan's daily forecast, used to spread weekly actual cases over
    days. Raises InputError when a site's actual headcount exceeds its max_headcount.
    """
    start = replan_start(inputs) if start is None else pd.Timestamp(start)
    if start.weekday() != 0:
        raise InputError([Issue("scenario", None, "plan.start", str(start.date()),
                                "a re-plan starts on a Monday")])
    weeks = replan_weeks(inputs, start)
    sc = inputs.scenario
    scenario = dataclasses.replace(sc, plan=dataclasses.replace(sc.plan, start=start.date(),
                                                                weeks=weeks))
    changes: list[dict] = []
    sites = inputs.sites
    if sites is not None:
        latest = latest_headcount(inputs, start).set_index("site")["headcount"]
        sites = sites.copy()
        issues = []
        for i, row in sites.iterrows():
            if row["site"] not in latest.index:
                continue
            new = float(latest[row["site"]])
            changes.append({"table": "sites", "key": row["site"], "column": "headcount",
                            "old": float(row["headcount"]), "new": new})
            sites.at[i, "headcount"] = new
            cap = row["max_headcount"]
            if not pd.isna(cap) and new > cap:
                issues.append(Issue("sites", None, "max_headcount", str(cap),
                                    f"must be at least site {row['site']}'s actual headcount {new:g}"))
        if issues:
            raise InputError(issues)
    volumes = inputs.volumes
    extra = daily_actuals(inputs, forecast)
    if volumes is not None and len(extra):
        volumes = pd.concat([volumes, extra], ignore_index=True).sort_values(
            ["market", "queue", "date"]).reset_index(drop=True)
    mq = inputs.market_queues
    if adopt_aht:
        aht = adopted_aht(inputs, start, recent_weeks, tolerance)
        if len(aht):
            mq = mq.set_index(["market", "queue"])
            for r in aht.itertuples(index=False):
                mq.loc[(r.market, r.queue), "aht_minutes"] = r.new
                changes.append({"table": "market_queues", "key": f"{r.market} / {r.queue}",
                                "column": "aht_minutes", "old": r.old, "new": r.new})
            mq = mq.reset_index()
    new_inputs = dataclasses.replace(inputs, scenario=scenario, sites=sites, volumes=volumes,
                                     market_queues=mq)
    locked = actual_weeks(inputs, in_plan=False)
    return Replan(new_inputs, start, locked[locked < start],
                  pd.DataFrame(changes, columns=["table", "key", "column", "old", "new"]))


def commitments_from_plan(inputs: Inputs, plan: PlanResult, start: pd.Timestamp) -> Commitments:
    """Commitments a re-plan from ``start`` inherits from the previous plan.

    starts: the previous plan's starts at each site in the weeks ``start`` to ``start +
    lead_weeks - 1`` (requisitions for them went out already); vendor_fte: the previous
    plan's FTE of each vendor in ``start``'s quarter (quarterly contracts, already signed).
    """
    start = pd.Timestamp(start)
    starts = Commitments().starts
    if not plan.sites.empty and inputs.sites is not None:
        lead = inputs.sites.set_index("site")["lead_weeks"]
        s = plan.sites[["site", "week", "starts"]].copy()
        s["lead"] = s["site"].map(lead).fillna(0)
        end = start + pd.to_timedelta(7 * s["lead"], unit="D")
        s = s[(s["week"] >= start) & (s["week"] < end) & (s["starts"] > 0)]
        starts = s[["site", "week", "starts"]].reset_index(drop=True)
    vendor = Commitments().vendor_fte
    if not plan.vendors.empty:
        q = quarter_label(start)
        vendor = plan.vendors.loc[plan.vendors["quarter"] == q, ["vendor", "quarter", "fte"]]
        vendor = vendor.reset_index(drop=True)
    return Commitments(starts, vendor)


def replan_from_plan(inputs: Inputs, before: PlanResult, *, forecast: pd.DataFrame | None = None
                     ) -> tuple[Replan, Commitments]:
    """A re-plan whose inputs carry the previous plan's commitments as the input tables
    ``committed_starts`` and ``signed_vendor_fte``, so any plan of them (app, CLI, workbook)
    honours the hires in the pipeline and the signed contracts. Returns it and the commitments."""
    rp = replan_inputs(inputs, forecast=forecast)
    committed = commitments_from_plan(inputs, before, rp.start)
    carried = dataclasses.replace(rp.inputs, committed_starts=committed.starts,
                                  signed_vendor_fte=committed.vendor_fte)
    return dataclasses.replace(rp, inputs=carried), committed


def stitched_headcount(inputs: Inputs, replan: PlanResult, start: pd.Timestamp) -> pd.DataFrame:
    """Headcount per site and week over the original plan's weeks and the re-plan's: locked
    weeks (before ``start``) from actual_sites, later weeks from the re-plan.

    Columns: site, week, quarter, headcount, starts, source (``actual`` or ``plan``).
    """
    start = pd.Timestamp(start)
    parts = []
    a = inputs.actual_sites
    if a is not None and not a.empty:
        first = pd.Timestamp(inputs.scenario.plan.start)
        a = a[(a["week"] >= min(first, a["week"].min())) & (a["week"] < start)]
        parts.append(a[["site", "week", "headcount", "starts"]].assign(source="actual"))
    if not replan.sites.empty:
        p = replan.sites[replan.sites["week"] >= start]
        parts.append(p[["site", "week", "headcount", "starts"]].assign(source="plan"))
    if not parts:
        return pd.DataFrame(columns=["site", "week", "quarter", "headcount", "starts", "source"])
    out = pd.concat(parts, ignore_index=True).sort_values(["site", "week"]).reset_index(drop=True)
    out.insert(2, "quarter", quarter_labels(out["week"]).to_numpy())
    return out


def plan_changes(before: PlanResult, after: PlanResult, start: pd.Timestamp) -> pd.DataFrame:
    """What the re-plan changes per quarter from ``start``: average headcount, starts and cost
    of each site, FTE and cost of each vendor, before and after.

    Columns: quarter, pool_type, pool, measure (headcount, starts, fte, cost), before, after,
    change. Only weeks on or after ``start`` are compared.
    """
    rows = []
    start = pd.Timestamp(start)
    weeks = set(plan_weeks(start, 520))
    for label, plan in (("before", before), ("after", after)):
        s = plan.sites
        if not s.empty:
            s = s[s["week"].isin(weeks)].assign(quarter=lambda f: quarter_labels(f["week"]).to_numpy())
            g = s.groupby(["quarter", "site"]).agg(headcount=("headcount", "mean"),
                                                   starts=("starts", "sum"), cost=("cost", "sum"))
            for (q, site), r in g.iterrows():
                rows += [{"quarter": q, "pool_type": "site", "pool": site, "measure": m,
                          "which": label, "value": float(r[m])} for m in ("headcount", "starts", "cost")]
        v = plan.vendors
        if not v.empty:
            quarters = {quarter_label(w) for w in weeks}
            for r in v[v["quarter"].isin(quarters)].itertuples(index=False):
                rows.append({"quarter": r.quarter, "pool_type": "vendor", "pool": r.vendor,
                             "measure": "fte", "which": label, "value": float(r.fte)})
    if not rows:
        return pd.DataFrame(columns=["quarter", "pool_type", "pool", "measure", "before", "after",
                                     "change"])
    long = pd.DataFrame(rows)
    long = long[long["quarter"].isin(set(long.loc[long["which"] == "after", "quarter"]))]
    wide = long.pivot_table(index=["quarter", "pool_type", "pool", "measure"], columns="which",
                            values="value", aggfunc="sum").reset_index()
    for c in ("before", "after"):
        if c not in wide:
            wide[c] = np.nan
    wide["change"] = wide["after"] - wide["before"]
    wide.columns.name = None
    return wide[["quarter", "pool_type", "pool", "measure", "before", "after", "change"]]
