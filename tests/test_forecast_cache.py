"""The forecast cache: keys, integrity, eviction, concurrent writers, and the commands using it.

Whether a command forecast is counted by calls into the forecaster, never by timing.
"""

from __future__ import annotations

import dataclasses
import multiprocessing as mp
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from forecast_fixtures import inputs, volumes

import forecasts
from forecasts import ForecastResult, ForecastWarning
from planning import forecast_cache as fc
from planning.cli.main import main
from planning.forecast_cache import ForecastCache, forecast_key, use_cache
from planning.forecast_stage import forecast_stage

QS = (0.1, 0.5, 0.9)


def result(n: int = 10, tag: int = 0) -> ForecastResult:
    return ForecastResult(pd.DataFrame({"x": np.full(n, tag)}), pd.DataFrame({"tag": [tag]}),
                          (ForecastWarning("capped", "why", (("market", "ID"),)),))


def counting(monkeypatch) -> list[int]:
    """Count calls into the forecaster (what a cache hit must avoid)."""
    calls: list[int] = []
    real = forecasts.forecast_with_backtest

    def wrapped(*a, **kw):
        calls.append(1)
        return real(*a, **kw)

    monkeypatch.setattr(forecasts, "forecast_with_backtest", wrapped)
    return calls


# -- keys -------------------------------------------------------------------------------------
def test_the_key_follows_every_input_the_forecast_reads_and_nothing_else() -> None:
    base = inputs(volumes())
    key = forecast_key(base, QS, 3)
    assert forecast_key(inputs(volumes()), QS, 3) == key  # same content, new objects
    vol = volumes()
    vol.loc[123, "cases"] += 1  # one cell of 400
    assert forecast_key(inputs(vol), QS, 3) != key
    assert forecast_key(base, (0.1, 0.5, 0.9, 0.95), 3) != key  # a setting
    assert forecast_key(base, (0.9, 0.5, 0.1), 3) == key  # the same quantiles in another order
    assert forecast_key(base, QS, 2) != key
    assert forecast_key(base, QS, 3, version="other code") != key
    assert forecast_key(inputs(volumes(), weeks=5), QS, 3) != key
    ev = pd.DataFrame({"date": pd.to_datetime(["2027-01-06"]), "name": ["sale"],
                       "market": ["ID"], "uplift": [2.0]})
    assert forecast_key(inputs(volumes(), ev), QS, 3) != key
    other = dataclasses.replace(base, markets=base.markets.assign(language="xx"))
    assert forecast_key(other, QS, 3) == key  # markets are not read by the forecast


def test_the_code_version_follows_the_source(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "a.py").write_text("x = 1\n")
    v1 = fc.source_digest(["pkg"], tmp_path)
    (tmp_path / "pkg" / "a.py").write_text("x = 2\n")
    assert fc.source_digest(["pkg"], tmp_path) != v1
    assert len(fc.code_version()) == 32


def test_the_cache_folder_comes_from_the_environment(tmp_path: Path) -> None:
    assert fc.default_dir({"HEADCOUNT_CACHE": str(tmp_path)}) == tmp_path
    if sys.platform.startswith("linux"):
        assert fc.default_dir({"XDG_CACHE_HOME": "/x"}) == Path("/x/headcount-planner")
        assert fc.default_dir({}) == Path.home() / ".cache" / "headcount-planner"
    assert fc.default_max_bytes({"HEADCOUNT_CACHE_MAX_MB": "2"}) == 2 * 1024 * 1024
    assert fc.default_max_bytes({}) == fc.DEFAULT_MAX_MB * 1024 * 1024


# -- the store --------------------------------------------------------------------------------
def test_round_trip(tmp_path: Path) -> None:
    cache = ForecastCache(tmp_path)
    assert cache.get("k") is None
    cache.put("k", result(5, 7))
    got = cache.get("k")
    pd.testing.assert_frame_equal(got.forecast, result(5, 7).forecast)
    assert got.warnings == result().warnings


