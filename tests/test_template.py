"""The empty input workbook: every table, its header and units; filled in, it loads."""

from __future__ import annotations

from openpyxl import load_workbook

from planning.inputs.loading import load_inputs
from planning.inputs.schema import TABLES
from planning.inputs.template import write_template


def test_template_has_every_table_header_and_notes(tmp_path):
    path = write_template(tmp_path / "inputs.xlsx")
    book = load_workbook(path)
    for table in TABLES.values():
        sheet = book[table.name]
        header = [c.value for c in sheet[1]]
        assert header == table.names
        notes = [c.value for c in sheet[2]]
        assert notes[0].startswith("# ")
        assert all(notes), f"{table.name}: every column has a note"
    assert "per month" in book["sites"]["D2"].value  # cost_per_fte_month explains its unit
    keys = [c.value for c in book["scenario"]["A"]][2:]
    assert "plan.start" in keys and "solver.time_limit_s" in keys


def test_filled_template_loads(tmp_path):
    path = write_template(tmp_path / "inputs.xlsx")
    book = load_workbook(path)
    book["markets"].append(["ID", "id", 0])
    book["queues"].append(["listing", "deferrable", 1.5, 24, 0.95, None, None, None, False, 0.6])
    book["sites"].append(["Jakarta", "id;en", 120, 1600, None, 0.03, None, None, 4, "0;0.5"])
    scenario = book["scenario"]
    for row in scenario.iter_rows(min_row=3):
        if row[0].value == "plan.start":
            row[1].value = "2027-01-04"
        if row[0].value == "plan.weeks":
            row[1].value = 13
    book.save(path)
    inputs = load_inputs(path)
    assert inputs.scenario.plan.weeks == 13
    assert inputs.scenario.plan.start.isoformat() == "2027-01-04"
    assert inputs.queues.iloc[0]["inhouse_only"] == False  # noqa: E712 (numpy bool)
    assert inputs.sites.iloc[0]["ramp"] == (0.0, 0.5)
    assert inputs.sites.iloc[0]["lead_weeks"] == 4
    assert inputs.volumes is None


def test_workbook_errors_name_sheet_and_row(tmp_path):
    path = write_template(tmp_path / "inputs.xlsx")
    book = load_workbook(path)
    book["markets"].append(["ID", "id", 2])
    book["queues"].append(["listing", "deferrable", -1, 24])
    book.save(path)
    from planning.errors import InputError

    try:
        load_inputs(path)
    except InputError as exc:
        messages = [i.message() for i in exc.errors]
    assert "markets row 3: min_inhouse_share = 2, must be a number >= 0 and <= 1" in messages
    assert "queues row 3: aht_minutes = -1, must be a number > 0" in messages
    assert "scenario: plan.start, is required: the Monday of the first planned week, YYYY-MM-DD" in messages
