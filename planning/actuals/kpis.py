"""Weekly KPIs of plan versus actual, per market and queue, site, vendor and week.

Every KPI is defined in docs/kpis.md; in short (A = actual, F = the plan's forecast):

- forecast accuracy: ``WAPE = sum |F - A| / sum A``, ``bias = sum (F - A) / sum A`` (> 0:
  over-forecast), F = the forecast the plan was staffed from x volume_multiplier;
- automation: achieved ``automated_cases / cases`` against the plan's automation rate;
- AHT drift: ``achieved aht_minutes / planned aht_minutes - 1``;
- SLA attainment: ``sla_share`` against the queue's sla_target;
- per site: shrinkage achieved ``1 - productive_hours / (headcount x hours_per_week)``,
  occupancy ``handled_hours / productive_hours``, utilisation ``handled_hours / (headcount
  x hours_per_week)``, attrition ``leavers / opening headcount`` per week, shown as monthly
  ``1 - (1 - weekly) ** (52 / 12)``; headcount attainment ``actual / planned headcount``;
- per vendor: FTE attainment ``delivered_fte / planned fte``, invoiced against planned cost;
- per week: actual cost (sites ``headcount x cost_per_fte_month x 12 / 52 + starts x
  hire_cost``, vendors' invoices) against the plan's cost and the budget, cost per case.

Rates aggregate as ratios of sums (case-weighted), never as means of weekly ratios.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from planning.actuals.tables import in_plan_weeks
from planning.actuals.variance import requirement_variance, variance_summary
from planning.inputs.tables import Inputs
from planning.optimise.result import PlanResult
from planning.optimise.solve import PlanStatus
from planning.periods import mondays_in_quarter, quarter_labels
from planning.requirements.compute import queue_parameters
from planning.units import monthly_attrition, weekly_from_monthly


def _empty() -> pd.DataFrame:
    return pd.DataFrame()


def ratio(num: pd.Series | np.ndarray, den: pd.Series | np.ndarray) -> np.ndarray:
    """num / den element by element; NaN where den is not positive (nothing to measure)."""
    num, den = np.asarray(num, float), np.asarray(den, float)
    return np.divide(num, den, out=np.full(num.shape, np.nan), where=den > 0)


def queue_kpis(inputs: Inputs, requirements: pd.DataFrame | None) -> pd.DataFrame:
    """Per market, queue and actual week: cases vs forecast, automation, AHT, SLA.

    Columns: market, queue, week, quarter, cases, forecast_cases, forecast_error (F - A),
    abs_error, automated_cases, automation_achieved, automation_assumed, manual_cases,
    manual_cases_closed, aht_minutes (achieved), aht_planned, aht_drift, sla_share,
    sla_target, planned_fte (required FTE of the plan).
    """
    act = in_plan_weeks(inputs.actual_queues, inputs)
    if act is None:
        return pd.DataFrame()
    params = queue_parameters(inputs)[["market", "queue", "kind", "aht_minutes", "automation_rate",
                                       "sla_target"]]
    df = act.merge(params.rename(columns={"aht_minutes": "aht_planned",
                                          "automation_rate": "automation_assumed"}),
                   on=["market", "queue"], how="left")
    df["sla_target"] = df["sla_target"].fillna(1.0)
    keys = ["market", "queue", "week"]
    if requirements is not None and not requirements.empty and "forecast_cases" in requirements:
        req = requirements.assign(week=pd.to_datetime(requirements["week"]))
        req = req[[*keys, "forecast_cases", "required_fte", "aht_minutes", "automation_rate"]].rename(
            columns={"required_fte": "planned_fte", "aht_minutes": "aht_req", "automation_rate": "auto_req"})
        df = df.merge(req, on=keys, how="left")
        df["forecast_cases"] = df["forecast_cases"] * inputs.scenario.levers.volume_multiplier
        df["aht_planned"] = df["aht_req"].fillna(df["aht_planned"])
        df["automation_assumed"] = df["auto_req"].fillna(df["automation_assumed"])
        df = df.drop(columns=["aht_req", "auto_req"])
    else:  # no plan, or a requirements table brought as input (no forecast behind it)
        df["forecast_cases"] = np.nan
        df["planned_fte"] = np.nan
        if requirements is not None and "required_fte" in requirements:
            req = requirements.assign(week=pd.to_datetime(requirements["week"]))
            df = df.drop(columns="planned_fte").merge(
                req[[*keys, "required_fte"]].rename(columns={"required_fte": "planned_fte"}),
                on=keys, how="left")
    df["forecast_error"] = df["forecast_cases"] - df["cases"]
    df["abs_error"] = df["forecast_error"].abs()
    df["automation_achieved"] = ratio(df["automated_cases"], df["cases"])
    df["manual_cases"] = df["cases"] - df["automated_cases"]
    df["aht_drift"] = df["aht_minutes"] / df["aht_planned"] - 1.0
    return df.sort_values(keys).reset_index(drop=True)


def summarise_queues(q: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Queue KPIs over weeks (and queues, markets) as ratios of sums.

    wape, bias: over the rows with a forecast; automation_achieved / assumed: case-weighted;
    aht achieved / planned: weighted by manual cases closed (manual cases when not given);
    sla_share / sla_target: case-weighted over rows with an sla_share.
    """
    if q.empty:
        return pd.DataFrame()
    d = q.copy()
    has_f = d["forecast_cases"].notna()
    d["a_f"], d["e_f"], d["ae_f"] = d["cases"].where(has_f, 0), d["forecast_error"].fillna(0), \
        d["abs_error"].fillna(0)
    d["f"] = d["forecast_cases"].fillna(0)
    d["auto_w"] = d["cases"] * d["automation_assumed"]
    w = d["manual_cases_closed"].fillna(d["manual_cases"])
    has_aht = d["aht_minutes"].notna()
    d["aht_w"], d["aht_p"], d["aht_n"] = (w * d["aht_minutes"]).where(has_aht, 0), \
        (w * d["aht_planned"]).where(has_aht, 0), w.where(has_aht, 0)
    has_sla = d["sla_share"].notna()
    d["sla_w"], d["slt_w"], d["sla_n"] = (d["cases"] * d["sla_share"]).where(has_sla, 0), \
        (d["cases"] * d["sla_target"]).where(has_sla, 0), d["cases"].where(has_sla, 0)
    sums = ["cases", "f", "a_f", "e_f", "ae_f", "automated_cases", "auto_w", "aht_w", "aht_p",
            "aht_n", "sla_w", "slt_w", "sla_n", "planned_fte"]
    g = d.groupby(by, as_index=False).agg(weeks=("week", "nunique"), **{c: (c, "sum") for c in sums})
    out = g[[*by, "weeks", "cases"]].copy()
    out["forecast_cases"] = g["f"]
    out["wape"] = ratio(g["ae_f"], g["a_f"])
    out["bias"] = ratio(g["e_f"], g["a_f"])
    out["automation_achieved"] = ratio(g["automated_cases"], g["cases"])
    out["automation_assumed"] = ratio(g["auto_w"], g["cases"])
    out["aht_minutes"] = ratio(g["aht_w"], g["aht_n"])
    out["aht_planned"] = ratio(g["aht_p"], g["aht_n"])
    out["aht_drift"] = out["aht_minutes"] / out["aht_planned"] - 1.0
    out["sla_share"] = ratio(g["sla_w"], g["sla_n"])
    out["sla_target"] = ratio(g["slt_w"], g["sla_n"])
    return out


