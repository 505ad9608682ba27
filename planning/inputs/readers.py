"""Reading raw input files: a folder of CSVs or one .xlsx workbook, plus the scenario.

Readers return every cell as text (exactly as typed, stripped) together with the row number
the user sees in the file, so that parsing can name ``volumes row 18`` precisely. Problems
with the files themselves (not UTF-8, not a workbook, macros, too large) become issues.
"""

from __future__ import annotations

import csv
import io
import os
import re
import tomllib
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, TextIO
from xml.etree.ElementTree import ParseError

import pandas as pd
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.xml.functions import iterparse  # defusedxml's when installed, as openpyxl reads

from planning.errors import Issue
from planning.fileio import (
    FileTooLargeError,
    NotRegularFileError,
    derived_outputs,
    file_digest,
    open_regular,
    read_regular,
    special_kind,
)
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
_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_CELL_TAG, _FORMULA_TAG, _VALUE_TAG, _INLINE_TAG = (f"{_MAIN_NS}{t}" for t in ("c", "f", "v", "is"))
#: CSV files of a folder larger than this are parsed in chunks of CHUNK_ROWS data rows, so a
#: long history never sits in memory as text all at once.
STREAM_CSV_BYTES = 32 * 1024 * 1024
CHUNK_ROWS = 200_000


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
    #: large CSV files to be parsed in chunks by the loader (table name -> path)
    streamed: dict[str, Path] = field(default_factory=dict)


def read_inputs(path: str | Path) -> RawInputs:
    """Read a folder of CSV files (plus ``scenario.toml``) or one ``.xlsx`` workbook.

    Only regular files are read: a named pipe, a device or a socket is refused unopened.
    """
    path = Path(path)
    if path.is_dir():
        return read_folder(path)
    if not path.exists():
        return RawInputs(issues=(Issue(str(path), None, None, None, "no such file or folder"),))
    kind = special_kind(path.stat().st_mode)
    if kind is not None:
        return RawInputs(issues=(Issue(path.name, None, None, None,
                                       f"is {kind}, not a regular file: give a folder of CSV "
                                       "files or an .xlsx workbook"),))
    return read_workbook(path)


def read_folder(folder: Path) -> RawInputs:
    """Read ``<table>.csv`` for every known table that is present, and ``scenario.toml``.

    CSV files over :data:`STREAM_CSV_BYTES` are not read here but listed in
    :attr:`RawInputs.streamed`: the loader parses them in chunks (:func:`iter_csv_chunks`)
    so memory stays bounded. Tables the CLI wrote as outputs into this folder (listed in
    its output manifest, unchanged since) are not read back as inputs.
    """
    tables: dict[str, RawTable] = {}
    streamed: dict[str, Path] = {}
    issues: list[Issue] = []
    derived = derived_outputs(folder)
    for name in TABLES:
        file = folder / f"{name}.csv"
        if not file.exists():
            continue
        if file.name in derived and derived[file.name][1] == file_digest(file):
            issues.append(Issue(name, None, None, None,
                                f"{file.name} was written here by `headcount "
                                f"{derived[file.name][0]}` "
                                "(an output, not an input) and is not read: copy it into a "
                                "folder of inputs to plan from it", "warning"))
            continue
        try:
            with open_regular(file, MAX_FOLDER_CSV_BYTES) as fh:
                size = os.fstat(fh.fileno()).st_size
                if size > STREAM_CSV_BYTES:
                    streamed[name] = file
                    continue
                data = fh.read(STREAM_CSV_BYTES + 1)
        except NotRegularFileError as exc:
            issues.append(Issue(name, None, None, None, f"{exc}: inputs are read from regular "
                                                        "files only"))
            continue
        except FileTooLargeError as exc:
            issues.append(_too_large_issue(name, exc.size, exc.limit))
            continue
        except OSError as exc:
            issues.append(Issue(name, None, None, None,
                                f"{file.name} cannot be read: {exc.strerror or exc}"))
            continue
        table, problems = read_csv(name, data, MAX_FOLDER_CSV_BYTES)
        issues += problems
        if table is not None:
            tables[name] = table
    scenario = None
    toml_file = folder / SCENARIO_FILE
    if toml_file.exists():
        try:
            data = read_regular(toml_file, MAX_FILE_BYTES)
        except FileTooLargeError as exc:
            return RawInputs(tables, None, (*issues, _too_large_issue(SCENARIO_FILE, exc.size,
                                                                      exc.limit)), streamed)
        except OSError as exc:
            return RawInputs(tables, None, (*issues, Issue(
                SCENARIO_FILE, None, None, None, f"{exc}: inputs are read from regular files "
                "only" if isinstance(exc, NotRegularFileError) else
                f"cannot be read: {exc.strerror or exc}")), streamed)
        scenario, problems = read_scenario_toml(data)
        issues += problems
    return RawInputs(tables, scenario, tuple(issues), streamed)


