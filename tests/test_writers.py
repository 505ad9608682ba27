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


def test_an_edited_table_replaces_its_namesake_and_is_validated_with_the_rest(tiny):
    import pytest

    from planning.errors import InputError
    from planning.inputs.writers import editable_table, replace_table

    inputs = load_inputs(tiny())
    grid = editable_table(inputs.sites, "sites")
    assert grid.loc[0, "languages"] == "id;en" and grid["headcount"].dtype == float
    assert grid.loc[0, "ramp"] == "0.0;0.5"
    grid.loc[0, "headcount"] = 25.0
    new = replace_table(inputs, "sites", grid)
    assert new.sites.loc[0, "headcount"] == 25 and new.sites.loc[0, "languages"] == ("id", "en")
    assert new.sites.loc[0, "ramp"] == (0.0, 0.5)
    assert new.vendors.equals(inputs.vendors) and new.source == inputs.source
    grid.loc[0, "headcount"] = -5.0
    with pytest.raises(InputError) as err:
        replace_table(inputs, "sites", grid)
    i = err.value.issues[0]
    assert (i.table, i.row, i.column, i.value) == ("sites", 2, "headcount", "-5")
