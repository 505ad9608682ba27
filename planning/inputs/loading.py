"""Loading and validating a whole input set: ``load_inputs(path) -> Inputs``.

All problems are collected at once; if any is an error, :class:`InputError` carries them all
and nothing is returned. Warnings travel with the :class:`Inputs`.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from planning.errors import InputError, Issue
from planning.inputs.checks import CHECKS, duplicate_keys
from planning.inputs.parsing import default_series, parse_streamed, parse_table
from planning.inputs.readers import RawInputs, read_inputs
from planning.inputs.scenario_toml import parse_scenario
from planning.inputs.schema import ALWAYS_REQUIRED, TABLES
from planning.inputs.tables import Inputs
from planning.overrides import override_issues
from planning.periods import plan_days

#: Tables each stage reads; a table a stage does not use is not required.
STAGE_TABLES: dict[str, tuple[str, ...]] = {
    "forecast": ("volumes",),
    "requirements": ("volumes|forecast|requirements",),
    "plan": ("volumes|forecast|requirements", "sites"),
}


def load_inputs(path: str | Path, *, stage: str | None = None) -> Inputs:
    """Read, parse and check every table under ``path`` (a folder of CSVs or an .xlsx).

    stage: when given ("forecast", "requirements" or "plan"), the tables that stage needs
    must be present. Raises :class:`InputError` listing every error found.
    """
    raw = read_inputs(path)
    return inputs_from_raw(raw, source=str(path), stage=stage)


def inputs_from_raw(raw: RawInputs, *, source: str = "", stage: str | None = None) -> Inputs:
    """Parse and check raw tables (also used by the app's upload)."""
    issues: list[Issue] = list(raw.issues)
    if raw.issues and not raw.tables and not raw.streamed and raw.scenario is None:
        raise InputError(issues)  # the file itself was refused: nothing else to say
    scenario_source = "scenario" if source.lower().endswith(".xlsx") else "scenario.toml"
    scenario, problems = parse_scenario(raw.scenario, scenario_source) if not _scenario_unreadable(
        raw) else (None, [])
    issues += problems
    frames: dict[str, pd.DataFrame] = {}
    rows: dict[str, np.ndarray] = {}
    empty = [n for n, t in raw.tables.items() if t.frame.empty]
    issues += [Issue(n, None, None, None, "table has no rows: fill it from row 2 (row 3 in the template)")
               for n in empty if n in ALWAYS_REQUIRED]
    raw = RawInputs({n: t for n, t in raw.tables.items() if n not in empty}, raw.scenario,
                    raw.issues, raw.streamed)
    for name, table in raw.tables.items():
        frame, problems = parse_table(table, TABLES[name])
        issues += problems
        if any(p.row is None and p.severity == "error" for p in problems):
            continue  # a column is missing: later checks cannot read this table
        frames[name] = frame
        rows[name] = np.asarray(table.rows, dtype=int)
        issues += duplicate_keys(name, frame, rows[name])
    for name, path in raw.streamed.items():  # large files: parsed chunk by chunk
        frame, table_rows, problems = parse_streamed(name, path, TABLES[name])
        issues += problems
        if frame is None:
            continue
        if frame.empty and name in ALWAYS_REQUIRED:
            issues.append(Issue(name, None, None, None, "table has no rows: fill it from row 2"))
            continue
        frames[name], rows[name] = frame, table_rows
        issues += duplicate_keys(name, frame, rows[name])
    issues += _missing_tables(raw, stage, issues)
    for check in CHECKS:
        issues += check(frames, rows)
    if scenario is not None and "forecast" in frames:
        col = f"p{round(scenario.plan.quantile * 100):02d}"
        if col not in frames["forecast"].columns:
            issues.append(Issue("forecast", None, col, None,
                                f"column is missing: the scenario's plan.quantile = "
                                f"{scenario.plan.quantile} is staffed from it"))
    if scenario is not None and "forecast_overrides" in frames:
        issues += override_issues(frames["forecast_overrides"], rows["forecast_overrides"],
                                  plan_days(scenario.plan.start, scenario.plan.weeks),
                                  markets=_names(frames, "markets", "market"),
                                  queues=_names(frames, "queues", "queue"))
    if _has_errors(issues) or scenario is None or "markets" not in frames or "queues" not in frames:
        raise InputError(issues)
    return Inputs(
        scenario=scenario,
        markets=frames["markets"],
        queues=frames["queues"],
        market_queues=frames.get("market_queues", _empty("market_queues")),
        events=frames.get("events", _empty("events")),
        volumes=frames.get("volumes"),
        intraday=frames.get("intraday"),
        sites=frames.get("sites"),
        vendors=frames.get("vendors"),
        vendor_surge=frames.get("vendor_surge"),
        forecast=frames.get("forecast"),
        requirements=frames.get("requirements"),
        actual_queues=frames.get("actual_queues"),
        actual_sites=frames.get("actual_sites"),
        actual_vendors=frames.get("actual_vendors"),
        committed_starts=frames.get("committed_starts"),
        signed_vendor_fte=frames.get("signed_vendor_fte"),
        forecast_overrides=frames.get("forecast_overrides"),
        source=source,
        warnings=tuple(i for i in issues if i.severity == "warning"),
    )


def _scenario_unreadable(raw: RawInputs) -> bool:
    return raw.scenario is None and any(i.table.startswith("scenario") for i in raw.issues)


def _has_errors(issues: Iterable[Issue]) -> bool:
    return any(i.severity == "error" for i in issues)


def _missing_tables(raw: RawInputs, stage: str | None, known: list[Issue]) -> list[Issue]:
    needed = list(ALWAYS_REQUIRED) + list(STAGE_TABLES.get(stage or "", ()))
    issues = []
    for need in needed:
        options = need.split("|")
        if not any(o in raw.tables or o in raw.streamed for o in options):
            if any(i.table in options for i in known):
                continue  # already reported as unreadable or empty
            what = " or ".join(f"{o}.csv (sheet {o})" for o in options)
            issues.append(Issue(options[0], None, None, None,
                                f"table is missing: provide {what}"
                                + (f"; the {stage} stage needs it" if stage else "")))
    return issues


def _empty(name: str) -> pd.DataFrame:

    return pd.DataFrame({c.name: default_series(c, 0) for c in TABLES[name].columns})


def _names(frames: dict[str, pd.DataFrame], table: str, col: str) -> set[str] | None:
    return set(frames[table][col]) if table in frames else None
