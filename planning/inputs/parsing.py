"""Turning raw text cells into typed columns, with an issue for every bad cell.

Parsing is vectorised (a volumes table has hundreds of thousands of cells); at most
:data:`MAX_ISSUES_PER_COLUMN` bad cells are listed per column, then a count of the rest.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from planning.errors import Issue, show_value
from planning.inputs.readers import RawTable
from planning.inputs.schema import Column, Table

MAX_ISSUES_PER_COLUMN = 20
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TRUE = {"true", "yes", "1"}
_FALSE = {"false", "no", "0"}
_QUANTILE_COLUMN = re.compile(r"^p(\d{1,2})$")


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
