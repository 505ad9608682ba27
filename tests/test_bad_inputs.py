"""Hostile inputs, each through the CLI and through the app's upload.

Every case must end the same way on every path: the CLI exits with status 2, prints one line
per problem naming table, row, column and what was expected, and writes nothing; the app's
upload returns an error table with the same facts and leaves the session's inputs as they
were. Paths: ``planning.cli.main.main`` in-process (and a few in a separate process, as a shell
sees them), the pure ``planning.inputs.uploads.inputs_from_upload``, and the app's own
``ui.session.load_uploads`` (Streamlit session state in bare mode).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import TINY, write_folder

from planning.cli.main import main
from planning.errors import InputError, Issue
from planning.inputs import readers
from planning.inputs.uploads import MAX_UPLOAD_FILES, inputs_from_upload

FORECAST = "market,queue,date,p50\n" + "\n".join(
    f"{m},listing,2027-01-{d:02d},{n}" for m, n in (("ID", 400), ("GB", 100)) for d in range(4, 18))
BASE = {**TINY, "forecast.csv": FORECAST}
HUGE = 200 * 2**20  # a 200 MB upload


@dataclass(frozen=True)
class Case:
    """One hostile input: files replacing the base set (None deletes), or a single file.

    expect: (table, row, column, words in `expected`) of one issue that must be reported;
    upload: the same for the upload paths when they name the file instead of the table.
    """

    files: dict[str, str | bytes | None] = field(default_factory=dict)
    expect: tuple[str, int | None, str | None, str] = ("", None, None, "")
    upload: tuple[str, int | None, str | None, str] | None = None
    single: str | None = None  # the data set is this one file (a workbook)


def _replace(csv: str, old: str, new: str) -> str:
    text = textwrap.dedent(csv).strip() + "\n"
    assert old in text, old
    return text.replace(old, new, 1)


MARKETS = TINY["markets.csv"]
QUEUES = TINY["queues.csv"]
SITES = TINY["sites.csv"]
VENDORS = TINY["vendors.csv"]
FIRST = "ID,listing,2027-01-04,400"

CASES: dict[str, Case] = {
    "missing table": Case({"markets.csv": None}, ("markets", None, None, "table is missing")),
    "missing column": Case({"markets.csv": "market\nID\nGB\n"},
                           ("markets", None, "language", "column is missing")),
    "empty file": Case({"forecast.csv": b""}, ("forecast", None, None, "file is empty")),
    "non-UTF-8 bytes": Case({"markets.csv": "market,language\nID,id\nCI,fran\xe7ais\n".encode("latin-1")},
                            ("markets", 3, None, "not UTF-8")),
    "wrong delimiter": Case({"markets.csv": "market;language\nID;id\nGB;en\n"},
                            ("markets", 1, None, "separated by commas")),
    "ragged row": Case({"markets.csv": "market,language\nID,id,x\nGB,en\n"},
                       ("markets", 2, None, "has 3 fields where the header has 2")),
    "impossible date": Case({"forecast.csv": FORECAST.replace(FIRST, "ID,listing,2027-02-30,400")},
                            ("forecast", 2, "date", "a date YYYY-MM-DD")),
    "text for a date": Case({"forecast.csv": FORECAST.replace(FIRST, "ID,listing,next monday,400")},
                            ("forecast", 2, "date", "a date YYYY-MM-DD")),
    "US date": Case({"forecast.csv": FORECAST.replace(FIRST, "ID,listing,01/04/2027,400")},
                    ("forecast", 2, "date", "a date YYYY-MM-DD")),
    "start not a Monday": Case({"scenario.toml": '[plan]\nstart = "2027-01-05"\nweeks = 2\n'},
                               ("scenario.toml", None, "plan.start", "must be a Monday")),
    "week not a Monday": Case({"forecast.csv": None, "requirements.csv":
                               "market,queue,week,required_fte\nID,listing,2027-01-05,3\n"},
                              ("requirements", 2, "week", "must be a Monday (it is a Tuesday)")),
    "negative cases": Case({"forecast.csv": FORECAST.replace(FIRST, "ID,listing,2027-01-04,-5")},
                           ("forecast", 2, "p50", "must be a number >= 0")),
    "NaN cases": Case({"forecast.csv": FORECAST.replace(FIRST, "ID,listing,2027-01-04,NaN")},
                      ("forecast", 2, "p50", "must be a number >= 0")),
    "infinite cost": Case({"sites.csv": _replace(SITES, ",1600,", ",inf,")},
                          ("sites", 2, "cost_per_fte_month", "must be a number")),
    "negative headcount": Case({"sites.csv": _replace(SITES, ",10,", ",-3,")},
                               ("sites", 2, "headcount", ">= 0")),
    "share above 1": Case({"markets.csv": _replace(MARKETS, "GB,en,0.3", "GB,en,1.5")},
                          ("markets", 3, "min_inhouse_share", ">= 0 and <= 1")),
    "share below 0": Case({"queues.csv": _replace(QUEUES, "false,0.5", "false,-0.1")},
                          ("queues", 2, "automation_rate", ">= 0 and <= 1")),
    "sla target 0": Case({"queues.csv": _replace(QUEUES, ",0.8,20,", ",0,20,")},
                         ("queues", 3, "sla_target", "> 0 and <= 1")),
    "ramp above 1": Case({"sites.csv": _replace(SITES, "0;0.5", "0;1.5")},
                         ("sites", 2, "ramp", "list of numbers")),
    "duplicate key": Case({"markets.csv": _replace(MARKETS, "GB,en,0.3", "GB,en,0.3\nID,id,0.1")},
                          ("markets", 4, "market", "duplicates row 2")),
    "unknown market": Case({"forecast.csv": FORECAST.replace(FIRST, "XX,listing,2027-01-04,400")},
                           ("forecast", 2, "market", "is not in the markets table")),
    "unknown queue": Case({"forecast.csv": FORECAST.replace(FIRST, "ID,chat,2027-01-04,400")},
                          ("forecast", 2, "queue", "is not in the queues table")),
    "unknown vendor market": Case({"vendors.csv": _replace(VENDORS, ",GB", ",GB;ZZ")},
                                  ("vendors", 2, "markets", "not in the markets table")),
    "unknown override queue": Case({"market_queues.csv": "market,queue,aht_minutes\nID,nope,5\n"},
                                   ("market_queues", 2, "queue", "is not in the queues table")),
    "headcount above max": Case({"sites.csv": _replace(SITES, ",10,1600,50,", ",60,1600,50,")},
                                ("sites", 2, "max_headcount", "at least today's headcount 60")),
    "vendor min above max": Case({"vendors.csv": _replace(VENDORS, ",0,20,", ",30,20,")},
                                 ("vendors", 2, "min_fte", "must not exceed max_fte 20")),
    "TOML that does not parse": Case({"scenario.toml": '[plan\nstart = "2027-01-04"\n'},
                                     ("scenario.toml", 1, None, "is not valid TOML")),
    "TOML nested too deep": Case({"scenario.toml": "a = " + "[" * 50_000 + "]" * 50_000 + "\n"},
                                 ("scenario.toml", None, None, "nested too deeply")),
    "TOML wrong type": Case({"scenario.toml": '[plan]\nstart = "2027-01-04"\nweeks = "many"\n'},
                            ("scenario.toml", None, "plan.weeks", "a whole number")),
    "xlsx not a zip": Case(single="inputs.xlsx", files={"inputs.xlsx": b"market,language\nID,id\n"},
                           expect=("inputs.xlsx", None, None, "not a zip file")),
    "xlsm with macros": Case(single="inputs.xlsm", files={"inputs.xlsm": b"PK\x03\x04macro"},
                             expect=("inputs.xlsm", None, None, "refused: save as .xlsx")),
    "xlsx hiding macros": Case(single="renamed.xlsx", files={"renamed.xlsx": "MACROS"},
                               expect=("renamed.xlsx", None, None, "contains macros and is refused")),
    "xlsx entity bomb": Case(single="laughs.xlsx", files={"laughs.xlsx": "LAUGHS"},
                             expect=("markets", None, None, "the sheet cannot be read")),
    "xlsx zip bomb": Case(single="bomb.xlsx", files={"bomb.xlsx": "BOMB"},
                          expect=("bomb.xlsx", None, None, "would expand to 310 MiB")),
}


def _bomb(path: Path) -> None:
    """A 0.3 MB zip that expands to 310 MiB of zeros (written in 1 MiB chunks)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        info = zipfile.ZipInfo("xl/worksheets/sheet1.xml")
        info.compress_type = zipfile.ZIP_DEFLATED
        zero = bytes(2**20)
        with zf.open(info, "w", force_zip64=True) as f:
            for _ in range(310):
                f.write(zero)