def site_kpis(inputs: Inputs, plan: PlanResult) -> pd.DataFrame:
    """Per site and actual week: headcount, attrition, shrinkage, occupancy, utilisation, cost.

    Opening headcount of a week is the previous week's actual headcount, today's
    ``sites.headcount`` for the plan's first week, else ``headcount - starts + leavers``.
    """
    act = in_plan_weeks(inputs.actual_sites, inputs)
    if act is None or inputs.sites is None:
        return pd.DataFrame()
    wf = inputs.scenario.workforce
    s = inputs.sites[["site", "headcount", "cost_per_fte_month", "hire_cost", "attrition_month"]]
    df = act.merge(s.rename(columns={"headcount": "headcount_today"}), on="site", how="left")
    df = df.sort_values(["site", "week"]).reset_index(drop=True)
    prev = df.groupby("site")["headcount"].shift(1)
    prev_week = df.groupby("site")["week"].shift(1)
    consecutive = (df["week"] - prev_week) == pd.Timedelta(days=7)
    first = df["week"] == pd.Timestamp(inputs.scenario.plan.start)
    opening = np.where(consecutive, prev, np.where(first, df["headcount_today"],
                                                   df["headcount"] - df["starts"] + df["leavers"]))
    df["opening_headcount"] = opening
    weekly = ratio(df["leavers"], df["opening_headcount"])
    df["attrition_month_actual"] = monthly_attrition(1.0 - weekly)
    df["attrition_month_assumed"] = df["attrition_month"]
    paid = df["headcount"] * wf.hours_per_week
    df["paid_hours"] = paid
    df["shrinkage_achieved"] = 1.0 - ratio(df["productive_hours"], paid)
    df["shrinkage_assumed"] = wf.shrinkage
    df["occupancy"] = ratio(df["handled_hours"], df["productive_hours"])
    df["occupancy_target"] = wf.max_occupancy
    df["utilisation"] = ratio(df["handled_hours"], paid)
    df["utilisation_planned"] = (1.0 - wf.shrinkage) * wf.max_occupancy
    df["actual_cost"] = (weekly_from_monthly(df["headcount"] * df["cost_per_fte_month"])
                         + df["starts"] * df["hire_cost"])
    if not plan.sites.empty:
        ps = plan.sites[["site", "week", "headcount", "starts", "cost"]].rename(
            columns={"headcount": "planned_headcount", "starts": "planned_starts",
                     "cost": "planned_cost"})
        df = df.merge(ps, on=["site", "week"], how="left")
    else:
        df[["planned_headcount", "planned_starts", "planned_cost"]] = np.nan
    df["headcount_attainment"] = ratio(df["headcount"], df["planned_headcount"])
    return df.drop(columns=["headcount_today", "cost_per_fte_month", "hire_cost", "attrition_month"])


