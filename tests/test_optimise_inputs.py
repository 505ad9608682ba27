"""Inputs of the optimiser's options: the overtime and wellness columns, the vendor_surge table.

Loaded from files like every other table; bad values and contradictions are errors naming
table, row and column.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from planning.errors import InputError
from planning.inputs.loading import load_inputs
from planning.inputs.writers import inputs_from_texts, inputs_to_texts

SITES = """
    site,languages,headcount,cost_per_fte_month,overtime_max_share,overtime_premium
    Jakarta,id;en,10,1600,0.1,
"""
QUEUES = """
    queue,kind,aht_minutes,tat_hours,sla_target,answer_seconds,inhouse_only,max_exposure_share
    listing,deferrable,6,24,1,,false,
    live,realtime,3,,0.8,20,true,0.5
"""
SURGE = """
    vendor,week,max_fte,price_per_fte_week,premium
    Manila,2027-01-11,8,,
    Manila,2027-01-04,3,500,
"""


def _errors(folder: Path) -> list[str]:
    with pytest.raises(InputError) as err:
        load_inputs(folder)
    return [i.message() for i in err.value.errors]


def test_options_load_with_their_defaults(tiny):
    inputs = load_inputs(tiny(sites__csv=SITES, queues__csv=QUEUES, vendor_surge__csv=SURGE))
    s = inputs.sites.iloc[0]
    assert (s["overtime_max_share"], s["overtime_premium"]) == (0.1, 1.5)   # blank premium = 1.5
    assert inputs.queues["max_exposure_share"].tolist()[1] == 0.5
    assert pd.isna(inputs.queues["max_exposure_share"].iloc[0])              # blank = no limit
    su = inputs.vendor_surge
    assert su["week"].dt.strftime("%Y-%m-%d").tolist() == ["2027-01-11", "2027-01-04"]
    assert su["premium"].tolist() == [1.5, 1.5]
    assert pd.isna(su["price_per_fte_week"].iloc[0]) and su["price_per_fte_week"].iloc[1] == 500
    # round trip through CSV text keeps them
    again = inputs_from_texts(inputs_to_texts(inputs))
    pd.testing.assert_frame_equal(again.vendor_surge, inputs.vendor_surge)
    pd.testing.assert_frame_equal(again.sites, inputs.sites)


def test_options_absent_mean_off(tiny):
    inputs = load_inputs(tiny())
    assert inputs.sites["overtime_max_share"].tolist() == [0.0]
    assert inputs.queues["max_exposure_share"].isna().all()
    assert inputs.vendor_surge is None


def test_bad_option_values_are_errors(tiny):
    errors = _errors(tiny(
        sites__csv="""
            site,languages,headcount,cost_per_fte_month,overtime_max_share,overtime_premium
            Jakarta,id;en,10,1600,1.2,0.8
        """,
        queues__csv=QUEUES.replace("true,0.5", "true,0")))
    assert "sites row 2: overtime_max_share = 1.2, must be a number >= 0 and <= 1" in errors
    assert "sites row 2: overtime_premium = 0.8, must be a number >= 1 and <= 100" in errors
    assert "queues row 3: max_exposure_share = 0, must be a number > 0 and <= 1" in errors


def test_vendor_surge_rows_must_name_a_vendor_and_a_monday(tiny):
    errors = _errors(tiny(vendor_surge__csv="""
        vendor,week,max_fte
        Cebu,2027-01-04,5
        Manila,2027-01-05,5
        Manila,2027-01-11,-1
        Manila,2027-01-11,2
    """))
    assert "vendor_surge row 2: vendor = Cebu, is not in the vendors table" in errors
    assert "vendor_surge row 3: week = 2027-01-05, must be a Monday (it is a Tuesday)" in errors
    assert "vendor_surge row 4: max_fte = -1, must be a number >= 0" in errors
    assert any(e.startswith("vendor_surge row 5: vendor, week") and "duplicates row 4" in e
               for e in errors)


def test_vendor_surge_without_a_vendors_table_is_an_error(tiny):
    errors = _errors(tiny(vendors__csv=None, vendor_surge__csv="vendor,week,max_fte\nManila,2027-01-04,5\n"))
    assert ("vendor_surge: vendor, names vendors, but the vendors table is missing: "
            "provide vendors.csv") in errors


def test_build_data_refuses_surge_for_an_unknown_vendor():
    from devtools.synthetic import make_inputs, requirements_frame
    from planning.optimise.data import build_data

    inp = make_inputs(markets=[{"market": "ID", "language": "id"}], queues=[{"queue": "l"}],
                      vendors=[{"vendor": "BPO", "languages": "id", "price_per_fte_month": 100.0}],
                      vendor_surge=[{"vendor": "Cebu", "week": "2027-01-04", "max_fte": 2.0}])
    with pytest.raises(InputError) as err:
        build_data(inp, requirements_frame(inp, {("ID", "l"): 1.0}))
    assert [i.message() for i in err.value.errors] == [
        "vendor_surge row 2: vendor = Cebu, is not in the vendors table"]
