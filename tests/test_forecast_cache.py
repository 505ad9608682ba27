"""The forecast cache: keys, integrity, eviction, concurrent writers, and the commands using it.

Whether a command forecast is counted by calls into the forecaster, never by timing.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
from conftest import count_calls
from forecast_fixtures import inputs, volumes

import forecasts
from forecasts import ForecastResult, ForecastWarning
from planning import disk_cache as fc
from planning.cli.main import main
from planning.disk_cache import DiskCache, use_cache
from planning.forecast_cache import forecast_key, forecast_version
from planning.forecast_stage import forecast_stage

QS = (0.1, 0.5, 0.9)


def result(n: int = 10, tag: int = 0) -> ForecastResult:
    return ForecastResult(pd.DataFrame({"x": np.full(n, tag)}), pd.DataFrame({"tag": [tag]}),
                          (ForecastWarning("capped", "why", (("market", "ID"),)),))


def counting(monkeypatch) -> list[int]:
    """Count calls into the forecaster (what a cache hit must avoid)."""
    return count_calls(monkeypatch, forecasts, "forecast_with_backtest")


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
    assert forecast_key(base, QS, None) != key  # the default (3, more for short horizons)
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
    assert len(forecast_version()) == 32


def test_a_damaged_entry_is_rebuilt_by_the_forecast_stage(tmp_path: Path, monkeypatch) -> None:
    calls = counting(monkeypatch)
    cache = DiskCache(tmp_path)
    inp = inputs(volumes())
    first = forecast_stage(inp, cache=cache)
    path = cache.path(forecast_key(inp, QS, None))  # the forecast stage's default windows
    data = bytearray(path.read_bytes())
    data[-10] ^= 0xFF
    path.write_bytes(bytes(data))
    again = forecast_stage(inp, cache=cache)
    assert len(calls) == 2  # the damaged entry was not trusted: forecast again
    pd.testing.assert_frame_equal(again.forecast, first.forecast)
    assert forecast_stage(inp, cache=cache).forecast.equals(first.forecast)
    assert len(calls) == 2  # and the rebuilt entry is good


# -- front ends -------------------------------------------------------------------------------
def test_the_stage_uses_the_cache_in_force(tmp_path: Path, monkeypatch) -> None:
    calls = counting(monkeypatch)
    inp = inputs(volumes())
    forecast_stage(inp)
    forecast_stage(inp)
    assert len(calls) == 2  # no cache outside a use_cache block
    with use_cache(DiskCache(tmp_path)):
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

