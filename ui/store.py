"""The scenario store as the pages use it: one store per process and database, saved
versions read once (they never change), and the last approved version of a scenario."""

from __future__ import annotations

import os

import streamlit as st

from planning.store.store import (
    ScenarioMeta,
    ScenarioStore,
    StoredScenario,
    database_url,
    parse_ref,
)
from ui.jobs import JOBS


@st.cache_resource(show_spinner=False)
def _store(url: str) -> ScenarioStore:
    return ScenarioStore(url)


def store() -> ScenarioStore:
    """The scenario store named by HEADCOUNT_DB (one per process and database)."""
    return _store(database_url(os.environ.get("HEADCOUNT_DB")))


def stored(ref: str) -> StoredScenario:
    """A saved version ``name@version``, read once per process (saved versions never change)."""
    name, version = parse_ref(ref)
    done = JOBS.submit("stored", f"{store().url}|{ref}",
                       lambda: store().load(name, version)).result()
    if done.error is not None:
        raise done.error
    return done.value


def last_approved(name: str) -> ScenarioMeta | None:
    """The latest approved version of the scenario ``name`` (None when there is none)."""
    saved = store().list()
    ok = saved[(saved["name"] == name) & (saved["status"] == "approved")]
    if ok.empty:
        return None
    return store().meta(name, int(ok["version"].max()))
