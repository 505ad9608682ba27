"""Finance conventions for the Excel workbooks, written with XlsxWriter: number formats with
the scenario's currency, styled headers, Excel tables, named cells, print setup, and
formulas that carry their computed value.

Rows and columns are 1-based here (as in Excel's A1 references), converted to XlsxWriter's
0-based indices inside :class:`Sheet`. Every cell from user data is written as a value of its
own type; text is always text (a vendor called ``=HYPERLINK(...)`` stays a string, never a
formula). Formulas are built only from cell references and the workbook's own defined names,
and each is written with its cached value (computed by the caller the way the spreadsheet
computes it), so readers that do not recalculate (pandas, openpyxl ``data_only=True``,
previewers) see the numbers.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.utility import quote_sheetname, xl_col_to_name
from xlsxwriter.worksheet import Worksheet

COST = "#,##0;[Red]-#,##0"            # money, whole units (labelled with the currency by Book)
RATE = "#,##0.00"                     # money per FTE-month or per start (labelled likewise)
FTE = "#,##0.0;[Red]-#,##0.0"         # FTE with one decimal
PEOPLE = "#,##0"                      # whole people (headcount, hires)
PCT = "0.0%"
DATE = "yyyy-mm-dd"
CASES = "#,##0"
INT = "0"
MONEY_FORMATS = (COST, RATE)

HEADER = {"bold": True, "font_color": "#FFFFFF", "bg_color": "#1F4E78", "align": "center",
          "valign": "vcenter", "text_wrap": True, "border": 1, "border_color": "#BFBFBF"}
TITLE = {"bold": True, "font_size": 14, "font_color": "#1F4E78"}
SECTION = {"bold": True, "font_size": 11, "font_color": "#1F4E78"}
LABEL = {"bold": True}
NOTE = {"italic": True, "font_color": "#595959"}
INPUT = {"bg_color": "#FFF2CC", "border": 1, "border_color": "#BFBFBF"}   # editable assumptions
TOTAL = {"bold": True, "top": 1}
WARN = {"bold": True, "font_color": "#9C0006", "bg_color": "#FFC7CE"}

_PCT_COLUMNS = {"share", "shrinkage", "max_occupancy", "sla_target", "attrition_month",
                "min_inhouse_share", "automation_rate", "max_abandon", "automation_delta",
                "gap", "overtime_max_share", "max_exposure_share", "max_share", "sla_confidence"}
_RATE_COLUMNS = {"cost_per_fte_month", "price_per_fte_month", "hire_cost", "shortfall_penalty",
                 "budget_per_quarter", "price_per_fte_week"}
_ILLEGAL = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
#: rows looked at for column widths
WIDTH_ROWS = 300


def column_format(name: str) -> str | None:
    """The number format of a column, from its contract name."""
    n = name.lower()
    if n in _PCT_COLUMNS or n.endswith("_share"):
        return PCT
    if n in _RATE_COLUMNS or "cost_per_" in n or n == "unit_cost":
        return RATE
    if n.endswith(("_status", "_basis")):
        return None
    if "cost" in n or n in ("objective", "price", "saving", "budget", "overrun") or n.startswith("saving"):
        return COST
    if n in ("week", "date") or n.endswith("_by") or n.endswith("_date") or n.endswith("_week"):
        return DATE
    if n in ("cases",) or re.fullmatch(r"p\d{1,2}", n):
        return CASES
    if "fte" in n or "headcount" in n or n in ("starts", "max_starts_week"):
        return FTE
    if n in ("weeks", "version", "hour", "lead_weeks", "binding_weeks"):
        return INT
    return None


def money_format(base: str, currency: str) -> str:
    """A money number format labelled with the currency: ``#,##0 "USD";[Red]-#,##0 "USD"``."""
    label = re.sub(r'["\\;]', "", str(currency)).strip()
    if not label:
        return base
    return ";".join(f'{part} "{label}"' for part in base.split(";"))


def clean_text(text: str) -> str:
    """Text without the control characters an .xlsx cannot hold, cut at Excel's cell limit."""
    return _ILLEGAL.sub("", text)[:32767]


def excel_serial(value: datetime | date | pd.Timestamp) -> float:
    """A date or datetime as Excel's serial day number (1900 date system)."""
    return (pd.Timestamp(value).tz_localize(None) - _EXCEL_EPOCH) / pd.Timedelta(days=1)


def excel_value(value: Any) -> Any:
    """A Python/pandas/numpy value as a cell value: str, float/int, bool, datetime or None."""
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
        return clean_text(value)
    return value


class TableNames:
    """Unique Excel table and defined names (letters, digits and ``_``)."""

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


