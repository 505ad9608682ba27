"""Checking the scenario settings (from ``scenario.toml`` or the workbook's ``scenario`` sheet)."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from planning.errors import Issue
from planning.inputs.parsing import parse_column
from planning.inputs.scenario import (
    SECTIONS,
    Levers,
    PlanSettings,
    Scenario,
    SolverSettings,
    WorkforceSettings,
)
from planning.inputs.schema import Column
from planning.units import MAX_MULTIPLIER

#: A solver time limit above a day is a typo (seconds for minutes): the plan would hang.
MAX_TIME_LIMIT_S = 86_400.0

#: Every scenario key with its type and bounds; the key is ``section.name``.
SCENARIO_KEYS: dict[str, Column] = {
    c.name: c
    for c in (
        Column("plan.start", "date", note="Monday of the first planned week"),
        Column("plan.weeks", "int", low=1, high=260, note="number of planned weeks"),
        Column("plan.quantile", "float", low=0, high=1, low_open=True, high_open=True,
               note="forecast quantile staffed to, e.g. 0.5 or 0.9"),
        Column("plan.sla_confidence", "float", low=0, high=1, low_open=True, high_open=True,
               note="plan for this probability of meeting every queue's quarterly SLA, e.g. "
                    "0.9; blank = staff to plan.quantile"),
        Column("plan.currency", "str",
               note="label of every money figure (no conversion), e.g. USD, EUR, IDR"),
        Column("workforce.hours_per_week", "float", low=0, high=168, low_open=True,
               note="contracted hours of one FTE per week"),
        Column("workforce.shrinkage", "float", low=0, high=1, high_open=True,
               note="share of contracted hours not available for work, 0-1"),
        Column("workforce.max_occupancy", "float", low=0, high=1, low_open=True,
               note="share of productive time on cases, deferrable queues, (0,1]"),
        Column("workforce.interval_minutes", "int", choices=None, low=1, high=60,
               note="realtime staffing interval in minutes; divides 60"),
        Column("levers.volume_multiplier", "float", low=0, high=MAX_MULTIPLIER,
               note="multiplies forecast cases"),
        Column("levers.aht_multiplier", "float", low=0, low_open=True, high=MAX_MULTIPLIER,
               note="multiplies handling times"),
        Column("levers.automation_delta", "float", low=-1, high=1,
               note="added to every automation_rate, clipped to 0-1"),
        Column("solver.integer_hires", "bool", note="whole-person starts (true) or fractional"),
        Column("solver.mip_gap", "float", low=0, high=1, note="relative MIP gap at which to stop"),
        Column("solver.time_limit_s", "float", low=0, low_open=True, high=MAX_TIME_LIMIT_S,
               note="solver time limit, seconds (at most a day)"),
        Column("solver.shortfall_penalty", "float", low=0, low_open=True, high=1e9,
               note="cost of one uncovered FTE-week; default 10 x the highest weekly FTE cost"),
        Column("solver.budget_per_quarter", "float", low=0, high=1e12,
               note="cap on total cost per calendar quarter; blank = none"),
        Column("solver.seed", "int", low=0, note="solver random seed"),
    )
}

#: what ``plan.currency`` may be: a code or symbol, e.g. ``USD``, ``EUR``, ``€``
CURRENCY = re.compile(r"[^\W\d_]{1,8}|[^\w\s]{1,3}")

_FIELD_TYPES = {"plan": PlanSettings, "workforce": WorkforceSettings, "levers": Levers,
                "solver": SolverSettings}


def parse_scenario(raw: dict[str, Any] | None, source: str = "scenario") -> tuple[
        Scenario | None, list[Issue]]:
    """Check a nested ``{section: {key: value}}`` mapping and build a :class:`Scenario`."""
    if raw is None:
        return None, [Issue(source, None, None, None,
                            "is missing: a scenario.toml (or a scenario sheet) with at least "
                            "[plan] start = a Monday, YYYY-MM-DD")]
    issues: list[Issue] = []
    values: dict[str, dict[str, Any]] = {s: {} for s in SECTIONS}
    for section, items in raw.items():
        if section not in SECTIONS or not isinstance(items, dict):
            issues.append(Issue(source, None, section, None,
                                "unknown section; expected " + ", ".join(f"[{s}]" for s in SECTIONS)))
            continue
        for key, value in items.items():
            name = f"{section}.{key}"
            col = SCENARIO_KEYS.get(name)
            if col is None:
                known = ", ".join(k.split(".", 1)[1] for k in SCENARIO_KEYS if k.startswith(section))
                issues.append(Issue(source, None, name, None, f"unknown key; [{section}] takes {known}"))
                continue
            parsed, problems = parse_column(source, col, pd.Series([_text(value)]),
                                            _no_rows())
            issues += [Issue(p.table, None, p.column, p.value, p.expected) for p in problems]
            if not problems:
                values[section][key] = _python(parsed.iloc[0], col)
    if "start" not in values["plan"]:
        if not any(i.column == "plan.start" for i in issues):
            issues.append(Issue(source, None, "plan.start", None,
                                "is required: the Monday of the first planned week, YYYY-MM-DD"))
        return None, issues
    start = values["plan"]["start"]
    if start.weekday() != 0:
        issues.append(Issue(source, None, "plan.start", start.isoformat(),
                            f"must be a Monday (it is a {start.strftime('%A')})"))
    currency = values["plan"].get("currency")
    if currency is not None and not CURRENCY.fullmatch(currency):
        issues.append(Issue(source, None, "plan.currency", currency,
                            "a currency code of 1 to 8 letters or symbols without spaces, "
                            "e.g. USD, EUR or IDR"))
    minutes = values["workforce"].get("interval_minutes")
    if minutes is not None and 60 % minutes != 0:
        issues.append(Issue(source, None, "workforce.interval_minutes", str(minutes),
                            "must divide 60 (5, 10, 15, 20, 30 or 60)"))
    if any(i.severity == "error" for i in issues):
        return None, issues
    sections = {s: _FIELD_TYPES[s](**values[s]) for s in SECTIONS}
    return Scenario(**sections), issues


def update_scenario(scenario: Scenario, changes: dict[str, dict[str, Any]],
                    source: str = "scenario") -> tuple[Scenario | None, list[Issue]]:
    """``scenario`` with ``{section: {key: value}}`` changed and checked like scenario.toml;
    a value of None removes the key (its default applies). (None, issues) when invalid."""
    raw = scenario.to_dict()
    for section, values in changes.items():
        for key, value in values.items():
            if value is None:
                raw.setdefault(section, {}).pop(key, None)
            else:
                raw.setdefault(section, {})[key] = value
    return parse_scenario(raw, source)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10]
    return str(value)


def _no_rows() -> np.ndarray:
    return np.array([0])


def _python(value: Any, col: Column) -> Any:
    if col.kind == "date":
        return pd.Timestamp(value).date()
    if col.kind == "int":
        return int(value)
    if col.kind == "float":
        return float(value)
    if col.kind == "bool":
        return bool(value)
    return value
