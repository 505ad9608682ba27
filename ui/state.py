"""Session state of the app and the pipeline stages as the pages ask for them.

One session holds: the current inputs (after the user's edits), the inputs as loaded (the
baseline), their digests, the data set's label, the scenario's name, manual forecast
overrides, and the last plan shown. Stages run through :data:`ui.jobs.JOBS` (shared,
content-keyed cache; background thread) while the page shows a progress bar and the elapsed
time. Pages call the pipeline only through the getters here.
"""

from __future__ import annotations

import dataclasses
import os
import threading
import time
import traceback
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from planning import pipeline
from planning.errors import InputError, Issue, issues_frame
from planning.forecast_stage import forecast_stage
from planning.inputs.loading import load_inputs
from planning.inputs.tables import Inputs
from planning.inputs.uploads import inputs_from_upload
from planning.overrides import Override, apply_overrides, quantile_columns
from planning.pipeline import requirements_table, run_plan
from ui import keys
from ui.jobs import JOBS, Done

APP_DIR = Path(__file__).resolve().parent.parent
DATA_ENV = "HEADCOUNT_DATA"
UPLOAD_LIMIT_MB = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_INPUTS, _LOADED, _DIGEST, _LABEL = "hc_inputs", "hc_loaded", "hc_digest", "hc_label"
_SCENARIO, _ISSUES, _OVERRIDES = "hc_scenario", "hc_load_issues", "hc_overrides"
_LAST_PLAN = "hc_last_plan"
_LOADED_DIGEST, _SAVED_KEY = "hc_loaded_digest", "hc_saved_key"


@dataclass(frozen=True)
class ForecastOut:
    """The forecast stage's output: daily forecast (market, queue, date, pNN ...) and the
    backtest behind it (None when the forecast was given in the inputs)."""

    forecast: pd.DataFrame
    backtest: pd.DataFrame | None


# -- data set -------------------------------------------------------------------------------
def default_data_path() -> Path:
    """``HEADCOUNT_DATA`` (relative to the working folder, else to app.py), else data/sample."""
    value = os.environ.get(DATA_ENV)
    if not value:
        return APP_DIR / "data" / "sample"
    path = Path(value).expanduser()
    if not path.is_absolute() and not path.exists() and (APP_DIR / path).exists():
        path = APP_DIR / path
    return path


def init() -> None:
    """Load the default data set on a session's first run."""
    if _INPUTS in st.session_state:
        return
    st.session_state[_INPUTS] = None
    st.session_state[_OVERRIDES] = ()
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
    """A newly loaded data set: it becomes both the current inputs and the baseline."""
    st.session_state["hc_meta"] = meta
    st.session_state[_LOADED] = inputs
    st.session_state[_LOADED_DIGEST] = keys.digest_inputs(inputs)
    st.session_state[_LABEL] = label
    st.session_state[_SCENARIO] = scenario
    st.session_state[_ISSUES] = None
    st.session_state[_OVERRIDES] = ()
    st.session_state[_LAST_PLAN] = None
    reset_widgets(WIDGET_PREFIXES)
    set_inputs(inputs)
    st.session_state[_SAVED_KEY] = _content_key()


#: widget keys that show the current inputs' values and must forget edits on a new data set
WIDGET_PREFIXES = ("a_", "edit_", "fc_", "ov_")


def reset_widgets(prefixes: tuple[str, ...]) -> None:
    """Forget widget state whose key starts with one of ``prefixes``."""
    for k in [k for k in st.session_state if isinstance(k, str) and k.startswith(prefixes)]:
        del st.session_state[k]


def flash(message: str) -> None:
    """A success message shown once, on the next run of the page (survives st.rerun)."""
    st.session_state["hc_flash"] = message


def show_flash() -> None:
    msg = st.session_state.pop("hc_flash", None)
    if msg:
        st.success(msg, icon=":material/check_circle:")


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
    except Exception as exc:  # an unreadable file is the user's problem to fix, not a crash
        set_issues([Issue(Path(path).name, None, None, None,
                          f"could not be read ({type(exc).__name__}: {exc})")])
        return False
    set_loaded(inputs, label)
    return True


