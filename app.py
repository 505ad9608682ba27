"""headcount-planner: the Streamlit app (``make demo`` or ``streamlit run app.py``).

Opens on the data set named by ``HEADCOUNT_DATA`` (default ``data/sample``) and on the Plan
page, so a first-time user sees a full plan at once. Pages live in ``app_pages/``; the sidebar
shows who is signed in (or local mode) and which data set and scenario are loaded. Saved
scenarios go to ``HEADCOUNT_DB``. Sign-in (``st.login``) is on when ``.streamlit/secrets.toml``
has an ``[auth]`` section; roles come from ``HEADCOUNT_ROLES`` (see ui/auth.py).
"""

from __future__ import annotations

import streamlit as st

from ui import auth, session, stages

st.set_page_config(page_title="Headcount planner", page_icon=":material/groups:",
                   layout="wide")
auth.gate()  # the sign-in screen (and st.stop) when sign-in is configured and nobody is in
session.init()
# less empty space above each page's title, so the Plan page's ask fits above the fold
st.html("<style>[data-testid='stMainBlockContainer']{padding-top:2.5rem}</style>")

PAGES = {
    "Data": [
        st.Page("app_pages/inputs.py", title="Inputs", icon=":material/upload_file:",
                url_path="inputs"),
        st.Page("app_pages/forecast.py", title="Forecast", icon=":material/trending_up:",
                url_path="forecast"),
        st.Page("app_pages/requirements.py", title="Requirements", icon=":material/calculate:",
                url_path="requirements"),
    ],
    "Plan": [
        st.Page("app_pages/plan.py", title="Plan", icon=":material/groups:", url_path="plan",
                default=True),
        st.Page("app_pages/scenarios.py", title="Scenarios", icon=":material/compare_arrows:",
                url_path="scenarios"),
        st.Page("app_pages/export.py", title="Export", icon=":material/download:",
                url_path="export"),
    ],
    "Track": [
        st.Page("app_pages/kpis.py", title="Plan vs actual", icon=":material/monitoring:",
                url_path="kpis"),
    ],
}
page = st.navigation(PAGES)
with st.sidebar:
    auth.sidebar()  # who acts (and with which role) before the page takes its time
page.run()

with st.sidebar:
    st.caption("Data set")
    st.markdown(f"**{session.label()}**")
    st.caption("Scenario")
    name, meta = session.scenario_name(), session.saved_meta()
    status = f" · {meta.status}" if meta is not None else ""
    st.markdown(f"**{name}**{status}" + (" · *unsaved changes*" if session.unsaved() else ""))
    if (overrides := session.overrides()) is not None and len(overrides):
        st.caption(f"{len(overrides)} forecast override(s) active")
    last = stages.last_plan()
    if last is not None:
        done, current = last
        if done.error is None:
            plan = done.value.plan
            st.caption("Plan")
            st.markdown(f"{plan.status.value}" + ("" if current else " · *out of date*"))
