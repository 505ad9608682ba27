"""The pipeline stages as the pages ask for them: forecast, requirements, plan, SLA risk.

Stages run through :data:`ui.jobs.JOBS` (shared, content-keyed cache; background thread)
while the page shows a progress bar and the elapsed time. Pages call the pipeline only
through these getters; what each stage computes is :mod:`planning.pipeline`'s.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import wait
from typing import Any

import pandas as pd
import streamlit as st

from forecasts import ForecastResult
from planning.disk_cache import DiskCache, use_cache
from planning.inputs.tables import Inputs
from planning.pipeline import (
    PipelineRun,
    forecast_result,
    forecast_table,
    plan_risk,
    requirements_table,
    run_plan,
)
from planning.risk.simulate import RiskResult, RiskSettings
from ui import keys, session
from ui.jobs import JOBS, Done

_LAST_PLAN = "hc_last_plan"

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


def run_stage(stage: str, key: str, fn: Callable[[], Any], *, label: str,
              limit_s: float | None = None) -> Done:
    """Run (or fetch) a stage, showing a progress bar and the elapsed time while it runs."""
    fut = JOBS.submit(stage, key, fn)
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


# -- keys -----------------------------------------------------------------------------------
def _digest_of(inp: Inputs) -> keys.InputsDigest:
    if inp is session.inputs():
        return session.digest()
    if inp is session.loaded():
        return session.loaded_digest()
    return keys.digest_inputs(inp)


def plan_key_for(inp: Inputs) -> str:
    """Content key of the plan of other inputs (e.g. the baseline)."""
    return keys.plan_key(_digest_of(inp))


def plan_key_of_last() -> str | None:
    """Content key of the plan on screen (the last one solved in this session)."""
    last = st.session_state.get(_LAST_PLAN)
    return None if last is None else last[1]


def requirements_key() -> str:
    return keys.requirements_key(session.digest())


def forecast_key() -> str:
    """Key of the forecast as staffed: the model's forecast and the overrides on it."""
    d = session.digest()
    return keys.combine(keys.forecast_key(d), dict(d.tables).get("forecast_overrides"))


def _plan_key() -> str:
    return keys.plan_key(session.digest())


def _run_plan(inp: Inputs, **kw: Any) -> PipelineRun:
    """:func:`planning.pipeline.run_plan` with the disk cache in force, so a plan made to an
    SLA confidence is calibrated once for the CLI and the app alike."""
    with use_cache(DiskCache()):
        return run_plan(inp, **kw)


# -- forecast -------------------------------------------------------------------------------
def needs_forecast(inp: Inputs) -> bool:
    """False when the inputs bring their own requirements table."""
    return inp.requirements is None


def _forecast_done(inp: Inputs, label: str) -> Done:
    n = 0 if inp.volumes is None else inp.volumes.groupby(["market", "queue"]).ngroups
    return run_stage("forecast", keys.forecast_key(_digest_of(inp)),
                     lambda: forecast_result(inp, cache=DiskCache()),
                     label=label.format(n=n))


def forecast() -> Done | None:
    """The forecast stage of the current inputs (a ForecastResult; None without data)."""
    inp = session.inputs()
    if inp is None:
        return None
    return _forecast_done(inp, "Forecasting {n} series (first run only; kept on disk)")


def effective_forecast(out: ForecastResult) -> pd.DataFrame:
    """The forecast as staffed: the model's with the inputs' forecast overrides applied
    (the pipeline's own rule, as the CLI applies it)."""
    return forecast_table(session.inputs(), out.forecast)


def inputs_as_run() -> Inputs | None:
    """The current inputs as the plan used them. Forecast overrides are a table of the
    inputs, so a saved or exported scenario carries them and re-plans to the same numbers."""
    return session.inputs()


def _staffed_forecast(inp: Inputs) -> tuple[bool, Done | None, pd.DataFrame | None]:
    """(stop, what to return when stopping, the forecast after overrides). Stops when the
    forecast stage has no result or failed; no forecast when the inputs bring requirements."""
    if not needs_forecast(inp):
        return False, None, None
    f = forecast()
    if f is None or f.error is not None:
        return True, f, None
    return False, None, effective_forecast(f.value)


def _model_forecast(inp: Inputs) -> pd.DataFrame | None:
    """The model's forecast before overrides, when the forecast stage has one."""
    f = forecast() if needs_forecast(inp) else None
    return None if f is None or f.error is not None else f.value.forecast


