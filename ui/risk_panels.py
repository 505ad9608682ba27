"""Plan-page panels for SLA risk, the cost-vs-risk frontier and the compliance table.

Display only: every number comes from :mod:`planning.risk.simulate`, :mod:`planning.risk.frontier` and
:mod:`planning.risk.compliance`; these functions reshape and draw them. The Plan page computes
the results (ideally as background stages) and calls:

    render_risk_panel(risk)                  # risk: planning.risk.simulate.RiskResult or None
    render_frontier(frontier, current_quantile=inputs.scenario.plan.quantile)
    render_compliance(table)                 # table: planning.risk.compliance.compliance_table(...)
    render_confidence(plan)                  # a plan made to [plan] sla_confidence
    render_confidence_frontier(frontier)     # planning.risk.confidence_frontier.confidence_frontier
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from planning.risk.compliance import by_language, compliance_xlsx_bytes, eu_markets, notes
from planning.risk.confidence import market_confidence


def market_risk_frame(markets: pd.DataFrame) -> pd.DataFrame:
    """Market x quarter table of the probability that every queue of the market meets its SLA."""
    return markets.pivot(index="market", columns="quarter", values="p_all_queues_meet")


def risk_figure(markets: pd.DataFrame) -> go.Figure:
    """Heatmap: probability (0-100%) that every queue of a market meets its SLA, per quarter."""
    pivot = market_risk_frame(markets).sort_index(ascending=False)
    fig = go.Figure(go.Heatmap(
        z=pivot.values * 100, x=list(pivot.columns), y=list(pivot.index), zmin=0, zmax=100,
        colorscale="RdYlGn", colorbar={"title": "%"},
        text=[[f"{v:.0%}" for v in row] for row in pivot.values], texttemplate="%{text}",
        hovertemplate="%{y} %{x}: %{text} of simulated quarters meet every SLA<extra></extra>"))
    fig.update_layout(title="Probability that every queue meets its SLA", height=120 + 28 * len(pivot),
                      margin={"l": 10, "r": 10, "t": 50, "b": 10})
    return fig


def frontier_figure(points: pd.DataFrame, current_quantile: float | None = None) -> go.Figure:
    """Cost (x) against probability of meeting the SLA (y), one point per quantile."""
    pts = points.dropna(subset=["total_cost"]).sort_values("quantile")
    labels = [f"P{round(q * 100)}" for q in pts["quantile"]]
    fig = go.Figure(go.Scatter(
        x=pts["total_cost"], y=pts["p_meet_weighted"] * 100, mode="lines+markers+text",
        text=labels, textposition="top left", name="plans",
        customdata=pts[["shortfall_fte_weeks", "p_all_meet"]].to_numpy() * [1, 100],
        hovertemplate="%{text}: cost %{x:,.0f}<br>meets SLA %{y:.1f}% (cases-weighted)<br>"
                      "every cell meets %{customdata[1]:.1f}%<br>shortfall "
                      "%{customdata[0]:,.1f} FTE-weeks<extra></extra>"))
    if current_quantile is not None:
        cur = pts[(pts["quantile"] - current_quantile).abs() < 1e-9]
        if len(cur):
            fig.add_scatter(x=cur["total_cost"], y=cur["p_meet_weighted"] * 100, mode="markers",
                            marker={"size": 16, "symbol": "circle-open", "color": "#d62728"},
                            name="this scenario's quantile")
    fig.update_layout(title="Cost against probability of meeting the SLA",
                      xaxis_title="total cost of the plan", yaxis_title="meets SLA (%)",
                      yaxis_range=[0, 105], height=420, margin={"l": 10, "r": 10, "t": 50, "b": 10},
                      legend={"orientation": "h", "y": -0.2})
    return fig


def render_risk_panel(risk, *, key: str = "plan_risk") -> None:
    """SLA probability per market and quarter, with the per-queue detail behind it."""
    st.subheader("SLA risk")
    if risk is None:
        st.info("SLA risk has not been simulated for this plan yet.", icon=":material/casino:")
        return
    s = risk.settings
    st.caption(f"{s.paths:,} simulated volume paths per market and queue from the forecast's "
               f"P10/P50/P90 (day-to-day correlation {s.correlation:g}, AHT variation "
               f"{s.aht_cv:.0%}), run through this plan's staffing; "
               + ("reused from the cache of an identical earlier run. " if risk.reused
                  else f"{risk.seconds:.1f} s. ")
               + "A quarter meets the SLA when the share of its cases handled in time reaches "
               "the queue's sla_target.")
    for note in risk.notes:
        st.warning(note, icon=":material/info:")
    st.plotly_chart(risk_figure(risk.markets), key=f"{key}_heatmap")
    overall = risk.overall.set_index("quarter")
    cols = st.columns(len(overall))
    for c, (quarter, r) in zip(cols, overall.iterrows(), strict=True):
        c.metric(f"Meets SLA, {quarter}", f"{r['p_meet_weighted']:.0%}",
                 help="Cases-weighted mean over markets and queues of the probability of "
                      "meeting the SLA.")
    if st.toggle("Show every market, queue and quarter", key=f"{key}_detail"):
        st.dataframe(risk.summary, hide_index=True, key=f"{key}_summary", column_config={
            "p_meet_sla": st.column_config.ProgressColumn("P(meet SLA)", min_value=0, max_value=1,
                                                          format="percent"),
            "on_time_mean": st.column_config.NumberColumn("in time (mean)", format="percent"),
            "on_time_p05": st.column_config.NumberColumn("in time (bad 1 in 20)", format="percent"),
            "backlog_age_mean_days": st.column_config.NumberColumn("backlog age (days)",
                                                                   format="%.2f"),
            "backlog_age_p95_days": st.column_config.NumberColumn("worst age, P95 (days)",
                                                                  format="%.1f"),
            "capacity_fte": st.column_config.NumberColumn("plan FTE", format="%.1f"),
            "expected_cases": st.column_config.NumberColumn("cases", format="%,.0f"),
        })


def render_frontier(frontier, *, current_quantile: float | None = None,
                    key: str = "plan_frontier") -> None:
    """The cost-vs-risk chart and its table."""
    st.subheader("Cost against SLA risk")
    if frontier is None:
        st.info("The frontier re-plans at P50 to P95; it has not been computed yet.",
                icon=":material/show_chart:")
        return
    for note in frontier.notes:
        st.warning(note, icon=":material/info:")
    st.plotly_chart(frontier_figure(frontier.points, current_quantile), key=f"{key}_chart")
    st.dataframe(frontier.points.drop(columns=["solve_seconds", "risk_seconds"]),
                 hide_index=True, key=f"{key}_points", column_config={
                     "total_cost": st.column_config.NumberColumn("total cost", format="%,.0f"),
                     "p_meet_weighted": st.column_config.NumberColumn("meets SLA", format="percent"),
                     "p_all_meet": st.column_config.NumberColumn("every cell meets",
                                                                 format="percent"),
                     "shortfall_fte_weeks": st.column_config.NumberColumn("shortfall (FTE-weeks)",
                                                                          format="%,.1f")})
    if len(frontier.markets) and st.toggle("Show per market", key=f"{key}_markets"):
        st.dataframe(frontier.markets.pivot(index="market", columns="quantile",
                                            values="p_meet_weighted"),
                     key=f"{key}_market_table")


def render_compliance(table: pd.DataFrame, *, key: str = "plan_compliance") -> None:
    """FTE per language and EU market per quarter (DSA transparency), with downloads."""
    st.subheader("Moderation staff per language (DSA transparency)")
    for line in notes(table):
        st.caption(line)
    st.markdown("**Per language**")
    st.dataframe(by_language(table), hide_index=True, key=f"{key}_language",
                 column_config={c: st.column_config.NumberColumn(c, format="%,.1f") for c in
                                ("inhouse_fte", "vendor_contracted_fte", "total_fte", "eu_fte")})
    st.markdown("**Per EU market**")
    eu = eu_markets(table)
    if eu.empty:
        st.info("No market of these inputs is an EU member state.")
    else:
        st.dataframe(eu, hide_index=True, key=f"{key}_eu")
    left, right = st.columns(2)
    left.download_button("Download CSV", table.to_csv(index=False).encode(), "compliance.csv",
                         "text/csv", key=f"{key}_csv")
    right.download_button("Download Excel", compliance_xlsx_bytes(table), "compliance.xlsx",
                          "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                          key=f"{key}_xlsx")


def confidence_figure(markets: pd.DataFrame) -> go.Figure:
    """Heatmap: per market and quarter the lowest simulated probability of meeting the SLA
    over the market's queues without shortfall (blank: every queue of it is short)."""
    pivot = markets.pivot(index="market", columns="quarter", values="p_min_promised").sort_index(
        ascending=False)
    text = [["short" if pd.isna(v) else f"{v:.0%}" for v in row] for row in pivot.values]
    fig = go.Figure(go.Heatmap(
        z=pivot.values * 100, x=list(pivot.columns), y=list(pivot.index), zmin=50, zmax=100,
        colorscale="RdYlGn", colorbar={"title": "%"}, text=text, texttemplate="%{text}",
        hovertemplate="%{y} %{x}: lowest probability %{text}<extra></extra>"))
    fig.update_layout(title="Achieved probability of meeting the SLA (lowest queue)",
                      height=120 + 28 * len(pivot), margin={"l": 10, "r": 10, "t": 50, "b": 10})
    return fig


