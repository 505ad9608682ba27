"""What one browser session holds: the data set on screen and what the user did to it.

The current inputs (after the user's edits), the inputs as loaded (the baseline) and their
digests, the data set's label, the scenario's name and saved state, manual forecast
overrides, and the errors of the last failed load. Everything lives in
``st.session_state`` under ``hc_*`` keys; pages read and change it through these functions.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from planning.errors import InputError, Issue, issues_frame
from planning.inputs.loading import load_inputs
from planning.inputs.tables import Inputs
from planning.inputs.uploads import UploadedFile, inputs_from_upload, replaces_everything
from ui import keys

APP_DIR = Path(__file__).resolve().parent.parent
DATA_ENV = "HEADCOUNT_DATA"
#: ``YYYY-MM-DD``: the date requisitions are judged against (default: the real today), e.g.
#: to show a plan as it looked on a review day
TODAY_ENV = "HEADCOUNT_TODAY"
UPLOAD_LIMIT_MB = 50

_INPUTS, _LOADED, _DIGEST, _LABEL = "hc_inputs", "hc_loaded", "hc_digest", "hc_label"
_SCENARIO, _ISSUES, _META = "hc_scenario", "hc_load_issues", "hc_meta"
_LAST_PLAN = "hc_last_plan"
_LOADED_DIGEST, _SAVED_KEY = "hc_loaded_digest", "hc_saved_key"

#: widget keys that show the current inputs' values and must forget edits on a new data set
WIDGET_PREFIXES = ("a_", "edit_", "fc_", "ov_")


def default_data_path() -> Path:
    """``HEADCOUNT_DATA`` (relative to the working folder, else to app.py), else data/sample."""
    value = os.environ.get(DATA_ENV)
    if not value:
        return APP_DIR / "data" / "sample"
    path = Path(value).expanduser()
    if not path.is_absolute() and not path.exists() and (APP_DIR / path).exists():
        path = APP_DIR / path
    return path


def today() -> dt.date:
    """Today, or the date in ``HEADCOUNT_TODAY`` (a bad value is ignored)."""
    value = os.environ.get(TODAY_ENV, "")
    try:
        return dt.date.fromisoformat(value.strip()) if value.strip() else dt.date.today()
    except ValueError:
        return dt.date.today()


def init() -> None:
    """Load the default data set on a session's first run."""
    if _INPUTS in st.session_state:
        return
    st.session_state[_INPUTS] = None
    path = default_data_path()
    try:
        inputs = load_inputs(path)
    except InputError as exc:
        st.session_state[_ISSUES] = issues_frame(exc.issues)
        st.session_state[_LABEL] = f"{_short(path)} (could not be loaded)"
        return
    set_loaded(inputs, _short(path))


def _short(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(APP_DIR))
    except ValueError:
        return str(path)


def set_loaded(inputs: Inputs, label: str, scenario: str = "as loaded", meta: Any = None
               ) -> None:
    """A newly loaded data set: it becomes both the current inputs and the baseline.
    meta: the :class:`planning.store.store.ScenarioMeta` when it is a saved scenario."""
    st.session_state[_META] = meta
    st.session_state[_LOADED] = inputs
    st.session_state[_LOADED_DIGEST] = keys.digest_inputs(inputs)
    st.session_state[_LABEL] = label
    st.session_state[_SCENARIO] = scenario
    st.session_state[_ISSUES] = None
    st.session_state[_LAST_PLAN] = None
    reset_widgets(WIDGET_PREFIXES)
    set_inputs(inputs)
    st.session_state[_SAVED_KEY] = _content_key()


def reset_widgets(prefixes: tuple[str, ...]) -> None:
    """Forget widget state whose key starts with one of ``prefixes``."""
    for k in [k for k in st.session_state if isinstance(k, str) and k.startswith(prefixes)]:
        del st.session_state[k]


def set_inputs(inputs: Inputs) -> None:
    """Replace the current inputs (after an edit); the baseline stays."""
    st.session_state[_INPUTS] = inputs
    st.session_state[_DIGEST] = keys.digest_inputs(inputs)


