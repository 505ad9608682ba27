"""Plan page: the quarterly headcount ask first (sentences, one table, SLA confidence, what
changed since the last approved version), then charts and explanations in tabs."""

from __future__ import annotations

import pandas as pd
import sqlalchemy.exc
import streamlit as st

from planning.optimise import PlanStatus
from planning.reports import formats as f
from planning.reports.ask import PlanAsk, plan_ask
from planning.reports.ask_text import (
    SLA_CONFIDENCE_HELP,
    ask_table,
    emphasised,
    sla_sentence,
    sla_table,
)
from planning.reports.compare import compare_plans
from planning.reports.words import binding_sentences, shortfall_sentences
from planning.risk.compliance import compliance_table
from planning.risk.confidence_frontier import confidence_frontier
from planning.risk.frontier import FRONTIER_QUANTILES, cost_risk_frontier, frontier_forecast
from planning.store.store import StoreError
from ui import charts, feedback, session, stages
from ui.jobs import Done
from ui.risk_panels import (
    render_compliance,
    render_confidence,
    render_confidence_frontier,
    render_frontier,
    render_risk_panel,
)
from ui.store import last_approved, stored

TABS = ["Charts", "Why the plan looks like this", "SLA risk", "Hiring schedule",
        "Staff per language"]


def sla_help(settings) -> str:
    """The tooltip defining SLA confidence, with the settings actually simulated."""
    return SLA_CONFIDENCE_HELP.format(paths=settings.paths, correlation=settings.correlation,
                                      aht_cv=settings.aht_cv)


def show_ask(ask: PlanAsk) -> None:
    """The ask in sentences and one table (no SLA confidence yet: it is simulated after)."""
    st.markdown("  \n".join(emphasised(x) for x in ask.sentences))
    table = ask_table(ask)
    numbers = [c for c in table.columns if c[1] != "open requisitions by"]
    st.table(table.style.set_properties(subset=numbers, **{"text-align": "right"}))


def show_sla(slot, ask: PlanAsk, risk: Done | None, settings, plan_settings=None) -> None:
    """The SLA confidence per market and quarter (or why it is missing) into ``slot``."""
    with slot.container():
        if risk is None:
            st.caption("SLA confidence needs the daily forecast behind the plan; these inputs "
                       "bring their own requirements table.")
            return
        if risk.error is not None:
            feedback.show_error(risk, "The SLA risk simulation")
            return
        target = getattr(plan_settings, "sla_confidence", None)
        st.markdown("**SLA confidence per market**: the probability that every queue of the "
                    "market meets its quarterly SLA; "
                    + (sla_sentence(ask, target, label=False) or ""), help=sla_help(settings))
        st.table(sla_table(ask))
        if target is not None:
            st.caption(f"This plan is made so that each queue meets its SLA with probability "
                       f"{target:.0%} or more (where limits allow, see Why the plan looks like "
                       "this); a market's figure needs all its queues at once, so it is lower.")


def what_changed(run, inputs) -> list[str]:
    """Sentences: this plan against the last approved version of the scenario on screen
    (none when the scenario was never saved or has no approved version)."""
    name = session.scenario_name().rpartition("@")[0]
    if not name:
        return []
    try:
        meta = last_approved(name)
        if meta is None:
            return []
        approved = stored(meta.label)
    except (StoreError, OSError, sqlalchemy.exc.SQLAlchemyError):
        return []  # no store to read: the ask stands without the comparison
    label = "this plan" if session.unsaved() else session.scenario_name()
    if meta.label == label:
        return []
    comp = compare_plans(approved, (label, run.plan, inputs))
    return comp.explain()[1:]


def charts_tab(run) -> None:
    plan, key = run.plan, stages.plan_key_of_last()
    markets = sorted(run.requirements["market"].unique())
    pick = st.selectbox("Market", ["All markets", *markets], key="plan_market")
    market = None if pick == "All markets" else pick
    st.plotly_chart(stages.memo("coverage", key, market, make=lambda: charts.coverage_figure(
        run.requirements, plan.allocation, plan.shortfall, market)), key="plan_coverage")
    left, right = st.columns(2)
    left.plotly_chart(stages.memo("sites", key, make=lambda: charts.site_figure(
        plan.sites, plan.hiring)), key="plan_sites")
    cur = session.inputs().scenario.plan.currency
    right.plotly_chart(stages.memo("cost", key, cur, make=lambda: charts.cost_figure(
        plan.sites, plan.vendors, cur)), key="plan_cost")