def _too_large_issue(name: str, size: int, limit: int) -> Issue:
    return Issue(name, None, None, f"{size / 2**20:.0f} MiB",
                 f"file is too large: at most {limit // 2**20} MiB")


def _too_large(name: str, file: Path, limit: int = MAX_FILE_BYTES) -> Issue | None:
    size = file.stat().st_size
    return None if size <= limit else _too_large_issue(name, size, limit)


def read_csv(name: str, data: bytes, limit: int = MAX_FILE_BYTES
             ) -> tuple[RawTable | None, list[Issue]]:
    """Parse one CSV file's bytes into a :class:`RawTable` (refused over ``limit`` bytes)."""
    if len(data) > limit:
        return None, [_too_large_issue(name, len(data), limit)]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, [Issue(name, line, None, None,
                            "file is not UTF-8 text: save it as CSV UTF-8")]
    if not text.strip():
        return None, [_empty_issue(name)]
    chunks = list(_csv_chunks(name, io.StringIO(text, newline=""), None))
    issues = [i for _, problems in chunks for i in problems]
    parts = [t for t, _ in chunks if t is not None]
    if not parts or any(i.severity == "error" for i in issues):
        return None, issues
    return parts[0], issues


def iter_csv_chunks(name: str, path: Path, rows_per_chunk: int = CHUNK_ROWS
                    ) -> Iterator[tuple[RawTable | None, list[Issue]]]:
    """A large CSV file read in chunks of ``rows_per_chunk`` data rows: (chunk, issues) pairs;
    a chunk of None with an error issue means the file cannot be read further."""
    try:
        fh = open_regular(path, MAX_FOLDER_CSV_BYTES)
    except OSError as exc:
        yield None, [Issue(name, None, None, None, f"cannot be read: {exc}")]
        return
    with io.TextIOWrapper(fh, encoding="utf-8-sig", newline="") as text:
        yield from _csv_chunks(name, text, rows_per_chunk)


def _empty_issue(name: str) -> Issue:
    return Issue(name, None, None, None, "file is empty: expected a header row with columns "
                 + ", ".join(TABLES[name].names))


def _csv_chunks(name: str, text: TextIO, rows_per_chunk: int | None
                ) -> Iterator[tuple[RawTable | None, list[Issue]]]:
    """Records of a CSV text stream as RawTable chunks. Blank lines and lines whose first
    cell starts with ``#`` are skipped, before the header too; the header must name each
    column once."""
    reader = csv.reader(text)
    header: list[str] | None = None
    body: list[list[str]] = []
    rows: list[int] = []
    lineno = 0
    try:
        for lineno, record in enumerate(reader, start=1):
            if not record or all(not c.strip() for c in record):
                continue
            if record[0].lstrip().startswith("#"):
                continue
            if header is None:
                header = [h.strip().lower() for h in record]
                problems = _header_issues(name, header, lineno)
                if problems:
                    yield None, problems
                    return
                header_line = lineno
                continue
            if len(record) != len(header):
                yield None, [Issue(name, lineno, None, None,
                                   f"has {len(record)} fields where the header has {len(header)}")]
                return
            body.append([c.strip() for c in record])
            rows.append(lineno)
            if rows_per_chunk is not None and len(body) >= rows_per_chunk:
                yield _raw(name, header, body, rows), []
                body, rows = [], []
    except csv.Error as exc:
        yield None, [Issue(name, reader.line_num, None, None, f"not a readable CSV file ({exc})")]
        return
    except UnicodeDecodeError:
        yield None, [Issue(name, lineno + 1, None, None,
                           "file is not UTF-8 text: save it as CSV UTF-8")]
        return
    if header is None:
        yield None, [_empty_issue(name)]
        return
    yield _raw(name, header, body, rows), _delimiter_hint(name, header, header_line)


def _raw(name: str, header: list[str], body: list[list[str]], rows: list[int]) -> RawTable:
    frame = pd.DataFrame(body, columns=header, dtype=object) if body else pd.DataFrame(
        columns=header, dtype=object)
    return RawTable(name, frame, tuple(rows))


