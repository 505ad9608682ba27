"""``headcount scenario ...`` end to end on a real solver and a real SQLite store."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook
from store_fixtures import FORECAST

from planning.cli.main import main
from planning.inputs.loading import load_inputs
from planning.inputs.writers import inputs_to_texts
from planning.pipeline import run_plan
from planning.store.store import ScenarioStore


@pytest.fixture
def db(tmp_path, monkeypatch):
    path = tmp_path / "store" / "scenarios.db"
    monkeypatch.setenv("HEADCOUNT_DB", str(path))
    return path


def test_save_list_show_status_across_cli_and_api(tiny, db, capsys):
    data = tiny(forecast__csv=FORECAST)
    assert main(["scenario", "save", str(data), "--name", "base", "--comment", "first cut"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("saved base@1 (draft) by ") and "optimal plan" in out
    # the app saves through the API: both appear in both
    inputs = load_inputs(data, stage="plan")
    with ScenarioStore() as store:
        store.save("from app", inputs, run_plan(inputs).plan, author="app-user")
        assert store.list()["name"].tolist() == ["base", "from app"]
    assert main(["scenario", "list"]) == 0
    listed = capsys.readouterr().out
    assert "base" in listed and "from app" in listed and "app-user" in listed

    assert main(["scenario", "status", "base", "submitted", "--comment", "for Q1"]) == 0
    assert capsys.readouterr().out.strip() == "base@1: draft -> submitted"
    assert main(["scenario", "status", "base@1", "approved", "--comment", "ok",
                 "--author", "finance"]) == 0
    assert main(["scenario", "show", "base"]) == 0
    shown = capsys.readouterr().out
    assert "base@1: approved" in shown and "first cut" in shown and "finance" in shown
    assert "Quarterly ask per site and vendor" in shown and "Jakarta" in shown


def test_bad_requests_exit_2_with_one_clear_line(tiny, db, capsys):
    assert main(["scenario", "show", "nope"]) == 2
    err = capsys.readouterr().err
    assert "no scenario named 'nope'; the store is empty" in err and "Traceback" not in err
    assert main(["scenario", "save", str(tiny(forecast__csv=FORECAST)), "--name", "b",
                 "--set", "levers.volume_multiplier=-2"]) == 2
    err = capsys.readouterr().err
    assert "levers.volume_multiplier = -2, must be a number >= 0" in err
    assert main(["scenario", "save", str(tiny(forecast__csv=FORECAST)), "--name", "b"]) == 0
    assert main(["scenario", "status", "b", "approved", "--comment", "skip"]) == 2
    assert "b@1 is draft and cannot move to approved (next: submitted)" in capsys.readouterr().err
    assert main(["scenario", "show", "b@x"]) == 2
    assert main(["scenario", "list", "--db", "postgresql+psycopg://u:secret@127.0.0.1:1/x"]) == 1
    err = capsys.readouterr().err
    assert "cannot be used" in err and "secret" not in err and "Traceback" not in err


def test_diff_explains_a_volume_what_if_and_writes_the_comparison(tiny, db, tmp_path, capsys):
    data = tiny(forecast__csv=FORECAST)
    assert main(["scenario", "save", str(data), "--name", "base"]) == 0
    assert main(["scenario", "save", str(data), "--name", "growth",
                 "--set", "levers.volume_multiplier=1.5"]) == 0
    capsys.readouterr()
    out_xlsx = tmp_path / "diff.xlsx"
    assert main(["scenario", "diff", "base", "growth", "--out", str(out_xlsx)]) == 0
    out = capsys.readouterr().out
    assert "Settings differ: Volume multiplier: x1 -> x1.5." in out
    with ScenarioStore() as store:
        a, b = store.load("base"), store.load("growth")
    # deferrable work scales with volume: required FTE x 1.5 in every quarter and market
    req_a = a.plan.quarterly["required_fte"].sum()
    req_b = b.plan.quarterly["required_fte"].sum()
    assert req_b == pytest.approx(1.5 * req_a)
    assert f"required FTE {req_b - req_a:+.1f}" in out
    book = load_workbook(out_xlsx)
    assert book.sheetnames[:2] == ["Ask", "Comparison"]
    assert book["Ask"]["A1"].value == "Headcount ask: growth (version 1)"


def test_export_round_trips_through_excel_and_re_solves(tiny, db, tmp_path, capsys):
    data = tiny(forecast__csv=FORECAST)
    assert main(["scenario", "save", str(data), "--name", "base"]) == 0
    out = tmp_path / "plan.xlsx"
    assert main(["scenario", "export", "base", "--out", str(out)]) == 0
    assert f"wrote {out}: base@1 (draft)" in capsys.readouterr().out
    with ScenarioStore() as store:
        saved = store.load("base")
    back = load_inputs(out, stage="plan")  # what `headcount plan plan.xlsx` reads
    assert inputs_to_texts(back) == inputs_to_texts(saved.inputs)
    again = run_plan(back).plan.to_json()
    assert again["total_cost"] == pytest.approx(saved.plan.total_cost, rel=1e-6)
