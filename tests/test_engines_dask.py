"""The Dask engine (planning.engines.dask) on a LocalCluster: the same answers as local."""

from __future__ import annotations

import pandas as pd
import pytest
from engine_fixtures import assert_same_everywhere, check_map, dask_engine, small_data

from planning.cli.main import main

pytestmark = pytest.mark.dask


@pytest.fixture(scope="module")
def engine():
    yield from dask_engine()


def test_map_keeps_order_and_sends_shared_arguments(engine):
    check_map(engine)


def test_same_answer_as_local(engine, tiny):
    assert_same_everywhere(engine, tiny)



def test_cli_on_an_existing_cluster_writes_what_local_writes(engine, tmp_path, capsys):
    data = small_data(tmp_path / "data")
    address = engine.client.scheduler.address
    assert main(["forecast", str(data), "--out", str(tmp_path / "dask.csv"), "--engine", "dask",
                 "--cluster", address, "--report", str(tmp_path / "bt.csv")]) == 0
    out = capsys.readouterr().out
    assert "per series: the chosen model and its backtest accuracy" in out
    assert main(["forecast", str(data), "--out", str(tmp_path / "local.csv")]) == 0
    dask_fc = pd.read_csv(tmp_path / "dask.csv")
    assert len(dask_fc) == 3 * 182
    pd.testing.assert_frame_equal(dask_fc, pd.read_csv(tmp_path / "local.csv"), rtol=1e-9)
    # the existing cluster is left running for others
    assert engine.client.submit(abs, -2).result() == 2
