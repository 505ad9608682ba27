"""Scenarios page: save, load, compare side by side, and submit or approve a scenario."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from planning.reports.compare import compare_plans, setting_change
from planning.reports.workbook import workbook_bytes
from planning.store.access import STATUS_ACTION, AccessError
from planning.store.store import (
    TRANSITIONS,
    StoreError,
    parse_ref,
    scenario_bundle,
)
from ui import auth, charts, feedback, session, stages
from ui.store import store, stored

CURRENT, BASELINE = "current (this session)", "as loaded (baseline)"
#: per-quarter rows of the side-by-side table: (label, column of Comparison.by_quarter)
QUARTER_ROWS = (("cost", "cost"), ("in-house headcount", "inhouse_headcount"),
                ("vendor FTE", "vendor_fte"), ("required FTE", "required_fte"),
                ("shortfall FTE", "shortfall_fte"))


def loaded_ref() -> str | None:
    """``name@version`` of the saved scenario the session loaded or saved last, else None."""
    meta = session.meta()
    return None if meta is None else meta.label


def current_label() -> str:
    """The current inputs by their saved name (``+ changes`` after an edit), else CURRENT."""
    ref = loaded_ref()
    if ref is None:
        return CURRENT
    return f"{ref} + changes" if session.unsaved() else f"{ref} (this session)"


def baseline_label() -> str:
    """The data set as loaded: a loaded scenario keeps its saved name."""
    label = session.label()
    return label.removeprefix("scenario ") if label.startswith("scenario ") else BASELINE


def current_side():
    """(label, plan, inputs, run) of the current inputs' plan, or None if not solved."""

    done = stages.cached_plan()
    if done is None or done.error is not None:
        return None
    return current_label(), done.value.plan, session.inputs(), done.value


def baseline_side(run: bool):

    base = session.loaded()
    if base is None:
        return None
    done = stages.plan_for(base, run=run, label="the baseline")
    if done is None or done.error is not None:
        return None
    return baseline_label(), done.value.plan, base, done.value


def save_section() -> None:
    st.subheader("Save the current scenario")
    if not auth.can("save"):
        name, role = auth.identity()
        st.caption(f"{name} ({role}) may not save scenarios: planners save and submit them.")
        return
    side = current_side()
    if side is None:
        st.info("Solve the current inputs on the **Plan** page first (press Re-plan).")
        return
    with st.form("save_form", clear_on_submit=True):
        c = st.columns([2, 3])
        name = c[0].text_input("Name", key="save_name", max_chars=200,
                               placeholder="e.g. shrinkage 35%")
        comment = c[1].text_input("Comment", key="save_comment", max_chars=500)
        saved = st.form_submit_button("Save scenario", type="primary", key="save_submit")
    if saved:
        actor = acting()
        if actor is None:
            return
        run = side[3]
        try:
            meta = store().save(name, stages.inputs_as_run(), side[1], comment=comment or None,
                                actor=actor, requirements=run.requirements,
                                forecast=run.forecast)
        except StoreError as exc:
            st.error(f"{exc} The scenario is still open in this session: download it so "
                     "nothing is lost.", icon=":material/error:")
            st.download_button("Download the unsaved scenario (inputs and plan.json, .zip)",
                               data=scenario_bundle(stages.inputs_as_run(), side[1]),
                               file_name="unsaved-scenario.zip", mime="application/zip",
                               key="save_failed_download")
            return
        session.mark_saved(meta.label, meta)
        st.success(f"Saved {meta.label} as a draft.", icon=":material/check_circle:")


def author_field() -> None:
    """Without sign-in: the name saves and status changes are recorded under (kept for the
    session); with sign-in the author is the signed-in identity and nothing is asked."""
    if auth.sign_in_configured():
        return
    st.text_input("Your name (recorded as the author)", key="hc_author", max_chars=100,
                  placeholder="e.g. Dana Lee")


def acting():
    """Who saves or changes a status now: the signed-in identity, or the name given in the
    sidebar-less local mode; None (with a message) when no name was given."""
    if auth.sign_in_configured():
        return auth.current_actor()
    name = str(st.session_state.get("hc_author") or "").strip()
    if not name:
        st.error("Give your name above: it is recorded as the author of the change.",
                 icon=":material/badge:")
        return None
    try:
        return auth.current_actor(name)
    except AccessError as exc:
        st.error(str(exc), icon=":material/block:")
        return None


def options() -> list[str]:
    saved = store().list()
    refs = [f"{n}@{v}" for n, v in zip(saved["name"], saved["version"], strict=True)]
    first = [current_label(), baseline_label()]
    return [*first, *[r for r in refs if r not in first]]


def side_of(choice: str):
    if choice == current_label():
        return current_side()
    if choice == baseline_label():
        return baseline_side(run=True)
    s = stored(choice)
    return s.label, s.plan, s.inputs, None


