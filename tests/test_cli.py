"""The ``headcount`` command line: outputs on good input, exit 2 and no file on bad input."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from planning.cli.main import main

FORECAST = "market,queue,date,p50\n" + "\n".join(
    f"ID,listing,{d.date()},100" for d in pd.date_range("2027-01-04", periods=14))


def test_requirements_command_writes_csv(tiny, tmp_path, capsys):
    data = tiny(forecast__csv=FORECAST)
    out = tmp_path / "r.csv"
    assert main(["requirements", str(data), "--out", str(out)]) == 0
    req = pd.read_csv(out)
    assert list(req.columns[:4]) == ["market", "queue", "week", "required_fte"]
    assert list(req["week"]) == ["2027-01-04", "2027-01-11"]
    # 100 cases x 0.5 manual x 6 min = 5 h/day flat -> 35 / 23.8 FTE
    assert req["required_fte"].tolist() == pytest.approx([35 / 23.8] * 2)
    assert "wrote" in capsys.readouterr().out


def test_bad_input_exit_2_no_file_no_traceback(tiny, tmp_path, capsys):
    data = tiny(forecast__csv=FORECAST.replace(",100\n", ",-5\n", 1))
    out = tmp_path / "r.csv"
    assert main(["requirements", str(data), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "forecast row 2: p50 = -5, must be a number >= 0" in err
    assert "Traceback" not in err and "nothing was written" in err
    assert not out.exists()
    assert list(tmp_path.glob("*.csv*")) == []  # no temporary left behind either


def test_missing_table_for_requirements(tiny, tmp_path, capsys):
    assert main(["requirements", str(tiny()), "--out", str(tmp_path / "r.csv")]) == 2
    assert "volumes: table is missing" in capsys.readouterr().err


def test_validate_and_template(tiny, tmp_path, capsys):
    assert main(["validate", str(tiny())]) == 0
    assert "valid" in capsys.readouterr().out
    out = tmp_path / "t" / "inputs.xlsx"
    assert main(["template", str(out)]) == 0 and out.stat().st_size > 0


def test_console_script_runs_as_a_new_user_would(tiny, tmp_path):
    """The installed entry point, in a separate process: exit status and stderr as a shell sees them."""
    data = tiny(forecast__csv=FORECAST.replace("ID,listing", "XX,listing", 1))
    exe = [sys.executable, "-m", "planning.cli"]
    run = subprocess.run([*exe, "requirements", str(data), "--out", str(tmp_path / "r.csv")],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 2
    assert "forecast row 2: market = XX, is not in the markets table" in run.stderr
    assert "Traceback" not in run.stderr
    assert not (tmp_path / "r.csv").exists()
