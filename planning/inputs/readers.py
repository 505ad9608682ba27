"""Reading raw input files: a folder of CSVs or one .xlsx workbook, plus the scenario.

Readers return every cell as text (exactly as typed, stripped) together with the row number
the user sees in the file, so that parsing can name ``volumes row 18`` precisely. Problems
with the files themselves (not UTF-8, not a workbook, macros, too large) become issues.
"""

from __future__ import annotations

import csv
import io
import re
import tomllib
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError

import pandas as pd
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from planning.errors import Issue
from planning.inputs.schema import SCENARIO_SHEET, TABLES

#: Refuse workbooks that would expand beyond this many bytes (zip-bomb guard).
MAX_UNCOMPRESSED_BYTES = 300 * 1024 * 1024
#: Refuse input files larger than this many bytes.
MAX_FILE_BYTES = 100 * 1024 * 1024
#: CSV files of an input folder on disk (not uploads) may be this large: a history of
#: 200 markets x 20 queues x 3 years is about 150 MB.
MAX_FOLDER_CSV_BYTES = 1024 * 1024 * 1024
#: Refuse workbooks with more cells than this.
MAX_CELLS = 5_000_000
SCENARIO_FILE = "scenario.toml"
#: What openpyxl raises on a damaged or hostile workbook, and only that: not a workbook, a
#: missing part (KeyError), bad XML or an entity bomb (ParseError), values its XML schema
#: refuses (TypeError, ValueError), truncated or oddly compressed members. Anything else
#: (AttributeError, NameError, ...) is a bug and is reported as one, not as bad input.
WORKBOOK_ERRORS: tuple[type[Exception], ...] = (
    InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, TypeError, ParseError,
    OSError, EOFError, zlib.error, NotImplementedError)


class SheetError(Exception):
    """A sheet that cannot be read (damaged XML) or is refused (too many cells); the message
    says why in words."""


@dataclass(frozen=True)
class RawTable:
    """One table as text cells.

    frame: every cell a ``str`` ('' for blank), columns as in the header (lower-cased, stripped).
    rows: the file row number of each frame row (header = row 1).
    """

    name: str
    frame: pd.DataFrame
    rows: tuple[int, ...]


@dataclass(frozen=True)
class RawInputs:
    """What the files held, before parsing."""

    tables: dict[str, RawTable] = field(default_factory=dict)
    scenario: dict[str, Any] | None = None
    issues: tuple[Issue, ...] = ()


def read_inputs(path: str | Path) -> RawInputs:
    """Read a folder of CSV files (plus ``scenario.toml``) or one ``.xlsx`` workbook."""
    path = Path(path)
    if path.is_dir():
        return read_folder(path)
    if not path.exists():
        return RawInputs(issues=(Issue(str(path), None, None, None, "no such file or folder"),))
    return read_workbook(path)


def read_folder(folder: Path) -> RawInputs:
    """Read ``<table>.csv`` for every known table that is present, and ``scenario.toml``."""
    tables: dict[str, RawTable] = {}
    issues: list[Issue] = []
    for name in TABLES:
        file = folder / f"{name}.csv"
        if file.exists():
            if (too_big := _too_large(name, file, MAX_FOLDER_CSV_BYTES)) is not None:
                issues.append(too_big)  # refused from its size, without reading it
                continue
            table, problems = read_csv(name, file.read_bytes(), MAX_FOLDER_CSV_BYTES)
            issues += problems
            if table is not None:
                tables[name] = table
    scenario = None
    toml_file = folder / SCENARIO_FILE
    if toml_file.exists():
        if (too_big := _too_large(SCENARIO_FILE, toml_file)) is not None:
            return RawInputs(tables, None, (*issues, too_big))
        scenario, problems = read_scenario_toml(toml_file.read_bytes())
        issues += problems
    return RawInputs(tables, scenario, tuple(issues))


