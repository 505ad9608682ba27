"""KPI page: plan versus actual. Traffic lights per market (drill down to its queues), site
and vendor, weekly trends, the variance split and a re-plan from the latest actuals.

Every number comes from planning.actuals.kpis / kpis_score / variance / replan; this page only lays
them out and reshapes them for charts.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from pandas.io.formats.style import Styler

from planning.actuals.kpis import compute_kpis, summarise_queues
from planning.actuals.replan import plan_changes, replan_from_plan, stitched_headcount
from planning.actuals.score import (
    operation_scorecard,
    queue_scorecard,
    site_scorecard,
    vendor_scorecard,
)
from planning.actuals.tables import has_actuals, ignored_weeks
from planning.actuals.variance import (
    FACTORS,
    explain_sentence,
    largest_differences,
    variance_summary,
)
from planning.errors import InputError, issues_frame
from planning.pipeline import run_plan
from planning.reports.kpi_sheet import kpi_workbook_bytes
from ui import feedback, keys, session, stages

COLOURS = {"green": "#c6efce", "amber": "#ffeb9c", "red": "#ffc7ce"}
PCT_COLUMNS = ("wape", "bias", "automation_achieved", "automation_assumed", "aht_drift", "sla_share",
               "sla_target", "attrition_month_actual", "attrition_month_assumed", "shrinkage_achieved",
               "shrinkage_assumed", "occupancy", "occupancy_target", "utilisation",
               "utilisation_planned", "fte_attainment", "cost_vs_plan", "cost_vs_budget")
EFFECT_COLOURS = {"volume": "#1f77b4", "automation": "#2ca02c", "aht": "#d62728",
                  "productivity": "#9467bd"}


def lights(frame: pd.DataFrame) -> Styler:
    """The frame styled: status cells coloured, ratios as percentages."""
    status = [c for c in frame.columns if c.endswith("_status")]
    fmt = {c: "{:.1%}" for c in PCT_COLUMNS if c in frame.columns}
    fmt |= {c: "{:,.1f}" for c in frame.columns if c.endswith("_fte") or c.endswith("headcount")}
    fmt |= {c: "{:,.3f}" for c in frame.columns if c.endswith("cost_per_case")}
    fmt |= {c: "{:,.0f}" for c in frame.columns if "cost" in c and c not in fmt and not c.endswith("_status")}
    fmt |= {c: "{:,.0f}" for c in ("cases", "forecast_cases") if c in frame.columns}
    fmt |= {c: "{:.2f}" for c in ("aht_minutes", "aht_planned") if c in frame.columns}
    fmt |= {c: "{:.0%}" for c in frame.columns if c.endswith("_share") and c not in fmt}
    return frame.style.format(fmt, na_rep="–").map(
        lambda v: f"background-color: {COLOURS[v]}" if v in COLOURS else "", subset=status)


def trend(frame: pd.DataFrame, actual: str, planned: str, title: str, y: str,
          pct: bool = False) -> go.Figure:
    """Weekly actual vs planned line chart of two columns of a weekly KPI frame."""
    fig = go.Figure()
    fig.add_scatter(x=frame["week"], y=frame[planned], name="plan", mode="lines+markers",
                    line={"dash": "dash", "color": "#555555"})
    fig.add_scatter(x=frame["week"], y=frame[actual], name="actual", mode="lines+markers",
                    line={"color": "#1f77b4"})
    fig.update_layout(title=title, yaxis_title=y, height=300, hovermode="x unified",
                      margin={"l": 10, "r": 10, "t": 40, "b": 10}, legend={"orientation": "h"})
    if pct:
        fig.update_yaxes(tickformat=".0%")
    return fig


def weekly_queue_view(q: pd.DataFrame, market: str, queue: str | None) -> pd.DataFrame:
    """Weekly cases, AHT and SLA of a market (all queues) or one of its queues, as ratios of sums."""

    rows = q[(q["market"] == market) & ((q["queue"] == queue) if queue else True)]
    return summarise_queues(rows, ["week"]).sort_values("week")


def variance_chart(summary: pd.DataFrame) -> go.Figure:
    """Stacked effects per market (FTE, weekly average) with the total difference marked."""
    fig = go.Figure()
    for f in FACTORS:
        fig.add_bar(x=summary["market"] + " " + summary["quarter"], y=summary[f"{f}_fte"], name=f,
                    marker_color=EFFECT_COLOURS[f])
    fig.add_scatter(x=summary["market"] + " " + summary["quarter"], y=summary["difference_fte"],
                    mode="markers", name="total difference", marker={"symbol": "diamond", "size": 10,
                                                                     "color": "#222222"})
    fig.update_layout(barmode="relative", height=380, yaxis_title="required FTE, actual - plan",
                      title="Why required FTE differs from plan", margin={"l": 10, "r": 10, "t": 40, "b": 10},
                      legend={"orientation": "h"})
    return fig


def markets_tab(rep) -> None:
    st.caption("Forecast accuracy (WAPE, bias > 0 = over-forecast), automation, AHT and SLA "
               "per market over the weeks with actuals; pick a market to see its queues.")
    markets = queue_scorecard(rep, ["market"])
    st.dataframe(lights(markets), hide_index=True, key="kpi_markets")
    market = st.selectbox("Market", markets["market"].tolist(), key="kpi_market")
    queues = queue_scorecard(rep, ["market", "queue"])
    st.dataframe(lights(queues[queues["market"] == market]), hide_index=True, key="kpi_queues")
    queue = st.selectbox("Queue (trends)", ["all queues", *queues.loc[queues["market"] == market, "queue"]],
                         key="kpi_queue")
    w = weekly_queue_view(rep.queues, market, None if queue == "all queues" else queue)
    c = st.columns(3)
    c[0].plotly_chart(trend(w, "cases", "forecast_cases", "Cases: forecast vs actual", "cases"),
                      key="kpi_t_cases")
    c[1].plotly_chart(trend(w, "aht_minutes", "aht_planned", "AHT", "minutes"), key="kpi_t_aht")
    c[2].plotly_chart(trend(w, "sla_share", "sla_target", "SLA attainment", "share", pct=True),
                      key="kpi_t_sla")


def sites_tab(rep) -> None:
    st.caption("Headcount vs plan (latest week), attrition (monthly rate), shrinkage, occupancy "
               "and utilisation per site; vendor FTE delivered vs contracted.")
    st.dataframe(lights(site_scorecard(rep)), hide_index=True, key="kpi_sites")
    st.dataframe(lights(vendor_scorecard(rep)), hide_index=True, key="kpi_vendors")
    if rep.sites.empty:
        return
    site = st.selectbox("Site (trends)", sorted(rep.sites["site"].unique()), key="kpi_site")
    s = rep.sites[rep.sites["site"] == site].sort_values("week")
    c = st.columns(3)
    c[0].plotly_chart(trend(s, "headcount", "planned_headcount", "Headcount", "FTE"), key="kpi_t_hc")
    c[1].plotly_chart(trend(s, "shrinkage_achieved", "shrinkage_assumed", "Shrinkage", "share",
                            pct=True), key="kpi_t_shr")
    c[2].plotly_chart(trend(s, "occupancy", "occupancy_target", "Occupancy", "share", pct=True),
                      key="kpi_t_occ")


def cost_tab(rep, currency: str) -> None:
    st.caption("Actual cost (sites: headcount x monthly cost x 12/52 + starts x hire cost; "
               "vendors: invoices) against the plan and the budget, and cost per case received.")
    st.dataframe(lights(operation_scorecard(rep)), hide_index=True, key="kpi_operation")
    if not rep.operation.empty:
        c = st.columns(2)
        c[0].plotly_chart(trend(rep.operation, "actual_cost", "planned_cost", "Weekly cost", currency),
                          key="kpi_t_cost")
        c[1].plotly_chart(trend(rep.operation, "cost_per_case", "planned_cost_per_case", "Cost per case",
                                f"{currency} per case"), key="kpi_t_cpc")


def variance_tab(rep) -> None:
    s = rep.variance_summary
    if s.empty:
        st.info("The variance split needs actual_queues and a plan made from a forecast.")
        return
    st.caption("Required FTE at the actual volume, automation, AHT and shrinkage minus the plan's, "
               "split so the four effects add up exactly to the difference (Shapley split; "
               "see docs/kpis.md). FTE are weekly averages over the weeks with actuals.")
    st.plotly_chart(variance_chart(s), key="kpi_variance_chart")
    for _, row in largest_differences(s, 5).iterrows():
        st.markdown("- " + explain_sentence(row))
    market = st.selectbox("Market (queues)", s["market"].tolist(), key="kpi_var_market")

    by_queue = variance_summary(rep.variance[rep.variance["market"] == market], ("queue", "quarter"))
    st.dataframe(lights(by_queue), hide_index=True, key="kpi_var_queues")


def replan_tab(inputs, run) -> None:

    before = run.plan
    try:
        rp, committed = replan_from_plan(inputs, before, forecast=run.forecast)
    except InputError as exc:
        feedback.show_issues(issues_frame(exc.issues), "A re-plan cannot start from these actuals")
        return
    st.caption(f"A new plan from {rp.start.date()} ({rp.inputs.scenario.plan.weeks} weeks): weeks "
               f"up to {rp.locked.max().date()} are locked to the actuals; it starts from the latest "
               "actual headcount, re-forecasts with the actual cases, keeps the hires already in "
               "the pipeline and the vendor contracts already signed.")
    st.dataframe(rp.changes, hide_index=True, key="kpi_replan_changes")
    c = st.columns(2)
    c[0].caption("Hires in the pipeline")
    c[0].dataframe(committed.starts, hide_index=True, key="kpi_replan_starts")
    c[1].caption("Signed vendor contracts")
    c[1].dataframe(committed.vendor_fte, hide_index=True, key="kpi_replan_vendors")
    if not st.toggle("Re-plan now (forecast and optimise again; about a minute)", key="kpi_replan_go"):
        return

    def work():
        return run_plan(rp.inputs).plan  # the commitments travel in rp.inputs

    key = f"{keys.plan_key(session.digest())}-{rp.start.date()}"
    done = stages.run_stage("replan", key, work,
                           label="Re-planning from the actuals")
    if done.error is not None:
        feedback.show_error(done, "The re-plan")
        return
    after = done.value
    st.subheader("What changes for the rest of the quarter and the next")
    st.dataframe(plan_changes(before, after, rp.start), hide_index=True, key="kpi_replan_diff")
    hc = stitched_headcount(inputs, after, rp.start)
    fig = go.Figure()
    for site, g in hc.groupby("site"):
        fig.add_scatter(x=g["week"], y=g["headcount"], name=site, mode="lines+markers")
    fig.add_vline(x=rp.start, line={"dash": "dot"})
    fig.update_layout(title="Headcount: actual (locked) then re-planned", height=360,
                      yaxis_title="FTE", margin={"l": 10, "r": 10, "t": 40, "b": 10})
    st.plotly_chart(fig, key="kpi_replan_hc")


def main() -> None:
    inputs = feedback.page_inputs("Plan versus actual")
    if inputs is None:
        return
    if not has_actuals(inputs):
        st.info("No actuals loaded. Add actual_queues.csv, actual_sites.csv and actual_vendors.csv "
                "(see docs/inputs.md) to compare the plan with what happened.",
                icon=":material/info:")
        return
    done = stages.plan(run=True)
    if done is None:
        return
    if done.error is not None:
        feedback.show_error(done, "The plan")
        return
    run = done.value
    rep = compute_kpis(inputs, run.requirements, run.plan)
    weeks = rep.weeks
    skipped = ignored_weeks(inputs)
    st.caption(f"{len(weeks)} week(s) with actuals, {weeks.min():%Y-%m-%d} to {weeks.max():%Y-%m-%d}"
               if len(weeks) else "No actual week falls inside the plan.")
    if len(skipped):
        st.warning(f"{len(skipped)} week(s) of actuals lie outside the plan and are ignored.")
    st.download_button("Download the KPI workbook (.xlsx)", lambda: kpi_workbook_bytes(rep),
                       "kpis.xlsx", key="kpi_download",  # built on click: a few seconds
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    tabs = st.tabs(["Markets and queues", "Sites and vendors", "Cost", "Variance explained",
                    "Re-plan from now"])
    with tabs[0]:
        markets_tab(rep)
    with tabs[1]:
        sites_tab(rep)
    with tabs[2]:
        cost_tab(rep, inputs.scenario.plan.currency)
    with tabs[3]:
        variance_tab(rep)
    with tabs[4]:
        replan_tab(inputs, run)


if __name__ == "__main__":  # run by app.py's navigation, never on import
    main()
