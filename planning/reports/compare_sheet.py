"""The workbook's Comparison sheet: plan B against plan A, with deltas as live formulas."""

from __future__ import annotations

import pandas as pd
from openpyxl.worksheet.worksheet import Worksheet

from planning.reports.compare import Comparison
from planning.reports.style import (
    SECTION_FONT,
    TITLE_FONT,
    TableNames,
    finish_sheet,
    put,
    write_table,
)

#: at most this many input differences are listed on the sheet
MAX_DIFF_ROWS = 5000


def write_comparison(ws: Worksheet, comparison: Comparison, names: TableNames) -> None:
    """Title, explanation, then tables: totals, by quarter, by market, by source, inputs."""
    put(ws, 1, 1, f"Comparison: B = {comparison.label_b} against A = {comparison.label_a}"
        ).font = TITLE_FONT
    row = 2
    for line in comparison.explain():
        put(ws, row, 1, line)
        row += 1
    row += 1
    sections = [
        ("Totals", "CmpTotals", comparison.totals),
        ("By quarter", "CmpQuarter", comparison.by_quarter),
        ("By market and quarter (weekly averages)", "CmpMarket", comparison.by_market),
        ("By site and vendor (quarterly ask)", "CmpPool", comparison.by_pool),
    ]
    for title, table, frame in sections:
        put(ws, row, 1, title).font = SECTION_FONT
        formats = {c: "#,##0.0;[Red]-#,##0.0" for c in ("a", "b", "delta")}
        _, last, _ = write_table(ws, frame, names, table, row=row + 1,
                                 formulas=_delta_formulas(frame), formats=formats)
        row = max(last, row + 1) + 2
    diffs = comparison.input_differences
    n = len(diffs)
    title = "Inputs that differ" + (f" (first {MAX_DIFF_ROWS} of {n})" if n > MAX_DIFF_ROWS else "")
    put(ws, row, 1, title).font = SECTION_FONT
    if diffs.empty:
        put(ws, row + 1, 1, "none: the same inputs")
    else:
        write_table(ws, diffs.head(MAX_DIFF_ROWS), names, "CmpInputs", row=row + 1,
                    formats={"a": "@", "b": "@"})
    finish_sheet(ws, freeze="A2", title_rows=None, max_width=40)
    ws.column_dimensions["A"].width = 28


def _delta_formulas(frame: pd.DataFrame) -> dict:
    """delta = b - a as a formula next to its two cells."""
    cols = list(frame.columns)
    letter = {c: chr(ord("A") + i) for i, c in enumerate(cols)}
    out = {}
    for c in cols:
        base = c[: -len("_delta")] if c.endswith("_delta") else (None if c != "delta" else "")
        if base is None:
            continue
        a, b = (f"{base}_a", f"{base}_b") if base else ("a", "b")
        if a in letter and b in letter:
            out[c] = (lambda r, _rec, a=letter[a], b=letter[b]: f"={b}{r}-{a}{r}")
    return out