def _too_large(name: str, file: Path, limit: int = MAX_FILE_BYTES) -> Issue | None:
    size = file.stat().st_size
    if size <= limit:
        return None
    return Issue(name, None, None, f"{size / 2**20:.0f} MiB",
                 f"file is too large: at most {limit // 2**20} MiB")


def read_csv(name: str, data: bytes, limit: int = MAX_FILE_BYTES
             ) -> tuple[RawTable | None, list[Issue]]:
    """Parse one CSV file's bytes into a :class:`RawTable` (refused over ``limit`` bytes)."""
    if len(data) > limit:
        return None, [Issue(name, None, None, f"{len(data) / 1e6:.0f} MB",
                            f"file is too large: at most {limit // 2**20} MiB")]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, [Issue(name, line, None, None,
                            "file is not UTF-8 text: save it as CSV UTF-8")]
    if not text.strip():
        return None, [Issue(name, None, None, None,
                            "file is empty: expected a header row with columns "
                            + ", ".join(TABLES[name].names))]
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        records = list(reader)
    except csv.Error as exc:
        return None, [Issue(name, reader.line_num, None, None, f"not a readable CSV file ({exc})")]
    header = [h.strip().lower() for h in records[0]]
    body, rows = [], []
    for lineno, record in enumerate(records[1:], start=2):
        if not record or all(not c.strip() for c in record):
            continue
        if record[0].lstrip().startswith("#"):
            continue
        if len(record) != len(header):
            return None, [Issue(name, lineno, None, None,
                                f"has {len(record)} fields where the header has {len(header)}")]
        body.append([c.strip() for c in record])
        rows.append(lineno)
    issues = _delimiter_hint(name, header)
    frame = pd.DataFrame(body, columns=header, dtype=object) if body else pd.DataFrame(
        columns=header, dtype=object)
    return RawTable(name, frame, tuple(rows)), issues


def _delimiter_hint(name: str, header: list[str]) -> list[Issue]:
    if len(header) == 1 and any(d in header[0] for d in (";", "\t", "|")):
        return [Issue(name, 1, None, header[0][:60],
                      "the columns must be separated by commas (this file seems to use another delimiter)")]
    return []


def read_scenario_toml(data: bytes) -> tuple[dict[str, Any] | None, list[Issue]]:
    """Parse ``scenario.toml`` into a nested mapping."""
    try:
        return tomllib.loads(data.decode("utf-8")), []
    except UnicodeDecodeError:
        return None, [Issue("scenario.toml", None, None, None, "file is not UTF-8 text")]
    except tomllib.TOMLDecodeError as exc:
        where = re.search(r"line (\d+)", str(exc))
        line = getattr(exc, "lineno", None) or (int(where.group(1)) if where else None)
        return None, [Issue("scenario.toml", line, None, None, f"is not valid TOML: {exc}")]
    except RecursionError:  # tomllib recurses into nested arrays and tables
        return None, [Issue("scenario.toml", None, None, None,
                            "is not a usable scenario: arrays or tables nested too deeply")]


def read_workbook(path: Path) -> RawInputs:
    """Read one sheet per table (sheet name = table name) and the ``scenario`` sheet."""
    name = path.name
    if path.suffix.lower() in (".xlsm", ".xltm", ".xlsb"):
        return RawInputs(issues=(Issue(name, None, None, None,
                                       "macro-enabled workbooks are refused: save as .xlsx"),))
    problem = _check_workbook_file(path)
    if problem:
        return RawInputs(issues=(Issue(name, None, None, None, problem),))
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except WORKBOOK_ERRORS as exc:
        return RawInputs(issues=(Issue(name, None, None, None,
                                       f"is not a readable .xlsx workbook ({type(exc).__name__})"),))
    tables: dict[str, RawTable] = {}
    issues: list[Issue] = []
    scenario = None
    try:
        sheets = {s.strip().lower(): s for s in book.sheetnames}
        for table in [*TABLES, SCENARIO_SHEET]:
            if table not in sheets:
                continue
            try:
                raw = _sheet_table(table, _rows(book, sheets[table]))
            except SheetError as exc:
                issues.append(Issue(table, None, None, None, f"refused: {exc}"))
                continue
            if raw is None:
                continue
            if table == SCENARIO_SHEET:
                scenario, problems = _scenario_from_sheet(raw)
                issues += problems
            else:
                tables[table] = raw
    finally:
        book.close()
    return RawInputs(tables, scenario, tuple(issues))


