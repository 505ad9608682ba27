"""Turning raw text cells into typed columns, with an issue for every bad cell.

Parsing is vectorised (a volumes table has hundreds of thousands of cells); at most
:data:`MAX_ISSUES_PER_COLUMN` bad cells are listed per column, then a count of the rest.
"""

from __future__ import annotations

import contextlib
import re
from pathlib import Path

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

from planning.errors import Issue, show_value
from planning.inputs.readers import RawTable, iter_csv_chunks
from planning.inputs.schema import Column, Table

MAX_ISSUES_PER_COLUMN = 20
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TRUE = {"true", "yes", "1"}
_FALSE = {"false", "no", "0"}
_QUANTILE_COLUMN = re.compile(r"^p(\d{1,2})$")
#: a text cell a CSV export escaped (planning.fileio.escape_formulas): the ' goes again
_ESCAPED_FORMULA = re.compile(r"^'(?=[=+\-@\t\r])")


def parse_table(raw: RawTable, spec: Table) -> tuple[pd.DataFrame, list[Issue]]:
    """Parse every column of ``raw`` by the table's contract; fill defaults of absent columns."""
    issues: list[Issue] = []
    present = set(raw.frame.columns)
    rows = np.asarray(raw.rows, dtype=int)
    out: dict[str, pd.Series] = {}
    for col in spec.columns:
        if col.name not in present:
            if col.required:
                issues.append(Issue(spec.name, None, col.name, None,
                                    "column is missing; expected columns " + ", ".join(spec.names)))
            else:
                out[col.name] = default_series(col, len(raw.frame))
            continue
        values, problems = parse_column(spec.name, col, raw.frame[col.name], rows)
        out[col.name] = values
        issues += problems
    for extra in sorted(present - set(spec.names)):
        if spec.name == "forecast" and _QUANTILE_COLUMN.match(extra):
            col = Column(extra, "float", low=0)
            values, problems = parse_column(spec.name, col, raw.frame[extra], rows)
            out[extra] = values
            issues += problems
        elif extra:
            issues.append(Issue(spec.name, 1, extra, None,
                                "is not a column of this table and is ignored", "warning"))
    frame = pd.DataFrame(out, index=pd.RangeIndex(len(raw.frame)))
    return frame, issues


def default_series(col: Column, n: int) -> pd.Series:
    if col.kind in ("list_str", "list_float"):
        return pd.Series([tuple(col.default or ())] * n, dtype=object)
    if col.kind == "bool":
        return pd.Series([bool(col.default)] * n, dtype=bool)
    if col.kind == "int":
        return pd.Series([col.default if col.default is not None else 0] * n, dtype="int64")
    if col.kind == "float":
        return pd.Series([np.nan if col.default is None else col.default] * n, dtype="float64")
    if col.kind == "date":
        return pd.Series([pd.NaT] * n, dtype="datetime64[ns]")
    return pd.Series([col.default] * n, dtype=object)


def parse_column(table: str, col: Column, text: pd.Series, rows: np.ndarray
                 ) -> tuple[pd.Series, list[Issue]]:
    """Parse one column of text cells; returns the typed values and the issues."""
    text = text.astype(str).str.strip().reset_index(drop=True)
    blank = (text == "").to_numpy()
    bad = np.zeros(len(text), dtype=bool)
    if col.kind in ("float", "int"):
        values = pd.to_numeric(text.where(~blank), errors="coerce").astype("float64")
        bad = ~blank & ~np.isfinite(values.to_numpy())
        if col.kind == "int":
            bad |= ~blank & ~bad & (values.fillna(0) % 1 != 0).to_numpy()
        bad |= ~blank & ~bad & _out_of_bounds(values.to_numpy(), col)
        if col.default is not None:
            values = values.where(~pd.Series(blank), float(col.default))
        elif col.required:
            bad |= blank
        if col.kind == "int":
            values = values.fillna(0).round().astype("int64")
    elif col.kind == "date":
        fmt_ok = text.str.match(_DATE).to_numpy()
        values = pd.to_datetime(text.where(fmt_ok), format="%Y-%m-%d", errors="coerce")
        bad = ~blank & values.isna().to_numpy()
        if col.required:
            bad |= blank
    elif col.kind == "bool":
        low = text.str.lower()
        is_true, is_false = low.isin(_TRUE).to_numpy(), low.isin(_FALSE).to_numpy()
        bad = ~blank & ~is_true & ~is_false
        values = pd.Series(np.where(blank, bool(col.default), is_true), dtype=bool)
    elif col.kind in ("list_str", "list_float"):
        values, bad = _parse_lists(text, col)
        if col.required:
            bad |= blank
    else:
        text = text.str.replace(_ESCAPED_FORMULA, "", regex=True)  # exports' ' before =+-@
        if col.choices:
            bad = ~blank & ~text.isin(col.choices).to_numpy()
        values = text.astype(object)
        if col.default is not None:
            values = values.where(~pd.Series(blank), col.default)
        elif col.required:
            bad |= blank
        else:
            values = values.where(~pd.Series(blank), None)
    return values, _column_issues(table, col, text, rows, bad, blank)


def _out_of_bounds(x: np.ndarray, col: Column) -> np.ndarray:
    bad = np.zeros(len(x), dtype=bool)
    with np.errstate(invalid="ignore"):
        if col.low is not None:
            bad |= (x <= col.low) if col.low_open else (x < col.low)
        if col.high is not None:
            bad |= (x >= col.high) if col.high_open else (x > col.high)
    return bad


