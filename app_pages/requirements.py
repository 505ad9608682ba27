"""Requirements page: required FTE by market, queue and week, and the drivers behind it."""

from __future__ import annotations

import streamlit as st

from ui import charts, feedback, stages

DRIVERS = ["kind", "forecast_cases", "manual_cases", "automation_rate", "aht_minutes",
           "workload_hours", "peak_day_hours", "deadline_days", "capacity_hours_per_day",
           "agents_peak", "agent_hours"]
FORMATS = {"forecast_cases": "%,.0f", "manual_cases": "%,.0f", "automation_rate": "%.2f",
           "aht_minutes": "%.2f", "workload_hours": "%,.1f", "peak_day_hours": "%,.1f",
           "capacity_hours_per_day": "%,.1f", "agents_peak": "%,.0f", "agent_hours": "%,.0f",
           "required_fte": "%,.1f"}


def main() -> None:
    inputs = feedback.page_inputs("Requirements")
    if inputs is None:
        return
    done = stages.requirements()
    if done is None or done.error is not None:
        feedback.show_error(done, "The requirements")
        return
    req = done.value
    sc = inputs.scenario
    st.caption(f"Required FTE per week at P{round(sc.plan.quantile * 100)} with "
               f"{sc.workforce.hours_per_week:g} h/week, shrinkage {sc.workforce.shrinkage:.0%}, "
               f"max occupancy {sc.workforce.max_occupancy:.0%}; levers: volume "
               f"x{sc.levers.volume_multiplier:g}, AHT x{sc.levers.aht_multiplier:g}, "
               f"automation {sc.levers.automation_delta:+g}.")
    by = st.radio("Group by", ["market", "queue"], horizontal=True, key="req_by")
    left, right = st.columns(2)
    key = stages.requirements_key()
    left.plotly_chart(stages.memo("req_heatmap", key, by,
                                 make=lambda: charts.requirements_heatmap(req, by)),
                      key="req_heatmap")
    right.plotly_chart(stages.memo("req_area", key, by,
                                  make=lambda: charts.requirements_area(req, by)),
                       key="req_area")
    st.subheader("Drivers behind each number")
    c = st.columns(2)
    market = c[0].selectbox("Market", sorted(req["market"].unique()), key="req_market")
    queue = c[1].selectbox("Queue", sorted(req.loc[req["market"] == market, "queue"].unique()),
                           key="req_queue")
    rows = req[(req["market"] == market) & (req["queue"] == queue)]
    cols = ["week", "required_fte", *[c for c in DRIVERS if c in rows.columns]]
    show = st.toggle("Show cases, automation, AHT, deadline and Erlang agents at peak",
                     value=False, key="req_show_drivers")
    st.dataframe(rows[cols if show else ["week", "required_fte"]], hide_index=True,
                 key="req_drivers", column_config={
                     "week": st.column_config.DateColumn("week", format="YYYY-MM-DD"),
                     **{k: st.column_config.NumberColumn(k, format=f) for k, f in FORMATS.items()}})
    if show:
        st.caption("Deferrable queues: capacity_hours_per_day is the smallest constant daily "
                   "capacity that clears every window of days within the deadline; realtime "
                   "queues: agents_peak is the Erlang staffing of the busiest interval and "
                   "agent_hours the week's total. See docs/requirements.md.")


if __name__ == "__main__":  # run by app.py's navigation, never on import
    main()
