"""What the engine tests share: a Dask LocalCluster, a local Ray instance, and the checks.

Each skips, saying why, where its extra (``dask`` / ``ray``) is not installed, except in
CI (``CI`` set): ``make test`` installs both extras, so a missing one there is a failure,
never a silent skip.
"""

from __future__ import annotations

import importlib
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

import forecasts
from planning.engines import DaskEngine, LocalEngine, RayEngine
from planning.inputs.loading import load_inputs
from planning.risk.frontier import cost_risk_frontier
from planning.risk.simulate import RiskSettings, simulate_risk

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"


def require(module: str):
    """Import an optional extra's module; skip without it (fail in CI)."""
    try:
        return importlib.import_module(module)
    except ImportError:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"{module} is not installed (pip install -e '.[dask,ray]')")


def dask_engine():
    """A DaskEngine on a LocalCluster of 2 single-threaded worker processes (a generator
    for a fixture)."""
    require("distributed")
    engine = DaskEngine.connect(workers=2)
    yield engine
    engine.close()


def ray_engine():
    """A RayEngine on a local Ray instance with 2 CPUs and no dashboard (a generator for a
    fixture)."""
    ray = require("ray")
    started = not ray.is_initialized()
    if started:
        # workers import the project and these test modules by name, as the suite does
        path = os.pathsep.join(p for p in (str(ROOT), str(ROOT / "tests"),
                                           os.environ.get("PYTHONPATH")) if p)
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
                 runtime_env={"env_vars": {"PYTHONPATH": path}})
    yield RayEngine(started=False)
    if started:
        ray.shutdown()


def sample_history(series: int = 4) -> pd.DataFrame:
    """The first ``series`` (market, queue) histories of the sample, as unique_id, ds, y."""
    vol = pd.read_csv(SAMPLE / "volumes.csv", parse_dates=["date"])
    uid = vol["market"] + "|" + vol["queue"]
    keep = uid.drop_duplicates().iloc[:series]
    sel = uid.isin(keep)
    return pd.DataFrame({"unique_id": uid[sel], "ds": vol.loc[sel, "date"],
                         "y": vol.loc[sel, "cases"].astype(float)}).reset_index(drop=True)


def sample_events() -> pd.DataFrame:
    ev = pd.read_csv(SAMPLE / "events.csv", parse_dates=["date"])
    return pd.DataFrame({"ds": ev["date"], "name": ev["name"]})


# ---------------------------------------------------------------- the same answer everywhere

HORIZON = 56
TINY_SITES = """
    site,languages,headcount,cost_per_fte_month,hire_cost,lead_weeks
    Jakarta,id;en,0,1300,0,0
"""
WEEKS = 13


def forecast_on(engine) -> pd.DataFrame:
    """Forecast and backtest of 4 sample series with the fits mapped by ``engine``."""
    res = forecasts.forecast_with_backtest(sample_history(), HORIZON, events=sample_events(),
                                           n_jobs=1, mapper=engine.series_mapper())
    return res.forecast, res.backtest


def tiny_plan_inputs(tiny):
    """The tiny inputs with a freely hiring site and 13 weeks (as in test_frontier)."""
    return load_inputs(tiny(sites__csv=TINY_SITES, vendors__csv=None,
                            scenario__toml=f'[plan]\nstart = "2027-01-04"\nweeks = {WEEKS}\n'))


def tiny_forecast() -> pd.DataFrame:
    """Deferrable listing work in both markets with a P10-P90 spread."""
    days = pd.date_range("2027-01-04", periods=7 * WEEKS, freq="D")
    return pd.concat([pd.DataFrame({"market": m, "queue": "listing", "date": days,
                                    "p10": 0.8 * n, "p50": n, "p90": 1.2 * n})
                      for m, n in (("ID", 400.0), ("GB", 150.0))], ignore_index=True)


def frontier_on(engine, inputs):
    return cost_risk_frontier(inputs, quantiles=(0.5, 0.9), forecast=tiny_forecast(),
                              settings=RiskSettings(paths=200, seed=7), engine=engine)


def risk_on(engine, inputs):
    weeks = inputs.plan_weeks()
    alloc = pd.DataFrame([{"pool": "Jakarta", "market": m, "queue": "listing", "week": w,
                           "fte": f} for m, f in (("ID", 6.0), ("GB", 2.0)) for w in weeks])
    return simulate_risk(inputs, tiny_forecast(), alloc, RiskSettings(paths=300, seed=3),
                         engine=engine)


def assert_same_everywhere(engine, tiny) -> None:
    """Forecasts, risk probabilities and frontier points on ``engine`` equal the local ones."""
    local = LocalEngine()
    fc, bt = forecast_on(engine)
    fc0, bt0 = forecast_on(local)
    assert len(fc) == 4 * HORIZON
    pd.testing.assert_frame_equal(fc, fc0, rtol=1e-9)
    pd.testing.assert_frame_equal(bt, bt0, rtol=1e-9)

    inputs = tiny_plan_inputs(tiny)
    r, r0 = risk_on(engine, inputs), risk_on(local, inputs)
    pd.testing.assert_frame_equal(r.summary, r0.summary, rtol=1e-12)
    pd.testing.assert_frame_equal(r.overall, r0.overall, rtol=1e-12)
    # the probabilities are real ones (not all 0 or 1): the comparison can fail
    assert 0.0 < r.summary["p_meet_sla"].min() < 1.0 or 0.0 < r.summary["p_meet_sla"].max() < 1.0

    f, f0 = frontier_on(engine, inputs), frontier_on(local, inputs)
    cols = ["quantile", "status", "total_cost", "shortfall_fte_weeks", "p_meet_weighted",
            "p_all_meet"]
    pd.testing.assert_frame_equal(f.points[cols], f0.points[cols], rtol=1e-9)
    pd.testing.assert_frame_equal(f.markets, f0.markets, rtol=1e-9)
    assert f.points["total_cost"].iloc[1] > f.points["total_cost"].iloc[0]


def check_map(engine) -> None:
    """Order kept, shared arguments sent, imap bounded and lazy."""
    assert engine.map(scaled, [3, 1, 2], factor=10) == [30, 10, 20]
    assert engine.map(scaled, [], factor=10) == []
    assert list(engine.imap(scaled, iter(range(7)), window=2, factor=2)) == [0, 2, 4, 6, 8, 10, 12]
    assert engine.workers == 2


def scaled(x: int, factor: int) -> int:
    return x * factor


def small_data(folder: Path, series: int = 3) -> Path:
    """The sample input folder with only its first ``series`` volume histories."""
    shutil.copytree(SAMPLE, folder)
    vol = pd.read_csv(folder / "volumes.csv")
    key = vol["market"] + "|" + vol["queue"]
    vol[key.isin(key.drop_duplicates().iloc[:series])].to_csv(folder / "volumes.csv",
                                                               index=False)
    return folder
