"""Finance conventions for the Excel workbook: styles, number formats, safe cells, tables.

Every cell from user data is written as a value of its own type; text is always text (a
vendor called ``=HYPERLINK(...)`` stays a string, never a formula). Formulas are built
only from cell references and the workbook's own defined names.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

COST = "#,##0;[Red]-#,##0"            # currency, whole units (the inputs' currency)
RATE = "#,##0.00"                     # currency per FTE-month or per start
FTE = "#,##0.0;[Red]-#,##0.0"         # FTE with one decimal
PCT = "0.0%"
DATE = "yyyy-mm-dd"
CASES = "#,##0"
NUMBER = "#,##0.00"
INT = "0"

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
TITLE_FONT = Font(bold=True, size=14, color="1F4E78")
SECTION_FONT = Font(bold=True, size=11, color="1F4E78")
LABEL_FONT = Font(bold=True)
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")   # editable assumption cells
THIN = Side(style="thin", color="BFBFBF")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)

_PCT_COLUMNS = {"share", "shrinkage", "max_occupancy", "sla_target", "attrition_month",
                "min_inhouse_share", "automation_rate", "max_abandon", "automation_delta",
                "gap"}
_RATE_COLUMNS = {"cost_per_fte_month", "price_per_fte_month", "hire_cost", "shortfall_penalty",
                 "budget_per_quarter"}


def column_format(name: str) -> str | None:
    """The number format of a column, from its contract name."""
    n = name.lower()
    if n in _PCT_COLUMNS or n.endswith("_share"):
        return PCT
    if n in _RATE_COLUMNS:
        return RATE
    if "cost" in n or n in ("objective", "price", "saving") or n.startswith("saving"):
        return COST
    if n in ("week", "date") or n.endswith("_by") or n.endswith("_date"):
        return DATE
    if n in ("cases",) or re.fullmatch(r"p\d{1,2}", n):
        return CASES
    if "fte" in n or "headcount" in n or n in ("starts", "max_starts_week"):
        return FTE
    if n in ("weeks", "version", "hour", "lead_weeks", "binding_weeks"):
        return INT
    return None


def clean_text(text: str) -> str:
    """Text without the control characters an .xlsx cannot hold."""
    return ILLEGAL_CHARACTERS_RE.sub("", text)


def excel_value(value: Any) -> Any:
    """A Python/pandas/numpy value as an Excel cell value (None for blanks)."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, tuple | list):
        return ";".join(str(excel_value(v)) for v in value)
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and (np.isnan(value) or np.isinf(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime().replace(tzinfo=None)
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, str):
        return clean_text(value)[:32767]  # Excel's limit of characters in a cell
    return value


def put(ws: Worksheet, row: int, col: int, value: Any, fmt: str | None = None) -> Any:
    """Write a value; strings are forced to text so nothing typed by a user becomes a formula."""
    value = excel_value(value)
    cell = ws.cell(row=row, column=col, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    if isinstance(value, date) and fmt is None:
        fmt = DATE
    if fmt and not isinstance(value, str):
        cell.number_format = fmt
    return cell


def put_formula(ws: Worksheet, row: int, col: int, formula: str, fmt: str | None = None) -> Any:
    """Write a formula built by this module (never from user text)."""
    cell = ws.cell(row=row, column=col, value=formula)
    if fmt:
        cell.number_format = fmt
    return cell


def header(ws: Worksheet, row: int, col: int, names: list[str]) -> None:
    for j, name in enumerate(names):
        cell = put(ws, row, col + j, name)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)


class TableNames:
    """Unique Excel table and defined names."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def make(self, prefix: str, text: str = "") -> str:
        slug = re.sub(r"[^A-Za-z0-9_]+", "_", text).strip("_")
        base = f"{prefix}_{slug}" if slug else prefix
        base = base[:200]
        name, k = base, 2
        while name.lower() in self.used:
            name, k = f"{base}_{k}", k + 1
        self.used.add(name.lower())
        return name


def write_table(ws: Worksheet, frame: pd.DataFrame, names: TableNames, table_name: str, *,
                row: int = 1, col: int = 1,
                formulas: Mapping[str, Callable[[int, pd.Series], str]] | None = None,
                formats: Mapping[str, str] | None = None) -> tuple[int, int, dict[str, str]]:
    """Write ``frame`` as an Excel table with a styled header at (row, col).

    formulas: column -> f(excel_row, record) giving a formula for that column's cell.
    Returns (first data row, last data row, column name -> column letter). An empty frame
    gets its header only (no table object: Excel tables need a data row).
    """
    formulas = dict(formulas or {})
    formats = dict(formats or {})
    cols = list(frame.columns)
    header(ws, row, col, cols)
    letters = {c: get_column_letter(col + j) for j, c in enumerate(cols)}
    fmts = [formats.get(c, column_format(c)) for c in cols]
    for i, record in enumerate(frame.itertuples(index=False, name=None)):
        r = row + 1 + i
        series = pd.Series(record, index=cols)
        for j, (c, value) in enumerate(zip(cols, record, strict=True)):
            if c in formulas:
                put_formula(ws, r, col + j, formulas[c](r, series), fmts[j])
            else:
                put(ws, r, col + j, value, fmts[j])
    last = row + len(frame)
    if len(frame):
        ref = f"{letters[cols[0]]}{row}:{letters[cols[-1]]}{last}"
        table = Table(displayName=names.make(table_name), ref=ref)
        table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
        ws.add_table(table)
    return row + 1, last, letters


def define_name(book: Workbook, name: str, ws: Worksheet, cell: str) -> None:
    """A workbook-level defined name for one cell (absolute reference)."""
    col, row = re.match(r"([A-Z]+)(\d+)", cell).groups()
    book.defined_names[name] = DefinedName(name, attr_text=f"{quote_sheetname(ws.title)}!${col}${row}")


def finish_sheet(ws: Worksheet, *, freeze: str | None = "A2", landscape: bool = True,
                 title_rows: str | None = "1:1", max_width: int = 60) -> None:
    """Column widths from the contents, frozen header, print setup (landscape, fit to width)."""
    widths: dict[int, int] = {}
    for r_i, row in enumerate(ws.iter_rows(min_row=1, max_row=min(ws.max_row, 300))):
        for cell in row:
            if cell.value is None:
                continue
            text = cell.value if isinstance(cell.value, str) else None
            if text is not None and text.startswith("=") and cell.data_type == "f":
                length = 12
            elif text is not None:
                length = len(text) if r_i < 300 else 0
            elif isinstance(cell.value, datetime | date):
                length = 10
            else:
                length = 12
            widths[cell.column] = max(widths.get(cell.column, 8), min(length + 2, max_width))
    for c, w in widths.items():
        ws.column_dimensions[get_column_letter(c)].width = w
    if freeze:
        ws.freeze_panes = freeze
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.gridLines = False
    if title_rows:
        ws.print_title_rows = title_rows
