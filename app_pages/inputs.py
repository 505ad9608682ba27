"""Inputs page: load a data set, edit the assumptions and the small tables, see errors."""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from planning.errors import InputError, issues_frame
from planning.inputs.scenario_toml import update_scenario
from planning.inputs.schema import TABLES
from planning.inputs.template import write_template
from planning.inputs.writers import editable_table, replace_table
from ui import auth, feedback, session

EDITABLE = ("markets", "queues", "sites", "vendors")


@st.cache_data(show_spinner=False)
def template_bytes() -> bytes:
    """The empty input workbook (planning.inputs.template), built once per process."""

    with tempfile.TemporaryDirectory() as tmp:
        return write_template(Path(tmp) / "template.xlsx").read_bytes()


def load_section() -> None:
    st.subheader("Data set")
    st.caption(f"Loaded: **{session.label()}**, scenario **{session.scenario_name()}**. "
               "A workbook (a sheet per table), the .zip the Export page makes, or CSV files "
               "named after their table (markets.csv, queues.csv, ...) with scenario.toml "
               "replace the whole data set. CSV files on their own replace only those tables: "
               "upload just vendors.csv to change the vendors and keep everything else.")
    with st.form("upload_form", clear_on_submit=False):
        files = st.file_uploader("Upload a workbook (.xlsx), a .zip, or CSV files",
                                 type=["xlsx", "zip", "csv", "toml"], accept_multiple_files=True,
                                 key="upload_files", max_upload_size=session.UPLOAD_LIMIT_MB)
        load = st.form_submit_button("Load the uploaded files", type="primary",
                                     key="upload_load")
    if load:
        if not files:
            st.warning("Choose a workbook, a .zip, or CSV files first.")
        elif session.load_uploads(list(files)):
            names = ", ".join(sorted(f.name for f in files))
            st.success(f"Loaded {names}.", icon=":material/check_circle:")
    cols = st.columns(2)
    cols[0].download_button("Download the empty template (.xlsx)", template_bytes,
                            file_name="headcount-template.xlsx", key="template_download",
                            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    if cols[1].button("Load the sample data set", key="load_sample") and session.load_path(
            session.APP_DIR / "data" / "sample", "data/sample"):
        st.success("Loaded the sample data set.", icon=":material/check_circle:")
    issues = session.load_issues()
    if issues is not None and len(issues):
        feedback.show_issues(issues, "The upload was not loaded")


def assumptions_form(inputs) -> None:
    """The scenario's settings in one form: the business assumptions first, the solver's
    settings behind *Advanced*; shares as percentages; applied and checked on submit."""
    st.subheader("Assumptions")
    sc = inputs.scenario
    cur = sc.plan.currency
    with st.form("assumptions_form"):
        st.markdown("**Business assumptions**")
        c = st.columns(4)
        hours = c[0].number_input("Hours per week (contracted)", 1.0, 80.0,
                                  float(sc.workforce.hours_per_week), 1.0, key="a_hours")
        shrinkage = c[1].number_input("Shrinkage, % of hours", 0.0, 95.0,
                                      round(100 * sc.workforce.shrinkage, 6), 1.0,
                                      key="a_shrinkage",
                                      help="Leave, training, meetings, wellness time.")
        occupancy = c[2].number_input("Maximum occupancy, %", 5.0, 100.0,
                                      round(100 * sc.workforce.max_occupancy, 6), 1.0,
                                      key="a_occupancy",
                                      help="Share of productive time spent on cases "
                                           "(backlog queues).")
        quantile = c[3].number_input("Forecast staffed to, P", 1.0, 99.0,
                                     round(100 * sc.plan.quantile, 6), 5.0, key="a_quantile",
                                     help="50 = P50 (the median forecast), 90 = P90; the "
                                          "forecast needs this quantile.")
        c = st.columns(4)
        volume = c[0].number_input("Volume multiplier", 0.0, 10.0,
                                   float(sc.levers.volume_multiplier), 0.05, key="a_volume",
                                   help="1.10 = 10% more cases than forecast.")
        aht = c[1].number_input("Handling-time multiplier", 0.05, 10.0,
                                float(sc.levers.aht_multiplier), 0.05, key="a_aht")
        automation = c[2].number_input("Automation change, % points", -100.0, 100.0,
                                       round(100 * sc.levers.automation_delta, 6), 1.0,
                                       key="a_automation",
                                       help="Added to every automation rate, clipped to "
                                            "0-100%.")
        budget = c[3].number_input(f"Budget per quarter, {cur} (0 = none)", 0.0, None,
                                   float(sc.solver.budget_per_quarter or 0.0), 100000.0,
                                   key="a_budget", format="%.0f")
        currency = st.columns(4)[0].text_input("Currency of every money figure", cur,
                                                max_chars=8, key="a_currency",
                                                help="A label only: costs, prices and budgets "
                                                     "in the inputs are in it.")
        with st.expander("Advanced: solver settings"):
            c = st.columns(3)
            integer = c[0].checkbox("Whole-person hires", sc.solver.integer_hires,
                                    key="a_integer",
                                    help="Hire whole people (a MIP); off: fractional hires "
                                         "(an LP, faster).")
            limit = c[1].number_input("Time limit, seconds", 1.0, 3600.0,
                                      float(sc.solver.time_limit_s), 5.0, key="a_time_limit")
            gap = c[2].number_input("Optimality gap, %", 0.0, 50.0,
                                    round(100 * sc.solver.mip_gap, 9), 0.01, format="%.3f",
                                    key="a_mip_gap",
                                    help="The solver stops when the plan is proven within "
                                         "this share of the cheapest possible.")
        applied = st.form_submit_button("Apply assumptions", type="primary", key="a_apply")
    if applied:
        apply_scenario(inputs, {
            "plan": {"quantile": quantile / 100, "currency": currency.strip()},
            "workforce": {"hours_per_week": hours, "shrinkage": shrinkage / 100,
                          "max_occupancy": occupancy / 100},
            "levers": {"volume_multiplier": volume, "aht_multiplier": aht,
                       "automation_delta": automation / 100},
            "solver": {"integer_hires": integer, "time_limit_s": limit, "mip_gap": gap / 100,
                       "budget_per_quarter": budget if budget > 0 else None},
        })


def apply_scenario(inputs, changes: dict) -> None:
    """Check the changed scenario with the contract's rules, then make it current."""
    scenario, issues = update_scenario(inputs.scenario, changes)
    if scenario is None:
        feedback.show_issues(issues_frame(issues), "The assumptions were not applied")
        return
    session.set_inputs(dataclasses.replace(inputs, scenario=scenario))
    feedback.flash("Assumptions applied. The forecast, requirements and plan pages use them; "
                   "press Re-plan on the Plan page to optimise.")
    st.rerun()  # the form shows the applied values (and the new currency) at once


def apply_table(inputs, name: str, edited: pd.DataFrame) -> None:
    """Re-validate every table with the edited one in place; on success make it current."""
    try:
        new = replace_table(inputs, name, edited)
    except InputError as exc:
        feedback.show_issues(issues_frame(exc.issues), f"The {name} edits were not applied")
        return
    session.set_inputs(new)
    session.reset_widgets((f"edit_{name}",))
    feedback.flash(f"{name} updated ({len(edited)} rows): forecast, requirements and plan use it; "
                   "press Re-plan on the Plan page to optimise.")
    st.rerun()


def tables_section(inputs) -> None:
    st.subheader("Tables")
    st.caption("Edit cells, add or delete rows, then press Apply: every table is validated "
               "again and nothing changes if there is an error. Lists are `;`-separated.")
    name = st.radio("Table", EDITABLE, horizontal=True, key="edit_table")
    frame = inputs.table(name)
    if frame is None:
        st.info(f"No {name} table in this data set.")
        return
    with st.form(f"edit_{name}_form"):
        edited = st.data_editor(editable_table(frame, name), num_rows="dynamic",
                                key=f"edit_{name}", hide_index=True)
        apply = st.form_submit_button(f"Apply {name} changes", key=f"apply_{name}")
    if apply:
        apply_table(inputs, name, edited)


def main() -> None:
    st.title("Inputs")
    feedback.show_flash()
    editor = auth.can("edit")  # planners (and the local user) load and edit; others look
    if editor:
        load_section()
    else:
        who, role = auth.identity()
        st.caption(f"{who} ({role}) may look at the inputs: planners load and edit them.")
    inputs = session.inputs()
    if inputs is None:
        feedback.no_data_message()
        return
    if inputs.warnings:
        with st.expander(f"{len(inputs.warnings)} warning(s) about this data set"):
            st.dataframe(issues_frame(inputs.warnings), hide_index=True, key="input_warnings")
    if editor:
        assumptions_form(inputs)
        tables_section(session.inputs())
    others = [n for n in TABLES if (n not in EDITABLE or not editor)
              and (f := inputs.table(n)) is not None and len(f)]
    if others and st.toggle("Show the other tables (read only)", key="show_other_tables"):
        name = st.selectbox("Table", others, key="other_table")
        frame = inputs.table(name)
        st.caption(f"{name}: {len(frame):,} rows" + (", the first 1,000 shown" if len(frame) > 1000
                                                      else ""))
        st.dataframe(frame.head(1000), hide_index=True, key="view_other")


if __name__ == "__main__":  # run by app.py's navigation, never on import
    main()