def render_confidence(plan, *, key: str = "plan_confidence") -> None:
    """The plan's SLA-confidence target and the probabilities it achieves per market and
    quarter (plan: a PlanResult with sla_confidence set; nothing is shown otherwise)."""
    if plan is None or plan.sla_confidence is None or not len(plan.confidence):
        return
    cells = plan.confidence.assign(promised=plan.confidence["promised"].astype(bool))
    markets = market_confidence(cells, plan.sla_confidence)
    prom = cells[cells["promised"]]
    st.subheader("SLA confidence")
    c = st.columns(3)
    c[0].metric("Target confidence", f"{plan.sla_confidence:.0%}",
                help="Planned so that each queue of each market meets its quarterly SLA with "
                     "at least this probability, under the forecast's uncertainty.")
    c[1].metric("Lowest achieved (queues without shortfall)",
                f"{prom['p_meet_sla'].min():.1%}" if len(prom) else "–",
                help="Simulated on the planner's own paths; the SLA risk panel re-checks it "
                     "with paths the planner never saw.")
    c[2].metric("Market-queue-quarters promised", f"{len(prom)} of {len(cells)}",
                help="The others are short of staff (lead time, caps, hiring pace, budget): "
                     "see the shortfall reasons above.")
    st.plotly_chart(confidence_figure(markets), key=f"{key}_heatmap")
    if st.toggle("Show the level and probability of every market, queue and quarter",
                 key=f"{key}_detail"):
        st.dataframe(cells, hide_index=True, key=f"{key}_cells", column_config={
            "p_meet_sla": st.column_config.ProgressColumn("P(meet SLA)", min_value=0,
                                                          max_value=1, format="percent"),
            "quantile": st.column_config.NumberColumn("staffed to quantile", format="%.3f"),
            "level": st.column_config.NumberColumn("level (z)", format="%.2f"),
            "shortfall_fte_weeks": st.column_config.NumberColumn("short (FTE-weeks)",
                                                                 format="%,.1f")})


