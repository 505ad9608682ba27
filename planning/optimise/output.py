"""plan.json: the contract's output object, plus the ask and the explanations.

Contract keys: status, objective, total_cost, shortfall_fte_weeks, sites, vendors,
allocation, shortfall, quarterly (with an extra ``cost`` per market and quarter: the total
cost attributed to markets, see :mod:`planning.optimise.costs`; ``(unallocated)`` rows carry
the cost of pools that worked for no market in a quarter, so the costs add up to total_cost). Extra keys: gap, solve_seconds, message,
shortfall_penalty, budget, ask {sites, vendors, markets, hiring}, explanations
{binding, marginal_cost}. Weeks are ISO dates of the Monday, numbers
JSON numbers (NaN and missing values become null).

Options add keys only when they are on, so a plan without them is unchanged: overtime
(a site with overtime_max_share > 0): sites rows gain overtime_fte and overtime_cost, and
``overtime`` {fte_weeks, cost}; vendor surge (a vendor_surge row in the plan's weeks):
``vendor_surge`` rows and ``surge`` {fte_weeks, cost}; wellness limits (a queue with
max_exposure_share): ``exposure`` rows {pool, queue, week, fte, capacity_fte, share, max_share}.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd

from planning.optimise.run import PlanResult

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


def _num(x: float | None) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


def plan_to_json(result: PlanResult) -> dict[str, Any]:
    """The plan as one JSON-ready object (spec section 5 keys first)."""
    out: dict[str, Any] = {
        "status": result.status.value,
        "objective": _num(result.objective),
        "total_cost": _num(result.total_cost),
        "shortfall_fte_weeks": _num(result.shortfall_fte_weeks),
    }
    for key, cols in CONTRACT_COLUMNS.items():
        out[key] = records(getattr(result, key), cols + EXTRA_COLUMNS.get(key, []))
    out.update({
        "gap": _num(result.gap),
        "solve_seconds": round(result.solve_seconds, 3),
        "message": result.message,
        "shortfall_penalty": _num(result.penalty),
        "budget": records(result.budget),
        "ask": {
            "sites": records(result.ask_sites),
            "vendors": records(result.ask_vendors),
            "markets": records(result.ask_markets),
            "hiring": records(result.hiring),
        },
        "explanations": {
            "binding": records(result.binding),
            "marginal_cost": records(result.marginal_cost),
        },
    })
    out.update(_options(result))
    return out


def _options(result: PlanResult) -> dict[str, Any]:
    """Keys of the options that are on (none when all are off)."""
    extra: dict[str, Any] = {}
    if "overtime_fte" in result.sites:
        extra["overtime"] = {"fte_weeks": _num(float(result.sites["overtime_fte"].sum())),
                             "cost": _num(float(result.sites["overtime_cost"].sum()))}
    if len(result.surge):
        extra["vendor_surge"] = records(result.surge)
        extra["surge"] = {"fte_weeks": _num(float(result.surge["fte"].sum())),
                          "cost": _num(float(result.surge["cost"].sum()))}
    if len(result.exposure.columns):
        extra["exposure"] = records(result.exposure)
    return extra


def write_plan_json(result: PlanResult, path: str | Path) -> Path:
    """Write plan.json (creating its folder); returns the path written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(plan_to_json(result), indent=1, allow_nan=False) + "\n")
    return path
