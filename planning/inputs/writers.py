"""Writing inputs back out in the contract's own format (CSV text, scenario.toml).

Used to store a scenario's full inputs, to write an input folder, and to re-validate tables a
user edited in the app: ``inputs_from_texts(inputs_to_texts(x))`` gives back ``x``.
"""

from __future__ import annotations

import dataclasses
import json
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planning.inputs.loading import inputs_from_raw
from planning.inputs.readers import STREAM_CSV_BYTES, RawInputs, read_csv, read_scenario_toml
from planning.inputs.scenario import Scenario
from planning.inputs.schema import TABLES
from planning.inputs.tables import Inputs


def table_to_csv(frame: pd.DataFrame) -> str:
    """A normalised table as contract CSV text: ISO dates, true/false, ``;`` lists, blanks for NaN."""
    out = pd.DataFrame(index=frame.index)
    for col in frame.columns:
        out[col] = _cells(frame[col])
    return out.to_csv(index=False, lineterminator="\n")


def _cells(series: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(series):
        return series.dt.strftime("%Y-%m-%d").fillna("")
    if pd.api.types.is_bool_dtype(series):
        return series.map({True: "true", False: "false"})
    if pd.api.types.is_float_dtype(series):
        return series.map(lambda x: "" if pd.isna(x) else repr(float(x)))
    return series.map(_cell)


def _cell(value: Any) -> str:
    if isinstance(value, tuple | list):
        return ";".join(_cell(v) for v in value)
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def scenario_to_toml(scenario: Scenario) -> str:
    """The scenario as ``scenario.toml`` text (unset optional keys omitted)."""
    lines: list[str] = []
    for section, values in scenario.to_dict().items():
        lines.append(f"[{section}]")
        for key, value in values.items():
            lines.append(f"{key} = {_toml_value(value)}")
        lines.append("")
    return "\n".join(lines)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return json.dumps(str(value))


def inputs_to_texts(inputs: Inputs) -> dict[str, str]:
    """Every present table as CSV text keyed ``<table>.csv``, plus ``scenario.toml``."""
    texts = {f"{name}.csv": table_to_csv(frame) for name in TABLES
             if (frame := inputs.table(name)) is not None and not frame.empty}
    texts["scenario.toml"] = scenario_to_toml(inputs.scenario)
    return texts


def editable_table(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """A table as a grid editor shows it: lists as ``a;b`` text, numbers as floats, flags as
    booleans, other cells as text (blank when empty); :func:`replace_table` takes it back."""
    kinds = {c.name: c.kind for c in TABLES[name].columns}
    out = pd.DataFrame(index=frame.index)
    for col in frame.columns:
        kind = kinds.get(col, "str")
        if kind in ("float", "int"):
            out[col] = pd.to_numeric(frame[col], errors="coerce").astype(float)
        elif kind == "bool":
            out[col] = frame[col].astype(bool)
        else:
            out[col] = _cells(frame[col])
    return out.reset_index(drop=True)


def replace_table(inputs: Inputs, name: str, frame: pd.DataFrame) -> Inputs:
    """The inputs with table ``name`` replaced by ``frame`` (e.g. an edited
    :func:`editable_table`), every table validated again together; raises InputError."""
    kinds = {c.name: c.kind for c in TABLES[name].columns}
    cells = frame.copy()
    for col in cells.columns:  # whole numbers as typed (5, not 5.0), so messages quote them so
        if kinds.get(col) in ("int", "float"):
            cells[col] = [None if pd.isna(v) else int(v) if float(v).is_integer() else float(v)
                          for v in pd.to_numeric(cells[col], errors="coerce")]
    texts = inputs_to_texts(inputs)
    texts[f"{name}.csv"] = table_to_csv(cells)
    return dataclasses.replace(inputs_from_texts(texts, source=inputs.source), source=inputs.source)


def inputs_from_texts(texts: Mapping[str, str | bytes], *, source: str = "", stage: str | None = None
                      ) -> Inputs:
    """Parse and validate ``<table>.csv`` texts and ``scenario.toml`` (raises InputError)."""

    tables, issues, scenario, streamed = {}, [], None, {}
    with tempfile.TemporaryDirectory(prefix="headcount-texts-") as tmp:
        for file, text in texts.items():
            data = text.encode("utf-8") if isinstance(text, str) else text
            name = Path(file).stem.lower()
            if file.lower().endswith(".toml"):
                scenario, problems = read_scenario_toml(data)
                issues += problems
            elif name in TABLES and len(data) > STREAM_CSV_BYTES:  # a long history: parsed
                streamed[name] = Path(tmp) / f"{name}.csv"          # in chunks from a file
                streamed[name].write_bytes(data)
            elif name in TABLES:
                table, problems = read_csv(name, data)
                issues += problems
                if table is not None:
                    tables[name] = table
        return inputs_from_raw(RawInputs(tables, scenario, tuple(issues), streamed),
                               source=source, stage=stage)


def write_inputs(inputs: Inputs, folder: str | Path) -> Path:
    """Write the inputs as a folder of CSV files plus ``scenario.toml``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for file, text in inputs_to_texts(inputs).items():
        (folder / file).write_text(text, encoding="utf-8")
    return folder


def inputs_zip(inputs: Inputs, extra: Mapping[str, str | bytes] | None = None) -> bytes:
    """The inputs as a .zip of contract CSVs and ``scenario.toml`` (loadable as a folder once
    unzipped), plus ``extra`` files such as ``plan.json``."""
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, text in {**inputs_to_texts(inputs), **(extra or {})}.items():
            zf.writestr(name, text)
    return buffer.getvalue()

