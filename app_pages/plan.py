"""Plan page: the optimised plan, its headline numbers, charts and explanations."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from planning.optimise import PlanStatus
from planning.risk.compliance import compliance_table
from planning.risk.confidence_frontier import confidence_frontier
from planning.risk.frontier import FRONTIER_QUANTILES, cost_risk_frontier, frontier_forecast
from ui import charts, feedback, session, stages
from ui.risk_panels import (
    render_compliance,
    render_confidence,
    render_confidence_frontier,
    render_frontier,
    render_risk_panel,
)


def money(x: float | None) -> str:
    """1234567 -> ``1.23 M``; 12345 -> ``12,345``."""
    if x is None or pd.isna(x):
        return "–"
    return f"{x / 1e6:,.2f} M" if abs(x) >= 1e6 else f"{x:,.0f}"


def quarter_summary(plan) -> pd.DataFrame:
    """Per quarter: cost, in-house headcount at quarter end, starts, vendor FTE and average
    weekly shortfall FTE, read off the plan's tables."""
    cost = plan.sites.groupby("quarter")["cost"].sum().add(
        plan.vendors.groupby("quarter")["cost"].sum(), fill_value=0.0)
    ends = plan.sites.sort_values("week").groupby(["quarter", "site"])["headcount"].last()
    out = pd.DataFrame({
        "cost": cost,
        "inhouse_headcount_end": ends.groupby("quarter").sum(),
        "starts": plan.sites.groupby("quarter")["starts"].sum(),
        "vendor_fte": plan.vendors.groupby("quarter")["fte"].sum(),
        "shortfall_fte_avg": plan.quarterly.groupby("quarter")["shortfall_fte"].sum(),
    }).fillna(0.0)
    out.index.name = "quarter"
    return out.reset_index()


def headline(plan, inputs) -> None:
    today = float(inputs.sites["headcount"].sum()) if inputs.sites is not None else 0.0
    q = quarter_summary(plan)
    end = float(q["inhouse_headcount_end"].iloc[-1]) if len(q) else today
    c = st.columns(5)
    c[0].metric("Total cost of the plan", money(plan.total_cost),
                help="Sites (salary x headcount + hiring) and vendor contracts, all quarters; "
                     "no shortfall penalty.")
    c[1].metric("Headcount at plan end", f"{end:,.0f}", f"{end - today:+,.0f} vs today",
                delta_color="off",
                help="In-house: sum over sites of the last planned week's headcount "
                     "(after attrition and starts).")
    c[2].metric("Starts (new hires)", f"{plan.sites['starts'].sum():,.0f}")
    c[3].metric("Vendor FTE (latest quarter)",
                f"{q['vendor_fte'].iloc[-1]:,.0f}" if len(q) else "0")
    c[4].metric("Shortfall (FTE-weeks)", f"{plan.shortfall_fte_weeks or 0:,.1f}",
                help="Required FTE-weeks no site or vendor covers; see the reasons below.")
    shown = pd.DataFrame({
        "quarter": q["quarter"],
        "cost": q["cost"].map("{:,.0f}".format),
        "in-house headcount (end)": q["inhouse_headcount_end"].map("{:,.0f}".format),
        "starts": q["starts"].map("{:,.0f}".format),
        "vendor FTE": q["vendor_fte"].map("{:,.1f}".format),
        "shortfall FTE (weekly avg)": q["shortfall_fte_avg"].map("{:,.2f}".format),
    })
    st.table(shown.set_index("quarter"))


def shortfall_words(shortfall: pd.DataFrame) -> list[str]:
    """One sentence per market and queue with uncovered requirement, with the reasons."""
    out = []
    for (m, q), g in shortfall.groupby(["market", "queue"], sort=True):
        weeks = pd.to_datetime(g["week"])
        reasons = "; ".join(dict.fromkeys(r for rs in g.get("reason", pd.Series(dtype=str))
                                          .dropna() for r in str(rs).split("; ")))
        out.append(f"**{m} / {q}**: {g['fte'].sum():,.1f} FTE-weeks short in {len(g)} week(s) "
                   f"({weeks.min():%Y-%m-%d} to {weeks.max():%Y-%m-%d}). "
                   f"Why: {reasons or 'no reason recorded'}.")
    return out


def binding_words(binding: pd.DataFrame) -> list[str]:
    """One sentence per binding limit with what loosening it by one unit would save."""
    out = []
    for r in binding.itertuples(index=False):
        who = f" for {r.subject}" if r.subject else ""
        save = (f"loosening it by one unit ({r.unit}) saves about {money(r.saving_fixed_hires)} "
                f"with this hiring plan, {money(r.saving_with_hiring)} if hiring may change too")
        out.append(f"**{r.what}**{who}, {r.period}: binds in {r.binding_weeks} week(s); {save}.")
    return out


