"""``headcount plan DATA``: writes plan.json, prints the headline, exits 2 on bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from planning.cli.main import main

TABLES = {
    "markets.csv": "market,language,min_inhouse_share\nID,id,0\nTH,th,0\n",
    "queues.csv": "queue,kind,aht_minutes,tat_hours\nlisting,deferrable,2,24\n",
    "sites.csv": "site,languages,headcount,cost_per_fte_month,lead_weeks\nJakarta,id,2,5200,2\n",
    "vendors.csv": "vendor,languages,price_per_fte_month,max_fte\nBPO,th,2600,1\n",
    "scenario.toml": '[plan]\nstart = "2027-01-04"\nweeks = 4\n',
}


def _folder(tmp_path: Path, **override: str) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    rows = ["market,queue,week,required_fte"]
    for w in ("2027-01-04", "2027-01-11", "2027-01-18", "2027-01-25"):
        rows += [f"ID,listing,{w},5", f"TH,listing,{w},2"]
    files = {**TABLES, "requirements.csv": "\n".join(rows) + "\n", **override}
    for name, text in files.items():
        (data / name).write_text(text)
    return data


def test_plan_writes_plan_json_and_prints_the_ask(tmp_path, capsys):
    data = _folder(tmp_path)
    out = tmp_path / "out"
    assert main(["plan", str(data), "--out", str(out), "--time-limit", "20"]) == 0
    doc = json.loads((out / "plan.json").read_text())
    # Jakarta: 2 on staff, 3 starts in week 2 (lead time) -> 2 x 2 + 2 x 5 heads x 1,200;
    # BPO: 1 FTE all quarter (4 x 600); shortfall: ID 3 + 3, TH 1 x 4 weeks
    assert doc["status"] == "optimal"
    assert doc["total_cost"] == pytest.approx(14 * 1200 + 4 * 600)
    assert doc["shortfall_fte_weeks"] == pytest.approx(10)
    printed = capsys.readouterr()
    text = printed.out
    assert text.startswith("Plan optimal, solved in ")
    assert "The plan costs 19,200 USD: 2027Q1 19,200 USD." in text
    assert "Work not covered: 10.0 FTE-weeks" in text
    assert "2027Q1 Jakarta: hire 3, requisitions open by 4 Jan 2027" in text
    assert "end headcount 5; cost 16,800 USD" in text
    assert "2027Q1 BPO (vendor): 1.0 FTE, 2,400 USD" in text
    assert "optimising the plan ..." in printed.err and "writing the workbook ..." in printed.err
    # the finance workbook and the requirements behind the plan are written beside it
    from openpyxl import load_workbook

    book = load_workbook(out / "plan.xlsx")
    assert {"Ask", "Plan sites", "Plan vendors", "markets", "scenario"} <= set(book.sheetnames)
    assert book.sheetnames[0] == "Ask"
    assert (out / "requirements.csv").read_text().startswith("market,queue,week,required_fte")
    assert not (out / "forecast.csv").exists()  # a requirements table was given: no forecast


def test_plan_bad_input_exits_2(tmp_path, capsys):
    data = _folder(tmp_path, **{"sites.csv": "site,languages,headcount,cost_per_fte_month\nJakarta,id,-2,5200\n"})
    out = tmp_path / "out"
    assert main(["plan", str(data), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "sites row 2: headcount = -2" in err
    assert not (out / "plan.json").exists()


def test_plan_rejects_a_bad_gap(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["plan", str(tmp_path), "--mip-gap", "2"])
    assert exc.value.code == 2
    assert "must be in [0, 1)" in capsys.readouterr().err


def _plan_in_a_fresh_process(tmp_path: Path, *flags: str):
    """``headcount plan`` in a new Python process (HiGHS prints its banner once per process)."""
    import subprocess
    import sys

    data = tmp_path / "data" if (tmp_path / "data").exists() else _folder(tmp_path)
    code = ("import sys\nfrom planning.cli.main import main\n"
            f"sys.exit(main(['plan', {str(data)!r}, '--out', {str(tmp_path / 'out')!r}, "
            f"'--no-excel', {', '.join(repr(f) for f in flags)}]))\n")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)


def test_solver_output_stays_off_the_terminal_unless_verbose(tmp_path):
    quiet = _plan_in_a_fresh_process(tmp_path)
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stdout.startswith("Plan optimal")
    assert "HiGHS" not in quiet.stdout + quiet.stderr
    loud = _plan_in_a_fresh_process(tmp_path, "--verbose")
    assert loud.returncode == 0, loud.stderr
    assert "Running HiGHS" in loud.stdout and "Plan optimal" in loud.stdout


@pytest.mark.parametrize("explain, rows", [("off", 0), ("duals", 2), ("full", 2)])
def test_explain_flag(tmp_path, explain, rows):
    out = tmp_path / "out"
    assert main(["plan", str(_folder(tmp_path)), "--out", str(out), "--no-excel",
                 "--explain", explain]) == 0
    doc = json.loads((out / "plan.json").read_text())
    assert len(doc["explanations"]["marginal_cost"]) == rows   # ID and TH in 2027Q1


def test_plan_set_changes_settings_like_scenario_save(tmp_path, capsys):
    """--set uses scenario save's parser: the currency labels every figure; a bad key or
    value names it and writes nothing."""
    data = _folder(tmp_path)
    out = tmp_path / "out"
    assert main(["plan", str(data), "--out", str(out), "--no-excel", "--set", "plan.currency=EUR",
                 "--set", "solver.time_limit_s=20"]) == 0
    text = capsys.readouterr().out
    assert "The plan costs 19,200 EUR" in text and "USD" not in text
    bad = tmp_path / "bad"
    assert main(["plan", str(data), "--out", str(bad), "--set", "workforce.shrinkage=1.5"]) == 2
    err = capsys.readouterr().err
    assert "workforce.shrinkage" in err and not bad.exists()
    assert main(["plan", str(data), "--out", str(bad), "--set", "plan.colour=red"]) == 2
    assert "expected section.key=value" in capsys.readouterr().err