def load_path(path: Path, label: str) -> bool:
    """Load a folder or workbook; on errors keep the current data and record the issues."""
    try:
        inputs = load_inputs(path)
    except InputError as exc:
        st.session_state[_ISSUES] = issues_frame(exc.issues)
        return False
    set_loaded(inputs, label)
    return True


def load_uploads(files: Sequence[UploadedFile]) -> bool:
    """Load uploaded files (see :func:`planning.inputs.uploads.inputs_from_upload`). A whole
    data set (workbook, or with scenario.toml) becomes the new baseline; table files alone
    replace those tables of the current inputs, an edit like one made in the table editor.
    False, with the error table recorded and nothing changed, on errors."""
    names = ", ".join(sorted(f.name for f in files))
    try:
        new = inputs_from_upload(files, current=inputs())
    except InputError as exc:
        st.session_state[_ISSUES] = issues_frame(exc.issues)
        return False
    if replaces_everything(files) or inputs() is None:
        set_loaded(new, f"upload: {names}")
    else:
        st.session_state[_ISSUES] = None
        set_inputs(new)
    return True


def set_issues(issues: list[Issue]) -> None:
    st.session_state[_ISSUES] = issues_frame(issues)


def load_issues() -> pd.DataFrame | None:
    """The error table of the last failed load (None when it loaded)."""
    return st.session_state.get(_ISSUES)


def inputs() -> Inputs | None:
    """The current inputs (None when no data set is loaded)."""
    return st.session_state.get(_INPUTS)


def loaded() -> Inputs | None:
    """The inputs as loaded (the baseline of this data set)."""
    return st.session_state.get(_LOADED)


def digest() -> keys.InputsDigest:
    return st.session_state[_DIGEST]


def loaded_digest() -> keys.InputsDigest:
    return st.session_state[_LOADED_DIGEST]


def label() -> str:
    return st.session_state.get(_LABEL, "(none)")


def scenario_name() -> str:
    return st.session_state.get(_SCENARIO, "as loaded")


def _content_key() -> str:
    return digest().full


def modified() -> bool:
    """True when the current inputs (forecast overrides included) differ from the data set
    as loaded."""
    if inputs() is None or loaded() is None:
        return False
    return loaded_digest().full != digest().full


def unsaved() -> bool:
    """True when the current inputs differ from what was last loaded or saved."""
    if inputs() is None:
        return False
    return st.session_state.get(_SAVED_KEY) != _content_key()


def mark_saved(name: str, meta: Any = None) -> None:
    """The current inputs were saved as ``name`` (e.g. ``shrinkage 35@1``) with its
    :class:`planning.store.store.ScenarioMeta`."""
    st.session_state[_SCENARIO] = name
    st.session_state[_SAVED_KEY] = _content_key()
    st.session_state[_META] = meta


def set_meta(meta: Any) -> None:
    """The saved scenario on screen changed status (its new ScenarioMeta)."""
    st.session_state[_META] = meta


def meta() -> Any:
    """The ScenarioMeta of the saved scenario loaded or saved last (None when none)."""
    return st.session_state.get(_META)


def saved_meta() -> Any:
    """The ScenarioMeta of the saved scenario on screen, or None when there are unsaved
    changes (or it was never saved)."""
    return None if unsaved() else meta()


def overrides() -> pd.DataFrame | None:
    """The current inputs' forecast_overrides table (None when there is none)."""
    inp = inputs()
    return None if inp is None else inp.forecast_overrides


def set_overrides(table: pd.DataFrame | None) -> None:
    """Replace the current inputs' forecast_overrides table (None or empty: no overrides)."""
    table = None if table is None or table.empty else table.reset_index(drop=True)
    set_inputs(dataclasses.replace(inputs(), forecast_overrides=table))


def slug(text: str) -> str:
    """Text made safe for a file name: ``data/sample-as loaded`` -> ``data-sample-as-loaded``."""
    keep = "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in text)
    return "-".join(p for p in keep.split("-") if p)[:60] or "plan"