def confidence_frontier_figure(points: pd.DataFrame) -> go.Figure:
    """Cost against target confidence: the targeted plans and, beside them, the cheapest
    uniform-quantile plans with the same guarantee."""
    pts = points.dropna(subset=["total_cost"]).sort_values("target")
    fig = go.Figure(go.Scatter(
        x=pts["target"] * 100, y=pts["total_cost"], mode="lines+markers", name="targeted plan",
        customdata=pts[["headcount_end", "vendor_fte", "p_min_promised"]].to_numpy(),
        hovertemplate="%{x:.0f}%: cost %{y:,.0f}<br>headcount %{customdata[0]:,.0f}, vendor FTE "
                      "%{customdata[1]:,.0f}<br>lowest promised probability "
                      "%{customdata[2]:.1%}<extra></extra>"))
    uni = pts[pts["uniform_same_guarantee"].fillna(False).astype(bool)]
    fig.add_scatter(x=uni["target"] * 100, y=uni["uniform_total_cost"], mode="lines+markers",
                    name="cheapest uniform quantile, same guarantee",
                    customdata=uni[["uniform_quantile", "saving_pct"]].to_numpy() * [100, 1],
                    hovertemplate="%{x:.0f}%: uniform P%{customdata[0]:.1f} costs %{y:,.0f} "
                                  "(targeted saves %{customdata[1]:.1f}%)<extra></extra>")
    fig.update_layout(title="The price of confidence", xaxis_title="target probability of "
                      "meeting every queue's quarterly SLA (%)", yaxis_title="total cost",
                      height=420, margin={"l": 10, "r": 10, "t": 50, "b": 10},
                      legend={"orientation": "h", "y": -0.2})
    return fig


def render_confidence_frontier(frontier, *, key: str = "plan_conf_frontier") -> None:
    """The confidence frontier (planning.risk.confidence_frontier.ConfidenceFrontier)."""
    st.subheader("The price of confidence")
    if frontier is None:
        st.info("The confidence frontier plans to 50% ... 99% confidence; it has not been "
                "computed yet.", icon=":material/show_chart:")
        return
    for note in frontier.notes:
        st.caption(note)
    st.plotly_chart(confidence_frontier_figure(frontier.points), key=f"{key}_chart")
    money = {c: st.column_config.NumberColumn(c.replace("_", " "), format="%,.0f")
             for c in ("total_cost", "uniform_total_cost", "saving", "headcount_end",
                       "vendor_fte", "uniform_headcount_end", "uniform_vendor_fte")}
    st.dataframe(frontier.points.drop(columns=["seconds", "cpu_seconds"]), hide_index=True,
                 key=f"{key}_points",
                 column_config={**money,
                                "target": st.column_config.NumberColumn("target", format="percent"),
                                "p_min_promised": st.column_config.NumberColumn(
                                    "lowest promised", format="percent"),
                                "saving_pct": st.column_config.NumberColumn("saving %",
                                                                            format="%.1f")})
