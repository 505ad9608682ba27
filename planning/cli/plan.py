"""``headcount plan DATA``: run the pipeline to an optimised plan; write plan.json and plan.xlsx.

Registered in :mod:`planning.cli.main`; bad input raises InputError, which the CLI reports with
exit status 2.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from planning.cli.cache import add_cache_option, with_cache
from planning.cli.common import EXIT_FAILURE, EXIT_OK, print_warnings
from planning.cli.engine import add_engine_options, with_engine
from planning.cli.outputs import staged_folder
from planning.cli.types import gap, positive
from planning.errors import InputError, Issue
from planning.fileio import record_outputs, write_csv_atomic
from planning.inputs.loading import load_inputs
from planning.optimise import PlanResult, PlanStatus, write_plan_json
from planning.pipeline import run_plan
from planning.reports.workbook import write_workbook
from planning.risk.confidence_frontier import confidence_frontier

DEFAULT_OUT = "plan_out"
#: --explain choices -> optimise(explain=...)
EXPLAIN = {"duals": True, "full": "full", "off": False}


def _money(x: float | None) -> str:
    return "-" if x is None else f"{x:,.0f}"


def headline(result: PlanResult) -> str:
    """A few lines a moderation head reads first: status, cost, shortfall, the ask."""
    if result.status == PlanStatus.ERROR:
        return f"status: error - {result.message}"
    lines = [f"status: {result.status.value}"
             + (f" (gap {100 * result.gap:.3f}%)" if result.gap else "")
             + (f" - {result.message}" if result.message else ""),
             f"total cost: {_money(result.total_cost)}; shortfall: "
             f"{result.shortfall_fte_weeks:,.1f} FTE-weeks"]
    if len(result.shortfall):
        top = result.shortfall.groupby(["market", "queue"])["fte"].sum().sort_values(ascending=False)
        worst = ", ".join(f"{m}/{q} {v:,.1f}" for (m, q), v in top.head(3).items())
        lines.append(f"  most uncovered (FTE-weeks): {worst}")
    if result.sla_confidence is not None and len(result.confidence):
        c = result.confidence
        prom = c[c["promised"].astype(bool)]
        low = f"{prom['p_meet_sla'].min():.1%}" if len(prom) else "-"
        lines.append(f"SLA confidence {result.sla_confidence:.0%}: {len(prom)} of {len(c)} "
                     f"market-queue-quarters without shortfall meet their SLA with simulated "
                     f"probability >= {low}; the rest are short (reasons in plan.json)")
    if len(result.budget) and (result.budget["overrun"] > 0).any():
        over = result.budget[result.budget["overrun"] > 0]
        lines.append("  budget overrun: " + ", ".join(
            f"{r.quarter} {_money(r.overrun)}" for r in over.itertuples()))
    for label, totals in (("overtime", result.overtime_totals),
                          ("vendor surge", result.surge_totals)):
        if totals is not None:
            lines.append(f"  {label}: {totals['fte_weeks'] or 0:,.1f} FTE-weeks, "
                         f"cost {_money(totals['cost'])}")
    lines.append("quarterly ask:")
    for r in result.ask_sites.itertuples():
        req = "" if r.starts == 0 or r.requisitions_open_by is None or str(r.requisitions_open_by) == "NaT" \
            else f", requisitions open by {r.requisitions_open_by.date()}"
        lines.append(f"  {r.quarter} site {r.site}: end headcount {r.end_headcount:,.1f}, "
                     f"{r.starts:,.0f} starts{req}")
    for r in result.ask_vendors.itertuples():
        lines.append(f"  {r.quarter} vendor {r.vendor}: {r.fte:,.1f} FTE contracted")
    return "\n".join(lines)


def cmd_plan(args: argparse.Namespace) -> int:
    """Forecast, requirements and the optimised plan; write OUT/plan.json, the finance
    workbook OUT/plan.xlsx and the forecast and requirements behind them as CSV."""

    inputs = load_inputs(args.data, stage="plan")
    print_warnings(inputs)
    run = run_plan(inputs, time_limit_s=args.time_limit, mip_gap=args.mip_gap,
                   explain=EXPLAIN[args.explain], verbose=args.verbose)
    print_warnings(run)
    result = run.plan
    out = Path(args.out)
    print(headline(result))
    if result.status == PlanStatus.ERROR:  # refused or no plan found: nothing is written
        print(f"headcount plan: no plan: {result.message}; nothing was written", file=sys.stderr)
        return EXIT_FAILURE
    frontier = None
    if args.frontier:
        if run.forecast is None:
            raise InputError([Issue("forecast", None, None, None, "--frontier plans against the "
                                    "forecast's uncertainty: these inputs bring a requirements "
                                    "table instead")])
        front = confidence_frontier(inputs, run.forecast, time_limit_s=args.time_limit,
                                    mip_gap=args.mip_gap,
                                    progress=lambda p: print(f"  planning to {p:.0%} confidence ...",
                                                             file=sys.stderr))
        frontier = front.points
    with staged_folder(out) as stage:  # every file, or none of them
        names = [write_plan_json(result, stage / "plan.json").name,
                 write_csv_atomic(run.requirements, stage / "requirements.csv").name]
        if run.forecast is not None:
            names.append(write_csv_atomic(run.forecast, stage / "forecast.csv").name)
        if frontier is not None:
            names.append(write_csv_atomic(frontier, stage / "frontier.csv").name)
        if not args.no_excel:
            names.append(write_workbook(stage / "plan.xlsx", inputs, result,
                                        requirements=run.requirements, forecast=run.forecast,
                                        frontier=frontier,
                                        history=args.workbook_history).name)
    written = [out / n for n in names]
    record_outputs(out, "plan", [p for p in written if p.suffix == ".csv"])
    print("wrote " + ", ".join(str(p) for p in written))
    return EXIT_OK


def add_plan_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``headcount plan``."""
    p = sub.add_parser("plan", help="optimised staffing plan and quarterly headcount ask (plan.json)")
    p.add_argument("data", help="folder of CSV files (+ scenario.toml) or an .xlsx workbook")
    p.add_argument("--out", default=DEFAULT_OUT, help=f"folder to write plan.json, plan.xlsx and the CSVs to (default {DEFAULT_OUT})")
    p.add_argument("--time-limit", type=positive, default=None, metavar="S",
                   help="solver time limit in seconds (default: scenario solver.time_limit_s, 60)")
    p.add_argument("--mip-gap", type=gap, default=None, metavar="G",
                   help="relative MIP gap (default: scenario solver.mip_gap, 1e-4)")
    p.add_argument("--no-excel", action="store_true", help="skip the finance workbook plan.xlsx")
    p.add_argument("--frontier", action="store_true",
                   help="also plan to 50%% ... 99%% SLA confidence, each beside the cheapest "
                        "uniform-quantile plan with the same guarantee: OUT/frontier.csv and a "
                        "Confidence frontier sheet in plan.xlsx (several minutes)")
    p.add_argument("--workbook-history", action="store_true",
                   help="also write the volumes history into plan.xlsx (by default the workbook "
                        "carries the forecast it was planned from instead)")
    add_engine_options(p)
    p.add_argument("--explain", choices=list(EXPLAIN), default="duals",
                   help="shadow prices and marginal costs: from the LP duals, re-solving a capped "
                        "number of degenerate cases (duals, the default); re-solving every one "
                        "of those (full); or none (off)")
    p.add_argument("--verbose", action="store_true", help="show the solver's log (HiGHS) on stdout")
    add_cache_option(p)
    p.set_defaults(func=with_cache(with_engine(cmd_plan)), outputs={"out": "folder"})
