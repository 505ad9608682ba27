"""planning/inputs/uploads.py: a whole data set, the exported .zip, and single tables."""

from __future__ import annotations

import io
import zipfile

import pytest

from planning.errors import InputError
from planning.inputs.loading import load_inputs
from planning.inputs.uploads import inputs_from_upload, replaces_everything, zip_members
from planning.inputs.writers import inputs_to_texts, inputs_zip
from planning.optimise import PlanResult, PlanStatus
from planning.store.store import scenario_bundle

VENDORS = (b"vendor,languages,price_per_fte_month,min_fte,max_fte,markets\n"
           b"Cebu,en,2100,0,7,GB\nLisbon,en,2500,0,3,*\n")


def _zip(files: dict[str, bytes | str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_one_table_replaces_only_that_table(tiny):
    current = load_inputs(tiny())
    new = inputs_from_upload([("vendors.csv", VENDORS)], current=current)
    assert new.vendors["vendor"].tolist() == ["Cebu", "Lisbon"]
    assert new.vendors["max_fte"].tolist() == [7.0, 3.0]
    assert new.vendors.loc[1, "markets"] == ("*",)
    # everything else is the current data set's, scenario included
    for name in ("markets", "queues", "sites"):
        assert new.table(name).equals(current.table(name)), name
    assert new.scenario == current.scenario
    assert not replaces_everything([("vendors.csv", VENDORS)])


def test_a_bad_single_table_is_checked_against_the_rest(tiny):
    """A vendor serving market XX that the kept markets table does not know is an error
    naming the uploaded table, and the current inputs are not touched."""
    current = load_inputs(tiny())
    bad = b"vendor,languages,price_per_fte_month,markets\nCebu,en,-5,GB\n"
    with pytest.raises(InputError) as err:
        inputs_from_upload([("vendors.csv", bad)], current=current)
    issue = err.value.issues[0]
    assert (issue.table, issue.row, issue.column, issue.value) == (
        "vendors", 2, "price_per_fte_month", "-5")


def test_table_files_without_a_current_data_set_need_scenario_toml():
    with pytest.raises(InputError) as err:
        inputs_from_upload([("vendors.csv", VENDORS)])
    assert any("scenario" in i.table for i in err.value.issues)


def test_the_exported_zip_loads_the_same_inputs(tiny):
    original = load_inputs(tiny())
    data = scenario_bundle(original, PlanResult(PlanStatus.OPTIMAL))  # inputs + plan.json
    assert replaces_everything([("scenario.zip", data)])
    other = load_inputs(tiny(vendors__csv=None))  # what is on screen is replaced whole
    again = inputs_from_upload([("scenario.zip", data)], current=other)
    assert inputs_to_texts(again) == inputs_to_texts(original)
    assert again.source == "upload: scenario.zip"


def test_a_zip_in_a_folder_with_only_some_tables_keeps_the_rest(tiny):
    current = load_inputs(tiny())
    data = _zip({"export/vendors.csv": VENDORS, "export/": ""})
    assert not replaces_everything([("part.zip", data)])
    new = inputs_from_upload([("part.zip", data)], current=current)
    assert new.vendors["vendor"].tolist() == ["Cebu", "Lisbon"]
    assert new.sites.equals(current.sites)


@pytest.mark.parametrize(("files", "words"), [
    ({"notes.txt": "hi"}, "expected one .xlsx workbook"),
    ({"a/vendors.csv": VENDORS, "b/vendors.csv": VENDORS}, "uploaded twice"),
    ({"plan.json": "{}"}, "holds no input files"),
    ({"payroll.csv": "x\n1\n"}, "is not a table of the inputs"),
])
def test_zips_with_the_wrong_content_are_refused_by_name(files, words):
    with pytest.raises(InputError) as err:
        zip_members("up.zip", _zip(files))
    assert any(words in i.expected for i in err.value.issues), err.value.issues
    assert all(i.table.startswith("up.zip") for i in err.value.issues)


def test_a_zip_bomb_is_refused_before_it_is_expanded():
    big = _zip({"volumes.csv": b"0" * (200 * 2**20)})  # 200 MiB of zeros, a few hundred KB
    assert len(big) < 2**20
    with pytest.raises(InputError) as err:
        inputs_from_upload([("big.zip", big)])
    assert "would expand" in err.value.issues[0].expected


def test_not_a_zip_and_a_zip_beside_other_files_are_refused():
    with pytest.raises(InputError) as err:
        inputs_from_upload([("x.zip", b"not a zip")])
    assert "not a readable .zip" in err.value.issues[0].expected
    with pytest.raises(InputError) as err:
        inputs_from_upload([("x.zip", _zip({"vendors.csv": VENDORS})), ("vendors.csv", VENDORS)])
    assert any("on its own" in i.expected for i in err.value.issues)


def test_inputs_zip_round_trips(tiny):
    original = load_inputs(tiny())
    again = inputs_from_upload([("inputs.zip", inputs_zip(original))])
    assert inputs_to_texts(again) == inputs_to_texts(original)


def test_the_export_zip_with_the_plans_tables_loads_its_inputs(tiny):
    """The Export page's zip: the inputs at the top, the plan's tables (some named like input
    tables: sites.csv, forecast.csv) in plan/, which the upload skips."""
    original = load_inputs(tiny())
    plan_sites = "site,week,headcount\nJakarta,2027-01-04,10\n"
    data = inputs_zip(original, {"plan/sites.csv": plan_sites, "plan/forecast.csv": "x\n"})
    again = inputs_from_upload([("export.zip", data)])
    assert inputs_to_texts(again) == inputs_to_texts(original)
