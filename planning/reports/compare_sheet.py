"""The workbook's Comparison sheet: plan B against plan A, with deltas as live formulas."""

from __future__ import annotations

import pandas as pd

from planning.reports.compare import Comparison
from planning.reports.style import FTE, SECTION, TITLE, Sheet, write_table

#: at most this many input differences are listed on the sheet
MAX_DIFF_ROWS = 5000


def write_comparison(ws: Sheet, comparison: Comparison) -> None:
    """Title, explanation, then tables: totals, by quarter, by market, by source, inputs.
    Money in the workbook's currency; every delta is ``= B - A`` with its value cached."""
    ws.text(1, 1, f"Comparison: B = {comparison.label_b} against A = {comparison.label_a}",
            **TITLE)
    row = 2
    for line in comparison.explain():
        ws.text(row, 1, line)
        row += 1
    row += 1
    cur = ws.book.currency
    words = {"total_cost": f"Total cost ({cur})", "shortfall_fte_weeks": "Shortfall (FTE-weeks)",
             "objective": f"Objective as solved ({cur}): cost + shortfall penalties; not a cost"}
    totals = comparison.totals.assign(metric=comparison.totals["metric"].map(
        lambda m: words.get(m, m)))
    sections = [
        ("Totals", "CmpTotals", totals),
        ("By quarter", "CmpQuarter", comparison.by_quarter),
        ("By market and quarter (weekly averages)", "CmpMarket", comparison.by_market),
        ("By site and vendor (quarterly ask)", "CmpPool", comparison.by_pool),
    ]
    for title, table, frame in sections:
        ws.text(row, 1, title, **SECTION)
        formats = {c: FTE for c in ("a", "b", "delta")}
        if table == "CmpTotals":  # metric rows: costs in money, shortfall in FTE-weeks
            formats = {}
        _, last, _ = write_table(ws, frame, table, row=row + 1,
                                 formulas=_delta_formulas(frame), formats=formats)
        row = max(last, row + 1) + 2
    diffs = comparison.input_differences
    n = len(diffs)
    title = "Inputs that differ" + (f" (first {MAX_DIFF_ROWS} of {n})" if n > MAX_DIFF_ROWS else "")
    ws.text(row, 1, title, **SECTION)
    if diffs.empty:
        ws.text(row + 1, 1, "none: the same inputs")
    else:
        write_table(ws, diffs.head(MAX_DIFF_ROWS), "CmpInputs", row=row + 1,
                    formats={"a": "@", "b": "@"})
    ws.finish(freeze=None, title_rows=None, max_width=40, widths={1: 28})


def _delta_formulas(frame: pd.DataFrame) -> dict:
    """delta = b - a as a formula next to its two cells, with its value."""
    cols = list(frame.columns)
    letter = {c: chr(ord("A") + i) for i, c in enumerate(cols)}
    out = {}
    for c in cols:
        base = c[: -len("_delta")] if c.endswith("_delta") else (None if c != "delta" else "")
        if base is None:
            continue
        a, b = (f"{base}_a", f"{base}_b") if base else ("a", "b")
        if a in letter and b in letter:
            out[c] = (lambda r, rec, a=a, b=b, la=letter[a], lb=letter[b]:
                      (f"={lb}{r}-{la}{r}", float(rec[b]) - float(rec[a])))
    return out