class Book:
    """An .xlsx workbook being written: sheets, cached formats, defined names, the currency.

    Money formats (:data:`COST`, :data:`RATE`) are labelled with ``currency`` in every cell.
    """

    def __init__(self, currency: str = "USD") -> None:
        self.buffer = io.BytesIO()
        self.wb = xlsxwriter.Workbook(self.buffer, {
            "in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
            "strings_to_numbers": False})
        self.currency = currency
        self.names = TableNames()
        self._formats: dict[tuple, Format] = {}
        self.sheets: dict[str, Sheet] = {}

    def fmt(self, num_format: str | None = None, **style: Any) -> Format | None:
        """A (cached) cell format; None when plain."""
        if num_format is None and not style:
            return None
        if num_format in MONEY_FORMATS:
            num_format = money_format(num_format, self.currency)
        key = (num_format, tuple(sorted(style.items())))
        if key not in self._formats:
            props = dict(style)
            if num_format:
                props["num_format"] = num_format
            self._formats[key] = self.wb.add_format(props)
        return self._formats[key]

    def sheet(self, title: str) -> Sheet:
        """Add a sheet (in order of calls)."""
        sheet = Sheet(self, self.wb.add_worksheet(title))
        self.sheets[title] = sheet
        return sheet

    def define_name(self, name: str, sheet: Sheet, row: int, col: int) -> None:
        """A workbook-level name for one cell (absolute reference)."""
        self.wb.define_name(name, f"={quote_sheetname(sheet.title)}!${xl_col_to_name(col - 1)}${row}")

    def close(self) -> bytes:
        """Finish the file; returns its bytes."""
        self.wb.close()
        return self.buffer.getvalue()


class Sheet:
    """One worksheet; remembers column widths of what is written to its first rows."""

    def __init__(self, book: Book, ws: Worksheet) -> None:
        self.book, self.ws = book, ws
        self.title = ws.name
        self.widths: dict[int, int] = {}
        self.max_row = 0
        self.max_col = 0

    def _seen(self, row: int, col: int, length: int) -> None:
        self.max_row, self.max_col = max(self.max_row, row), max(self.max_col, col)
        if row <= WIDTH_ROWS:
            self.widths[col] = max(self.widths.get(col, 8), length + 2)

    def put(self, row: int, col: int, value: Any, fmt: str | None = None, **style: Any) -> Any:
        """Write a value of its own type (text stays text); returns the value written."""
        value = excel_value(value)
        ws, r, c = self.ws, row - 1, col - 1
        if value is None:
            if style or fmt:
                ws.write_blank(r, c, None, self.book.fmt(fmt, **style))
            self._seen(row, col, 0)
            return None
        if isinstance(value, str):
            ws.write_string(r, c, value, self.book.fmt(None, **style))
            self._seen(row, col, min(len(value), 60))
        elif isinstance(value, bool):
            ws.write_boolean(r, c, value, self.book.fmt(fmt, **style))
            self._seen(row, col, 5)
        elif isinstance(value, datetime | date):
            ws.write_number(r, c, excel_serial(value), self.book.fmt(fmt or DATE, **style))
            self._seen(row, col, 10 if (fmt or DATE) == DATE else 16)
        else:
            ws.write_number(r, c, value, self.book.fmt(fmt, **style))
            self._seen(row, col, 12)
        return value

    def formula(self, row: int, col: int, formula: str, value: Any, fmt: str | None = None,
                **style: Any) -> Any:
        """Write a formula (built by this package, never from user text) with its cached value."""
        value = excel_value(value)
        if isinstance(value, datetime | date):
            value = excel_serial(value)
        self.ws.write_formula(row - 1, col - 1, formula, self.book.fmt(fmt, **style),
                              0 if value is None else value)
        self._seen(row, col, 12)
        return value

    def header(self, row: int, col: int, names: list[str], height: float | None = None) -> None:
        """Styled header cells (text wraps; ``height``: the row's height in points)."""
        for j, name in enumerate(names):
            self.put(row, col + j, name, **HEADER)
        if height:
            self.ws.set_row(row - 1, height)

    def text(self, row: int, col: int, text: str, **style: Any) -> None:
        """A title, note or label (text that may overflow to the right: no width taken)."""
        self.ws.write_string(row - 1, col - 1, clean_text(text), self.book.fmt(None, **style))
        self.max_row, self.max_col = max(self.max_row, row), max(self.max_col, col)

    def finish(self, *, freeze: int | None = 1, landscape: bool = True,
               title_rows: int | None = 1, max_width: int = 60,
               widths: Mapping[int, float] | None = None) -> None:
        """Column widths, frozen header rows, print setup (landscape, one page wide)."""
        for c, w in self.widths.items():
            self.ws.set_column(c - 1, c - 1, min(w, max_width))
        for c, w in (widths or {}).items():
            self.ws.set_column(c - 1, c - 1, w)
        if freeze:
            self.ws.freeze_panes(freeze, 0)
        if landscape:
            self.ws.set_landscape()
        self.ws.fit_to_pages(1, 0)
        if title_rows:
            self.ws.repeat_rows(0, title_rows - 1)


