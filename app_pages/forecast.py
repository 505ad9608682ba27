"""Forecast page: history and forecast per market and queue, backtest accuracy, overrides."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from planning.overrides import ALL, Override, check_override
from planning.reports.accuracy import accuracy_table
from ui import charts, feedback, session, stages


def series_picker(forecast: pd.DataFrame) -> tuple[str, str]:
    markets = sorted(forecast["market"].unique())
    c = st.columns(2)
    market = c[0].selectbox("Market", markets, key="fc_market")
    queues = sorted(forecast.loc[forecast["market"] == market, "queue"].unique())
    queue = c[1].selectbox("Queue", queues, key="fc_queue")
    return market, queue


def chart(inputs, forecast: pd.DataFrame, market: str, queue: str) -> None:
    fc = forecast[(forecast["market"] == market) & (forecast["queue"] == queue)]
    hist = pd.DataFrame(columns=["date", "cases"])
    if inputs.volumes is not None:
        v = inputs.volumes
        hist = v.loc[(v["market"] == market) & (v["queue"] == queue), ["date", "cases"]]
    ev = inputs.events
    ev = ev[ev["market"].isin([market, "*"])] if len(ev) else ev
    fig = stages.memo("forecast", stages.forecast_key(), market, queue,
                     make=lambda: charts.forecast_figure(hist, fc, ev,
                                                         f"{market} / {queue}: cases per day"))
    st.plotly_chart(fig, key="fc_chart")


def chosen_caption(backtest: pd.DataFrame | None, market: str, queue: str) -> None:
    """The model chosen for the series and its backtest accuracy, in one line."""
    if backtest is None or not {"market", "queue", "chosen"} <= set(backtest.columns):
        return
    row = backtest[(backtest["market"] == market) & (backtest["queue"] == queue)
                   & backtest["chosen"].astype(bool)]
    if len(row):
        r = row.iloc[0]
        st.caption(f"Model chosen by backtest: **{r['model']}**, WAPE {r['wape']:.1%}, "
                   f"MASE {r['mase']:.2f}.")


def backtest_table(backtest: pd.DataFrame | None, market: str, queue: str) -> None:
    st.subheader("Backtest accuracy")
    if backtest is None or backtest.empty:
        st.caption("The forecast was given in the inputs, so there is no backtest.")
        return
    st.caption("Rolling-origin backtest per series: WAPE (share of cases mis-forecast) and "
               "MASE (error relative to a seasonal naive forecast; below 1 beats it). The model "
               "with the best score is chosen per series.")
    only = st.toggle("Only the selected series", value=True, key="fc_only_series")
    bt = backtest
    if only:
        if {"market", "queue"} <= set(bt.columns):
            bt = bt[(bt["market"] == market) & (bt["queue"] == queue)]
        elif "unique_id" in bt.columns:
            bt = bt[bt["unique_id"].astype(str).str.contains(market) &
                    bt["unique_id"].astype(str).str.contains(queue)]
    st.dataframe(bt, hide_index=True, key="fc_backtest")
    st.caption("Per series: the chosen model and its backtest accuracy, least reliable first.")
    st.dataframe(accuracy_table(backtest), hide_index=True, key="fc_accuracy")


def overrides_section(forecast: pd.DataFrame) -> None:
    st.subheader("Manual overrides")
    st.caption("A change the history cannot show, e.g. +15% for a new policy from a date. "
               "Overrides scale every quantile and flow into requirements and the plan.")
    current = list(session.overrides())
    for i, o in enumerate(current):
        c = st.columns([6, 1])
        c[0].markdown(f"- {o.describe()}")
        if c[1].button("Remove", key=f"ov_remove_{i}"):
            session.set_overrides(tuple(current[:i] + current[i + 1:]))
            st.rerun()
    days = pd.to_datetime(forecast["date"])
    first, last = days.min().date(), days.max().date()
    with st.form("override_form", clear_on_submit=True):
        c = st.columns(5)
        market = c[0].selectbox("Market", [ALL, *sorted(forecast["market"].unique())],
                                key="ov_market")
        queue = c[1].selectbox("Queue", [ALL, *sorted(forecast["queue"].unique())],
                               key="ov_queue")
        start = c[2].date_input("From", first, min_value=first, max_value=last, key="ov_start")
        end = c[3].date_input("To (optional)", None, min_value=first, max_value=last,
                              key="ov_end")
        pct = c[4].number_input("Change, %", -99.0, 1000.0, 15.0, 1.0, key="ov_pct")
        note = st.text_input("Note (why)", "", key="ov_note", max_chars=200)
        add = st.form_submit_button("Add override", key="ov_add")
    if add:
        o = Override(market, queue, start if isinstance(start, dt.date) else first, float(pct),
                     end if isinstance(end, dt.date) else None, note.strip())
        problems = check_override(o)
        if problems:
            st.error("Override not added: " + "; ".join(problems))
        else:
            session.set_overrides((*current, o))
            st.rerun()


def main() -> None:
    inputs = feedback.page_inputs("Forecast")
    if inputs is None:
        return
    if not stages.needs_forecast(inputs):
        st.info("This data set brings its own requirements table, so no forecast is used.")
        return
    done = stages.forecast()
    if done is None or done.error is not None:
        feedback.show_error(done, "The forecast")
        return
    out = done.value
    forecast = stages.effective_forecast(out)
    if inputs.forecast is not None:
        st.caption("Forecast given in the inputs (forecast table).")
    else:
        st.caption(f"Forecast of {len(forecast.groupby(['market', 'queue'])):,} series in "
                   f"{done.seconds:.1f} s (kept in the forecast cache, shared with the CLI).")
    for warning in out.warnings:  # fallbacks the forecaster took, per market and queue
        st.warning(warning.message())
    market, queue = series_picker(forecast)
    chart(inputs, forecast, market, queue)
    chosen_caption(out.backtest, market, queue)
    backtest_table(out.backtest, market, queue)
    overrides_section(forecast)


if __name__ == "__main__":  # run by app.py's navigation, never on import
    main()