def explanations_tab(plan, currency: str) -> None:
    left, right = st.columns(2)
    with left:
        st.markdown("**Work not covered**")
        lines = shortfall_sentences(plan.shortfall)
        if not lines:
            st.success("Every required FTE is covered.", icon=":material/check_circle:")
        for line in lines:
            st.markdown("- " + line)
    with right:
        st.markdown("**Limits that move the cost**")
        material, minor = binding_sentences(plan.binding, plan.total_cost, currency)
        if not material:
            st.markdown("No headcount, hiring, vendor, in-house or budget limit changes the "
                        "cost materially.")
        for line in material:
            st.markdown("- " + line)
        if minor:
            with st.expander(f"{len(minor)} more limit(s) bind with little effect on cost"):
                for line in minor:
                    st.markdown("- " + line)
    if not plan.marginal_cost.empty and st.toggle(
            f"Show the cost of one more required FTE per market and quarter ({currency})",
            key="plan_show_marginal"):
        st.dataframe(plan.marginal_cost, hide_index=True, key="plan_marginal")


def hiring_tab(ask: PlanAsk) -> None:
    st.caption("Every week with starts: when the new people start and when their "
               "requisitions must open (the start week minus the site's lead time).")
    h = ask.hiring
    if h.empty:
        st.info("The plan hires nobody.")
        return
    st.dataframe(pd.DataFrame({
        "site": h["site"], "quarter": h["quarter"], "people starting": h["hires"],
        "start week": [f.day(x) for x in h["start_week"]],
        "requisitions open by": [f.day(x) for x in h["requisition_week"]],
        "requisition": h["requisition_status"]}), hide_index=True, key="plan_hiring")


def risk_tab(run, inputs, slot) -> None:
    """The SLA risk panel is drawn into ``slot`` once the simulation is done; the
    frontier re-plans on request."""
    key = stages.plan_key_of_last()
    if run.forecast is None:
        st.info("SLA risk needs the daily forecast behind the plan; these inputs bring their "
                "own requirements table, so there is none to simulate.",
                icon=":material/casino:")
        return
    with slot.container():
        st.caption("Simulating SLA risk ...")
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
    key = stages.plan_key_of_last()
    currency = inputs.scenario.plan.currency
    risk = stages.risk(run, inputs, key, wait_for_it=False)
    ask = plan_ask(plan, inputs, today=session.today(),
                    risk_markets=None if risk is None or risk.error else risk.value.markets)
    show_ask(ask)
    sla_slot = st.empty()
    changes = what_changed(run, inputs)
    if changes:
        with st.expander("What changed against the last approved version", expanded=True):
            for line in changes[:4]:
                st.markdown("- " + line)
            for line in changes[4:]:
                st.caption(line)
    tabs = st.tabs(TABS)
    with tabs[0]:
        charts_tab(run)
    with tabs[1]:
        explanations_tab(plan, currency)
    with tabs[2]:
        risk_slot = st.empty()
        risk_tab(run, inputs, risk_slot)
    with tabs[3]:
        hiring_tab(ask)
    with tabs[4]:
        render_compliance(stages.memo("compliance", key, make=lambda: compliance_table(
            inputs, plan.allocation)))
    # the SLA simulation runs last, so everything above is on screen while it works
    # (stages.risk is None without a forecast to simulate from)
    waited = run.forecast is not None and risk is None
    if waited:
        with sla_slot.container():
            risk = stages.risk(run, inputs, key)
    if risk is not None and risk.error is None:
        if waited:  # the ask above was made before the risk was known
            ask = plan_ask(plan, inputs, today=session.today(), risk_markets=risk.value.markets)
        with risk_slot.container():
            render_risk_panel(risk.value)
    show_sla(sla_slot, ask, risk, stages.RISK_SETTINGS, inputs.scenario.plan)


def main() -> None:
    inputs = feedback.page_inputs("Plan")
    if inputs is None:
        return
    top = st.columns([1, 5], vertical_alignment="center")
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
    top[1].caption(f"Scenario **{session.scenario_name()}** on {session.label()} · plan "
                   f"{plan.status.value}, "
                   + ("reused from the cache of an identical earlier run" if done.value.reused
                      else f"solved in {done.seconds:.1f} s")
                   + " · requisitions judged "
                   f"against today, {f.day(session.today())} · money in "
                   f"{inputs.scenario.plan.currency}")
    if not current:
        st.warning("The inputs changed since this plan was solved: press **Re-plan** to "
                   "optimise them. The plan below is the previous one.", icon=":material/update:")
    show_plan(done.value, inputs)


if __name__ == "__main__":  # run by app.py's navigation, never on import
    main()