# -- requirements and plan ------------------------------------------------------------------
def requirements() -> Done | None:
    """Required FTE per market, queue and week of the current inputs (after overrides)."""
    inp = session.inputs()
    if inp is None:
        return None
    stop, early, fc = _staffed_forecast(inp)
    if stop:
        return early
    model = _model_forecast(inp)
    return run_stage("requirements", requirements_key(),
                     lambda: requirements_table(inp, fc, model=model),
                     label="Computing required FTE")


def cached_plan() -> Done | None:
    """The plan of the current inputs if it was already solved (no solve here)."""
    return None if session.inputs() is None else JOBS.get("plan", _plan_key())


def _plan_limit(inp: Inputs) -> float:
    return inp.scenario.solver.time_limit_s * 3 + 5


def plan(*, run: bool) -> Done | None:
    """The plan of the current inputs (a PipelineRun): solved when ``run`` (or cached), else None."""
    inp = session.inputs()
    if inp is None:
        return None
    hit = cached_plan()
    if hit is not None and run and hit.error is not None:
        JOBS.forget("plan", _plan_key())  # Re-plan retries a failed plan
        hit = None
    if hit is not None:
        st.session_state[_LAST_PLAN] = (hit, _plan_key())
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
    model = _model_forecast(inp)
    done = run_stage("plan", _plan_key(),
                     lambda: _run_plan(inp, forecast=fc, requirements=req, model=model),
                     label="Optimising the plan", limit_s=_plan_limit(inp))
    st.session_state[_LAST_PLAN] = (done, _plan_key())
    return done


def last_plan() -> tuple[Done, bool] | None:
    """The last plan solved in this session and whether it is for the current inputs."""
    last = st.session_state.get(_LAST_PLAN)
    if session.inputs() is None or last is None:
        return None
    done, key = last
    return done, key == _plan_key()


def plan_for(inp: Inputs, *, run: bool, label: str) -> Done | None:
    """The plan of other inputs (e.g. the baseline or a saved scenario, with its own forecast
    overrides): forecast, requirements, plan."""
    key = plan_key_for(inp)
    hit = JOBS.get("plan", key)
    if hit is not None or not run:
        return hit
    fc = model = None
    if needs_forecast(inp):
        f = _forecast_done(inp, f"Forecasting for {label}")
        if f.error is not None:
            return f
        model = f.value.forecast
        fc = forecast_table(inp, model)
    return run_stage("plan", key, lambda: _run_plan(inp, forecast=fc, model=model),
                     label=f"Optimising {label}", limit_s=_plan_limit(inp))


# -- SLA risk -------------------------------------------------------------------------------
#: the app simulates with the same settings as ``headcount risk`` (its defaults)
RISK_SETTINGS = RiskSettings()


def risk(run: PipelineRun, inp: Inputs, key: str, *, wait_for_it: bool = True) -> Done | None:
    """SLA risk of a plan (``key``: its plan key) with :data:`RISK_SETTINGS`. None when the
    plan has no daily forecast behind it, or (``wait_for_it=False``) while it still runs."""
    if run.forecast is None:
        return None

    def work() -> RiskResult:
        return plan_risk(inp, run.forecast, run.plan.allocation, RISK_SETTINGS,
                         cache=DiskCache())

    if not wait_for_it:
        fut = JOBS.submit("risk", key, work)
        return fut.result() if fut.done() else None
    return run_stage("risk", key, work,
                     label=f"Simulating SLA risk ({RISK_SETTINGS.paths:,} volume paths per "
                           "market and queue)")


# -- without a page: tests and benchmarks ---------------------------------------------------
def warm_forecast(inp: Inputs) -> Done:
    """Compute (or read from disk) the forecast of ``inp`` into the shared cache, without a
    page: for tests and benchmarks that should not time the first forecast."""
    key = keys.forecast_key(keys.digest_inputs(inp))
    return JOBS.submit("forecast", key,
                       lambda: forecast_result(inp, cache=DiskCache())).result()


def warm_plan(inp: Inputs) -> Done:
    """Solve the plan of ``inp`` into the shared cache, as the Plan page would."""
    model = warm_forecast(inp).value.forecast if needs_forecast(inp) else None
    fc = None if model is None else forecast_table(inp, model)
    key = keys.plan_key(keys.digest_inputs(inp))
    return JOBS.submit("plan", key, lambda: _run_plan(inp, forecast=fc, model=model)).result()