def vendor_kpis(inputs: Inputs, plan: PlanResult) -> pd.DataFrame:
    """Per vendor and actual week: delivered vs planned FTE and invoiced vs planned cost.

    Planned weekly cost = planned FTE x price_per_fte_month x 12 / 52; without an invoice the
    actual cost is delivered FTE x the same weekly price.
    """
    act = in_plan_weeks(inputs.actual_vendors, inputs)
    if act is None or inputs.vendors is None:
        return pd.DataFrame()
    price = weekly_from_monthly(inputs.vendors.set_index("vendor")["price_per_fte_month"])
    df = act.assign(weekly_price=act["vendor"].map(price))
    if not plan.vendors.empty:
        pv = plan.vendors[["vendor", "quarter", "fte"]].rename(columns={"fte": "planned_fte"})
        df = df.merge(pv, on=["vendor", "quarter"], how="left")
    else:
        df["planned_fte"] = np.nan
    df["planned_cost"] = df["planned_fte"] * df["weekly_price"]
    df["actual_cost"] = df["invoiced_cost"].fillna(df["delivered_fte"] * df["weekly_price"])
    df["fte_attainment"] = ratio(df["delivered_fte"], df["planned_fte"])
    return df.sort_values(["vendor", "week"]).reset_index(drop=True)


