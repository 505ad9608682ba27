"""The app's pure helpers: content keys and the background stage cache."""

from __future__ import annotations

import dataclasses
import threading

import numpy as np
import pandas as pd
import pytest

from planning.inputs.loading import load_inputs
from planning.overrides import overrides_frame
from ui import keys
from ui.jobs import Jobs


@pytest.fixture
def inputs(tiny):
    return load_inputs(tiny(**{"volumes.csv": """
        market,queue,date,cases
        ID,listing,2026-12-28,100
        ID,listing,2026-12-29,120
        GB,live,2026-12-28,50
    """}))


# -- keys -----------------------------------------------------------------------------------
def test_frame_digest_sees_every_row_not_a_sample():
    n = 120_000  # st.cache_data would sample a frame this long
    a = pd.DataFrame({"x": np.arange(n, dtype=float), "y": ["k"] * n})
    b = a.copy()
    b.loc[n - 7, "x"] = -1.0
    assert keys.frame_digest(a) == keys.frame_digest(a.copy())
    assert keys.frame_digest(a) != keys.frame_digest(b)


def test_frame_digest_sees_columns_dtypes_and_tuple_cells():
    a = pd.DataFrame({"languages": [("en", "ms"), ("id",)]})
    assert keys.frame_digest(a) != keys.frame_digest(pd.DataFrame({"languages": [("en",), ("id",)]}))
    assert keys.frame_digest(a) != keys.frame_digest(a.rename(columns={"languages": "markets"}))
    ints = pd.DataFrame({"x": [1, 2]})
    assert keys.frame_digest(ints) != keys.frame_digest(ints.astype(float))
    assert keys.frame_digest(None) == "none"


def test_stage_keys_change_only_with_what_the_stage_reads(inputs):
    base = keys.digest_inputs(inputs)
    shrink = keys.digest_inputs(dataclasses.replace(
        inputs, scenario=inputs.scenario.replace("workforce", shrinkage=0.35)))
    solver = keys.digest_inputs(dataclasses.replace(
        inputs, scenario=inputs.scenario.replace("solver", mip_gap=0.01)))
    sites = inputs.sites.copy()
    sites.loc[0, "headcount"] = 11.0
    site = keys.digest_inputs(dataclasses.replace(inputs, sites=sites))
    vol = inputs.volumes.copy()
    vol.loc[0, "cases"] = 101.0
    volume = keys.digest_inputs(dataclasses.replace(inputs, volumes=vol))

    # shrinkage: requirements and plan, never the forecast
    assert keys.forecast_key(shrink) == keys.forecast_key(base)
    assert keys.requirements_key(shrink) != keys.requirements_key(base)
    assert keys.plan_key(shrink) != keys.plan_key(base)
    # solver settings and sites: the plan only
    for d in (solver, site):
        assert keys.requirements_key(d) == keys.requirements_key(base)
        assert keys.plan_key(d) != keys.plan_key(base)
    # history: everything downstream
    assert keys.forecast_key(volume) != keys.forecast_key(base)
    assert keys.plan_key(volume) != keys.plan_key(base)
    # forecast overrides (a table of the inputs): requirements and plan, never the forecast
    o = overrides_frame([{"market": "ID", "queue": "listing", "start": "2027-01-05",
                          "end": "2027-01-10", "multiplier": 1.15, "reason": "policy"}])
    over = keys.digest_inputs(dataclasses.replace(inputs, forecast_overrides=o))
    assert keys.forecast_key(over) == keys.forecast_key(base)
    assert keys.requirements_key(over) != keys.requirements_key(base)
    assert keys.plan_key(over) != keys.plan_key(base)
    # queue values: requirements, not the forecast (history alone decides it)
    queues = inputs.queues.copy()
    queues.loc[0, "aht_minutes"] = 7.0
    q = keys.digest_inputs(dataclasses.replace(inputs, queues=queues))
    assert keys.forecast_key(q) == keys.forecast_key(base)
    assert keys.requirements_key(q) != keys.requirements_key(base)
    # the same content loaded twice gives the same keys
    assert keys.plan_key(keys.digest_inputs(inputs)) == keys.plan_key(base)


def test_a_table_no_stage_lists_is_in_every_key():
    sections = tuple((s, s) for s in ("plan", "workforce", "levers", "solver"))
    d = keys.InputsDigest((("volumes", "v1"), ("new_table", "n1")), sections)
    changed = keys.InputsDigest((("volumes", "v1"), ("new_table", "n2")), sections)
    assert keys.forecast_key(d) != keys.forecast_key(changed)
    assert keys.requirements_key(d) != keys.requirements_key(changed)
    assert keys.plan_key(d) != keys.plan_key(changed)


# -- jobs -----------------------------------------------------------------------------------
def test_jobs_run_once_per_key_and_join_a_running_job():
    jobs = Jobs(max_entries=2)
    gate, calls = threading.Event(), []

    def slow():
        calls.append(1)
        gate.wait(5)
        return 42

    f1 = jobs.submit("plan", "k", slow)
    f2 = jobs.submit("plan", "k", slow)
    assert f1 is f2
    gate.set()
    assert f1.result().value == 42
    assert jobs.submit("plan", "k", slow).result().value == 42
    assert calls == [1]


def test_jobs_cache_failures_and_evict_least_recently_used():
    jobs = Jobs(max_entries=2)

    def boom():
        raise ValueError("bad input")

    done = jobs.submit("plan", "bad", boom).result()
    assert isinstance(done.error, ValueError) and done.value is None
    jobs.submit("forecast", "f", lambda: "f").result()
    jobs.submit("plan", "a", lambda: "a").result()
    jobs.submit("plan", "bad", boom)  # a hit: "bad" is now the most recently used
    jobs.submit("plan", "b", lambda: "b").result()
    assert jobs.get("plan", "a") is None  # evicted: the least recently used plan
    assert jobs.get("plan", "bad").error is not None and jobs.get("plan", "b").value == "b"
    assert jobs.get("forecast", "f").value == "f"  # other stages keep their own room