def _header_issues(name: str, header: list[str], line: int) -> list[Issue]:
    """A column named twice is refused: which of the two would hold the values?"""
    seen: dict[str, int] = {}
    issues = []
    for i, col in enumerate(header, start=1):
        if not col:
            continue
        if col in seen:
            issues.append(Issue(name, line, col, None,
                                f"column {col!r} appears twice (columns {seen[col]} and {i}): "
                                "each column may appear once in the header"))
        else:
            seen[col] = i
    return issues


def _delimiter_hint(name: str, header: list[str], line: int = 1) -> list[Issue]:
    if len(header) == 1 and any(d in header[0] for d in (";", "\t", "|")):
        return [Issue(name, line, None, header[0][:60],
                      "the columns must be separated by commas (this file seems to use another delimiter)")]
    return []


def read_scenario_toml(data: bytes) -> tuple[dict[str, Any] | None, list[Issue]]:
    """Parse ``scenario.toml`` into a nested mapping."""
    try:
        return tomllib.loads(data.decode("utf-8-sig")), []  # a BOM (Notepad) is fine
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
            problems = (_header_issues(table, list(raw.frame.columns),
                                       raw.rows[0] - 1 if raw.rows else 1)
                        + _formulas_without_values(table, book[sheets[table]]))
            if problems:
                issues += problems
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
    openpyxl raise (:data:`WORKBOOK_ERRORS`) becomes :class:`SheetError`. The sheet's
    dimension tag is ignored: a program that writes ``A1:XFD1048576`` would otherwise pad
    every row to 16,384 cells and the sheet to a million rows."""
    try:
        ws = book[sheet]
        if hasattr(ws, "reset_dimensions"):
            ws.reset_dimensions()
        rows = ws.iter_rows(values_only=True)
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


#: cells with a formula are listed at most this many times per sheet
_MAX_FORMULA_CELLS = 10


def _formulas_without_values(table: str, ws: Any) -> list[Issue]:
    """Formula cells the workbook holds no calculated value for (written by a program that
    does not calculate): reading them as blank would silently change the plan."""
    source = getattr(ws, "_get_source", None)  # the sheet's XML inside the .xlsx
    if source is None:
        return []
    cells: list[str] = []
    try:
        with source() as xml:
            for _, element in iterparse(xml, events=("end",)):
                if element.tag != _CELL_TAG:
                    continue
                if element.find(_FORMULA_TAG) is not None and not (
                        element.findtext(_VALUE_TAG) or element.find(_INLINE_TAG) is not None):
                    cells.append(element.get("r") or "?")
                    if len(cells) > _MAX_FORMULA_CELLS:
                        break
                element.clear()
    except WORKBOOK_ERRORS as exc:  # openpyxl read the sheet, so this is unlikely
        return [Issue(table, None, None, None, f"refused: the sheet cannot be read "
                                               f"({type(exc).__name__})")]
    if not cells:
        return []
    more = " and more" if len(cells) > _MAX_FORMULA_CELLS else ""
    return [Issue(table, None, cells[0], None,
                  f"formula cell(s) {', '.join(cells[:_MAX_FORMULA_CELLS])}{more} hold no "
                  "calculated value (the file was saved by a program that does not "
                  "calculate): open and save it in Excel or LibreOffice, or paste the values")]


def _scenario_from_sheet(raw: RawTable) -> tuple[dict[str, Any], list[Issue]]:
    """The ``scenario`` sheet holds rows ``key, value`` with dotted keys like ``plan.start``."""
    issues: list[Issue] = []
    if not {"key", "value"} <= set(raw.frame.columns):
        return {}, [Issue(SCENARIO_SHEET, 1, None, None, "needs the columns key, value")]
    out: dict[str, Any] = {}
    first_row: dict[str, int] = {}
    for rowno, key, value in zip(raw.rows, raw.frame["key"], raw.frame["value"], strict=True):
        section, _, item = str(key).partition(".")
        if not item:
            issues.append(Issue(SCENARIO_SHEET, rowno, "key", key,
                                "a dotted key such as plan.start or workforce.shrinkage"))
            continue
        if key in first_row:
            issues.append(Issue(SCENARIO_SHEET, rowno, "key", key,
                                f"is given twice (first in row {first_row[key]}): each setting "
                                "once, so it is clear which value applies"))
            continue
        first_row[key] = rowno
        if value == "":
            continue
        out.setdefault(section, {})[item] = value
    return out, issues
