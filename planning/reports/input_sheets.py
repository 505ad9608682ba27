"""The workbook's Assumptions sheet (named cells) and its input sheets (read back as input).

Input sheets carry the contract's lower-case table names (``markets``, ``sites``, ...,
``scenario`` with key/value rows), so ``headcount plan plan.xlsx`` reads the workbook as is
(the ``volumes`` history may be left out; the workbook then carries the plan's forecast as
its ``forecast`` input, see :mod:`planning.reports.workbook`).
Assumptions holds every scenario setting and every numeric site, vendor, market and queue
setting as a named cell (e.g. ``site_Dublin_cost_per_fte_month``); the cost formulas of the
plan sheets refer to the site and vendor names.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import pandas as pd

from planning.inputs.scenario_toml import SCENARIO_KEYS
from planning.inputs.schema import SCENARIO_SHEET, TABLES
from planning.inputs.tables import Inputs
from planning.reports.style import (
    COST,
    DATE,
    INPUT,
    LABEL,
    NOTE,
    SECTION,
    TITLE,
    Book,
    column_format,
    write_frame,
)

SITE_SETTINGS = ["cost_per_fte_month", "hire_cost", "attrition_month", "headcount",
                 "max_headcount", "max_starts_week", "lead_weeks", "overtime_max_share",
                 "overtime_premium"]
VENDOR_SETTINGS = ["price_per_fte_month", "min_fte", "max_fte", "aht_factor"]
MARKET_SETTINGS = ["min_inhouse_share"]
QUEUE_SETTINGS = ["aht_minutes", "tat_hours", "sla_target", "answer_seconds", "patience_seconds",
                  "max_abandon", "automation_rate"]
SECTION_TITLES = {"site": "Site settings", "vendor": "Vendor settings",
                  "market": "Market settings", "queue": "Queue settings"}
#: the input table that may be left out of a workbook (``history=False``)
HISTORY_TABLE = "volumes"


def write_assumptions(book: Book, inputs: Inputs, penalty: float | None
                      ) -> dict[tuple[str, str, str], tuple[str, float | None]]:
    """Fill the Assumptions sheet (``penalty``: the shortfall penalty the optimiser used).

    Returns {(kind, pool, setting): (defined name, value)}; kind is scenario (pool ""), site,
    vendor, market or queue.
    """
    ws = book.sheets["Assumptions"]
    ws.text(1, 1, "Assumptions", **TITLE)
    ws.text(2, 1, "Yellow cells are named and drive every cost formula in this workbook: change "
                  "a rate and the costs follow (the same plan re-priced, not re-optimised; to "
                  "re-plan, edit the input sheets sites, vendors, scenario and run headcount plan).",
            **NOTE)
    refs: dict[tuple[str, str, str], tuple[str, float | None]] = {}
    row = 4
    ws.text(row, 1, "Scenario settings", **SECTION)
    ws.header(row + 1, 1, ["key", "value", "name", "meaning"])
    values = {f"{s}.{k}": v for s, items in inputs.scenario.to_dict().items() for k, v in items.items()}
    r = row + 2
    for key, col in SCENARIO_KEYS.items():
        value = values.get(key)
        if col.kind == "date" and value is not None:
            value = pd.Timestamp(value).to_pydatetime()
        fmt = DATE if col.kind == "date" else column_format(key.split(".", 1)[1])
        ws.put(r, 1, key)
        ws.put(r, 2, value, fmt, **INPUT)
        name = book.names.make(key.replace(".", "_"))
        book.define_name(name, ws, r, 2)
        refs[("scenario", "", key)] = (name, value)
        ws.put(r, 3, name)
        ws.text(r, 4, col.note)
        r += 1
    ws.put(r, 1, "solver.shortfall_penalty as solved")
    ws.put(r, 2, penalty, COST)
    ws.text(r, 4, "cost of one uncovered FTE-week the optimiser used")
    r += 2
    for kind, table, settings in (("site", inputs.sites, SITE_SETTINGS),
                                  ("vendor", inputs.vendors, VENDOR_SETTINGS),
                                  ("market", inputs.markets, MARKET_SETTINGS),
                                  ("queue", inputs.queues, QUEUE_SETTINGS)):
        if table is None or table.empty:
            continue
        ws.text(r, 1, SECTION_TITLES[kind], **SECTION)
        cols = [c for c in settings if c in table.columns]
        ws.header(r + 1, 1, [kind, *cols])
        r += 2
        for rec in table.itertuples(index=False):
            pool = getattr(rec, kind)
            ws.put(r, 1, pool, **LABEL)
            for j, c in enumerate(cols, start=2):
                value = ws.put(r, j, getattr(rec, c), column_format(c), **INPUT)
                name = book.names.make(kind, f"{pool}_{c}")
                book.define_name(name, ws, r, j)
                refs[(kind, pool, c)] = (name, value)
            r += 1
        r += 1
    ws.finish(freeze=None, title_rows=None, max_width=18, widths={1: 36})
    return refs


def write_input_sheets(book: Book, inputs: Inputs, skip: Iterable[str] = ()) -> list[str]:
    """One plain sheet per present input table (but those in ``skip``) plus ``scenario``;
    returns their names."""
    written = []
    skip = set(skip)
    for name in TABLES:
        frame = inputs.table(name)
        if frame is None or frame.empty or name in skip:
            continue
        ws = book.sheet(name)
        ws.header(1, 1, list(frame.columns))
        formats = {c: (DATE if pd.api.types.is_datetime64_any_dtype(frame[c]) else None)
                   for c in frame.columns}  # values as read: no display rounding
        write_frame(ws, frame, 2, formats=formats)
        ws.ws.autofilter(0, 0, len(frame), len(frame.columns) - 1)
        ws.finish(max_width=40)
        written.append(name)
    ws = book.sheet(SCENARIO_SHEET)
    ws.header(1, 1, ["key", "value"])
    r = 2
    for section, items in inputs.scenario.to_dict().items():
        for key, value in items.items():
            if section == "plan" and key == "start":
                value = pd.Timestamp(value).to_pydatetime()
            ws.put(r, 1, f"{section}.{key}")
            ws.put(r, 2, value, DATE if isinstance(value, date) else None)
            r += 1
    ws.finish()
    written.append(SCENARIO_SHEET)
    return written
