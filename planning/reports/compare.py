"""Comparing two plans: what each costs and staffs, by quarter, market and source, and which
inputs differ.

``compare_plans(a, b)`` takes two :class:`planning.store.store.StoredScenario` (or ``(label,
PlanResult, inputs)`` triples) and returns a :class:`Comparison` whose tables hold the A value,
the B value and ``delta = B - A`` side by side. Cost per quarter and per site or vendor includes
overtime and vendor surge (:mod:`planning.optimise.costs`), so the cost changes of the sites
and vendors add up to the change of the total cost (the scenario waterfall); headcount is the
in-house headcount in a quarter's last week; FTE figures by market are weekly averages (the
plan's ``quarterly`` table).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from io import StringIO
from typing import Any

import pandas as pd

from planning.inputs.schema import TABLES
from planning.inputs.tables import Inputs
from planning.inputs.writers import table_to_csv
from planning.optimise.result import PlanResult
from planning.overrides import describe
from planning.reports.frames import plan_pools, quarter_totals

MARKET_VALUES = ["required_fte", "inhouse_fte", "vendor_fte", "shortfall_fte"]
QUARTER_VALUES = ["cost", "inhouse_headcount", "vendor_fte", "required_fte", "shortfall_fte",
                  "shortfall_fte_weeks"]
DIFF_COLUMNS = ["table", "key", "column", "a", "b"]


@dataclass(frozen=True)
class Comparison:
    """Plan B against plan A; every value table has ``<x>_a``, ``<x>_b``, ``<x>_delta`` columns.

    totals: metric, a, b, delta (total_cost, shortfall_fte_weeks, objective).
    by_quarter: quarter and QUARTER_VALUES. by_market: quarter, market and MARKET_VALUES.
    by_pool: quarter, pool_type, pool, fte and cost (the quarterly ask per site and vendor).
    input_differences: table, key, column, a, b; one row per differing scenario key or
    table cell, ``(row)`` in column for a row only one side has.
    overrides: the forecast overrides added, removed or changed (:func:`override_changes`).
    """

    label_a: str
    label_b: str
    totals: pd.DataFrame
    by_quarter: pd.DataFrame
    by_market: pd.DataFrame
    by_pool: pd.DataFrame
    input_differences: pd.DataFrame
    overrides: pd.DataFrame = field(default_factory=pd.DataFrame)
    currency: str = "USD"

    def explain(self, limit: int = 8) -> list[str]:
        """The difference in a few sentences, biggest first."""
        return _explain(self, limit)


Side = Any  # StoredScenario | tuple[str, PlanResult, Inputs]


def _side(x: Side) -> tuple[str, PlanResult, Inputs]:
    if isinstance(x, tuple):
        label, plan, inputs = x
        return str(label), plan, inputs
    return x.label, x.plan, x.inputs


def compare_plans(a: Side, b: Side) -> Comparison:
    """Compare plan B with plan A (deltas are B - A)."""
    label_a, plan_a, inputs_a = _side(a)
    label_b, plan_b, inputs_b = _side(b)
    if label_a == label_b:
        label_a, label_b = f"A: {label_a}", f"B: {label_b}"
    pools_a, pools_b = plan_pools(plan_a, inputs_a.plan_weeks()), plan_pools(plan_b, inputs_b.plan_weeks())
    totals = pd.DataFrame([
        {"metric": m, "a": _num(getattr(plan_a, m)), "b": _num(getattr(plan_b, m))}
        for m in ("total_cost", "shortfall_fte_weeks", "objective")])
    totals["delta"] = totals["b"] - totals["a"]
    by_quarter = _side_by_side(quarter_totals(plan_a, pools_a), quarter_totals(plan_b, pools_b),
                               ["quarter"], QUARTER_VALUES)
    market_cols = ["quarter", "market", *MARKET_VALUES]
    by_market = _side_by_side(_frame(plan_a, "quarterly", market_cols),
                              _frame(plan_b, "quarterly", market_cols), ["quarter", "market"],
                              MARKET_VALUES)
    by_pool = _side_by_side(pools_a, pools_b, ["quarter", "pool_type", "pool"], ["fte", "cost"])
    return Comparison(label_a, label_b, totals, by_quarter, by_market, by_pool,
                      input_differences(inputs_a, inputs_b),
                      override_changes(plan_a, inputs_a, plan_b, inputs_b),
                      currency=inputs_b.scenario.plan.currency)


OVERRIDE_KEY = ["market", "queue", "start"]
OVERRIDE_CHANGE_COLUMNS = ["change", *OVERRIDE_KEY, "a", "b", "cost_a", "cost_b", "cost_effect"]


def override_changes(plan_a: PlanResult, inputs_a: Inputs, plan_b: PlanResult,
                     inputs_b: Inputs) -> pd.DataFrame:
    """Forecast overrides added, removed or changed from A to B (rows matched on market, queue
    and start), each in words (a, b) with its cost effect in each plan (cost_a, cost_b: the
    override's estimated cost in that plan, see planning.pipeline.with_override_effects) and
    ``cost_effect = cost_b - cost_a`` (an override absent from a side costs 0 there)."""
    rows = []
    ta, tb = _overrides(plan_a, inputs_a), _overrides(plan_b, inputs_b)
    for key in sorted(set(ta) | set(tb), key=lambda k: tuple(map(str, k))):
        a, b = ta.get(key), tb.get(key)
        if a is not None and b is not None and a[0] == b[0]:
            continue
        change = "added" if a is None else "removed" if b is None else "changed"
        cost_a = 0.0 if a is None else a[1]
        cost_b = 0.0 if b is None else b[1]
        rows.append({"change": change, "market": key[0], "queue": key[1], "start": key[2],
                     "a": "" if a is None else a[0], "b": "" if b is None else b[0],
                     "cost_a": cost_a, "cost_b": cost_b, "cost_effect": cost_b - cost_a})
    return pd.DataFrame(rows, columns=OVERRIDE_CHANGE_COLUMNS)


def _overrides(plan: PlanResult, inputs: Inputs) -> dict[tuple, tuple[str, float]]:
    """(market, queue, start) -> (the override in words, its estimated cost in the plan)."""
    table = inputs.forecast_overrides
    if table is None or table.empty:
        return {}
    effects = plan.override_effects
    cost = (effects.groupby("override")["cost"].sum() if len(effects) and "cost" in effects
            else pd.Series(dtype=float))
    out = {}
    for i, r in enumerate(table.reset_index(drop=True).itertuples(index=False)):
        words = describe(r) + (f", by {r.author}" if r.author else "")
        out[(r.market, r.queue or "", str(r.start.date()))] = (words, float(cost.get(i, float("nan"))))
    return out


def _num(x: float | None) -> float:
    return float("nan") if x is None else float(x)


def _frame(plan: PlanResult, key: str, cols: list[str]) -> pd.DataFrame:
    return plan.table(key).reindex(columns=cols)


def _side_by_side(a: pd.DataFrame, b: pd.DataFrame, keys: list[str], values: list[str]
                  ) -> pd.DataFrame:
    """Outer join on keys; a missing side counts as 0 (no cost, no staff, no shortfall)."""
    a = a.reindex(columns=keys + values)
    b = b.reindex(columns=keys + values)
    merged = a.merge(b, on=keys, how="outer", suffixes=("_a", "_b"))
    out = merged[keys].copy()
    for v in values:
        va = pd.to_numeric(merged[f"{v}_a"], errors="coerce").fillna(0.0)
        vb = pd.to_numeric(merged[f"{v}_b"], errors="coerce").fillna(0.0)
        out[f"{v}_a"], out[f"{v}_b"], out[f"{v}_delta"] = va, vb, vb - va
    return out.sort_values(keys, kind="stable").reset_index(drop=True)


def _text_table(frame: pd.DataFrame) -> pd.DataFrame:
    """A table as the text of its CSV cells (so 0.1 and 0.10 compare equal after parsing)."""

    return pd.read_csv(StringIO(table_to_csv(frame)), dtype=str, keep_default_na=False)


def input_differences(a: Inputs, b: Inputs) -> pd.DataFrame:
    """Scenario keys and table cells that differ between two input sets."""
    rows: list[dict[str, str]] = []
    sa = {f"{s}.{k}": v for s, items in a.scenario.to_dict().items() for k, v in items.items()}
    sb = {f"{s}.{k}": v for s, items in b.scenario.to_dict().items() for k, v in items.items()}
    for key in sorted(set(sa) | set(sb)):
        if sa.get(key) != sb.get(key):
            rows.append({"table": "scenario", "key": key, "column": "value",
                         "a": _show(sa.get(key)), "b": _show(sb.get(key))})
    for name, table in TABLES.items():
        fa, fb = a.table(name), b.table(name)
        fa = None if fa is None or fa.empty else fa
        fb = None if fb is None or fb.empty else fb
        if fa is None and fb is None:
            continue
        if fa is None or fb is None:
            rows.append({"table": name, "key": "(table)", "column": "(rows)",
                         "a": "absent" if fa is None else f"{len(fa)} rows",
                         "b": "absent" if fb is None else f"{len(fb)} rows"})
            continue
        rows += _table_differences(name, list(table.key), _text_table(fa), _text_table(fb))
    return pd.DataFrame(rows, columns=DIFF_COLUMNS)


def _table_differences(name: str, keys: list[str], ta: pd.DataFrame, tb: pd.DataFrame
                       ) -> list[dict[str, str]]:
    keys = [k for k in keys if k in ta.columns and k in tb.columns]
    values = [c for c in dict.fromkeys([*ta.columns, *tb.columns]) if c not in keys]
    ta, tb = ta.reindex(columns=keys + values, fill_value=""), tb.reindex(
        columns=keys + values, fill_value="")
    merged = ta.merge(tb, on=keys, how="outer", suffixes=("_a", "_b"), indicator=True)
    rows = []
    for rec in merged.to_dict("records"):
        key = ", ".join(f"{k}={rec[k]}" for k in keys)
        if rec["_merge"] != "both":
            side = "a" if rec["_merge"] == "left_only" else "b"
            cells = "; ".join(f"{v}={rec[f'{v}_{side}']}" for v in values if rec[f"{v}_{side}"] != "")
            rows.append({"table": name, "key": key, "column": "(row)",
                         "a": cells if side == "a" else "absent",
                         "b": cells if side == "b" else "absent"})
            continue
        for v in values:
            if rec[f"{v}_a"] != rec[f"{v}_b"]:
                rows.append({"table": name, "key": key, "column": v,
                             "a": rec[f"{v}_a"], "b": rec[f"{v}_b"]})
    return rows


def _show(value: Any) -> str:
    return "(unset)" if value is None else str(value)


def _money(x: float) -> str:
    return f"{x:+,.0f}"


#: scenario keys in words, with how their values read: (label, kind)
SETTING_WORDS: dict[str, tuple[str, str]] = {
    "plan.start": ("Plan start", "date"), "plan.weeks": ("Weeks planned", "number"),
    "plan.quantile": ("Forecast quantile staffed to", "quantile"),
    "plan.sla_confidence": ("SLA confidence planned to", "share"),
    "plan.currency": ("Currency", "text"),
    "workforce.hours_per_week": ("Hours per week", "number"),
    "workforce.shrinkage": ("Shrinkage", "share"),
    "workforce.max_occupancy": ("Maximum occupancy", "share"),
    "workforce.interval_minutes": ("Staffing interval (minutes)", "number"),
    "levers.volume_multiplier": ("Volume multiplier", "times"),
    "levers.aht_multiplier": ("Handling-time multiplier", "times"),
    "levers.automation_delta": ("Automation change", "points"),
    "solver.integer_hires": ("Whole-person hires", "yesno"),
    "solver.mip_gap": ("Solver gap", "gap"), "solver.time_limit_s": ("Solver time limit", "seconds"),
    "solver.shortfall_penalty": ("Penalty per uncovered FTE-week", "money"),
    "solver.budget_per_quarter": ("Budget per quarter", "money"),
    "solver.seed": ("Solver seed", "number"),
}


def _setting_value(value: Any, kind: str, currency: str) -> str:
    if value is None or str(value) in ("", "(unset)"):
        return "none"
    if kind in ("text", "date"):
        return str(value)
    if kind == "yesno":
        return "yes" if str(value).lower() in ("true", "1", "yes") else "no"
    x = float(value)
    return {"share": f"{x:.0%}" if abs(x * 100 - round(x * 100)) < 1e-9 else f"{x:.1%}",
            "quantile": f"P{x * 100:g}", "times": f"x{x:g}", "points": f"{x * 100:+g} points",
            "gap": f"{x:.2%}", "seconds": f"{x:g} s", "money": f"{x:,.0f} {currency}",
            "number": f"{x:,g}"}[kind]


def setting_change(key: str, a: Any, b: Any, currency: str = "USD") -> str:
    """A changed scenario setting in words: ``solver.budget_per_quarter, None, 17e6`` ->
    ``Budget per quarter: none -> 17,000,000 USD``."""
    label, kind = SETTING_WORDS.get(key, (key, "text"))
    return (f"{label}: {_setting_value(a, kind, currency)} -> "
            f"{_setting_value(b, kind, currency)}")


def _explain(c: Comparison, limit: int) -> list[str]:
    t = c.totals.set_index("metric")
    lines = [f"B = {c.label_b} against A = {c.label_a}."]
    ca, cb = t.loc["total_cost", "a"], t.loc["total_cost", "b"]
    pct = f" ({(cb - ca) / ca:+.1%})" if ca and pd.notna(ca) and pd.notna(cb) else ""
    lines.append(f"Total cost {ca:,.0f} -> {cb:,.0f} {c.currency}: {_money(cb - ca)} "
                 f"{c.currency}{pct}.")
    sa, sb = t.loc["shortfall_fte_weeks", "a"], t.loc["shortfall_fte_weeks", "b"]
    lines.append(f"Shortfall {sa:,.1f} -> {sb:,.1f} FTE-weeks ({sb - sa:+,.1f}).")
    for rec in c.by_quarter.to_dict("records"):
        parts = [f"cost {_money(rec['cost_delta'])} {c.currency}" if abs(rec["cost_delta"]) >= 0.5
                 else None,
                 f"in-house headcount {rec['inhouse_headcount_delta']:+.1f}"
                 if abs(rec["inhouse_headcount_delta"]) >= 0.05 else None,
                 f"vendor FTE {rec['vendor_fte_delta']:+.1f}" if abs(rec["vendor_fte_delta"]) >= 0.05
                 else None,
                 f"required FTE {rec['required_fte_delta']:+.1f}"
                 if abs(rec["required_fte_delta"]) >= 0.05 else None,
                 f"shortfall {rec['shortfall_fte_delta']:+.1f} FTE"
                 if abs(rec["shortfall_fte_delta"]) >= 0.05 else None]
        parts = [p for p in parts if p]
        if parts:
            lines.append(f"{rec['quarter']}: " + ", ".join(parts) + ".")
    diffs = c.input_differences
    if diffs.empty:
        lines.append("The inputs are the same: the difference comes from the solver alone.")
        return lines
    scen = diffs[diffs["table"] == "scenario"]
    if len(scen):
        lines.append("Settings differ: " + "; ".join(
            setting_change(r.key, r.a, r.b, c.currency) for r in scen.head(limit).itertuples())
            + ".")
    for r in c.overrides.itertuples(index=False):
        what = r.b if r.change == "added" else r.a if r.change == "removed" else f"{r.a} -> {r.b}"
        effect = "" if pd.isna(r.cost_effect) else f" (cost {_money(r.cost_effect)} {c.currency})"
        lines.append(f"Forecast override {r.change}: {what}{effect}.")
    others = diffs[~diffs["table"].isin(["scenario", "forecast_overrides"])]
    for name, part in others.groupby("table", sort=False):
        shown = "; ".join(f"{r.key}: {r.column} {r.a} -> {r.b}" for r in part.head(3).itertuples())
        more = f" and {len(part) - 3} more" if len(part) > 3 else ""
        lines.append(f"{name}: {len(part)} difference(s): {shown}{more}.")
    return lines
