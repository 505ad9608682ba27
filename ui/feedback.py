"""What the pages say to the user: one-off success messages, the error table, stage
failures, and the page heading with the what-to-do message when no data set is loaded."""

from __future__ import annotations

import traceback

import pandas as pd
import streamlit as st

from planning.errors import InputError, issues_frame
from planning.inputs.tables import Inputs
from ui import session
from ui.jobs import Done


def flash(message: str) -> None:
    """A success message shown once, on the next run of the page (survives st.rerun)."""
    st.session_state["hc_flash"] = message


def show_flash() -> None:
    msg = st.session_state.pop("hc_flash", None)
    if msg:
        st.success(msg, icon=":material/check_circle:")


def no_data_message() -> None:
    """What to do when no data set is loaded."""
    st.info("No data set is loaded. Open **Inputs** to upload a workbook or CSV files, "
            "download the empty template, or load the sample data.", icon=":material/info:")


def page_inputs(title: str) -> Inputs | None:
    """Start a page: its title, then the loaded inputs, or the what-to-do message and None."""
    st.title(title)
    inp = session.inputs()
    if inp is None:
        no_data_message()
    return inp


def show_issues(frame: pd.DataFrame, title: str = "The inputs have problems") -> None:
    """The error table: severity, table, row, column, value, expected."""
    errors = int((frame["severity"] == "error").sum()) if "severity" in frame else len(frame)
    st.error(f"{title}: {errors} error(s). Nothing was changed; fix them and try again.",
             icon=":material/error:")
    st.dataframe(frame, hide_index=True, width="stretch", key=f"issues_{title[:12]}")


def show_error(done: Done | None, what: str) -> None:
    """A stage failure: InputError as the error table, anything else in words."""
    exc = None if done is None else done.error
    if exc is None:
        return
    if isinstance(exc, InputError):
        show_issues(issues_frame(exc.issues), f"{what} cannot run on these inputs")
    elif isinstance(exc, ImportError):
        st.warning(f"{what} is not available yet in this installation ({exc}).",
                   icon=":material/construction:")
    else:
        st.error(f"{what} failed: {type(exc).__name__}: {exc}", icon=":material/error:")
        with st.expander("Details for a bug report"):
            st.code("".join(traceback.format_exception(exc)))


#: the MIME type of the .xlsx downloads
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
