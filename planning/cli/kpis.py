"""``headcount kpis DATA --out kpis.xlsx``: plan versus actual from the command line.

The actuals come from the actual_* tables of DATA. The plan they are read against is solved
from DATA (forecast, requirements, plan: as ``headcount plan`` would) unless ``--plan
plan.json`` and ``--requirements requirements.csv`` (from ``headcount plan`` / ``headcount
requirements``) are given. ``--replan DIR`` also writes the inputs of a re-plan from the
week after the last actuals (see planning/actuals/replan.py) as a folder ``headcount plan`` reads.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd

from planning.actuals.kpis import compute_kpis
from planning.actuals.replan import replan_from_plan
from planning.actuals.tables import has_actuals, ignored_weeks
from planning.actuals.variance import explain_sentence, largest_differences
from planning.cli.cache import add_cache_option, with_cache
from planning.cli.common import print_warnings, staffed_forecasts
from planning.errors import InputError, Issue
from planning.fileio import open_regular, read_regular, write_atomic
from planning.inputs.loading import load_inputs
from planning.inputs.readers import MAX_FILE_BYTES, MAX_FOLDER_CSV_BYTES
from planning.inputs.writers import write_inputs
from planning.optimise import PlanResult
from planning.optimise.result import CONTRACT_COLUMNS
from planning.pipeline import requirements_table, run_plan
from planning.reports.ask import currency_of
from planning.reports.kpi_sheet import kpi_workbook_bytes


def _read_requirements(path: str) -> pd.DataFrame:
    try:
        with open_regular(path, MAX_FOLDER_CSV_BYTES) as fh:
            req = pd.read_csv(fh)
    except (OSError, ValueError) as exc:
        raise InputError([Issue(Path(path).name, None, None, None, f"cannot be read ({exc})")]) from exc
    missing = [c for c in ("market", "queue", "week", "required_fte") if c not in req.columns]
    if missing:
        raise InputError([Issue(Path(path).name, None, ", ".join(missing), None,
                                "column is missing: write it with `headcount requirements`")])
    req["week"] = pd.to_datetime(req["week"], errors="coerce")
    if req["week"].isna().any():
        row = int(req.index[req["week"].isna()][0]) + 2
        raise InputError([Issue(Path(path).name, row, "week", None, "must be a date YYYY-MM-DD")])
    return req


def _read_plan(path: str) -> PlanResult:
    """A plan.json as ``headcount plan`` writes it; any other shape is refused in words."""
    name = Path(path).name
    try:
        doc = json.loads(read_regular(path, MAX_FILE_BYTES).decode("utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError([Issue(name, None, None, None,
                                f"is not a readable plan.json ({exc})")]) from exc
    problems = plan_shape_problems(doc)
    if problems:
        raise InputError([Issue(name, None, where, None, what) for where, what in problems])
    try:
        return PlanResult.from_json(doc)
    except (ValueError, TypeError) as exc:
        raise InputError([Issue(name, None, None, None,
                                f"is not a plan.json of `headcount plan` ({exc})")]) from exc


def plan_shape_problems(doc: object) -> list[tuple[str | None, str]]:
    """(where, what) for each way ``doc`` differs from a plan.json: not an object, a table
    that is not a list of objects or lacks a column of the contract, a number that is not."""
    if not isinstance(doc, dict):
        return [(None, f"must be a JSON object (a plan.json), not {type(doc).__name__}")]
    out: list[tuple[str | None, str]] = []
    if "status" not in doc:
        out.append(("status", "is missing: this is not a plan.json of `headcount plan`"))
    for key in ("total_cost", "shortfall_fte_weeks", "objective"):
        value = doc.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            out.append((key, f"must be a number, not {value!r:.40}"))
    for table, cols in CONTRACT_COLUMNS.items():
        rows = doc.get(table)
        if rows is None or rows == []:
            continue
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            out.append((table, "must be a list of objects (one per row)"))
            continue
        missing = [c for c in cols if any(c not in r for r in rows)]
        if missing:
            out.append((table, "rows lack " + ", ".join(missing)))
        numbers = [c for c in cols if c not in ("site", "vendor", "pool", "market", "queue",
                                                "quarter", "week")]
        bad = next(((c, r[c]) for r in rows for c in numbers if c in r and r[c] is not None
                    and (isinstance(r[c], bool) or not isinstance(r[c], int | float))), None)
        if bad:
            out.append((f"{table}.{bad[0]}", f"must be numbers, not {bad[1]!r:.40}"))
    return out


def cmd_kpis(args: argparse.Namespace) -> int:

    inputs = load_inputs(args.data, stage="plan" if args.plan is None else None)
    print_warnings(inputs)
    if not has_actuals(inputs):
        raise InputError([Issue("actual_queues", None, None, None,
                                "table is missing: the KPIs compare actual_queues, actual_sites "
                                "and actual_vendors with the plan; provide at least one")])
    skipped = ignored_weeks(inputs)
    if len(skipped):
        print(f"note: {len(skipped)} week(s) of actuals lie outside the plan and are ignored "
              f"(first {skipped[0].date()})", file=sys.stderr)
    forecast = None
    if args.requirements:
        req = _read_requirements(args.requirements)
    else:
        model, forecast = staffed_forecasts(inputs)
        req = requirements_table(inputs, forecast, model=model)
    if args.plan:
        plan = _read_plan(args.plan)
    else:
        run = run_plan(inputs, forecast=forecast, requirements=req)
        plan = run.plan
    report = compute_kpis(inputs, req, plan)
    data = kpi_workbook_bytes(report, currency_of(inputs))
    write_atomic(Path(args.out), lambda tmp: tmp.write_bytes(data))
    weeks = report.weeks
    print(f"wrote {args.out}: KPIs of {len(weeks)} week(s) "
          + (f"{weeks.min().date()} to {weeks.max().date()}" if len(weeks) else ""))
    if not report.variance_summary.empty:
        for _, row in largest_differences(report.variance_summary, 3).iterrows():
            print("  " + explain_sentence(row))
    if args.replan:

        rp, _ = replan_from_plan(inputs, plan, forecast=forecast)
        write_inputs(rp.inputs, args.replan)  # `headcount plan DIR` honours the commitments
        print(f"wrote {args.replan}: inputs of a re-plan from {rp.start.date()} "
              f"({rp.inputs.scenario.plan.weeks} weeks; {len(rp.changes)} input value(s) from actuals)")
    return 0


def add_kpis_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``headcount kpis``."""
    p = sub.add_parser("kpis", help="plan versus actual: KPIs, traffic lights and the variance "
                                    "split, as an Excel workbook")
    p.add_argument("data", help="folder of CSV files (+ scenario.toml) or an .xlsx workbook with "
                                "actual_queues / actual_sites / actual_vendors")
    p.add_argument("--out", default="kpis.xlsx", help="workbook to write (default kpis.xlsx)")
    p.add_argument("--plan", help="plan.json to compare with (default: solve the plan from DATA)")
    p.add_argument("--requirements", help="requirements.csv with drivers (from `headcount "
                                          "requirements`; default: computed from DATA)")
    p.add_argument("--replan", metavar="DIR", help="also write the inputs of a re-plan from the "
                                                   "week after the last actuals to this folder")
    add_cache_option(p)
    p.set_defaults(func=with_cache(cmd_kpis), outputs={"out": "file", "replan": "folder"})