def load_uploads(files: list[Any]) -> bool:
    """Load uploaded files: one .xlsx workbook, or CSVs (+ scenario.toml). False on errors.

    Sizes, file count, names and types are checked by :func:`planning.inputs.uploads.inputs_from_upload`
    before any file is read."""

    label = "upload: " + ", ".join(sorted(f.name for f in files))
    try:
        inputs = inputs_from_upload(files)
    except InputError as exc:
        st.session_state[_ISSUES] = issues_frame(exc.issues)
        return False
    except Exception as exc:
        set_issues([Issue("upload", None, None, ", ".join(f.name for f in files),
                          f"could not be read ({type(exc).__name__}: {exc})")])
        return False
    set_loaded(inputs, label)
    return True


def set_issues(issues: list[Issue]) -> None:
    st.session_state[_ISSUES] = issues_frame(issues)


def load_issues() -> pd.DataFrame | None:
    """The error table of the last failed load (None when it loaded)."""
    return st.session_state.get(_ISSUES)


def clear_issues() -> None:
    st.session_state[_ISSUES] = None


def inputs() -> Inputs | None:
    """The current inputs (None when no data set is loaded)."""
    return st.session_state.get(_INPUTS)


def loaded() -> Inputs | None:
    """The inputs as loaded (the baseline of this data set)."""
    return st.session_state.get(_LOADED)


def digest() -> keys.InputsDigest:
    return st.session_state[_DIGEST]


def label() -> str:
    return st.session_state.get(_LABEL, "(none)")


def scenario_name() -> str:
    return st.session_state.get(_SCENARIO, "as loaded")


def _content_key() -> str:
    return keys.combine(digest().full, overrides())


def modified() -> bool:
    """True when the current inputs or overrides differ from the data set as loaded."""
    if inputs() is None or loaded() is None:
        return False
    return bool(overrides()) or st.session_state[_LOADED_DIGEST].full != digest().full


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
    st.session_state["hc_meta"] = meta


def saved_meta() -> Any:
    """The ScenarioMeta of the saved scenario on screen, or None when there are unsaved
    changes (or it was never saved)."""
    return None if unsaved() else st.session_state.get("hc_meta")


def overrides() -> tuple[Override, ...]:
    return st.session_state.get(_OVERRIDES, ())


def set_overrides(values: tuple[Override, ...]) -> None:
    st.session_state[_OVERRIDES] = tuple(values)


def replace_scenario(section: str, **changes: Any) -> Inputs:
    """The current inputs with some scenario keys changed (not yet applied)."""
    cur = inputs()
    assert cur is not None
    return dataclasses.replace(cur, scenario=cur.scenario.replace(section, **changes))


def slug(text: str) -> str:
    """Text made safe for a file name: ``data/sample-as loaded`` -> ``data-sample-as-loaded``."""
    keep = "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in text)
    return "-".join(p for p in keep.split("-") if p)[:60] or "plan"


def no_data_message() -> None:
    """What to do when no data set is loaded."""
    st.info("No data set is loaded. Open **Inputs** to upload a workbook or CSV files, "
            "download the empty template, or load the sample data.", icon=":material/info:")


# -- errors ---------------------------------------------------------------------------------
def show_issues(frame: pd.DataFrame, title: str = "The inputs have problems") -> None:
    """The error table: severity, table, row, column, value, expected."""
    errors = int((frame["severity"] == "error").sum()) if "severity" in frame else len(frame)
    st.error(f"{title}: {errors} error(s). Nothing was changed; fix them and try again.",
             icon=":material/error:")
    st.dataframe(frame, hide_index=True, width="stretch", key=f"issues_{title[:12]}")


def show_error(done: Done, what: str) -> None:
    """A stage failure: InputError as the error table, anything else in words."""
    exc = done.error
    if isinstance(exc, InputError):
        show_issues(issues_frame(exc.issues), f"{what} cannot run on these inputs")
    elif isinstance(exc, ImportError):
        st.warning(f"{what} is not available yet in this installation ({exc}).",
                   icon=":material/construction:")
    else:
        st.error(f"{what} failed: {type(exc).__name__}: {exc}", icon=":material/error:")
        with st.expander("Details for a bug report"):
            st.code("".join(traceback.format_exception(exc)))