@pytest.mark.parametrize("damage", ["flip", "truncate", "garbage", "empty"])
def test_a_damaged_entry_is_a_miss_and_is_deleted(tmp_path: Path, damage: str) -> None:
    cache = ForecastCache(tmp_path)
    cache.put("k", result(1000))
    path = cache.path("k")
    data = bytearray(path.read_bytes())
    if damage == "flip":
        data[len(data) // 2] ^= 0x01  # one bit inside the pickled frame
    elif damage == "truncate":
        data = data[: len(data) - 100]
    elif damage == "garbage":
        data = bytearray(b"not a forecast at all" * 10)
    else:
        data = bytearray()
    path.write_bytes(bytes(data))
    assert cache.get("k") is None
    assert not path.exists()


def test_a_damaged_entry_is_rebuilt_by_the_forecast_stage(tmp_path: Path, monkeypatch) -> None:
    calls = counting(monkeypatch)
    cache = ForecastCache(tmp_path)
    inp = inputs(volumes())
    first = forecast_stage(inp, cache=cache)
    path = cache.path(forecast_key(inp, QS, 3))
    data = bytearray(path.read_bytes())
    data[-10] ^= 0xFF
    path.write_bytes(bytes(data))
    again = forecast_stage(inp, cache=cache)
    assert len(calls) == 2  # the damaged entry was not trusted: forecast again
    pd.testing.assert_frame_equal(again.forecast, first.forecast)
    assert forecast_stage(inp, cache=cache).forecast.equals(first.forecast)
    assert len(calls) == 2  # and the rebuilt entry is good


def test_least_recently_used_entries_go_first(tmp_path: Path) -> None:
    cache = ForecastCache(tmp_path, max_bytes=10**9)
    for k in "abc":
        cache.put(k, result(20_000))
    size = cache.path("a").stat().st_size
    for i, k in enumerate("abc"):  # a written first, c last ...
        os.utime(cache.path(k), (time.time() - 100 + i, time.time() - 100 + i))
    assert cache.get("a") is not None  # ... but a was just read
    cache.max_bytes = int(2.5 * size)
    cache.put("d", result(20_000))
    assert sorted(p.stem for p, _, _ in cache.entries()) == ["a", "d"]
    assert sum(s for _, s, _ in cache.entries()) <= cache.max_bytes


def test_temporary_files_of_dead_writers_are_cleared(tmp_path: Path) -> None:
    cache = ForecastCache(tmp_path)
    old = tmp_path / ".tmp-dead.part"
    old.write_bytes(b"half an entry")
    os.utime(old, (time.time() - 2 * fc.STALE_TEMP_S,) * 2)
    young = tmp_path / ".tmp-busy.part"
    young.write_bytes(b"being written")
    cache.put("k", result())
    assert not old.exists() and young.exists()


def _writer(folder: str, tag: int, rounds: int) -> None:
    cache = ForecastCache(folder)
    for r in range(rounds):
        cache.put("same", result(5_000 + 1_000 * tag + r, tag))


def _reader(folder: str, rounds: int, queue) -> None:
    cache = ForecastCache(folder)
    seen = bad = 0
    for _ in range(rounds):
        got = cache.get("same")
        if got is None:
            continue
        seen += 1
        tag = int(got.backtest["tag"].iloc[0])
        x = got.forecast["x"].to_numpy()
        bad += not (len(x) >= 5_000 + 1_000 * tag and (x == tag).all())
    queue.put((seen, bad))


def test_several_processes_writing_one_key_never_show_a_partial_entry(tmp_path: Path) -> None:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_writer, args=(str(tmp_path), t, 40)) for t in range(4)]
    procs += [ctx.Process(target=_reader, args=(str(tmp_path), 300, queue)) for _ in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    results = [queue.get(timeout=10) for _ in range(2)]
    assert all(bad == 0 for _, bad in results)
    assert sum(seen for seen, _ in results) > 0  # readers did see whole entries
    assert [p.name for p in tmp_path.iterdir()] == ["same" + fc.SUFFIX]  # no temp left over
    assert ForecastCache(tmp_path).get("same") is not None


# -- front ends -------------------------------------------------------------------------------
def test_the_stage_uses_the_cache_in_force(tmp_path: Path, monkeypatch) -> None:
    calls = counting(monkeypatch)
    inp = inputs(volumes())
    forecast_stage(inp)
    forecast_stage(inp)
    assert len(calls) == 2  # no cache outside a use_cache block
    with use_cache(ForecastCache(tmp_path)):
        a = forecast_stage(inp)
        b = forecast_stage(inp, quantiles=(0.9, 0.5, 0.1))
    assert len(calls) == 3
    pd.testing.assert_frame_equal(a.forecast, b.forecast)


def _sample_like(tiny) -> Path:
    vol = volumes(n=120)
    vol["date"] = vol["date"].dt.strftime("%Y-%m-%d")
    return tiny(volumes__csv=vol.to_csv(index=False))


def test_a_repeat_plan_never_forecasts_again(tiny, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("HEADCOUNT_CACHE", str(tmp_path / "cache"))
    calls = counting(monkeypatch)
    data = _sample_like(tiny)
    out = tmp_path / "out"
    assert main(["plan", str(data), "--out", str(out), "--no-excel"]) == 0
    first = (out / "forecast.csv").read_text()
    assert main(["plan", str(data), "--out", str(out), "--no-excel"]) == 0
    assert len(calls) == 1
    assert (out / "forecast.csv").read_text() == first
    # the other commands that forecast read the same entry
    assert main(["requirements", str(data), "--out", str(tmp_path / "r.csv")]) == 0
    assert main(["forecast", str(data), "--out", str(tmp_path / "f.csv")]) == 0
    assert main(["compliance", str(data), "--out", str(tmp_path / "c.csv")]) == 0
    assert main(["scenario", "save", str(data), "--name", "a", "--db",
                 str(tmp_path / "s.db")]) == 0
    assert len(calls) == 1
    # a changed volume cell is a new forecast
    vol = pd.read_csv(data / "volumes.csv")
    vol.loc[5, "cases"] += 1
    vol.to_csv(data / "volumes.csv", index=False)
    assert main(["requirements", str(data), "--out", str(tmp_path / "r.csv")]) == 0
    assert len(calls) == 2


def test_no_cache_forecasts_afresh_and_stores_nothing(tiny, tmp_path: Path, monkeypatch) -> None:
    folder = tmp_path / "cache"
    monkeypatch.setenv("HEADCOUNT_CACHE", str(folder))
    calls = counting(monkeypatch)
    data = _sample_like(tiny)
    for _ in range(2):
        assert main(["requirements", str(data), "--out", str(tmp_path / "r.csv"),
                     "--no-cache"]) == 0
    assert len(calls) == 2
    assert not folder.exists() or not any(folder.iterdir())


def test_the_cli_prints_the_forecast_warnings(tiny, tmp_path: Path, monkeypatch,
                                               capsys) -> None:
    import forecasts.one as one

    def broken(a, h):
        raise FloatingPointError("ETS produced non-finite values")

    monkeypatch.setattr(one, "ets_forecast", broken)
    data = _sample_like(tiny)
    assert main(["requirements", str(data), "--out", str(tmp_path / "r.csv"),
                 "--no-cache"]) == 0
    err = capsys.readouterr().err
    assert "warning: market ID, queue listing: the ETS fit failed" in err
    assert "warning: market GB, queue listing: the ETS fit failed" in err