def compare_section() -> None:

    st.subheader("Compare")
    opts = options()
    default = [baseline_label(), current_label()] if session.modified() else [baseline_label()]
    if any(x not in opts for x in st.session_state.get("cmp_pick", [])):
        del st.session_state["cmp_pick"]  # a save or load renamed a side: start again
    picked = st.multiselect("Scenarios (the first is the reference A; each other is B)", opts,
                            default=default, key="cmp_pick")
    if len(picked) < 2:
        st.caption("Pick two or more: e.g. the baseline and the current inputs after a change.")
        return
    sides = []
    with st.spinner(f"Comparing {len(picked)} scenarios (a saved one is read, the baseline "
                    "may be planned first) ..."):
        for choice in picked:
            side = side_of(choice)
            if side is None:
                st.warning(f"{choice}: no plan yet. Press **Re-plan** on the Plan page first.")
                return
            sides.append(side[:3])
        comps = [compare_plans(sides[0], b) for b in sides[1:]]
    by_label = {comp.label_b: side for comp, side in zip(comps, sides[1:], strict=True)}
    table = side_by_side(sides[0][0], comps)
    st.dataframe(table, hide_index=True, key="cmp_table", column_config={
        c: st.column_config.NumberColumn(c, format="%,.1f") for c in table.columns[1:]})
    for comp in comps:
        st.markdown(f"#### {comp.label_b} against {comp.label_a}")
        for line in comp.explain():
            st.markdown("- " + line)
        st.plotly_chart(charts.waterfall_figure(cost_steps(comp),
                                                f"Total cost: {comp.label_a} to {comp.label_b}",
                                                comp.currency),
                        key=f"cmp_waterfall_{comp.label_b}")
        st.download_button(f"Download the workbook of {comp.label_b} with this comparison",
                           comparison_maker(by_label[comp.label_b], comp),
                           file_name=f"comparison-{session.slug(comp.label_b)}.xlsx",
                           mime=feedback.XLSX, key=f"cmp_xlsx_{comp.label_b}")
        if st.toggle("Show by quarter, market and source, and the input differences",
                     key=f"cmp_show_{comp.label_b}"):
            st.dataframe(comp.by_quarter, hide_index=True, key=f"cmp_q_{comp.label_b}")
            st.dataframe(comp.by_market, hide_index=True, key=f"cmp_m_{comp.label_b}")
            st.dataframe(comp.by_pool, hide_index=True, key=f"cmp_p_{comp.label_b}")
            st.dataframe(differences_in_words(comp), hide_index=True,
                         key=f"cmp_d_{comp.label_b}")


def differences_in_words(comp) -> pd.DataFrame:
    """The input differences with each changed setting in words (``Shrinkage: 30% -> 35%``)."""
    d = comp.input_differences.copy()
    words = [setting_change(k, a, b, comp.currency) if t == "scenario" else ""
             for t, k, a, b in zip(d["table"], d["key"], d["a"], d["b"], strict=True)]
    d.insert(0, "change", words)
    return d


def comparison_maker(side, comp):
    """Builds B's finance workbook with a Comparison sheet, only when clicked."""
    def make() -> bytes:

        _label, plan, inputs = side
        return workbook_bytes(inputs, plan, comparison=comp)
    return make


def side_by_side(label_a: str, comps) -> pd.DataFrame:
    """One column per scenario: total cost, shortfall and per-quarter cost and headcount,
    with each B's delta to A."""
    first = comps[0]
    cur = first.currency
    rows = {f"total cost, {cur}": ("total_cost", None),
            "shortfall FTE-weeks": ("shortfall_fte_weeks", None)}
    quarter_rows = [(f"cost, {cur}" if what == "cost" else what, col) for what, col in QUARTER_ROWS]
    cols: dict[str, dict[str, float]] = {label_a: {}}
    for comp in comps:
        cols[comp.label_b] = {}
        cols[f"Δ {comp.label_b}"] = {}
    t0 = first.totals.set_index("metric")
    for label, (metric, _) in rows.items():
        cols[label_a][label] = t0.loc[metric, "a"]
    for rec in first.by_quarter.to_dict("records"):
        for what, col in quarter_rows:
            cols[label_a][f"{rec['quarter']} {what}"] = rec[f"{col}_a"]
    for comp in comps:
        t = comp.totals.set_index("metric")
        for label, (metric, _) in rows.items():
            cols[comp.label_b][label] = t.loc[metric, "b"]
            cols[f"Δ {comp.label_b}"][label] = t.loc[metric, "delta"]
        for rec in comp.by_quarter.to_dict("records"):
            for what, col in quarter_rows:
                cols[comp.label_b][f"{rec['quarter']} {what}"] = rec[f"{col}_b"]
                cols[f"Δ {comp.label_b}"][f"{rec['quarter']} {what}"] = rec[f"{col}_delta"]
    out = pd.DataFrame(cols)
    out.index.name = "metric"
    return out.reset_index()


def cost_steps(comp) -> pd.DataFrame:
    """Waterfall steps: A's total cost, the cost change of each site and vendor, B's total."""
    t = comp.totals.set_index("metric")
    pools = comp.by_pool.groupby("pool", sort=False)["cost_delta"].sum()
    pools = pools[pools.abs() >= 0.5]
    steps = [{"label": comp.label_a, "value": t.loc["total_cost", "a"], "kind": "absolute"}]
    steps += [{"label": p, "value": v, "kind": "relative"} for p, v in pools.items()]
    steps.append({"label": comp.label_b, "value": t.loc["total_cost", "b"], "kind": "total"})
    return pd.DataFrame(steps)


