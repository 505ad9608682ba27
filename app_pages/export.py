"""Export page: the finance workbook (built only when clicked) and the plan's tables as CSV."""

from __future__ import annotations

import streamlit as st

from planning.fileio import escape_formulas
from planning.inputs.writers import inputs_zip, table_to_csv
from planning.reports.workbook import workbook_bytes
from ui import auth, feedback, session, stages


def workbook_maker(run, inputs, meta):
    """A callable that builds the .xlsx when the user clicks (nothing is built before).
    meta: the saved scenario's ScenarioMeta (name, version, status) or None."""
    def make() -> bytes:

        return workbook_bytes(inputs, run.plan, requirements=run.requirements,
                              forecast=run.forecast, meta=meta)
    return make


def csv_tables(run) -> dict[str, object]:
    """The plan's tables (contract names) plus requirements and forecast."""
    plan = run.plan
    tables = {name: getattr(plan, name) for name in
              ("sites", "vendors", "allocation", "shortfall", "quarterly", "ask_sites",
               "ask_vendors", "ask_markets", "hiring", "binding", "marginal_cost")}
    tables["requirements"] = run.requirements
    if run.forecast is not None:
        tables["forecast"] = run.forecast
    return tables


def zip_maker(run, inputs):
    """The scenario as one .zip, built on click: its inputs (CSV files and scenario.toml, so
    the Inputs page loads it again) and the plan's tables in plan/."""
    def make() -> bytes:
        return inputs_zip(inputs, {f"plan/{name}.csv": table_to_csv(escape_formulas(frame))
                                   for name, frame in csv_tables(run).items()})
    return make


def one_csv(frame):
    def make() -> str:

        return table_to_csv(escape_formulas(frame))
    return make


def main() -> None:
    inputs = feedback.page_inputs("Export")
    if inputs is None:
        return
    done = stages.cached_plan()
    if done is None:
        st.info("No plan for the current inputs yet: press **Re-plan** on the Plan page, then "
                "come back to download it.")
        return
    if done.error is not None:
        feedback.show_error(done, "The plan")
        return
    if not auth.can("export"):
        who, role = auth.identity()
        st.info(f"{who} ({role}) may not export: finance exports the workbook and the tables.",
                icon=":material/lock:")
        return
    run = done.value
    name = session.slug(f"{session.label()}-{session.scenario_name()}")
    st.subheader("Finance workbook")
    st.caption("Opens on the ask (one printable page), costs as live formulas, the plan's "
               "tables, the assumptions, the forecast and requirements behind them, and the "
               "inputs (the workbook can be uploaded again). Built when you click.")
    st.download_button("Download the workbook (.xlsx)",
                       workbook_maker(run, stages.inputs_as_run(), session.saved_meta()),
                       file_name=f"headcount-plan-{name}.xlsx", mime=feedback.XLSX, type="primary",
                       key="export_workbook", icon=":material/download:")
    st.subheader("CSV files")
    st.caption("The zip holds the inputs (CSV files and scenario.toml: upload it on the "
               "Inputs page to load this scenario again) and the plan's tables in plan/.")
    st.download_button("Download inputs and plan tables (.zip of CSV)",
                       zip_maker(run, stages.inputs_as_run()),
                       file_name=f"headcount-plan-{name}-csv.zip", mime="application/zip",
                       key="export_zip")
    tables = csv_tables(run)
    pick = st.selectbox("One table", list(tables), key="export_table")
    st.download_button(f"Download {pick}.csv", one_csv(tables[pick]), file_name=f"{pick}.csv",
                       mime="text/csv", key="export_csv")
    st.dataframe(tables[pick].head(200), hide_index=True, key="export_preview")


if __name__ == "__main__":  # run by app.py's navigation, never on import
    main()
