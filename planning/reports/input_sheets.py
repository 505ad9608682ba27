"""The workbook's Assumptions sheet (named cells) and its input sheets (read back as input).

Input sheets carry the contract's lower-case table names (``markets``, ``sites``, ...,
``scenario`` with key/value rows), so ``headcount plan plan.xlsx`` reads the workbook as is.
Assumptions holds every scenario setting and every numeric site, vendor, market and queue
setting as a named cell (e.g. ``site_Dublin_cost_per_fte_month``); the cost formulas of the
plan sheets refer to the site and vendor names.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
from openpyxl.workbook.workbook import Workbook

from planning.inputs.scenario_toml import SCENARIO_KEYS
from planning.inputs.schema import SCENARIO_SHEET, TABLES
from planning.inputs.tables import Inputs
from planning.optimise.result import PlanResult
from planning.reports.style import (
    BOX,
    DATE,
    INPUT_FILL,
    LABEL_FONT,
    SECTION_FONT,
    TITLE_FONT,
    TableNames,
    column_format,
    define_name,
    excel_value,
    finish_sheet,
    header,
    put,
)

SITE_SETTINGS = ["cost_per_fte_month", "hire_cost", "attrition_month", "headcount",
                 "max_headcount", "max_starts_week", "lead_weeks"]
VENDOR_SETTINGS = ["price_per_fte_month", "min_fte", "max_fte", "aht_factor"]
MARKET_SETTINGS = ["min_inhouse_share"]
QUEUE_SETTINGS = ["aht_minutes", "tat_hours", "sla_target", "answer_seconds", "patience_seconds",
                  "max_abandon", "automation_rate"]
SECTION_TITLES = {"site": "Site settings", "vendor": "Vendor settings",
                  "market": "Market settings", "queue": "Queue settings"}


def write_assumptions(book: Workbook, inputs: Inputs, plan: PlanResult,
                      names: TableNames) -> dict[tuple[str, str, str], str]:
    """Fill the Assumptions sheet; returns {(kind, pool, setting): defined name}."""
    ws = book["Assumptions"]
    put(ws, 1, 1, "Assumptions").font = TITLE_FONT
    put(ws, 2, 1, "Yellow cells are named and drive every cost formula in this workbook: change "
                  "a rate and the costs follow (the same plan re-priced, not re-optimised; to "
                  "re-plan, edit the input sheets sites, vendors, scenario and run headcount plan).")
    refs: dict[tuple[str, str, str], str] = {}
    row = 4
    put(ws, row, 1, "Scenario settings").font = SECTION_FONT
    header(ws, row + 1, 1, ["key", "value", "name", "meaning"])
    values = {f"{s}.{k}": v for s, items in inputs.scenario.to_dict().items() for k, v in items.items()}
    r = row + 2
    for key, col in SCENARIO_KEYS.items():
        value = values.get(key)
        if col.kind == "date" and value is not None:
            value = pd.Timestamp(value).to_pydatetime()
        fmt = DATE if col.kind == "date" else column_format(key.split(".", 1)[1])
        put(ws, r, 1, key)
        cell = put(ws, r, 2, value, fmt)
        cell.fill, cell.border = INPUT_FILL, BOX
        name = names.make(key.replace(".", "_"))
        define_name(book, name, ws, f"B{r}")
        refs[("scenario", "", key)] = name
        put(ws, r, 3, name)
        put(ws, r, 4, col.note)
        r += 1
    put(ws, r, 1, "solver.shortfall_penalty as solved")
    put(ws, r, 2, plan.penalty, column_format("cost"))
    put(ws, r, 4, "cost of one uncovered FTE-week the optimiser used")
    r += 2
    for kind, table, settings in (("site", inputs.sites, SITE_SETTINGS),
                                  ("vendor", inputs.vendors, VENDOR_SETTINGS),
                                  ("market", inputs.markets, MARKET_SETTINGS),
                                  ("queue", inputs.queues, QUEUE_SETTINGS)):
        if table is None or table.empty:
            continue
        put(ws, r, 1, SECTION_TITLES[kind]).font = SECTION_FONT
        cols = [c for c in settings if c in table.columns]
        header(ws, r + 1, 1, [kind, *cols])
        r += 2
        for rec in table.itertuples(index=False):
            pool = getattr(rec, kind)
            put(ws, r, 1, pool).font = LABEL_FONT
            for j, c in enumerate(cols, start=2):
                cell = put(ws, r, j, getattr(rec, c), column_format(c))
                cell.fill, cell.border = INPUT_FILL, BOX
                name = names.make(kind, f"{pool}_{c}")
                define_name(book, name, ws, f"{cell.column_letter}{r}")
                refs[(kind, pool, c)] = name
            r += 1
        r += 1
    finish_sheet(ws, freeze=None, title_rows=None, max_width=18)  # long notes overflow
    ws.column_dimensions["A"].width = 36
    return refs


def write_input_sheets(book: Workbook, inputs: Inputs) -> list[str]:
    """One plain sheet per present input table plus ``scenario``; returns their names."""
    written = []
    for name in TABLES:
        frame = inputs.table(name)
        if frame is None or frame.empty:
            continue
        ws = book.create_sheet(name)
        header(ws, 1, 1, list(frame.columns))
        dates = [j for j, c in enumerate(frame.columns, start=1)
                 if pd.api.types.is_datetime64_any_dtype(frame[c])]
        for i, record in enumerate(frame.itertuples(index=False, name=None), start=2):
            values = [excel_value(v) for v in record]
            ws.append(values)  # fast path: this sheet is as long as the input table
            for j, value in enumerate(values, start=1):
                if isinstance(value, str) and value.startswith("="):
                    ws.cell(i, j).data_type = "s"  # user text, never a formula
            for j in dates:
                ws.cell(i, j).number_format = DATE
        ws.auto_filter.ref = ws.dimensions
        finish_sheet(ws, max_width=40)
        written.append(name)
    ws = book.create_sheet(SCENARIO_SHEET)
    header(ws, 1, 1, ["key", "value"])
    r = 2
    for section, items in inputs.scenario.to_dict().items():
        for key, value in items.items():
            if section == "plan" and key == "start":
                value = pd.Timestamp(value).to_pydatetime()
            put(ws, r, 1, f"{section}.{key}")
            put(ws, r, 2, value, DATE if isinstance(value, date) else None)
            r += 1
    finish_sheet(ws)
    written.append(SCENARIO_SHEET)
    return written
