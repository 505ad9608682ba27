"""The empty input workbook: every table a sheet with its header and a notes row of units."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from planning.inputs.scenario import SECTIONS
from planning.inputs.scenario_toml import SCENARIO_KEYS
from planning.inputs.schema import SCENARIO_SHEET, TABLES

_HEADER = Font(bold=True)
_NOTE = Font(italic=True, color="666666")
_FILL = PatternFill("solid", fgColor="EEEEEE")


def write_template(path: str | Path) -> Path:
    """Write the empty input workbook to ``path`` (.xlsx) and return the path.

    Row 1 of each sheet is the header (exact column names), row 2 explains units and starts
    with ``#`` so the loader skips it; data goes from row 3.
    """
    path = Path(path)
    book = Workbook()
    about = book.active
    about.title = "about"
    about.append(["headcount-planner input workbook"])
    about["A1"].font = Font(bold=True, size=14)
    about.append(["One sheet per table; fill rows from row 3. Row 2 of each sheet (starting with #) "
                  "explains units and is ignored. Optional tables may be deleted."])
    about.append([])
    about.append(["table", "required", "what it holds"])
    for cell in about[4]:
        cell.font = _HEADER
    for table in TABLES.values():
        needed = "yes" if table.name in ("markets", "queues") else "by stage"
        about.append([table.name, needed, table.description])
    about.append([SCENARIO_SHEET, "yes", "plan settings and what-if levers (key, value)"])
    about.column_dimensions["A"].width = 16
    about.column_dimensions["C"].width = 90
    for table in TABLES.values():
        sheet = book.create_sheet(table.name)
        sheet.append(table.names)
        sheet.append([("# " if i == 0 else "") + (c.note + ("" if c.required else " (optional)"))
                      for i, c in enumerate(table.columns)])
        for cell in sheet[1]:
            cell.font = _HEADER
            cell.fill = _FILL
        for cell in sheet[2]:
            cell.font = _NOTE
        for i, col in enumerate(table.columns):
            sheet.column_dimensions[cell_letter(i)].width = max(14, min(40, len(col.note) // 2))
        sheet.freeze_panes = "A3"
    sheet = book.create_sheet(SCENARIO_SHEET)
    sheet.append(["key", "value", "notes"])
    sheet.append(["# dotted key", "", "value blank = the default shown in notes"])
    for section, cls in SECTIONS.items():
        defaults = {f.name: f.default for f in dataclasses.fields(cls)}
        for key, col in SCENARIO_KEYS.items():
            if not key.startswith(section + "."):
                continue
            default = defaults.get(key.split(".", 1)[1], dataclasses.MISSING)
            shown = "" if default in (dataclasses.MISSING, None) else default
            sheet.append([key, "", f"{col.note}; default {shown if shown != '' else 'none'}"])
    for cell in sheet[1]:
        cell.font = _HEADER
        cell.fill = _FILL
    sheet.column_dimensions["A"].width = 30
    sheet.column_dimensions["C"].width = 80
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def cell_letter(index: int) -> str:
    """Excel column letter of a 0-based column index."""
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)