def _check_workbook_file(path: Path) -> str | None:
    """Refuse files that are too big, not a zip, or that would expand too far."""
    if path.stat().st_size > MAX_FILE_BYTES:
        return f"file is too large: at most {MAX_FILE_BYTES // 2**20} MiB"
    if not zipfile.is_zipfile(path):
        return "is not an .xlsx workbook (not a zip file): save it as Excel Workbook (.xlsx) or use CSV files"
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        if any(n.lower().endswith("vbaproject.bin") for n in names):
            return "contains macros and is refused: save it as a plain .xlsx workbook"
        expanded = sum(info.file_size for info in zf.infolist())
        if expanded > MAX_UNCOMPRESSED_BYTES:
            return (f"would expand to {expanded / 2**20:.0f} MiB, more than the "
                    f"{MAX_UNCOMPRESSED_BYTES // 2**20} MiB allowed: refused")
    return None


def _rows(book: Any, sheet: str) -> Iterator[tuple[Any, ...]]:
    """The sheet's rows as cell values, read lazily; what a damaged or hostile sheet makes
    openpyxl raise (:data:`WORKBOOK_ERRORS`) becomes :class:`SheetError`."""
    try:
        rows = book[sheet].iter_rows(values_only=True)
        while True:
            try:
                row = next(rows)
            except StopIteration:
                return
            yield row
    except WORKBOOK_ERRORS as exc:  # e.g. an entity expansion bomb: ParseError
        raise SheetError(f"the sheet cannot be read ({type(exc).__name__}: "
                           f"{str(exc)[:120]})") from exc


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _sheet_table(name: str, rows_iter: Iterable[tuple[Any, ...]]) -> RawTable | None:
    header: list[str] | None = None
    body, rows, cells = [], [], 0
    for rowno, values in enumerate(rows_iter, start=1):
        texts = [_cell_text(v) for v in values]
        cells += len(texts)
        if cells > MAX_CELLS:
            raise SheetError(f"sheet {name} has more than {MAX_CELLS} cells")
        if header is None:
            if not any(texts):
                continue
            header = [t.lower() for t in texts]
            while header and not header[-1]:
                header.pop()
            continue
        texts = texts[: len(header)] + [""] * (len(header) - len(texts))
        if not any(texts) or texts[0].startswith("#"):
            continue
        body.append(texts)
        rows.append(rowno)
    if header is None:
        return None
    frame = pd.DataFrame(body, columns=header, dtype=object) if body else pd.DataFrame(
        columns=header, dtype=object)
    return RawTable(name, frame, tuple(rows))


def _scenario_from_sheet(raw: RawTable) -> tuple[dict[str, Any], list[Issue]]:
    """The ``scenario`` sheet holds rows ``key, value`` with dotted keys like ``plan.start``."""
    issues: list[Issue] = []
    if not {"key", "value"} <= set(raw.frame.columns):
        return {}, [Issue(SCENARIO_SHEET, 1, None, None, "needs the columns key, value")]
    out: dict[str, Any] = {}
    for rowno, key, value in zip(raw.rows, raw.frame["key"], raw.frame["value"], strict=True):
        section, _, item = str(key).partition(".")
        if not item:
            issues.append(Issue(SCENARIO_SHEET, rowno, "key", key,
                                "a dotted key such as plan.start or workforce.shrinkage"))
            continue
        if value == "":
            continue
        out.setdefault(section, {})[item] = value
    return out, issues