def saved_section() -> None:

    st.subheader("Saved scenarios")
    saved = store().list()
    if saved.empty:
        st.caption(f"Nothing saved yet (database: {store().url}).")
        return
    st.dataframe(readable(saved), hide_index=True, key="saved_table", column_config={
        "total_cost": st.column_config.NumberColumn(
            f"total cost, {session.inputs().scenario.plan.currency}", format="%,.0f"),
        "shortfall_fte_weeks": st.column_config.NumberColumn("shortfall, FTE-weeks",
                                                             format="%,.1f"),
        "created_at": st.column_config.DatetimeColumn("saved (UTC)",
                                                      format="D MMM YYYY, HH:mm")})
    refs = [f"{n}@{v}" for n, v in zip(saved["name"], saved["version"], strict=True)]
    c = st.columns(2)
    with c[0].form("load_form"):
        ref = st.selectbox("Scenario", refs, index=len(refs) - 1, key="load_ref")
        if st.form_submit_button("Load into the app", key="load_submit"):
            s = stored(ref)
            session.set_loaded(s.inputs, f"scenario {s.label}", scenario=s.label, meta=s.meta)
            feedback.flash(f"Loaded {s.label}: its plan is re-solved on the Plan page.")
            st.rerun()
    status_section(c[1], saved, refs)
    name = str(st.session_state.get("status_ref") or refs[-1]).rpartition("@")[0]
    st.markdown(f"**History of {name}** (the scenario picked under *Status*)")
    st.dataframe(readable(store().history(name)), hide_index=True, key="history_table",
                 column_config={"at": st.column_config.DatetimeColumn(
                     "at (UTC)", format="D MMM YYYY, HH:mm")})
    st.markdown(f"**Audit trail of {name}**: who did what, when (refused attempts too)")
    st.dataframe(readable(store().audit(name)), hide_index=True, key="audit_table",
                 column_config={"at": st.column_config.DatetimeColumn(
                     "at (UTC)", format="D MMM YYYY, HH:mm")})


def readable(frame: pd.DataFrame) -> pd.DataFrame:
    """A store listing for reading: empty text cells blank, never ``None``."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object:
            out[col] = out[col].fillna("")
    return out


#: a status move in the app's words
MOVE_WORDS = {"submitted": "Submit for approval", "approved": "Approve", "rejected": "Reject"}
#: what a status means when no move is left to the user
STATUS_WORDS = {"draft": "a draft: planners submit it for approval",
                "submitted": "submitted: finance approves or rejects it",
                "approved": "approved, and final: save a new version to change it",
                "rejected": "rejected, and final: save a new version to rework it"}


def status_section(where, saved: pd.DataFrame, refs: list[str]) -> None:
    """Pick a saved version, see its status, and take one of the next steps that its status
    and the user's role allow (draft -> submitted -> approved or rejected)."""
    with where:
        ref = st.selectbox("Status of", refs, index=len(refs) - 1, key="status_ref")
        name, version = parse_ref(ref)
        row = saved[(saved["name"] == name) & (saved["version"] == version)].iloc[0]
        status = str(row["status"])
        moves = [m for m in TRANSITIONS.get(status, ())
                 if auth.can(STATUS_ACTION[m])]
        st.markdown(f"**{ref}** is {STATUS_WORDS.get(status, status)}.")
        if not moves:
            return
        with st.form("status_form"):
            move = st.radio("Next step", moves, horizontal=True, key="status_value",
                            format_func=MOVE_WORDS.get)
            comment = st.text_input("Comment (required)", key="status_comment", max_chars=500)
            go = st.form_submit_button("Change status", key="status_submit")
        if go:
            change_status(name, version, move, comment)


def change_status(name: str, version: int, move: str, comment: str) -> None:
    if not comment.strip():
        st.error("Add a comment: it is kept with the status change.", icon=":material/edit:")
        return
    actor = acting()
    if actor is None:
        return
    try:
        meta = store().set_status(name, move, comment=comment, version=version, actor=actor)
    except (StoreError, AccessError) as exc:
        st.error(str(exc))
        return
    if session.meta() is not None and session.meta().label == meta.label:
        session.set_meta(meta)  # the sidebar shows the new status
    feedback.flash(f"{meta.label} is now {meta.status}.")
    st.rerun()


def main() -> None:
    st.title("Scenarios")
    feedback.show_flash()
    if session.inputs() is None:
        feedback.no_data_message()
        return
    try:
        store()
    except Exception as exc:  # an unreachable or unwritable database
        st.error(f"The scenario store cannot be opened: {exc}. Set HEADCOUNT_DB to a writable "
                 "SQLite path or a database URL.")
        return
    author_field()
    save_section()
    compare_section()
    saved_section()


if __name__ == "__main__":  # run by app.py's navigation, never on import
    main()