Formula = Callable[[int, pd.Series], tuple[str, Any]]


def _column_cells(series: pd.Series) -> tuple[list[Any], str]:
    """A column as cell values and its kind: 'num' (float or None), 'date' (serial or None),
    'any' (per-value types)."""
    if pd.api.types.is_bool_dtype(series):
        return series.tolist(), "any"
    if pd.api.types.is_datetime64_any_dtype(series):
        serial = (series.dt.tz_localize(None) if getattr(series.dt, "tz", None) else series)
        values = ((serial - _EXCEL_EPOCH) / pd.Timedelta(days=1)).astype("float64")
        return [None if v != v else v for v in values.tolist()], "date"
    if pd.api.types.is_numeric_dtype(series):
        values = series.astype("float64").replace([np.inf, -np.inf], np.nan)
        return [None if v != v else v for v in values.tolist()], "num"
    return [excel_value(v) for v in series.tolist()], "any"


def write_frame(sheet: Sheet, frame: pd.DataFrame, row: int, col: int = 1,
                formats: Mapping[str, str | None] | None = None,
                formulas: Mapping[str, Formula] | None = None) -> None:
    """Write ``frame``'s values (no header) from (row, col) down, column types kept.

    formats: column -> number format (default :func:`column_format`); formulas: column ->
    f(excel_row, record) -> (formula, cached value) for that column's cells.
    """
    formats = dict(formats or {})
    formulas = dict(formulas or {})
    ws, book = sheet.ws, sheet.book
    cols = list(frame.columns)
    for j, c in enumerate(cols):
        fmt_name = formats.get(c, column_format(c))
        x = col - 1 + j
        if c in formulas:
            f = formulas[c]
            fmt = book.fmt(fmt_name)
            for i, (_, rec) in enumerate(frame.iterrows()):
                text, value = f(row + i, rec)
                value = excel_value(value)
                ws.write_formula(row - 1 + i, x, text, fmt, 0 if value is None else value)
            sheet._seen(row, col + j, 12)
            continue
        values, kind = _column_cells(frame[c])
        num = book.fmt(DATE if kind == "date" and fmt_name is None else fmt_name)
        write_number, write_string = ws.write_number, ws.write_string
        length = 12
        if kind in ("num", "date"):
            for i, v in enumerate(values, start=row - 1):
                if v is not None:
                    write_number(i, x, v, num)
            length = 10 if kind == "date" else 12
        else:
            date_fmt = book.fmt(fmt_name or DATE)
            for i, v in enumerate(values, start=row - 1):
                if v is None:
                    continue
                if isinstance(v, str):
                    write_string(i, x, v)
                elif isinstance(v, bool):
                    ws.write_boolean(i, x, v)
                elif isinstance(v, datetime | date):
                    write_number(i, x, excel_serial(v), date_fmt)
                else:
                    write_number(i, x, v, num)
            texts = [len(v) for v in values[:WIDTH_ROWS] if isinstance(v, str)]
            length = max(texts, default=10)
        sheet._seen(row, col + j, min(length, 60))
    sheet.max_row = max(sheet.max_row, row + len(frame) - 1)


def write_table(sheet: Sheet, frame: pd.DataFrame, table_name: str, *, row: int = 1, col: int = 1,
                formulas: Mapping[str, Formula] | None = None,
                formats: Mapping[str, str | None] | None = None,
                headers: Mapping[str, str] | None = None) -> tuple[int, int, dict[str, str]]:
    """Write ``frame`` as an Excel table with a styled header at (row, col).

    formulas: column -> f(excel_row, record) -> (formula, cached value). headers: column ->
    the header shown (default the column name). Returns (first data row, last data row,
    column name -> column letter). An empty frame gets its header only (no table object:
    Excel tables need a data row).
    """
    cols = list(frame.columns)
    shown = [str((headers or {}).get(c, c)) for c in cols]
    letters = {c: xl_col_to_name(col - 1 + j) for j, c in enumerate(cols)}
    sheet.header(row, col, shown)
    write_frame(sheet, frame, row + 1, col, formats=formats, formulas=formulas)
    last = row + len(frame)
    if len(frame):
        header_fmt = sheet.book.fmt(None, **HEADER)
        sheet.ws.add_table(row - 1, col - 1, last - 1, col - 2 + len(cols), {
            "name": sheet.book.names.make(table_name), "style": "Table Style Medium 2",
            "columns": [{"header": h, "header_format": header_fmt} for h in shown]})
    return row + 1, last, letters