def operation_kpis(inputs: Inputs, queues: pd.DataFrame, sites: pd.DataFrame,
                   vendors: pd.DataFrame, plan: PlanResult) -> pd.DataFrame:
    """Per actual week, the whole operation: cost actual vs plan vs budget, cost per case.

    When a week has no site (or no vendor) actuals, that part counts at its planned cost
    (``cost_basis`` says which parts are actual). Budget per week = budget_per_quarter / Mondays in the quarter.
    """
    weeks = sorted(set().union(*(set(f["week"]) for f in (queues, sites, vendors) if not f.empty)))
    if not weeks:
        return pd.DataFrame()
    out = pd.DataFrame({"week": pd.to_datetime(weeks)})
    out["quarter"] = quarter_labels(out["week"]).to_numpy()
    plan_site = plan.sites.groupby("week")["cost"].sum() if not plan.sites.empty else pd.Series(dtype=float)
    plan_vendor = pd.Series(0.0, index=out["week"])
    if not plan.vendors.empty and inputs.vendors is not None:
        price = weekly_from_monthly(inputs.vendors.set_index("vendor")["price_per_fte_month"])
        pv = plan.vendors.assign(weekly=plan.vendors["fte"] * plan.vendors["vendor"].map(price))
        per_q = pv.groupby("quarter")["weekly"].sum()
        plan_vendor = pd.Series(out["quarter"].map(per_q).fillna(0.0).to_numpy(), index=out["week"])
    out["planned_cost"] = (out["week"].map(plan_site).to_numpy() if len(plan_site) else np.nan) \
        + plan_vendor.to_numpy()
    site_cost = sites.groupby("week")["actual_cost"].sum() if not sites.empty else None
    vendor_cost = vendors.groupby("week")["actual_cost"].sum() if not vendors.empty else None
    parts, basis = [], []
    for name, actual, planned in (("sites", site_cost, out["week"].map(plan_site)),
                                  ("vendors", vendor_cost, plan_vendor.to_numpy())):
        if actual is not None:
            parts.append(out["week"].map(actual).fillna(pd.Series(planned, index=out.index)).to_numpy())
            basis.append(f"{name} actual")
        else:
            parts.append(np.asarray(planned, float))
            basis.append(f"{name} planned")
    out["actual_cost"] = parts[0] + parts[1]
    out["cost_basis"] = ", ".join(basis)
    out["cost_vs_plan"] = ratio(out["actual_cost"], out["planned_cost"]) - 1.0
    budget = inputs.scenario.solver.budget_per_quarter
    if budget is not None:

        out["budget"] = [budget / mondays_in_quarter(q) for q in out["quarter"]]
    else:
        out["budget"] = np.nan
    out["cost_vs_budget"] = ratio(out["actual_cost"], out["budget"]) - 1.0
    if not queues.empty:
        c = queues.groupby("week")[["cases", "forecast_cases"]].sum(min_count=1)
        out["cases"] = out["week"].map(c["cases"])
        out["forecast_cases"] = out["week"].map(c["forecast_cases"])
    else:
        out["cases"] = out["forecast_cases"] = np.nan
    out["cost_per_case"] = ratio(out["actual_cost"], out["cases"])
    out["planned_cost_per_case"] = ratio(out["planned_cost"], out["forecast_cases"])
    return out


@dataclass(frozen=True)
class KpiReport:
    """Every plan-versus-actual table of one plan (long frames, see the functions above).

    queues, sites, vendors, operation: weekly KPIs; variance: required FTE / cost effects
    per market, queue and week; variance_summary: per market and quarter.
    """

    queues: pd.DataFrame = field(default_factory=_empty)
    sites: pd.DataFrame = field(default_factory=_empty)
    vendors: pd.DataFrame = field(default_factory=_empty)
    operation: pd.DataFrame = field(default_factory=_empty)
    variance: pd.DataFrame = field(default_factory=_empty)
    variance_summary: pd.DataFrame = field(default_factory=_empty)

    @property
    def weeks(self) -> pd.DatetimeIndex:
        frames = [f for f in (self.queues, self.sites, self.vendors) if not f.empty]
        return pd.DatetimeIndex(sorted(set().union(*(set(f["week"]) for f in frames)))) if frames \
            else pd.DatetimeIndex([])


def compute_kpis(inputs: Inputs, requirements: pd.DataFrame | None,
                 plan: PlanResult | None = None) -> KpiReport:
    """All KPIs of the inputs' actuals against the plan's requirements and plan tables.

    requirements: the plan's requirements with drivers (for forecast accuracy and the
    variance split); plan: what the plan planned (for attainment and costs). Either may be
    missing: the KPIs that need it are then NaN.
    """
    plan = plan if plan is not None else PlanResult(PlanStatus.ERROR, message="no plan")
    q = queue_kpis(inputs, requirements)
    s = site_kpis(inputs, plan)
    v = vendor_kpis(inputs, plan)
    op = operation_kpis(inputs, q, s, v, plan)
    var = pd.DataFrame()
    if requirements is not None and "forecast_cases" in requirements and inputs.actual_queues is not None:
        var = requirement_variance(inputs, requirements, plan.allocation if not plan.allocation.empty
                                   else None)
    summary = variance_summary(var) if not var.empty else pd.DataFrame()
    return KpiReport(q, s, v, op, var, summary)
