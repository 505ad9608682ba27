"""The disk cache (planning.disk_cache): folder, integrity, kinds, eviction, concurrent writers.

Entries are forecast results here; the forecast's and the SLA-confidence plan's keys and
their front ends are tested in test_forecast_cache.py and test_risk_confidence.py.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecasts import ForecastResult, ForecastWarning
from planning import disk_cache as fc
from planning.disk_cache import ROOT, DiskCache, cached
from planning.forecast_cache import FORECAST_CODE
from planning.risk.confidence import CONFIDENCE_CODE
from planning.risk.simulate import RISK_CODE


def result(n: int = 10, tag: int = 0) -> ForecastResult:
    return ForecastResult(pd.DataFrame({"x": np.full(n, tag)}), pd.DataFrame({"tag": [tag]}),
                          (ForecastWarning("capped", "why", (("market", "ID"),)),))


def test_the_cache_folder_comes_from_the_environment(tmp_path: Path) -> None:
    assert fc.default_dir({"HEADCOUNT_CACHE": str(tmp_path)}) == tmp_path
    if sys.platform.startswith("linux"):
        assert fc.default_dir({"XDG_CACHE_HOME": "/x"}) == Path("/x/headcount-planner")
        assert fc.default_dir({}) == Path.home() / ".cache" / "headcount-planner"
    assert fc.default_max_bytes({"HEADCOUNT_CACHE_MAX_MB": "2"}) == 2 * 1024 * 1024
    assert fc.default_max_bytes({}) == fc.DEFAULT_MAX_MB * 1024 * 1024


# -- the store --------------------------------------------------------------------------------
def test_round_trip(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path)
    assert cache.get("k", ForecastResult) is None
    cache.put("k", result(5, 7))
    got = cache.get("k", ForecastResult)
    pd.testing.assert_frame_equal(got.forecast, result(5, 7).forecast)
    assert got.warnings == result().warnings


@pytest.mark.parametrize("damage", ["flip", "truncate", "garbage", "empty"])
def test_a_damaged_entry_is_a_miss_and_is_deleted(tmp_path: Path, damage: str) -> None:
    cache = DiskCache(tmp_path)
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
    assert cache.get("k", ForecastResult) is None
    assert not path.exists()


def test_least_recently_used_entries_go_first(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path, max_bytes=10**9)
    for k in "abc":
        cache.put(k, result(20_000))
    size = cache.path("a").stat().st_size
    for i, k in enumerate("abc"):  # a written first, c last ...
        os.utime(cache.path(k), (time.time() - 100 + i, time.time() - 100 + i))
    assert cache.get("a", ForecastResult) is not None  # ... but a was just read
    cache.max_bytes = int(2.5 * size)
    cache.put("d", result(20_000))
    assert sorted(p.stem for p, _, _ in cache.entries()) == ["a", "d"]
    assert sum(s for _, s, _ in cache.entries()) <= cache.max_bytes


def test_temporary_files_of_dead_writers_are_cleared(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path)
    old = tmp_path / ".tmp-dead.part"
    old.write_bytes(b"half an entry")
    os.utime(old, (time.time() - 2 * fc.STALE_TEMP_S,) * 2)
    young = tmp_path / ".tmp-busy.part"
    young.write_bytes(b"being written")
    cache.put("k", result())
    assert not old.exists() and young.exists()


def _writer(folder: str, tag: int, rounds: int) -> None:
    cache = DiskCache(folder)
    for r in range(rounds):
        cache.put("same", result(5_000 + 1_000 * tag + r, tag))


def _reader(folder: str, rounds: int, queue) -> None:
    cache = DiskCache(folder)
    seen = bad = 0
    for _ in range(rounds):
        got = cache.get("same", ForecastResult)
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
    assert DiskCache(tmp_path).get("same", ForecastResult) is not None


def test_an_entry_of_another_kind_is_a_miss_and_is_deleted(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path)
    cache.put("k", {"not": "a forecast"})
    assert cache.get("k", ForecastResult) is None
    assert not cache.path("k").exists()
    cache.put("k", result())
    assert cache.get("k", dict) is None  # and the other way round


def test_cached_makes_once_per_key_and_not_without_a_cache(tmp_path: Path) -> None:
    made: list[int] = []

    def make() -> ForecastResult:
        made.append(1)
        return result(3, len(made))

    cache = DiskCache(tmp_path)
    first = cached(cache, lambda: "k", ForecastResult, make)
    again = cached(cache, lambda: "k", ForecastResult, make)
    assert len(made) == 1 and again.backtest["tag"].iloc[0] == first.backtest["tag"].iloc[0]
    cached(cache, lambda: "other", ForecastResult, make)
    assert len(made) == 2

    def no_key() -> str:
        raise AssertionError("no key is made without a cache")

    cached(None, no_key, ForecastResult, make)
    cached(None, no_key, ForecastResult, make)
    assert len(made) == 4


def test_entries_of_the_earlier_format_are_cleared(tmp_path: Path) -> None:
    old = tmp_path / "0123456789abcdef0123456789abcdef.forecast"
    old.write_bytes(b"HCFORECAST1\n...")
    mine = tmp_path / "notes.txt"  # not the cache's: left alone
    mine.write_text("x")
    DiskCache(tmp_path).put("k", result())
    assert not old.exists() and mine.exists()


@pytest.mark.parametrize("code", [FORECAST_CODE, CONFIDENCE_CODE, RISK_CODE])
def test_every_source_a_cache_key_names_exists(code):
    """A misspelt path would silently leave that code out of the key (source_digest skips
    what is missing), so a change to it would not invalidate the cached results."""
    missing = [rel for rel in code if not (ROOT / rel).exists()]
    assert missing == []
    assert all((ROOT / rel).is_dir() or rel.endswith(".py") for rel in code)
