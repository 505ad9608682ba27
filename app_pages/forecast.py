"""Forecast page: history and forecast per market and queue, backtest accuracy, overrides."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from planning.errors import Issue
from planning.overrides import ALL, TABLE, describe, override_issues, overrides_frame
from planning.periods import plan_days
from planning.reports.accuracy import accuracy_table
from planning.units import MAX_MULTIPLIER
from ui import auth, charts, feedback, session, stages


def series_picker(forecast: pd.DataFrame) -> tuple[str, str]:
    markets = sorted(forecast["market"].unique())
    c = st.columns(2)
    market = c[0].selectbox("Market", markets, key="fc_market")
    queues = sorted(forecast.loc[forecast["market"] == market, "queue"].unique())
    queue = c[1].selectbox("Queue", queues, key="fc_queue")
    return market, queue


def chart(inputs, forecast: pd.DataFrame, market: str, queue: str, model: pd.DataFrame) -> None:
    """The series' history and forecast as staffed, with the model's P50 where an override
    changed it."""
    fc = forecast[(forecast["market"] == market) & (forecast["queue"] == queue)]
    mf = model[(model["market"] == market) & (model["queue"] == queue)]
    changed = not np.allclose(fc.sort_values("date")["p50"].to_numpy(),
                              mf.sort_values("date")["p50"].to_numpy())
    hist = pd.DataFrame(columns=["date", "cases"])
    if inputs.volumes is not None:
        v = inputs.volumes
        hist = v.loc[(v["market"] == market) & (v["queue"] == queue), ["date", "cases"]]
    ev = inputs.events
    ev = ev[ev["market"].isin([market, "*"])] if len(ev) else ev
    fig = stages.memo("forecast", stages.forecast_key(), market, queue,
                     make=lambda: charts.forecast_figure(hist, fc, ev,
                                                         f"{market} / {queue}: cases per day",
                                                         model=mf if changed else None))
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


EVERY_QUEUE = "(every queue)"
KINDS = ("Change, %", "Cases a day")


def overrides_section(inputs, forecast: pd.DataFrame) -> None:
    st.subheader("Forecast overrides")
    st.caption("Judgement the history cannot show (a policy launch, a new market, an automation "
               "rollout). Overrides are a table of the inputs (forecast_overrides): they are "
               "saved with the scenario, applied by the CLI alike, and listed with their effect "
               "in plan.json and the workbook.")
    current = session.overrides()
    if current is not None and len(current):
        edit_table(inputs, current)
    days = pd.to_datetime(forecast["date"])
    first, last = days.min().date(), days.max().date()
    with st.form("override_form"):
        c = st.columns(4)
        market = c[0].selectbox("Market", [ALL, *sorted(forecast["market"].unique())],
                                key="ov_market")
        queue = c[1].selectbox("Queue", [EVERY_QUEUE, *sorted(forecast["queue"].unique())],
                               key="ov_queue")
        start = c[2].date_input("From", first, min_value=first, max_value=last, key="ov_start")
        end = c[3].date_input("To", last, min_value=first, max_value=last, key="ov_end")
        c = st.columns(4)
        kind = c[0].radio("Kind", KINDS, key="ov_kind", horizontal=True)
        pct = c[1].number_input("Change, %", -100.0, (MAX_MULTIPLIER - 1) * 100, 15.0, 1.0,
                                key="ov_pct")
        cases = c[2].number_input("Cases a day", 0.0, 1e9, 0.0, 100.0, key="ov_cases")
        author = c[3].text_input("Author", "", key="ov_author", max_chars=80)
        reason = st.text_input("Reason (why; required)", "", key="ov_reason", max_chars=200)
        add = st.form_submit_button("Add override", key="ov_add")
    if add:
        row = {"market": market, "queue": "" if queue == EVERY_QUEUE else queue,
               "start": start, "end": end, "reason": reason.strip(), "author": author.strip(),
               "multiplier": 1.0 + pct / 100.0 if kind == KINDS[0] else None,
               "cases_per_day": cases if kind == KINDS[1] else None}
        rows = [] if current is None else current.to_dict("records")
        apply_table(inputs, overrides_frame([*rows, row]), "Override not added")


def edit_table(inputs, current: pd.DataFrame) -> None:
    """The overrides in words, and the table to change or remove rows (then Apply)."""
    for row in current.itertuples(index=False):
        st.markdown(f"- {describe(row)}" + (f" — {row.author}" if row.author else ""))
    with st.form("override_table_form"):
        edited = st.data_editor(
            current, num_rows="dynamic", hide_index=True, key="ov_table",
            column_config={"start": st.column_config.DateColumn("start", format="YYYY-MM-DD"),
                           "end": st.column_config.DateColumn("end", format="YYYY-MM-DD")})
        apply = st.form_submit_button("Apply changes to the overrides", key="ov_table_apply")
    if apply:
        apply_table(inputs, overrides_frame(edited.to_dict("records")), "Overrides not changed")


def apply_table(inputs, table: pd.DataFrame, failed: str) -> None:
    """Check the whole table as the loader would; keep it only when it has no problem."""
    table = table.assign(reason=table["reason"].str.strip())
    problems = override_issues(table, pd.RangeIndex(2, 2 + len(table)).to_numpy(),
                               plan_days(inputs.scenario.plan.start, inputs.scenario.plan.weeks),
                               markets=set(inputs.markets["market"]),
                               queues=set(inputs.queues["queue"]))
    problems += [Issue(TABLE, i + 2, "reason", None, "must say why (what the history cannot show)")
                 for i, r in enumerate(table["reason"]) if not r]
    if problems:
        st.error(f"{failed}: " + "; ".join(p.message() for p in problems))
        return
    session.set_overrides(table)
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
    chart(inputs, forecast, market, queue, out.forecast)
    chosen_caption(out.backtest, market, queue)
    backtest_table(out.backtest, market, queue)
    if auth.can("edit"):  # planners (and the local user) add overrides; others look
        overrides_section(inputs, forecast)


if __name__ == "__main__":  # run by app.py's navigation, never on import
    main()
