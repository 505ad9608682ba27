"""Hostile and awkward inputs of issue 16, one test (or a family) per class, through the CLI
(in-process, and in a separate process with a timeout where a hang or a pipe is the point),
the pure upload function and the app's upload handler.

Classes: absurd magnitudes (refused naming the setting, quickly, nothing written); paths that
are not regular files; duplicated header columns; ``--out`` that is a file, a folder or the
input folder (refused before any work, nothing left behind); plan.json of the wrong shape; a
closed stdout; a PostgreSQL URL without its driver; derived tables never read back; BOM,
comment lines and overstated sheet dimensions accepted; large histories loaded in bounded
memory; CSV exports escaping formula-like text and terminal output without control
characters; duplicate settings and formula cells without values refused naming the cell.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from conftest import TINY, write_folder
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from test_bad_inputs import FakeUpload, _frame_has, session  # noqa: F401  (fixture)

from planning.cli.kpis import plan_shape_problems
from planning.cli.main import main
from planning.cli.terminal import clean
from planning.errors import InputError
from planning.fileio import escape_formulas
from planning.inputs.loading import load_inputs
from planning.inputs.parsing import parse_column
from planning.inputs.scenario_toml import parse_scenario
from planning.inputs.schema import Column
from planning.inputs.uploads import inputs_from_upload

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
MAIN = "import sys; from planning.cli.main import main; sys.exit(main(sys.argv[1:]))"
#: a forecast table for the tiny inputs (both queues, 2 weeks): no forecasting, plans in seconds
FORECAST = "market,queue,date,p50\n" + "\n".join(
    f"{m},{q},2027-01-{d:02d},{n}" for m, q, n in (("ID", "listing", 400), ("GB", "listing", 100),
                                                 ("GB", "live", 2000)) for d in range(4, 18))
INTRADAY = "queue,hour,share\n" + "\n".join(f"live,{h},{1 / 24:.12f}" for h in range(23)) + \
    f"\nlive,23,{1 - 23 * float(f'{1 / 24:.12f}'):.12f}"


def data(tmp_path: Path, name: str = "data", **changes) -> Path:
    files = {**TINY, "forecast.csv": FORECAST, "intraday.csv": INTRADAY}
    files.update({k.replace("__", "."): v for k, v in changes.items()})
    return write_folder(tmp_path / name, files)


def cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """``headcount ARGS`` in a separate process that may not outlive ``timeout`` seconds."""
    return subprocess.run([PY, "-c", MAIN, *args], capture_output=True, text=True,
                          timeout=timeout, env=ENV, cwd=ROOT)


def scenario(**sections: dict) -> str:
    lines = ['[plan]\nstart = "2027-01-04"\nweeks = 2']
    for section, items in sections.items():
        lines.append(f"[{section}]\n" + "\n".join(f"{k} = {v}" for k, v in items.items()))
    return "\n".join(lines)


# -- 1. magnitudes --------------------------------------------------------------------------
LIMITED = [  # (file, key or column, a value too large) -> refused naming it
    ("scenario.toml", "levers.volume_multiplier", "1e6"),
    ("scenario.toml", "levers.aht_multiplier", "1000"),
    ("scenario.toml", "solver.time_limit_s", "1e9"),
    ("scenario.toml", "solver.shortfall_penalty", "1e15"),
    ("scenario.toml", "solver.budget_per_quarter", "1e20"),
    ("events.csv", "uplift", "1e6"),
    ("vendors.csv", "aht_factor", "1e6"),
    ("sites.csv", "overtime_premium", "1e6"),
]


def _with_value(tmp_path: Path, file: str, key: str, value: str) -> Path:
    if file == "scenario.toml":
        section, item = key.split(".")
        return data(tmp_path, scenario__toml=scenario(**{section: {item: value}}))
    if file == "events.csv":
        return data(tmp_path, events__csv=f"date,name,market,uplift\n2027-01-05,sale,ID,{value}")
    base = textwrap.dedent(TINY[file]).strip().splitlines()
    return data(tmp_path, **{file.replace(".", "__"): f"{base[0]},{key}\n"
                             + "\n".join(f"{r},{value}" for r in base[1:])})


@pytest.mark.parametrize(("file", "key", "value"), LIMITED)
def test_absurd_multipliers_are_refused_naming_the_setting(tmp_path, capsys, file, key, value):
    folder = _with_value(tmp_path, file, key, value)
    out = tmp_path / "out"
    assert main(["plan", str(folder), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert re.search(rf"{re.escape(key)} = [0-9.e+]+, must be .*<= ", err), err
    assert "nothing was written" in err and not out.exists()


def test_an_override_multiplier_over_100_is_refused_in_the_app_check_too():
    """The app's override form is checked by override_issues: x101 (10,000%) is refused
    there as the loader refuses it, so nothing is saved that could not be loaded again."""
    from planning.overrides import override_issues

    days = pd.date_range("2027-01-04", periods=14)
    row = {"market": "ID", "queue": "listing", "start": days[0], "end": days[-1],
           "multiplier": 101.0, "cases_per_day": float("nan"), "p10": float("nan"),
           "p90": float("nan"), "reason": "typo", "author": ""}
    issues = override_issues(pd.DataFrame([row]), __import__("numpy").array([2]), days)
    assert [(i.row, i.column) for i in issues] == [(2, "multiplier")]
    assert "<= 100" in issues[0].expected


@settings(max_examples=60, deadline=None)
@given(st.floats(min_value=100.0001, max_value=1e300))  # 1 ulp over 100 parses as 100
def test_any_volume_multiplier_over_100_is_refused(x):
    scen, issues = parse_scenario({"plan": {"start": "2027-01-04"},
                                   "levers": {"volume_multiplier": x}})
    assert scen is None
    assert [i.column for i in issues] == ["levers.volume_multiplier"]
    assert "<= 100" in issues[0].expected


@settings(max_examples=30, deadline=None)
@given(st.floats(min_value=0.0, max_value=100.0))
def test_any_volume_multiplier_up_to_100_is_taken(x):
    scen, issues = parse_scenario({"plan": {"start": "2027-01-04"},
                                   "levers": {"volume_multiplier": x}})
    assert not issues and scen.levers.volume_multiplier == pytest.approx(x)


def test_a_multiplier_within_limits_that_still_explodes_the_load_names_it(tmp_path):
    """x100 on 1e9 cases a day (each within its own limit) needs ~1.5e9 FTE: refused in
    seconds (this used to run for hours in the Erlang search), naming the lever."""
    big = FORECAST.replace(",400\n", ",1000000000\n")
    folder = data(tmp_path, forecast__csv=big,
                  scenario__toml=scenario(levers={"volume_multiplier": 100}))
    run = cli("plan", str(folder), "--out", str(tmp_path / "out"), timeout=120)
    assert run.returncode == 2, run.stderr
    assert "levers.volume_multiplier = 100" in run.stderr and "too large" in run.stderr
    assert not (tmp_path / "out").exists()


def test_a_realtime_load_beyond_staffing_is_refused_quickly(tmp_path):
    """1e8 cases a day on a 3-minute realtime queue: 2e5 agents busy at once, beyond the
    1e5 Erlangs staffed (the Erlang search would take hours): refused, naming the cases."""
    huge = FORECAST.replace(",2000\n", ",100000000\n").replace(",2000", ",100000000")
    folder = data(tmp_path, forecast__csv=huge)
    run = cli("requirements", str(folder), "--out", str(tmp_path / "r.csv"), timeout=120)
    assert run.returncode == 2, run.stderr
    # the load, worked by hand: 1e8 cases x 3 min / 1440 min a day (flat intraday)
    assert "the load in Erlangs 2.08e+05" in run.stderr and "forecast_cases = 1e+08" in run.stderr
    assert not (tmp_path / "r.csv").exists()


def test_a_time_limit_far_too_short_still_gives_a_plan_naming_the_limit(tmp_path, capsys):
    """No plan is ever lost to the time limit: the relaxation is finished past it and the
    plan says it stopped early (1 microsecond here)."""
    out = tmp_path / "out"
    assert main(["plan", str(data(tmp_path)), "--out", str(out), "--time-limit", "1e-6",
                 "--no-excel"]) == 0
    doc = json.loads((out / "plan.json").read_text())
    assert doc["status"] == "time_limit" and "stopped" in doc["message"]


# -- 2. paths that are not regular files ------------------------------------------------------
def test_fifo_device_and_folder_inputs_are_refused_without_hanging(tmp_path):
    fifo_table = data(tmp_path, "a", volumes__csv=None)
    os.mkfifo(fifo_table / "volumes.csv")
    folder_table = data(tmp_path, "b")
    (folder_table / "events.csv").mkdir()
    fifo_toml = data(tmp_path, "c", scenario__toml=None)
    os.mkfifo(fifo_toml / "scenario.toml")
    fifo_book = tmp_path / "book.xlsx"
    os.mkfifo(fifo_book)
    cases = [(fifo_table, "volumes.csv is a named pipe (FIFO), not a regular file"),
             (folder_table, "events.csv is a folder, not a regular file"),
             (fifo_toml, "scenario.toml is a named pipe (FIFO), not a regular file"),
             (fifo_book, "book.xlsx: is a named pipe (FIFO), not a regular file"),
             (Path("/dev/zero"), "zero: is a character device, not a regular file")]
    for path, words in cases:
        run = cli("validate", str(path), timeout=60)
        assert run.returncode == 2, (path, run.stderr)
        assert words in run.stderr and "Traceback" not in run.stderr


def test_kpis_plan_and_requirements_must_be_regular_files(tmp_path):
    folder = data(tmp_path, actual_queues__csv="market,queue,week,cases\nID,listing,2027-01-04,10")
    fifo = tmp_path / "plan.json"
    os.mkfifo(fifo)
    run = cli("kpis", str(folder), "--plan", str(fifo), "--requirements", "/dev/zero",
              "--out", str(tmp_path / "k.xlsx"), timeout=60)
    assert run.returncode == 2 and "Traceback" not in run.stderr, run.stderr
    assert "not a regular file" in run.stderr


def test_a_file_over_the_cap_is_refused_from_its_size(tmp_path, capsys):
    from planning.inputs.readers import MAX_FOLDER_CSV_BYTES

    folder = data(tmp_path)
    with open(folder / "events.csv", "wb") as fh:  # sparse: no disk used, never read
        fh.truncate(MAX_FOLDER_CSV_BYTES + 1)
    assert main(["validate", str(folder)]) == 2
    assert "events: file is too large: at most 1024 MiB" in capsys.readouterr().err


# -- 3. duplicated header columns --------------------------------------------------------------
DUP_MARKETS = "market,language,market\nID,id,GB\nGB,en,ID\n"


def test_duplicate_header_column_cli_upload_and_app(tmp_path, capsys, session):  # noqa: F811
    folder = data(tmp_path, markets__csv=DUP_MARKETS)
    assert main(["validate", str(folder)]) == 2
    assert "markets row 1: market, column 'market' appears twice (columns 1 and 3)" in \
        capsys.readouterr().err
    files = [(p.name, p.read_bytes()) for p in sorted(folder.iterdir())]
    with pytest.raises(InputError) as info:
        inputs_from_upload(files)
    assert any(i.table == "markets" and "appears twice" in i.expected for i in info.value.issues)
    before = session.inputs()
    assert session.load_uploads([FakeUpload(n, b) for n, b in files]) is False
    assert _frame_has(session.load_issues(), ("markets", 1, "market", "appears twice"))
    assert session.inputs() is before


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["market", "Market ", "language", "min_inhouse_share", "x", ""]),
                min_size=1, max_size=6).filter(lambda ns: any(n.strip() for n in ns)))
def test_a_header_is_refused_exactly_when_a_name_repeats(names):  # (a blank line is no header)
    from planning.inputs.readers import read_csv

    header = ",".join(names)
    table, issues = read_csv("markets", (header + "\n" + ",".join("v" for _ in names) + "\n")
                             .encode())
    seen = [n.strip().lower() for n in names if n.strip()]
    repeats = len(seen) != len(set(seen))
    twice = [i for i in issues if "appears twice" in i.expected]
    assert bool(twice) == repeats and (table is None) == repeats
    for issue in twice:  # each names the row of the header and the repeated column
        assert issue.row == 1 and seen.count(issue.column) > 1


# -- 4. where the output goes -------------------------------------------------------------------
def test_out_is_checked_before_any_work(tmp_path, capsys):
    folder = data(tmp_path)
    before = sorted(p.name for p in folder.iterdir())
    a_file = tmp_path / "taken"
    a_file.write_text("x")
    a_dir = tmp_path / "adir"
    a_dir.mkdir()
    cases = [
        (["plan", str(folder), "--out", str(a_file)], "--out", "is a file: give a folder"),
        (["requirements", str(folder), "--out", str(a_dir)], "--out", "is a folder: give the"),
        (["plan", str(folder), "--out", str(folder)], "--out", "is inside the input folder"),
        (["requirements", str(folder), "--out", str(folder / "requirements.csv")], "--out",
         "is inside the input folder"),
        (["forecast", str(folder), "--out", str(a_file / "f.csv")], "--out",
         "is a file, not a folder"),
        (["template", str(a_dir)], "out", "is a folder"),
        (["forecast", str(folder), "--out", str(tmp_path / "f.csv"), "--report",
          str(tmp_path / "f.csv")], "--report", "is also the output of --out"),
    ]
    for argv, flag, words in cases:
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert f"{flag}: " in err and words in err and "nothing was written" in err, err
    assert sorted(p.name for p in folder.iterdir()) == before
    assert a_file.read_text() == "x" and not list(a_dir.iterdir())
    # a subfolder of the inputs is not read as inputs: `cd data && headcount plan .` works
    assert main(["requirements", str(folder), "--out", str(folder / "out" / "r.csv")]) == 0


def test_a_failure_while_writing_leaves_nothing_behind(tmp_path, capsys, monkeypatch):
    from planning.cli import plan as plan_cli

    def broken(path, *a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(plan_cli, "write_workbook", broken)
    out = tmp_path / "out"
    assert main(["plan", str(data(tmp_path)), "--out", str(out)]) == 1
    assert not out.exists()  # plan.json and the CSVs were staged and are gone
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.")]
    out.mkdir()
    (out / "old.txt").write_text("kept")
    assert main(["plan", str(data(tmp_path)), "--out", str(out)]) == 1
    assert sorted(p.name for p in out.iterdir()) == ["old.txt"]


# -- 5. plan.json of the wrong shape -------------------------------------------------------------
JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
                    | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.sampled_from(["status", "sites", "vendors", "allocation",
                                                       "total_cost", "week", "site", "fte",
                                                       "headcount"]), inner, max_size=5),
                    max_leaves=20)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(JSON)
def test_any_json_is_a_plan_or_a_list_of_problems(doc):
    from planning.optimise.result import PlanResult

    problems = plan_shape_problems(doc)
    if not problems:  # any other exception than these (reported in words) fails the test
        with contextlib.suppress(ValueError, TypeError):
            PlanResult.from_json(doc)
    assert all(isinstance(w, str) for _, w in problems)


@pytest.mark.parametrize(("doc", "words"), [
    ([], "must be a JSON object"),
    ({"status": "optimal", "sites": [{"site": "A"}]}, "rows lack week, headcount, starts"),
    ({"status": "optimal", "sites": "x"}, "must be a list of objects"),
    ({"status": "optimal", "total_cost": "abc"}, "must be a number"),
    ({"sites": []}, "status, is missing"),
])
def test_kpis_refuses_a_plan_json_of_the_wrong_shape(tmp_path, capsys, doc, words):
    folder = data(tmp_path, actual_queues__csv="market,queue,week,cases\nID,listing,2027-01-04,10")
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(doc))
    req = tmp_path / "req.csv"
    req.write_text("market,queue,week,required_fte\nID,listing,2027-01-04,1\n")
    code = main(["kpis", str(folder), "--plan", str(plan), "--requirements", str(req),
                 "--out", str(tmp_path / "k.xlsx")])
    err = capsys.readouterr().err
    assert code == 2 and words in err and "internal error" not in err, err
    assert not (tmp_path / "k.xlsx").exists()


# -- 6. a closed stdout ---------------------------------------------------------------------------
def test_a_closed_stdout_pipe_still_plans_and_writes(tmp_path):
    out = tmp_path / "out"
    proc = subprocess.Popen([PY, "-c", MAIN, "plan", str(data(tmp_path)), "--out",
                             str(out), "--no-excel"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=ENV, cwd=ROOT)
    proc.stdout.close()  # as `headcount plan DATA | head -0` does
    try:
        _, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert b"Traceback" not in err and b"BrokenPipe" not in err
    assert json.loads((out / "plan.json").read_text())["status"] == "optimal"


# -- 7. PostgreSQL without its driver -------------------------------------------------------------
def test_a_postgresql_url_without_the_driver_names_the_extra(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "psycopg", None)  # as on a machine without psycopg
    for url in ("postgresql://u:secret@127.0.0.1:1/x", "postgresql+psycopg://u@127.0.0.1:1/x"):
        assert main(["scenario", "list", "--db", url]) == 2
        err = capsys.readouterr().err
        assert 'pip install "headcount-planner[postgres]"' in err and "secret" not in err
    import tomllib

    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"]
    assert any(d.startswith("psycopg") for d in extras["postgres"])


# -- 8. derived tables are not read back ----------------------------------------------------------
def test_outputs_in_a_folder_are_not_read_back_as_inputs(tmp_path, capsys):
    """The issue's case: requirements.csv written beside the inputs used to replace them, so
    doubling the volumes changed nothing. Deferrable requirements are linear in volume: x2."""
    src = data(tmp_path, "src")
    work = tmp_path / "work"
    assert main(["requirements", str(src), "--out", str(work / "requirements.csv")]) == 0
    for f in src.iterdir():  # the user copies the inputs into the output folder
        shutil.copy(f, work / f.name)
    (work / "scenario.toml").write_text(scenario(levers={"volume_multiplier": 2}))
    capsys.readouterr()
    assert main(["requirements", str(work), "--out", str(tmp_path / "again.csv")]) == 0
    err = capsys.readouterr().err
    assert "requirements.csv was written here by `headcount requirements`" in err
    one = pd.read_csv(work / "requirements.csv")
    two = pd.read_csv(tmp_path / "again.csv")
    listing = (one["queue"] == "listing")
    assert two.loc[listing, "required_fte"].to_numpy() == pytest.approx(
        2 * one.loc[listing, "required_fte"].to_numpy(), rel=1e-9)
    # a derived table the user edited is theirs: read, not skipped
    (work / "requirements.csv").write_text((work / "requirements.csv").read_text() + "\n")
    inputs = load_inputs(work)
    assert inputs.requirements is not None


# -- 9. legitimate inputs that used to be refused --------------------------------------------------
def _workbook(path: Path, *, scenario_rows=(("plan.start", "2027-01-04"), ("plan.weeks", 2)),
              formula: str | None = None, volumes_rows: int = 0) -> Path:
    import csv

    wb = Workbook()
    wb.remove(wb.active)
    for name, text in TINY.items():
        if name == "scenario.toml":
            continue
        ws = wb.create_sheet(name[:-4])
        for row in csv.reader(io.StringIO(textwrap.dedent(text).strip())):
            ws.append([float(c) if re.fullmatch(r"\d+(\.\d+)?", c) else c for c in row])
    ws = wb.create_sheet("scenario")
    ws.append(["key", "value"])
    for row in scenario_rows:
        ws.append(list(row))
    if volumes_rows:
        ws = wb.create_sheet("volumes")
        ws.append(["market", "queue", "date", "cases"])
        for d in pd.date_range("2025-01-01", periods=volumes_rows):
            ws.append(["ID", "listing", d.date().isoformat(), 100])
    if formula:
        wb["sites"][formula] = "=5+5"  # openpyxl saves a formula without a calculated value
    wb.save(path)
    return path


def _overstate_dimensions(src: Path, dst: Path) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            body = zin.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                body, n = re.subn(rb'<dimension ref="[^"]*" ?/>',
                                  b'<dimension ref="A1:XFD1048576"/>', body)
                assert n == 1
            zout.writestr(item, body)
    return dst


def _accepted_everywhere(path: Path, session_state) -> None:
    assert main(["validate", str(path)]) == 0
    files = [path] if path.is_file() else sorted(p for p in path.iterdir() if p.is_file())
    uploads = [(p.name, p.read_bytes()) for p in files]
    assert inputs_from_upload(uploads).scenario.plan.weeks == 2
    assert session_state.load_uploads([FakeUpload(n, b) for n, b in uploads]) is True


def test_bom_comment_lines_and_overstated_dimensions_are_accepted(tmp_path, session):  # noqa: F811
    bom = data(tmp_path, "bom")
    (bom / "scenario.toml").write_bytes(b"\xef\xbb\xbf" + (bom / "scenario.toml").read_bytes())
    _accepted_everywhere(bom, session)
    commented = data(tmp_path, "comment", markets__csv="# exported from the ops sheet, 2027-01-02\n"
                     "\n" + textwrap.dedent(TINY["markets.csv"]).strip())
    _accepted_everywhere(commented, session)
    assert load_inputs(commented).markets["market"].tolist() == ["ID", "GB"]
    # 400 rows x 16384 columns claimed = 6.5 million cells: used to be refused as too many
    book = _workbook(tmp_path / "ok.xlsx", volumes_rows=400)
    _accepted_everywhere(_overstate_dimensions(book, tmp_path / "dim.xlsx"), session)
    assert len(load_inputs(tmp_path / "dim.xlsx").volumes) == 400


# -- 10. large histories in bounded memory ---------------------------------------------------------
@pytest.mark.slow
def test_200_markets_20_queues_2_years_load_in_bounded_memory(tmp_path):
    """2.9 million rows (~100 MiB, over the old 100 MiB cap) load; peak memory of the loading
    process stays under 1.5 GiB (the text of every cell held at once took ~24x the file)."""
    folder = data(tmp_path, forecast__csv=None, intraday__csv=None)
    markets = [f"M{i:03d}" for i in range(200)]
    queues = [f"listing_review_{j:02d}" for j in range(20)]
    (folder / "markets.csv").write_text("market,language,min_inhouse_share\n"
                                        + "".join(f"{m},en,0\n" for m in markets))
    (folder / "queues.csv").write_text(
        "queue,kind,aht_minutes,tat_hours,sla_target\n"
        + "".join(f"{q},deferrable,5,24,1\n" for q in queues))
    (folder / "vendors.csv").write_text("vendor,languages,price_per_fte_month\nV,en,1900\n")
    days = pd.date_range("2025-01-01", periods=730).strftime("%Y-%m-%d")
    with open(folder / "volumes.csv", "w") as fh:
        fh.write("market,queue,date,cases\n")
        for m in markets:
            for q in queues:
                fh.write("".join(f"{m},{q},{d},{10_000 + 37 * k % 90_000}\n"
                                 for k, d in enumerate(days)))
    size = (folder / "volumes.csv").stat().st_size
    assert size > 100 * 2**20
    code = ("import resource, sys\n"
            "from planning.inputs.loading import load_inputs\n"
            f"i = load_inputs({str(folder)!r})\n"
            "print(len(i.volumes), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n")
    run = subprocess.run([PY, "-c", code], capture_output=True, text=True, timeout=900, env=ENV)
    assert run.returncode == 0, run.stderr
    rows, peak_kib = map(int, run.stdout.split())
    assert rows == 200 * 20 * 730
    assert peak_kib < 1.5 * 2**20, f"peak {peak_kib / 2**20:.2f} GiB for {size / 2**20:.0f} MiB"


# -- 11. injection: CSV exports and the terminal -----------------------------------------------------
@settings(max_examples=300, deadline=None)
@given(st.text(max_size=20))
def test_exported_text_never_starts_a_formula_and_reads_back_the_same(text):
    cell = escape_formulas(pd.DataFrame({"name": [text]}))["name"].iloc[0]
    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
    stripped = text.strip()
    if stripped:  # what an input reader makes of the exported cell (cells are stripped)
        exported = escape_formulas(pd.DataFrame({"n": [stripped]}))["n"].iloc[0]
        back, issues = parse_column("t", Column("n", "str"), pd.Series([exported]),
                                    __import__("numpy").array([2]))
        assert not issues and back.iloc[0] == stripped


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_terminal_text_has_no_control_characters(text):
    shown = clean(text)
    assert not any((ord(c) < 32 and c not in "\t\n") or 0x7F <= ord(c) <= 0x9F
                   or 0x202A <= ord(c) <= 0x202E or 0x2066 <= ord(c) <= 0x2069 for c in shown)
    assert clean(shown) == shown


def test_formula_names_are_escaped_in_csv_outputs_and_escapes_stripped_on_screen(tmp_path, capsys):
    evil = "=cmd|' /C calc'!A0"  # the classic DDE payload
    markets = f"market,language,min_inhouse_share\nID,id,0\n{evil},en,0.3\n"
    fc = FORECAST.replace("GB,", f"{evil},")
    folder = data(tmp_path, markets__csv=markets, forecast__csv=fc,
                  vendors__csv="vendor,languages,price_per_fte_month\nManila,en,1900\n")
    out = tmp_path / "req.csv"
    assert main(["requirements", str(folder), "--out", str(out)]) == 0
    cells = [row.split(",")[0] for row in out.read_text().splitlines()[1:]]
    assert any(c == "'" + evil for c in cells) and not any(c.startswith("=") for c in cells)
    assert set(pd.read_csv(out)["market"]) == {"ID", "'" + evil}
    book = tmp_path / "compliance.xlsx"  # workbooks keep such text as text, never a formula
    assert main(["compliance", str(folder), "--out", str(tmp_path / "c.csv"),
                 "--xlsx", str(book)]) == 0
    cells = [c for row in load_workbook(book)["detail"].iter_rows() for c in row]
    assert any(c.value == evil and c.data_type == "s" for c in cells)
    assert not any(c.data_type == "f" for c in cells)
    ansi = data(tmp_path, "ansi", volumes__csv="market,queue,date,cases\n"
                "\x1b[2J\x1b[31mXX\x07,listing,2026-01-01,5\n")
    assert main(["validate", str(ansi)]) == 2
    err = capsys.readouterr().err
    assert "market = [2J[31mXX, is not in the markets table" in err
    assert "\x1b" not in err and "\x07" not in err


# -- 12. duplicate settings and formula cells without values -----------------------------------------
def test_duplicate_settings_and_formula_cells_are_refused_naming_the_cell(tmp_path, capsys,
                                                                          session):  # noqa: F811
    dup = _workbook(tmp_path / "dup.xlsx", scenario_rows=(
        ("plan.start", "2027-01-04"), ("plan.weeks", 2), ("plan.weeks", 3)))
    formula = _workbook(tmp_path / "formula.xlsx", formula="C2")
    expect = {dup: ("scenario", 4, "key", "is given twice (first in row 3)"),
              formula: ("sites", None, "C2", "formula cell(s) C2 hold no calculated value")}
    for path, (table, row, column, words) in expect.items():
        assert main(["validate", str(path)]) == 2
        err = capsys.readouterr().err
        where = table + (f" row {row}" if row else "") + f": {column}"
        assert where in err and words in err, err
        with pytest.raises(InputError) as info:
            inputs_from_upload([(path.name, path.read_bytes())])
        assert any(i.table == table and i.row == row and i.column == column
                   and words in i.expected for i in info.value.issues)
        before = session.inputs()
        assert session.load_uploads([FakeUpload(path.name, path.read_bytes())]) is False
        assert _frame_has(session.load_issues(), (table, row, column, words))
        assert session.inputs() is before
    # a workbook saved by a program that calculates (the value is cached) is fine
    book = load_workbook(formula)
    book["sites"]["C2"] = 10.0
    book.save(tmp_path / "values.xlsx")
    assert main(["validate", str(tmp_path / "values.xlsx")]) == 0


def test_set_given_twice_is_refused(tmp_path, capsys):
    assert main(["scenario", "save", str(data(tmp_path)), "--name", "x",
                 "--set", "levers.volume_multiplier=1.1",
                 "--set", "levers.volume_multiplier=1.2"]) == 2
    assert "levers.volume_multiplier is given twice" in capsys.readouterr().err


def _volumes(rows: int, bad_every: int = 0) -> str:
    days = pd.date_range("2025-01-01", periods=rows // 2)
    lines = ["market,queue,date,cases"]
    for k, (m, d) in enumerate((m, d) for m in ("ID", "GB") for d in days):
        lines.append(f"{m},listing,{d.date()},{-5 if bad_every and k % bad_every == 3 else 100 + k}")
        if k % 50 == 7:
            lines.append("# a comment line inside the table")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("bad_every", [0, 9])
def test_streamed_parsing_equals_reading_whole(tmp_path, monkeypatch, bad_every):
    """The chunked parser (large files) and the whole-file parser agree on every value and
    on every issue (bad cells capped at 20 per column over all chunks, then counted)."""
    from planning.inputs import readers, writers

    text = _volumes(600, bad_every)
    folder = data(tmp_path, volumes__csv=text)

    def load():
        try:
            got = load_inputs(folder)
            return got.volumes.reset_index(drop=True), []
        except InputError as exc:
            return None, [i.message() for i in exc.issues]

    whole, whole_issues = load()
    monkeypatch.setattr(readers, "STREAM_CSV_BYTES", 1024)
    monkeypatch.setattr(readers, "CHUNK_ROWS", 37)  # boundaries fall everywhere
    streamed, streamed_issues = load()
    assert streamed_issues == whole_issues
    if bad_every:
        n_bad = len(range(3, 600, bad_every))  # rows k = 3, 12, ... were written as -5
        assert len(whole_issues) == 21
        assert whole_issues[-1].startswith(f"volumes: cases, {n_bad - 20} more rows")
    else:
        pd.testing.assert_frame_equal(streamed, whole)
        assert len(whole) == 600
    # uploads (and saved scenarios) take the same path for large texts
    monkeypatch.setattr(writers, "STREAM_CSV_BYTES", 1024)
    files = [(p.name, p.read_bytes()) for p in sorted(folder.iterdir())]
    if bad_every:
        with pytest.raises(InputError) as info:
            inputs_from_upload(files)
        assert [i.message() for i in info.value.issues] == whole_issues
    else:
        pd.testing.assert_frame_equal(inputs_from_upload(files).volumes.reset_index(drop=True),
                                      whole)