def explanations(plan) -> None:
    st.subheader("Why the plan looks like this")
    left, right = st.columns(2)
    with left:
        st.markdown("**Shortfall**")
        if plan.shortfall.empty:
            st.success("Every required FTE is covered.", icon=":material/check_circle:")
        for line in shortfall_words(plan.shortfall):
            st.markdown("- " + line)
    with right:
        st.markdown("**Limits that bind**")
        if plan.binding.empty:
            st.markdown("No headcount, hiring, vendor, in-house or budget limit binds.")
        for line in binding_words(plan.binding):
            st.markdown("- " + line)
    if not plan.marginal_cost.empty and st.toggle(
            "Show the cost of one more required FTE per market and quarter", key="plan_show_marginal"):
        st.dataframe(plan.marginal_cost, hide_index=True, key="plan_marginal")


def show_plan(run, inputs) -> None:
    plan = run.plan
    if plan.status == PlanStatus.ERROR:
        st.error(f"The solver found no plan: {plan.message}", icon=":material/error:")
        return
    if plan.status == PlanStatus.TIME_LIMIT:
        gap = f"{plan.gap:.2%}" if plan.gap is not None else "unknown"
        st.warning(f"Best plan found within the solver's time limit (gap to the optimum "
                   f"{gap}). Raise the time limit on Inputs for a proven optimum.",
                   icon=":material/timer:")
    headline(plan, inputs)
    markets = sorted(run.requirements["market"].unique())
    pick = st.selectbox("Market", ["All markets", *markets], key="plan_market")
    key = stages.plan_key_of_last()
    market = None if pick == "All markets" else pick
    st.plotly_chart(stages.memo("coverage", key, market, make=lambda: charts.coverage_figure(
        run.requirements, plan.allocation, plan.shortfall, market)), key="plan_coverage")
    left, right = st.columns(2)
    left.plotly_chart(stages.memo("sites", key, make=lambda: charts.site_figure(
        plan.sites, plan.hiring)), key="plan_sites")
    right.plotly_chart(stages.memo("cost", key, make=lambda: charts.cost_figure(
        plan.sites, plan.vendors)), key="plan_cost")
    explanations(plan)
    if st.toggle("Show the headcount ask per site and vendor, and the hiring schedule",
                 key="plan_show_ask"):
        st.dataframe(plan.ask_sites, hide_index=True, key="plan_ask_sites")
        st.dataframe(plan.ask_vendors, hide_index=True, key="plan_ask_vendors")
        st.dataframe(plan.hiring, hide_index=True, key="plan_hiring")
    risk_and_compliance(run, inputs)


def risk_and_compliance(run, inputs) -> None:
    """SLA risk of this plan (simulated in the background), the cost-vs-risk frontier on
    request, and the per-language compliance table."""

    key = stages.plan_key_of_last()
    st.divider()
    if run.forecast is None:
        st.info("SLA risk needs the daily forecast behind the plan; these inputs bring their own "
                "requirements table, so there is none to simulate.", icon=":material/casino:")
    else:
        risk = stages.risk(run, inputs, key)
        if risk.error is not None:
            feedback.show_error(risk, "The SLA risk simulation")
        else:
            render_risk_panel(risk.value)
        render_confidence(run.plan)
        if st.toggle("Compute the price of confidence (plans to 50% ... 99% SLA confidence, "
                     "each beside the cheapest uniform-quantile plan: several minutes)",
                     key="plan_conf_frontier_on"):
            conf = stages.run_stage("confidence_frontier", key, lambda: confidence_frontier(
                inputs, run.forecast), label="Planning to each SLA confidence")
            if conf.error is not None:
                feedback.show_error(conf, "The confidence frontier")
            else:
                render_confidence_frontier(conf.value)
        if st.toggle("Compute the cost-vs-risk frontier (re-plans at P50, P70, P80, P90 and P95: "
                     "a few minutes)", key="plan_frontier_on"):
            front = stages.run_stage("frontier", key, lambda: cost_risk_frontier(
                inputs, forecast=frontier_forecast(inputs, FRONTIER_QUANTILES, reuse=run.forecast),
                settings=stages.RISK_SETTINGS), label="Re-planning at each quantile")
            if front.error is not None:
                feedback.show_error(front, "The frontier")
            else:
                render_frontier(front.value, current_quantile=inputs.scenario.plan.quantile)
    render_compliance(stages.memo("compliance", key, make=lambda: compliance_table(
        inputs, run.plan.allocation)))


def main() -> None:
    inputs = feedback.page_inputs("Plan")
    if inputs is None:
        return
    top = st.columns([1, 3])
    rerun = top[0].button("Re-plan", type="primary", key="plan_run", icon=":material/refresh:")
    last = stages.last_plan()
    done = stages.plan(run=rerun or last is None)
    current = done is not None
    if done is None and last is not None:
        done, current = last
    if done is None:
        return
    if done.error is not None:
        feedback.show_error(done, "The plan")
        return
    plan = done.value.plan
    top[1].caption(f"Solved in {done.seconds:.1f} s (model build {plan.build_seconds:.1f} s, "
                   f"solver {plan.solve_seconds:.1f} s), status **{plan.status.value}**. "
                   f"Data set {session.label()}, scenario {session.scenario_name()}.")
    if not current:
        st.warning("The inputs changed since this plan was solved: press **Re-plan** to "
                   "optimise them. The plan below is the previous one.", icon=":material/update:")
    show_plan(done.value, inputs)


if __name__ == "__main__":  # run by app.py's navigation, never on import
    main()
