"""The plan: :class:`PlanResult`, the one type a plan travels as, and its file ``plan.json``.

A plan solved now (:func:`planning.optimise.optimise`) and a plan read back (a ``plan.json``,
a saved scenario) are the same type: ``PlanResult.from_json(plan.to_json())`` writes the
same document again.

plan.json: the contract's keys status, objective, total_cost, shortfall_fte_weeks, sites,
vendors, allocation, shortfall, quarterly (with an extra ``cost`` per market and quarter: the
total cost attributed to markets, see :mod:`planning.optimise.costs`; ``(unallocated)`` rows
carry the cost of pools that worked for no market in a quarter, so the costs add up to
total_cost); extra keys gap, solve_seconds, message,
shortfall_penalty, budget, ask {sites, vendors, markets, hiring}, explanations {binding,
marginal_cost}. Weeks are ISO dates of the Monday, numbers JSON numbers (NaN and missing
values become null).

Options add keys only when they are on, so a plan without them is unchanged: overtime
(a site with overtime_max_share > 0): sites rows gain overtime_fte and overtime_cost, and
``overtime`` {fte_weeks, cost}; vendor surge (a vendor_surge row in the plan's weeks):
``vendor_surge`` rows and ``surge`` {fte_weeks, cost}; wellness limits (a queue with
max_exposure_share): ``exposure`` rows {pool, queue, week, fte, capacity_fte, share, max_share};
forecast overrides (a ``forecast_overrides`` input table): ``overrides`` {rows: the table's rows
with an ``override`` number, effects: {override, market, quarter, cases, required_fte, cost}}.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from planning.fileio import write_atomic
from planning.optimise.solve import PlanStatus

CONTRACT_COLUMNS = {
    "sites": ["site", "week", "headcount", "starts", "productive_fte", "cost"],
    "vendors": ["vendor", "quarter", "fte", "cost"],
    "allocation": ["pool", "market", "queue", "week", "fte"],
    "shortfall": ["market", "queue", "week", "fte"],
    "quarterly": ["quarter", "market", "required_fte", "inhouse_fte", "vendor_fte", "shortfall_fte"],
}
#: extra columns kept in plan.json after the contract's ones
EXTRA_COLUMNS = {"sites": ["allocated_fte", "overtime_fte", "overtime_cost"], "allocation": ["pool_type"],
                 "quarterly": ["cost"],
                 "shortfall": ["required_fte", "reason_code", "reason"]}
#: (attribute, key path in plan.json) of the tables outside the contract's
OTHER_TABLES = (("budget", ("budget",)), ("ask_sites", ("ask", "sites")),
                ("ask_vendors", ("ask", "vendors")), ("ask_markets", ("ask", "markets")),
                ("hiring", ("ask", "hiring")), ("binding", ("explanations", "binding")),
                ("marginal_cost", ("explanations", "marginal_cost")), ("surge", ("vendor_surge",)),
                ("exposure", ("exposure",)), ("overrides", ("overrides", "rows")),
                ("override_effects", ("overrides", "effects")))
#: columns of the wellness table (present, maybe without rows, when a queue has a limit)
EXPOSURE_COLUMNS = ["pool", "queue", "week", "fte", "capacity_fte", "share", "max_share"]
#: columns holding dates (Mondays); datetimes in a PlanResult, ISO dates in plan.json
DATE_COLUMNS = ("week", "requisitions_open_by", "requisition_week", "start", "end")
_NUMBERS = {c for cols in CONTRACT_COLUMNS.values() for c in cols} - {
    "site", "vendor", "pool", "market", "queue", "quarter", "week"}


def _empty() -> pd.DataFrame:
    return pd.DataFrame()


@dataclass(frozen=True)
class PlanResult:
    """An optimised plan.

    status: optimal, time_limit (best plan found) or error (no plan; see message).
    objective: the objective as solved (currency, shortfall and budget-overrun penalties
        included); total_cost: the plan's cost without penalties (currency);
    shortfall_fte_weeks: total uncovered requirement (FTE-weeks); gap: relative MIP gap;
    penalty: cost of one uncovered FTE-week (currency); build_seconds, solve_seconds: wall
    clock (only solve_seconds is kept in plan.json).
    Tables (long DataFrames, weeks as datetimes): sites, vendors, allocation, shortfall (with
    reason_code and reason), quarterly, budget, and the ask: ask_sites, ask_vendors,
    ask_markets, hiring; explanations: binding (limits, shadow prices and re-solved savings),
    marginal_cost (cost of one more required FTE per market and quarter).
    Options (empty when off): surge (vendor surge used per vendor_surge row), exposure (work
    on queues with max_exposure_share per pool and week); overrides (the forecast_overrides
    rows, numbered in ``override``) and override_effects (each override's effect per market
    and quarter: cases, required_fte, cost, see :func:`planning.pipeline.run_plan`); sites gains overtime_fte and
    overtime_cost when a site allows overtime. total_cost includes overtime and surge.
    A plan read from plan.json holds the columns plan.json keeps (see :meth:`table`).
    Planned to an SLA confidence (planning.risk.confidence): sla_confidence is the target
    probability and confidence the per market, queue and quarter levels and probabilities;
    plan.json then gains ``sla_confidence`` {target, cells} (None / empty otherwise, and no
    key).
    """

    status: PlanStatus
    objective: float | None = None
    total_cost: float | None = None
    shortfall_fte_weeks: float | None = None
    gap: float | None = None
    message: str = ""
    penalty: float | None = None
    build_seconds: float = 0.0
    solve_seconds: float = 0.0
    sites: pd.DataFrame = field(default_factory=_empty)
    vendors: pd.DataFrame = field(default_factory=_empty)
    allocation: pd.DataFrame = field(default_factory=_empty)
    shortfall: pd.DataFrame = field(default_factory=_empty)
    quarterly: pd.DataFrame = field(default_factory=_empty)
    budget: pd.DataFrame = field(default_factory=_empty)
    ask_sites: pd.DataFrame = field(default_factory=_empty)
    ask_vendors: pd.DataFrame = field(default_factory=_empty)
    ask_markets: pd.DataFrame = field(default_factory=_empty)
    hiring: pd.DataFrame = field(default_factory=_empty)
    binding: pd.DataFrame = field(default_factory=_empty)
    marginal_cost: pd.DataFrame = field(default_factory=_empty)
    surge: pd.DataFrame = field(default_factory=_empty)
    exposure: pd.DataFrame = field(default_factory=_empty)
    sla_confidence: float | None = None
    confidence: pd.DataFrame = field(default_factory=_empty)
    overrides: pd.DataFrame = field(default_factory=_empty)
    override_effects: pd.DataFrame = field(default_factory=_empty)

    @property
    def ok(self) -> bool:
        """True when there is a plan (optimal or best found at the time limit)."""
        return self.status != PlanStatus.ERROR

    @property
    def overtime_totals(self) -> dict[str, float | None] | None:
        """Overtime used over the plan: {fte_weeks, cost (currency)}; None when no site
        allows overtime."""
        if "overtime_fte" not in self.sites:
            return None
        return {"fte_weeks": _num(float(self.sites["overtime_fte"].sum())),
                "cost": _num(float(self.sites["overtime_cost"].sum()))}

    @property
    def surge_totals(self) -> dict[str, float | None] | None:
        """Vendor surge used over the plan: {fte_weeks, cost (currency)}; None without
        vendor_surge rows."""
        if not len(self.surge):
            return None
        return {"fte_weeks": _num(float(self.surge["fte"].sum())),
                "cost": _num(float(self.surge["cost"].sum()))}

    def table(self, key: str) -> pd.DataFrame:
        """One of sites, vendors, allocation, shortfall, quarterly as plan.json keeps it
        (its columns, contract ones first; weeks as datetimes), whether solved or read."""
        frame = getattr(self, key)
        cols = [c for c in CONTRACT_COLUMNS[key] + EXTRA_COLUMNS.get(key, []) if c in frame.columns]
        return frame[cols].reset_index(drop=True).copy()

    def to_json(self) -> dict[str, Any]:
        """The plan as the plan.json object (spec section 5 keys first)."""
        out: dict[str, Any] = {
            "status": self.status.value,
            "objective": _num(self.objective),
            "total_cost": _num(self.total_cost),
            "shortfall_fte_weeks": _num(self.shortfall_fte_weeks),
        }
        for key, cols in CONTRACT_COLUMNS.items():
            out[key] = records(getattr(self, key), cols + EXTRA_COLUMNS.get(key, []))
        out.update({
            "gap": _num(self.gap),
            "solve_seconds": round(self.solve_seconds, 3),
            "message": self.message,
            "shortfall_penalty": _num(self.penalty),
            "budget": records(self.budget),
            "ask": {
                "sites": records(self.ask_sites),
                "vendors": records(self.ask_vendors),
                "markets": records(self.ask_markets),
                "hiring": records(self.hiring),
            },
            "explanations": {
                "binding": records(self.binding),
                "marginal_cost": records(self.marginal_cost),
            },
        })
        if (overtime := self.overtime_totals) is not None:
            out["overtime"] = overtime
        if (surge := self.surge_totals) is not None:
            out["vendor_surge"] = records(self.surge)
            out["surge"] = surge
        if len(self.exposure.columns):
            out["exposure"] = records(self.exposure)
        if self.sla_confidence is not None:
            out["sla_confidence"] = {"target": _num(self.sla_confidence),
                                     "cells": records(self.confidence)}
        if len(self.overrides):
            out["overrides"] = {"rows": records(self.overrides),
                                "effects": records(self.override_effects)}
        return out

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> PlanResult:
        """A plan from its plan.json object (as :meth:`to_json` writes it; keys other than
        status may be missing). Raises ValueError when ``doc`` is not a plan."""
        if not isinstance(doc, dict) or "status" not in doc:
            raise ValueError("not a plan: expected a JSON object with a status")
        try:
            status = PlanStatus(doc["status"])
        except ValueError:
            raise ValueError(f"status {doc['status']!r}: expected one of "
                             + ", ".join(s.value for s in PlanStatus)) from None
        tables = {key: _frame(doc.get(key), cols) for key, cols in CONTRACT_COLUMNS.items()}
        for attr, path in OTHER_TABLES:
            rows: Any = doc
            for part in path:
                rows = (rows or {}).get(part) if isinstance(rows, dict) else None
            tables[attr] = _frame(rows)
        if "exposure" in doc and tables["exposure"].empty:
            tables["exposure"] = pd.DataFrame(columns=EXPOSURE_COLUMNS)
        conf = doc.get("sla_confidence")
        if isinstance(conf, dict):
            tables["confidence"] = _frame(conf.get("cells"))
        return cls(sla_confidence=conf.get("target") if isinstance(conf, dict) else None,
                   status=status, objective=doc.get("objective"), total_cost=doc.get("total_cost"),
                   shortfall_fte_weeks=doc.get("shortfall_fte_weeks"), gap=doc.get("gap"),
                   message=doc.get("message") or "", penalty=doc.get("shortfall_penalty"),
                   solve_seconds=float(doc.get("solve_seconds") or 0.0), **tables)


def _cell(x: Any) -> Any:
    if isinstance(x, pd.Timestamp):
        return None if pd.isna(x) else str(x.date())
    if x is None or x is pd.NaT:
        return None
    if isinstance(x, float | int) and not isinstance(x, bool):
        f = float(x)
        if math.isnan(f) or math.isinf(f):
            return None
        return int(x) if isinstance(x, int) else f
    if hasattr(x, "item"):  # numpy scalar
        return _cell(x.item())
    return x


def records(frame: pd.DataFrame, columns: list[str] | None = None) -> list[dict[str, Any]]:
    """A DataFrame as JSON-ready rows (dates as ISO strings, NaN as null)."""
    if frame is None or frame.empty:
        return []
    cols = [c for c in (columns or list(frame.columns)) if c in frame.columns]
    return [{c: _cell(v) for c, v in zip(cols, row, strict=True)}
            for row in frame[cols].itertuples(index=False, name=None)]


def _frame(rows: Any, empty_columns: list[str] | None = None) -> pd.DataFrame:
    """JSON rows as a frame: date columns as datetimes; a number column that holds whole
    numbers beside gaps or fractions keeps its values as they are (so they write back alike).
    No rows: an empty frame with ``empty_columns``."""
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype="datetime64[ns]" if c in DATE_COLUMNS else
                                          "float64" if c in _NUMBERS else object)
                             for c in empty_columns or []})
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise ValueError("a plan table must be a list of objects")
    frame = pd.DataFrame(rows)
    for c in frame.columns:
        if c in DATE_COLUMNS:
            frame[c] = pd.to_datetime(frame[c])
        elif frame[c].dtype == "float64" and any(type(r.get(c)) is int for r in rows):
            frame[c] = pd.Series([r.get(c) for r in rows], dtype=object)
    return frame


def _num(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)


def plan_json_text(result: PlanResult) -> str:
    """The text of plan.json (indented, NaN written as null, a final newline)."""
    return json.dumps(result.to_json(), indent=1, allow_nan=False) + "\n"


def write_plan_json(result: PlanResult, path: str | Path) -> Path:
    """Write plan.json atomically (creating its folder); returns the path written."""
    text = plan_json_text(result)
    return write_atomic(Path(path), lambda tmp: tmp.write_text(text))