# -- stages ---------------------------------------------------------------------------------
_MEMO: OrderedDict[tuple, Any] = OrderedDict()
_MEMO_LOCK = threading.Lock()


def memo(*key: Any, make: Callable[[], Any], size: int = 48) -> Any:
    """``make()`` remembered under ``key`` (e.g. a figure of a cached stage result, keyed by
    that result's content key), so a page switch does not rebuild it. Shared, not copied."""
    with _MEMO_LOCK:
        if key in _MEMO:
            _MEMO.move_to_end(key)
            return _MEMO[key]
    value = make()
    with _MEMO_LOCK:
        _MEMO[key] = value
        while len(_MEMO) > size:
            _MEMO.popitem(last=False)
    return value


def current_plan_key() -> str | None:
    """Content key of the plan of the current inputs (solved or not)."""
    inp = inputs()
    return None if inp is None else _plan_key(inp)


def plan_key_for(inp: Inputs) -> str:
    """Content key of the plan of other inputs without overrides (e.g. the baseline)."""
    d = st.session_state[_LOADED_DIGEST] if inp is loaded() else keys.digest_inputs(inp)
    return keys.plan_key(d)


def plan_key_of_last() -> str | None:
    """Content key of the plan on screen (the last one solved in this session)."""
    last = st.session_state.get(_LAST_PLAN)
    return None if last is None else last[1]


def requirements_key() -> str:
    return keys.requirements_key(digest(), overrides())


def forecast_key() -> str:
    return keys.combine(keys.forecast_key(digest()), overrides())


def run_stage(stage: str, key: str, fn: Callable[[], Any], *, label: str,
              persist: bool = False, limit_s: float | None = None) -> Done:
    """Run (or fetch) a stage, showing a progress bar and the elapsed time while it runs."""
    fut = JOBS.submit(stage, key, fn, persist=persist)
    if not fut.done():
        started = JOBS.started_at(stage, key) or time.monotonic()
        slot = st.empty()
        with slot.container():
            box = st.status(label, expanded=True)
            with box:
                bar = st.progress(0.0, text=label)
        while not fut.done():
            el = time.monotonic() - started
            frac = min(el / limit_s, 0.99) if limit_s else el / (el + 20.0)
            limit = f" (at most {limit_s:.0f} s)" if limit_s else ""
            bar.progress(frac, text=f"{label}: {el:.1f} s elapsed{limit}")
            wait([fut], timeout=0.25)
        slot.empty()  # the page reports the time taken where it shows the result
    return fut.result()


def _forecast(inp: Inputs) -> ForecastOut:

    if inp.forecast is not None or inp.volumes is None:
        return ForecastOut(pipeline.forecast_table(inp), None)

    res = forecast_stage(inp, quantiles=pipeline.plan_quantiles(inp))
    return ForecastOut(res.forecast, getattr(res, "backtest", None))


def forecast() -> Done | None:
    """The forecast stage of the current inputs (None without data or a forecast stage)."""
    inp = inputs()
    if inp is None:
        return None
    n = 0 if inp.volumes is None else inp.volumes.groupby(["market", "queue"]).ngroups
    return run_stage("forecast", keys.forecast_key(digest()), lambda: _forecast(inp),
                     label=f"Forecasting {n} series (first run only; kept on disk)",
                     persist=inp.forecast is None)


def effective_forecast(out: ForecastOut) -> pd.DataFrame:
    """The forecast with the manual overrides applied."""
    return apply_overrides(out.forecast, overrides())


def inputs_as_run() -> Inputs | None:
    """The current inputs as the plan used them: with overrides active, the overridden
    forecast goes in as the ``forecast`` table, so a saved or exported scenario re-plans to
    the same numbers."""

    inp = inputs()
    if inp is None or not overrides() or not needs_forecast(inp):
        return inp
    f = forecast()
    if f is None or f.error is not None:
        return inp
    fc = effective_forecast(f.value)
    return dataclasses.replace(inp, forecast=fc[["market", "queue", "date",
                                                 *quantile_columns(fc)]])


def page_inputs(title: str) -> Inputs | None:
    """Start a page: its title, then the loaded inputs, or the what-to-do message and None."""
    st.title(title)
    inp = inputs()
    if inp is None:
        no_data_message()
    return inp


