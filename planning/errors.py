"""Problems found in the inputs, reported the way a user can fix them.

Every check collects :class:`Issue` values instead of stopping at the first one, so a
user sees all that is wrong with a workbook at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Issue:
    """One problem in the inputs.

    table: the table (sheet or CSV file name without extension), or ``scenario``.
    row: the row number as the user sees it in the file (the header is row 1), or None
        when the problem is with a whole table or column.
    column: the column (or scenario key like ``plan.start``), or None.
    value: the offending value as text, or None.
    expected: what a valid value would be, in words.
    """

    table: str
    row: int | None
    column: str | None
    value: str | None
    expected: str
    severity: Severity = "error"

    def message(self) -> str:
        """One line such as ``volumes row 18: cases = -5, must be >= 0``."""
        where = self.table + (f" row {self.row}" if self.row is not None else "")
        what = ""
        if self.column is not None:
            what = self.column if self.value is None else f"{self.column} = {self.value}"
            what += ", "
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{prefix}{where}: {what}{self.expected}"


class InputError(Exception):
    """Raised when inputs have errors; carries every issue found."""

    def __init__(self, issues: Iterable[Issue]) -> None:
        self.issues: tuple[Issue, ...] = tuple(issues)
        errors = [i for i in self.issues if i.severity == "error"]
        super().__init__(
            f"{len(errors)} problem(s) in the inputs:\n" + "\n".join(i.message() for i in errors)
        )

    @property
    def errors(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if i.severity == "error")


def issues_frame(issues: Iterable[Issue]) -> pd.DataFrame:
    """Issues as a table with columns severity, table, row, column, value, expected."""
    rows = [
        {
            "severity": i.severity,
            "table": i.table,
            "row": i.row,
            "column": i.column,
            "value": i.value,
            "expected": i.expected,
        }
        for i in issues
    ]
    cols = ["severity", "table", "row", "column", "value", "expected"]
    return pd.DataFrame(rows, columns=cols).astype({"row": "Int64"})


def show_value(value: Any) -> str:
    """A cell value as the user typed it, for messages."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "(blank)"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "..."
