"""Traffic lights: the weekly KPIs summed over a period, one row per market, queue, site or
vendor, each KPI with a status ``green`` / ``amber`` / ``red`` (thresholds in
:data:`THRESHOLDS`, documented in docs/kpis.md). ``n/a`` when a KPI cannot be measured.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from planning.actuals.kpis import KpiReport, ratio, summarise_queues
from planning.actuals.variance import variance_summary
from planning.units import monthly_attrition

GREEN, AMBER, RED, NA = "green", "amber", "red", "n/a"

#: kpi -> (measure, green up to, amber up to); measure turns (actual, plan) into a number
#: where bigger is worse. Anything above the amber limit is red.
THRESHOLDS: dict[str, tuple[str, float, float]] = {
    "wape": ("actual", 0.10, 0.20),                       # share of actual cases
    "bias": ("abs_actual", 0.05, 0.10),                   # |bias|, share of actual cases
    "automation": ("shortfall", 0.02, 0.05),              # assumed - achieved, points
    "aht": ("relative_excess", 0.05, 0.10),               # achieved / planned - 1
    "sla": ("shortfall", 0.0, 0.03),                      # target - achieved, points
    "shrinkage": ("excess", 0.02, 0.05),                  # achieved - assumed, points
    "occupancy": ("excess", 0.02, 0.05),                  # above the max_occupancy target
    "utilisation": ("abs_relative", 0.10, 0.20),          # |achieved / planned - 1|
    "attrition": ("excess", 0.005, 0.015),                # monthly rate above assumed, points
    "headcount": ("abs_relative", 0.02, 0.05),            # |actual / planned - 1|
    "vendor_fte": ("abs_relative", 0.02, 0.05),
    "cost": ("relative_excess", 0.02, 0.05),              # actual / planned - 1
    "cost_per_case": ("relative_excess", 0.02, 0.05),
    "budget": ("relative_excess", 0.0, 0.02),
    "required_fte": ("relative_excess", 0.02, 0.05),      # actual / planned required FTE - 1
}


def measure(kind: str, actual: np.ndarray, planned: np.ndarray) -> np.ndarray:
    """How far off a KPI is, as a number where bigger is worse."""
    a, p = np.asarray(actual, float), np.asarray(planned, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return {
            "actual": a,
            "abs_actual": np.abs(a),
            "shortfall": p - a,
            "excess": a - p,
            "relative_excess": a / p - 1.0,
            "abs_relative": np.abs(a / p - 1.0),
        }[kind]


def light(kpi: str, actual: pd.Series | np.ndarray, planned: pd.Series | np.ndarray | float = np.nan
          ) -> np.ndarray:
    """Status of each value of a KPI: green, amber, red, or n/a when not measurable."""
    kind, green, amber = THRESHOLDS[kpi]
    a = np.asarray(actual, float)
    p = np.broadcast_to(np.asarray(planned, float), a.shape)
    m = measure(kind, a, p)
    status = np.where(m <= green + 1e-12, GREEN, np.where(m <= amber + 1e-12, AMBER, RED))
    return np.where(np.isfinite(m), status, NA)


def queue_scorecard(report: KpiReport, by: list[str]) -> pd.DataFrame:
    """Per ``by`` (["market"] or ["market", "queue"]): forecast accuracy, automation, AHT,
    SLA and required FTE versus plan, each with a ``<kpi>_status`` column."""
    s = summarise_queues(report.queues, by)
    if s.empty:
        return s
    s["wape_status"] = light("wape", s["wape"])
    s["bias_status"] = light("bias", s["bias"])
    s["automation_status"] = light("automation", s["automation_achieved"], s["automation_assumed"])
    s["aht_status"] = light("aht", s["aht_minutes"], s["aht_planned"])
    s["sla_status"] = light("sla", s["sla_share"], s["sla_target"])
    if not report.variance.empty:
        v = variance_summary(report.variance, tuple(by))[[*by, "planned_fte", "actual_fte",
                                                          "difference_fte"]]
        s = s.drop(columns=["planned_fte"], errors="ignore").merge(v, on=by, how="left")
        s["required_fte_status"] = light("required_fte", s["actual_fte"], s["planned_fte"])
    return s


def site_scorecard(report: KpiReport) -> pd.DataFrame:
    """Per site over the period: latest headcount vs plan, attrition, shrinkage, occupancy,
    utilisation and cost, with status columns."""
    d = report.sites
    if d.empty:
        return d
    last = d.sort_values("week").groupby("site").tail(1).set_index("site")
    measured = d["handled_hours"].notna()
    g = d.assign(paid=d["paid_hours"], handled=d["handled_hours"].fillna(0.0),
                 prod_h=d["productive_hours"].where(measured, 0.0),
                 paid_h=d["paid_hours"].where(measured, 0.0)).groupby("site").agg(
        weeks=("week", "nunique"), leavers=("leavers", "sum"), opening=("opening_headcount", "sum"),
        starts=("starts", "sum"), productive=("productive_hours", "sum"), paid=("paid", "sum"),
        handled=("handled", "sum"), prod_h=("prod_h", "sum"), paid_h=("paid_h", "sum"),
        actual_cost=("actual_cost", "sum"),
        planned_cost=("planned_cost", "sum"), attrition_assumed=("attrition_month_assumed", "first"),
        shrinkage_assumed=("shrinkage_assumed", "first"), occupancy_target=("occupancy_target", "first"),
        utilisation_planned=("utilisation_planned", "first"))
    out = pd.DataFrame(index=g.index)
    out["weeks"] = g["weeks"]
    out["headcount"] = last["headcount"]
    out["planned_headcount"] = last["planned_headcount"]
    weekly = ratio(g["leavers"], g["opening"])
    out["attrition_month_actual"] = monthly_attrition(1.0 - weekly)
    out["attrition_month_assumed"] = g["attrition_assumed"]
    out["shrinkage_achieved"] = 1.0 - ratio(g["productive"], g["paid"])
    out["shrinkage_assumed"] = g["shrinkage_assumed"]
    out["occupancy"] = ratio(g["handled"], g["prod_h"])
    out["occupancy_target"] = g["occupancy_target"]
    out["utilisation"] = ratio(g["handled"], g["paid_h"])
    out["utilisation_planned"] = g["utilisation_planned"]
    out["actual_cost"] = g["actual_cost"]
    out["planned_cost"] = g["planned_cost"].where(g["planned_cost"] != 0)
    out["headcount_status"] = light("headcount", out["headcount"], out["planned_headcount"])
    out["attrition_status"] = light("attrition", out["attrition_month_actual"], out["attrition_month_assumed"])
    out["shrinkage_status"] = light("shrinkage", out["shrinkage_achieved"], out["shrinkage_assumed"])
    out["occupancy_status"] = light("occupancy", out["occupancy"], out["occupancy_target"])
    out["utilisation_status"] = light("utilisation", out["utilisation"], out["utilisation_planned"])
    out["cost_status"] = light("cost", out["actual_cost"], out["planned_cost"])
    return out.reset_index()


def vendor_scorecard(report: KpiReport) -> pd.DataFrame:
    """Per vendor over the period: delivered vs planned FTE (weekly average), cost."""
    d = report.vendors
    if d.empty:
        return d
    g = d.groupby("vendor").agg(weeks=("week", "nunique"), delivered_fte=("delivered_fte", "mean"),
                                planned_fte=("planned_fte", "mean"), actual_cost=("actual_cost", "sum"),
                                planned_cost=("planned_cost", "sum")).reset_index()
    g["fte_attainment"] = ratio(g["delivered_fte"], g["planned_fte"])
    g["vendor_fte_status"] = light("vendor_fte", g["delivered_fte"], g["planned_fte"])
    g["cost_status"] = light("cost", g["actual_cost"], g["planned_cost"])
    return g


def operation_scorecard(report: KpiReport) -> pd.DataFrame:
    """One row per quarter of the period: cost vs plan and budget, cost per case."""
    d = report.operation
    if d.empty:
        return d
    g = d.groupby("quarter").agg(weeks=("week", "nunique"), actual_cost=("actual_cost", "sum"),
                                 planned_cost=("planned_cost", "sum"), budget=("budget", "sum"),
                                 cases=("cases", "sum"), forecast_cases=("forecast_cases", "sum"))
    g = g.reset_index()
    g["budget"] = g["budget"].where(d.groupby("quarter")["budget"].count().to_numpy() > 0)
    g["cost_vs_plan"] = ratio(g["actual_cost"], g["planned_cost"]) - 1.0
    g["cost_vs_budget"] = ratio(g["actual_cost"], g["budget"]) - 1.0
    g["cost_per_case"] = ratio(g["actual_cost"], g["cases"])
    g["planned_cost_per_case"] = ratio(g["planned_cost"], g["forecast_cases"])
    g["cost_status"] = light("cost", g["actual_cost"], g["planned_cost"])
    g["budget_status"] = light("budget", g["actual_cost"], g["budget"])
    g["cost_per_case_status"] = light("cost_per_case", g["cost_per_case"], g["planned_cost_per_case"])
    return g