def _parse_lists(text: pd.Series, col: Column) -> tuple[pd.Series, np.ndarray]:
    parsed: list[tuple] = []
    bad = np.zeros(len(text), dtype=bool)
    for i, cell in enumerate(text):
        items = tuple(p.strip() for p in cell.split(";") if p.strip())
        if not items:
            parsed.append(tuple(col.default or ()))
            continue
        if col.kind == "list_float":
            try:
                numbers = tuple(float(p) for p in items)
            except ValueError:
                bad[i] = True
                parsed.append(())
                continue
            if _out_of_bounds(np.array(numbers), col).any() or not np.isfinite(numbers).all():
                bad[i] = True
            parsed.append(numbers)
        else:
            parsed.append(items)
    return pd.Series(parsed, dtype=object), bad


def _column_issues(table: str, col: Column, text: pd.Series, rows: np.ndarray,
                   bad: np.ndarray, blank: np.ndarray) -> list[Issue]:
    where = np.flatnonzero(bad)
    issues = []
    for i in where[:MAX_ISSUES_PER_COLUMN]:
        expected = "must not be blank" if blank[i] else "must be " + col.expected()
        issues.append(Issue(table, int(rows[i]), col.name, show_value(text.iloc[i]) if not blank[i]
                            else None, expected))
    if len(where) > MAX_ISSUES_PER_COLUMN:
        issues.append(Issue(table, None, col.name, None,
                            f"{len(where) - MAX_ISSUES_PER_COLUMN} more rows have bad values "
                            f"(must be {col.expected()})"))
    return issues


_MORE = re.compile(r"^(\d+) more rows have bad values")


def parse_streamed(name: str, path: Path, spec: Table
                   ) -> tuple[pd.DataFrame | None, np.ndarray, list[Issue]]:
    """Parse a large CSV file chunk by chunk (:func:`iter_csv_chunks`), keeping only typed
    columns: text columns are held as one shared string per distinct value, so a long
    history costs about 8 bytes per cell, not the text of every cell.

    Returns the typed frame (None when a chunk cannot be read or a column is missing), the
    file row of each frame row, and the issues, at most MAX_ISSUES_PER_COLUMN bad cells per
    column over the whole file.
    """
    parts: list[pd.DataFrame] = []
    rows: list[np.ndarray] = []
    issues: list[Issue] = []
    for chunk, problems in iter_csv_chunks(name, path):
        issues += problems
        if chunk is None:
            return None, np.array([], dtype=int), _merge_issues(issues)
        frame, found = parse_table(chunk, spec)
        issues += found
        if any(p.row is None and p.severity == "error" and not _MORE.match(p.expected)
               for p in found):
            return None, np.array([], dtype=int), _merge_issues(issues)
        parts.append(_shared_strings(frame))
        rows.append(np.asarray(chunk.rows, dtype=int))
    frame = _concat_shared(parts) if parts else None
    return frame, (np.concatenate(rows) if rows else np.array([], dtype=int)), \
        _merge_issues(issues)


def _shared_strings(frame: pd.DataFrame) -> pd.DataFrame:
    out = {}
    for col in frame.columns:
        values = frame[col]
        if values.dtype == object:
            with contextlib.suppress(TypeError):  # unhashable cells (lists) stay as they are
                values = pd.Series(pd.Categorical(values))
        out[col] = values
    return pd.DataFrame(out)


def _concat_shared(parts: list[pd.DataFrame]) -> pd.DataFrame:
    out = {}
    for col in parts[0].columns:
        pieces = [p[col] for p in parts]
        if all(isinstance(p.dtype, pd.CategoricalDtype) for p in pieces):
            merged = union_categoricals([p.array for p in pieces])
            out[col] = pd.Series(np.asarray(merged, dtype=object), dtype=object)
        else:
            out[col] = pd.concat(pieces, ignore_index=True)
    return pd.DataFrame(out)


def _merge_issues(issues: list[Issue]) -> list[Issue]:
    """One list over all chunks: repeated warnings once, at most MAX_ISSUES_PER_COLUMN bad
    cells per column and one line counting the rest."""
    out: list[Issue] = []
    seen: set[tuple] = set()
    shown: dict[tuple, int] = {}
    more: dict[tuple, tuple[int, Issue]] = {}
    for issue in issues:
        key = (issue.table, issue.column)
        m = _MORE.match(issue.expected) if issue.row is None else None
        if m:
            n, first = more.get(key, (0, issue))
            more[key] = (n + int(m.group(1)), first)
            continue
        if issue.row is not None and issue.severity == "error" and issue.column:
            shown[key] = shown.get(key, 0) + 1
            if shown[key] > MAX_ISSUES_PER_COLUMN:
                n, first = more.get(key, (0, issue))
                more[key] = (n + 1, first)
                continue
        sig = (issue.table, issue.row, issue.column, issue.value, issue.expected, issue.severity)
        if sig not in seen:
            seen.add(sig)
            out.append(issue)
    for (table, column), (n, first) in more.items():
        what = first.expected.split("(", 1)[-1].rstrip(")") if _MORE.match(first.expected) \
            else first.expected
        out.append(Issue(table, None, column, None, f"{n} more rows have bad values ({what})"))
    return out
