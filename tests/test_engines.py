"""Engine settings and the local engine (planning.engines, planning.cli.engine)."""

from __future__ import annotations

import sys

import pytest

from planning.cli.main import main
from planning.engines import (
    EngineError,
    LocalEngine,
    current_engine,
    engine_settings,
    map_items,
    open_engine,
    ordered_window,
    use_engine,
)


def test_settings_from_arguments_then_environment():
    assert engine_settings(env={}) == ("local", None)
    assert engine_settings(env={"HEADCOUNT_ENGINE": "Dask"}) == ("dask", None)
    env = {"HEADCOUNT_ENGINE": "ray", "HEADCOUNT_CLUSTER": "ray://head:10001"}
    assert engine_settings(env=env) == ("ray", "ray://head:10001")
    assert engine_settings("dask", "tcp://s:8786", env=env) == ("dask", "tcp://s:8786")


@pytest.mark.parametrize(("name", "cluster", "words"), [
    ("spark", None, "unknown"),
    ("local", "tcp://s:8786", "needs --engine dask or --engine ray"),
    ("dask", "ray://h:10001", "is a Ray address"),
    ("ray", "headnode", "ray://head:10001"),
])
def test_bad_settings_are_refused_in_words(name, cluster, words):
    with pytest.raises(EngineError, match=words):
        engine_settings(name, cluster, env={})


def test_local_engine_is_the_default_and_maps_in_order():
    assert isinstance(current_engine(), LocalEngine)
    assert LocalEngine().map(pow, [2, 3, 4], exp=2) == [4, 9, 16]
    with open_engine("local") as engine:
        assert current_engine() is engine
        assert map_items(pow, [5], exp=3) == [125]
    assert current_engine() is not engine
    assert LocalEngine().series_mapper() is None  # the forecaster's own processes


def test_use_engine_nests_and_restores():
    a, b = LocalEngine(), LocalEngine()
    with use_engine(a):
        with use_engine(b):
            assert current_engine() is b
        assert current_engine() is a


def test_ordered_window_bounds_what_is_in_flight():
    submitted, pending_max, pending = [], [0], set()

    def submit(x):
        submitted.append(x)
        pending.add(x)
        pending_max[0] = max(pending_max[0], len(pending))
        return x

    def result(x):
        pending.discard(x)
        return x * 10

    items = iter(range(10))
    out = ordered_window(submit, result, items, window=3)
    assert next(out) == 0
    assert submitted == [0, 1, 2]  # lazily: only a window's worth was read
    assert list(out) == [x * 10 for x in range(1, 10)]
    assert pending_max[0] == 3
    with pytest.raises(ValueError, match="window"):
        list(ordered_window(submit, result, [1], window=0))


def test_cli_refuses_a_bad_engine_setting(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("HEADCOUNT_ENGINE", "spark")
    out = tmp_path / "out" / "f.csv"  # not in the input folder itself (refused before that)
    assert main(["forecast", str(tmp_path), "--out", str(out)]) == 2
    assert "engine 'spark' is unknown" in capsys.readouterr().err
    monkeypatch.delenv("HEADCOUNT_ENGINE")
    assert main(["plan", str(tmp_path), "--cluster", "tcp://s:8786"]) == 2
    assert "needs --engine dask or --engine ray" in capsys.readouterr().err
    assert not out.exists()


def test_a_missing_extra_is_named(monkeypatch, capsys, tmp_path):
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if the extra were missing
    assert main(["forecast", str(tmp_path), "--engine", "dask"]) == 2
    assert 'pip install "headcount-planner[dask]"' in capsys.readouterr().err