def needs_forecast(inp: Inputs) -> bool:
    """False when the inputs bring their own requirements table."""
    return inp.requirements is None


def _staffed_forecast(inp: Inputs) -> tuple[bool, Done | None, pd.DataFrame | None]:
    """(stop, what to return when stopping, the forecast after overrides). Stops when the
    forecast stage has no result or failed; no forecast when the inputs bring requirements."""
    if not needs_forecast(inp):
        return False, None, None
    f = forecast()
    if f is None or f.error is not None:
        return True, f, None
    return False, None, effective_forecast(f.value)


def requirements() -> Done | None:
    """Required FTE per market, queue and week of the current inputs (after overrides)."""

    inp = inputs()
    if inp is None:
        return None
    stop, early, fc = _staffed_forecast(inp)
    if stop:
        return early
    key = keys.requirements_key(digest(), overrides())
    return run_stage("requirements", key, lambda: requirements_table(inp, fc),
                     label="Computing required FTE")


def _plan_key(inp: Inputs) -> str:
    return keys.plan_key(digest(), overrides())


def cached_plan() -> Done | None:
    """The plan of the current inputs if it was already solved (no solve here)."""
    inp = inputs()
    return None if inp is None else JOBS.get("plan", _plan_key(inp))


def plan(*, run: bool) -> Done | None:
    """The plan of the current inputs: solved when ``run`` (or cached), else None."""

    inp = inputs()
    if inp is None:
        return None
    hit = cached_plan()
    if hit is not None and run and hit.error is not None:
        JOBS.forget("plan", _plan_key(inp))  # Re-plan retries a failed plan
        hit = None
    if hit is not None:
        st.session_state[_LAST_PLAN] = (hit, _plan_key(inp))
        return hit
    if not run:
        return None
    stop, early, fc = _staffed_forecast(inp)
    if stop:
        return early
    r = requirements()
    if r is None or r.error is not None:
        return r
    req = r.value
    limit = inp.scenario.solver.time_limit_s
    done = run_stage("plan", _plan_key(inp), lambda: run_plan(inp, forecast=fc, requirements=req),
                     label="Optimising the plan", limit_s=limit * 3 + 5)
    st.session_state[_LAST_PLAN] = (done, _plan_key(inp))
    return done


def last_plan() -> tuple[Done, bool] | None:
    """The last plan solved in this session and whether it is for the current inputs."""
    inp = inputs()
    last = st.session_state.get(_LAST_PLAN)
    if inp is None or last is None:
        return None
    done, key = last
    return done, key == _plan_key(inp)


def plan_for(inp: Inputs, *, run: bool, label: str) -> Done | None:
    """The plan of other inputs (e.g. the baseline): forecast, requirements, plan, no overrides."""

    d = st.session_state[_LOADED_DIGEST] if inp is loaded() else keys.digest_inputs(inp)
    key = keys.plan_key(d)
    hit = JOBS.get("plan", key)
    if hit is not None or not run:
        return hit
    fc = None
    if needs_forecast(inp):
        f = run_stage("forecast", keys.forecast_key(d), lambda: _forecast(inp),
                      label=f"Forecasting for {label}", persist=inp.forecast is None)
        if f.error is not None:
            return f
        fc = f.value.forecast
    return run_stage("plan", key, lambda: run_plan(inp, forecast=fc),
                     label=f"Optimising {label}",
                     limit_s=inp.scenario.solver.time_limit_s * 3 + 5)


def warm_forecast(inp: Inputs) -> Done:
    """Compute (or read from disk) the forecast of ``inp`` into the shared cache, without a
    page: for tests and benchmarks that should not time the first forecast."""
    key = keys.forecast_key(keys.digest_inputs(inp))
    return JOBS.submit("forecast", key, lambda: _forecast(inp),
                       persist=inp.forecast is None).result()


def warm_plan(inp: Inputs) -> Done:
    """Solve the plan of ``inp`` (no overrides) into the shared cache, as the Plan page would."""

    fc = warm_forecast(inp).value.forecast if needs_forecast(inp) else None
    key = keys.plan_key(keys.digest_inputs(inp))
    return JOBS.submit("plan", key, lambda: run_plan(inp, forecast=fc)).result()