def _entity_bomb(path: Path) -> None:
    """A real workbook whose markets sheet defines nested XML entities ("billion laughs")."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "markets"
    sheet.append(["market", "language"])
    sheet.append(["ID", "id"])
    plain = path.with_suffix(".plain.xlsx")
    book.save(plain)
    dtd = ('<!DOCTYPE lolz [<!ENTITY lol0 "lol">'
           + "".join(f'<!ENTITY lol{i} "' + f"&lol{i - 1};" * 10 + '">' for i in range(1, 10)) + "]>")
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(path, "w") as out:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                at = text.index("?>") + 2 if "?>" in text else 0
                text = text[:at] + dtd + text[at:]
                assert "<t>ID</t>" in text
                data = text.replace("<t>ID</t>", "<t>&lol9;</t>").encode()
            out.writestr(item, data)
    plain.unlink()


@pytest.fixture(scope="module")
def bomb(tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("bomb") / "bomb.xlsx"
    _bomb(path)
    assert path.stat().st_size < 2**20
    return path.read_bytes()


def _materialise(case: Case, folder: Path, bomb: bytes) -> Path:
    """Write the case's data set; returns the path the CLI is given."""
    if case.single:
        (name, content), = case.files.items()
        path = folder / name
        folder.mkdir(parents=True, exist_ok=True)
        if content == "BOMB":
            path.write_bytes(bomb)
        elif content == "LAUGHS":
            _entity_bomb(path)
        elif content == "MACROS":
            with zipfile.ZipFile(path, "w") as zf:
                zf.writestr("[Content_Types].xml", "<Types/>")
                zf.writestr("xl/vbaProject.bin", b"\0" * 64)
        else:
            path.write_bytes(content)
        return path
    return write_folder(folder, {**BASE, **case.files})


