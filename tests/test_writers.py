"""Inputs written back in the contract's format load again to the same tables."""

from __future__ import annotations

import pandas as pd

from planning.inputs.loading import load_inputs
from planning.inputs.writers import inputs_from_texts, inputs_to_texts, write_inputs


def _same(a, b):
    assert a.scenario == b.scenario
    for name in ("markets", "queues", "market_queues", "events", "volumes", "intraday", "sites",
                 "vendors", "forecast", "requirements"):
        x, y = a.table(name), b.table(name)
        if x is None or x.empty:
            assert y is None or y.empty, name
        else:
            pd.testing.assert_frame_equal(x.reset_index(drop=True), y.reset_index(drop=True),
                                          check_like=True, obj=name)


def test_round_trip_through_texts_and_folder(tiny, tmp_path):
    original = load_inputs(tiny(
        volumes__csv="market,queue,date,cases\nID,listing,2026-12-28,100.5\nGB,live,2026-12-28,7\n",
        events__csv="date,name,market,uplift\n2026-11-11,11.11,ID,\n2026-11-27,black_friday,*,2.5\n",
        scenario__toml='[plan]\nstart = "2027-01-04"\nweeks = 3\n[solver]\nbudget_per_quarter = 1e6\n'
                       'integer_hires = false\n',
    ))
    _same(original, inputs_from_texts(inputs_to_texts(original)))
    _same(original, load_inputs(write_inputs(original, tmp_path / "copy")))
    assert original.scenario.solver.budget_per_quarter == 1e6
    assert original.scenario.solver.integer_hires is False