def _uploads(path: Path) -> list[tuple[str, bytes]]:
    files = [path] if path.is_file() else sorted(p for p in path.iterdir() if p.is_file())
    return [(p.name, p.read_bytes()) for p in files]


def _matches(issue: Issue, expect: tuple) -> bool:
    table, row, column, words = expect
    return (issue.table == table and issue.row == row and issue.column == column
            and words in issue.expected and issue.severity == "error")


def _line(expect: tuple) -> str:
    """The start of the CLI line for an issue: ``table row 3: column``."""
    table, row, column, _ = expect
    return table + (f" row {row}" if row is not None else "") + ": " + (column or "")


# -- the CLI ----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(CASES))
def test_cli_exit_2_names_the_problem_and_writes_nothing(name, tmp_path, capsys, bomb):
    case = CASES[name]
    data = _materialise(case, tmp_path / "data", bomb)
    out = tmp_path / "out" / "requirements.csv"
    assert main(["requirements", str(data), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "internal error" not in err
    assert "nothing was written" in err
    lines = [ln.strip() for ln in err.splitlines()]
    want = _line(case.expect)
    assert any(ln.startswith(want) and case.expect[3] in ln for ln in lines), (want, err)
    assert not (tmp_path / "out").exists()  # not even the folder


def test_validate_and_plan_refuse_the_same_way(tiny, tmp_path, capsys):
    data = tiny(forecast__csv=FORECAST.replace(FIRST, "ID,listing,2027-01-04,-5"))
    assert main(["validate", str(data)]) == 2
    assert main(["plan", str(data), "--out", str(tmp_path / "plan")]) == 2
    err = capsys.readouterr().err
    assert err.count("forecast row 2: p50 = -5, must be a number >= 0") == 2
    assert not (tmp_path / "plan").exists()


def test_scenario_save_of_bad_inputs_leaves_the_store_unchanged(tiny, tmp_path, capsys):
    from planning.store.store import ScenarioStore

    db = tmp_path / "store.db"
    good = tiny(forecast__csv=FORECAST)
    assert main(["scenario", "save", str(good), "--name", "base", "--db", str(db)]) == 0
    bad = write_folder(tmp_path / "bad", {**BASE, "forecast.csv": FORECAST.replace(FIRST, "XX,listing,2027-01-04,1")})
    assert main(["scenario", "save", str(bad), "--name", "base", "--db", str(db)]) == 2
    assert "forecast row 2: market = XX, is not in the markets table" in capsys.readouterr().err
    with ScenarioStore(str(db)) as store:
        assert store.list()["version"].tolist() == [1]


def test_too_large_files_are_refused_from_their_size_without_being_read(tmp_path, capsys,
                                                                       monkeypatch):
    """Sparse files: large on paper, nothing on disk; reading one would fail the test. A
    workbook may have 100 MiB, a CSV file of an input folder 1 GiB (long histories)."""
    folder = write_folder(tmp_path / "data", BASE)
    with (folder / "volumes.csv").open("wb") as f:
        f.truncate(readers.MAX_FOLDER_CSV_BYTES + 1)
    book = tmp_path / "big.xlsx"
    with book.open("wb") as f:
        f.truncate(HUGE)

    read_bytes = Path.read_bytes

    def no_reading_of_big_files(self):
        assert self.stat().st_size < HUGE, f"{self} was read"
        return read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", no_reading_of_big_files)
    out = tmp_path / "out.csv"
    assert main(["requirements", str(folder), "--out", str(out)]) == 2
    assert main(["requirements", str(book), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "volumes: file is too large: at most 1024 MiB" in err
    assert "big.xlsx: file is too large: at most 100 MiB" in err
    assert not out.exists()


def test_too_many_cells_refused(tmp_path, capsys, monkeypatch):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "markets"
    sheet.append(["market", "language", "min_inhouse_share"])
    for i in range(400):
        sheet.append([f"M{i}", "en", 0])
    path = tmp_path / "cells.xlsx"
    book.save(path)
    monkeypatch.setattr(readers, "MAX_CELLS", 1000)
    assert main(["validate", str(path)]) == 2
    assert "markets: refused: sheet markets has more than 1000 cells" in capsys.readouterr().err
    with pytest.raises(InputError) as info:
        inputs_from_upload([("cells.xlsx", path.read_bytes())])
    assert any(_matches(i, ("markets", None, None, "more than 1000 cells")) for i in info.value.issues)


def _small_workbook(path: Path) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "markets"
    book.active.append(["market", "language"])
    book.active.append(["ID", "id"])
    book.save(path)
    return path


@pytest.mark.parametrize("where", ["_cell_text", "load_workbook"])
def test_a_bug_while_reading_a_workbook_is_an_internal_error_not_bad_input(
        where, tmp_path, capsys, monkeypatch):
    """A bug (here an AttributeError from our cell conversion, or from the workbook library)
    must not be dressed up as "the sheet cannot be read": the CLI says internal error, exit 1."""
    path = _small_workbook(tmp_path / "fine.xlsx")

    def broken(*args, **kwargs):
        raise AttributeError("'NoneType' object has no attribute 'strip'")

    monkeypatch.setattr(readers, where, broken)
    with pytest.raises(AttributeError):
        readers.read_inputs(path)
    assert main(["validate", str(path)]) == 1
    err = capsys.readouterr().err
    assert "internal error: AttributeError" in err
    assert "cannot be read" not in err and "not a readable" not in err
    with pytest.raises(AttributeError):  # the app's upload path: not an error table either
        inputs_from_upload([("fine.xlsx", path.read_bytes())])


def test_a_damaged_sheet_is_still_bad_input(tmp_path, capsys):
    """The same workbook with its sheet's XML cut short: an input problem naming the sheet."""
    path = _small_workbook(tmp_path / "fine.xlsx")
    cut = tmp_path / "cut.xlsx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(cut, "w") as out:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]
            out.writestr(item, data)
    assert main(["validate", str(cut)]) == 2
    assert "markets: refused: the sheet cannot be read (ParseError" in capsys.readouterr().err


def test_zip_bomb_is_never_expanded(tmp_path, monkeypatch, capsys, bomb):
    """The refusal comes from the zip directory: openpyxl is never asked to open the file."""
    import openpyxl

    def boom(*a, **k):
        raise AssertionError("the bomb was opened")

    monkeypatch.setattr(openpyxl, "load_workbook", boom)
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(bomb)
    assert main(["validate", str(path)]) == 2
    assert "bomb.xlsx: would expand to 310 MiB, more than the 300 MiB allowed: refused" in (
        capsys.readouterr().err)


@pytest.mark.parametrize("name", ["non-UTF-8 bytes", "xlsx zip bomb"])
def test_cli_in_a_separate_process(name, tmp_path, bomb):
    case = CASES[name]
    data = _materialise(case, tmp_path / "data", bomb)
    out = tmp_path / "out.csv"
    run = subprocess.run([sys.executable, "-m", "planning.cli", "requirements", str(data),
                          "--out", str(out)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 2
    assert "Traceback" not in run.stderr
    assert any(ln.strip().startswith(_line(case.expect)) and case.expect[3] in ln
               for ln in run.stderr.splitlines()), run.stderr
    assert not out.exists()


def test_unknown_language_is_a_warning_not_an_error(tiny, tmp_path, capsys):
    """The contract plans an unserved language as shortfall, so it warns and goes on."""
    data = tiny(forecast__csv=FORECAST, markets__csv="market,language\nID,id\nGB,en\nTH,th\n")
    out = tmp_path / "r.csv"
    assert main(["requirements", str(data), "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "warning: markets: language = th, no site or vendor serves this language" in err
    assert out.exists()


# -- the app's upload -----------------------------------------------------------------------
@pytest.mark.parametrize("name", list(CASES))
def test_pure_upload_raises_error_table(name, tmp_path, bomb):
    case = CASES[name]
    files = _uploads(_materialise(case, tmp_path / "data", bomb))
    with pytest.raises(InputError) as info:
        inputs_from_upload(files, stage="requirements")
    issues = info.value.issues
    assert any(_matches(i, case.upload or case.expect) for i in issues), [
        i.message() for i in issues]
    from planning.errors import issues_frame

    frame = issues_frame(issues)
    assert list(frame.columns) == ["severity", "table", "row", "column", "value", "expected"]
    assert (frame["severity"] == "error").any()


class FakeUpload:
    """Streamlit's UploadedFile as the app sees it: name, declared size, getvalue()."""

    def __init__(self, name: str, data: bytes | None, size: int | None = None) -> None:
        self.name, self._data = name, data
        self.size = len(data) if size is None else size

    def getvalue(self) -> bytes:
        if self._data is None:
            raise AssertionError(f"{self.name} was read")
        return self._data


@pytest.fixture
def session(tiny):
    """The app's session state (bare mode) with the tiny data set loaded."""
    import streamlit as st

    from planning.inputs.loading import load_inputs
    from ui import session as state

    for k in list(st.session_state):
        del st.session_state[k]
    state.set_loaded(load_inputs(tiny(forecast__csv=FORECAST)), "tiny")
    yield state
    for k in list(st.session_state):
        del st.session_state[k]


def _frame_has(frame, expect: tuple) -> bool:
    table, row, column, words = expect
    for r in frame.itertuples(index=False):
        r_row = None if r.row is None or str(r.row) == "<NA>" else int(r.row)
        r_col = r.column if isinstance(r.column, str) else None
        if r.table == table and r_row == row and r_col == column and words in r.expected:
            return True
    return False


@pytest.mark.parametrize("name", list(CASES))
def test_app_upload_shows_error_table_and_keeps_the_session(name, tmp_path, bomb, session):
    state = session
    before, label = state.inputs(), state.label()
    case = CASES[name]
    files = [FakeUpload(n, b) for n, b in _uploads(_materialise(case, tmp_path / "up", bomb))]
    assert state.load_uploads(files) is False
    frame = state.load_issues()
    assert frame is not None and len(frame)
    assert _frame_has(frame, case.upload or case.expect), frame.to_string()
    assert state.inputs() is before and state.label() == label  # nothing changed


def test_200_mb_upload_refused_before_reading(session):
    state = session
    before = state.inputs()
    big = [FakeUpload("volumes.csv", None, size=HUGE)]
    assert state.load_uploads(big) is False
    assert state.load_issues()["table"].tolist() == ["volumes.csv"]
    assert "large" in state.load_issues()["expected"].iloc[0]
    assert state.inputs() is before
    with pytest.raises(InputError) as info:  # the pure function: the same, without reading
        inputs_from_upload([*[FakeUpload(n, v.encode()) for n, v in (("markets.csv", "x"),)], *big])
    assert [i.message() for i in info.value.issues] == [
        "volumes.csv: file is too large: at most 160 MiB"]
    assert info.value.issues[0].value == "200 MiB"


def test_upload_level_refusals():
    ok = ("markets.csv", b"market,language\nID,id\n")
    cases = {
        "no files": ([], "upload: no files"),
        "too many": ([ok] * (MAX_UPLOAD_FILES + 1), f"upload: at most {MAX_UPLOAD_FILES} files"),
        "total too large": ([FakeUpload(f"{t}.csv", None, 60 * 2**20)
                             for t in ("markets", "queues", "sites", "vendors")],
                            "upload: the files together are too large: at most 192 MiB"),
        "unknown name": ([("volume.csv", b"x")], "volume.csv: is not a table of the inputs"),
        "other type": ([("inputs.ods", b"x")], "inputs.ods: expected one .xlsx workbook"),
        "twice": ([ok, ok], "markets.csv: uploaded twice"),
        "book and csv": ([("a.xlsx", b"PK"), ok], "upload: one workbook or one .zip on its own"),
        "old excel": ([("a.xls", b"x")], "a.xls: macro-enabled or old-format workbooks are refused"),
    }
    for what, (files, message) in cases.items():
        with pytest.raises(InputError) as info:
            inputs_from_upload(files)
        assert any(i.message().startswith(message) for i in info.value.issues), (what, [
            i.message() for i in info.value.issues])


def test_good_upload_loads(tmp_path):
    folder = write_folder(tmp_path / "data", BASE)
    inputs = inputs_from_upload(_uploads(folder), stage="requirements")
    assert sorted(inputs.markets["market"]) == ["GB", "ID"] and len(inputs.forecast) == 28
    assert inputs.source.startswith("upload: ")
