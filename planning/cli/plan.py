"""``headcount plan DATA``: run the pipeline to an optimised plan; write plan.json and plan.xlsx.

Registered in :mod:`planning.cli.main`; bad input raises InputError, which the CLI reports with
exit status 2.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

import pandas as pd

from planning.cli.cache import add_cache_option, with_cache
from planning.cli.common import EXIT_FAILURE, EXIT_OK, print_warnings
from planning.cli.engine import add_engine_options, with_engine
from planning.cli.outputs import staged_folder
from planning.cli.types import gap, positive
from planning.errors import InputError, Issue
from planning.fileio import record_outputs, write_csv_atomic
from planning.inputs.loading import load_inputs
from planning.inputs.tables import Inputs
from planning.optimise import PlanResult, PlanStatus, write_plan_json
from planning.pipeline import forecast_result, forecast_table, plan_risk, run_plan
from planning.reports import formats as f
from planning.reports.ask import plan_ask
from planning.reports.ask_text import sla_sentence, sla_table
from planning.reports.workbook import write_workbook
from planning.risk.confidence_frontier import confidence_frontier
from planning.risk.simulate import RiskSettings
from planning.store.settings import apply_settings

DEFAULT_OUT = "plan_out"
#: --explain choices -> optimise(explain=...)
EXPLAIN = {"duals": True, "full": "full", "off": False}


class Progress:
    """Progress lines on stderr for the slow steps, with the seconds since the start."""

    def __init__(self) -> None:
        self.t0 = time.monotonic()

    def __call__(self, message: str) -> None:
        print(f"[{time.monotonic() - self.t0:6.1f} s] {message}", file=sys.stderr, flush=True)


def _money(x: float | None, currency: str) -> str:
    return f.money(x, currency)


def headline(result: PlanResult, inputs: Inputs, *, today: dt.date | None = None,
             risk_markets: pd.DataFrame | None = None, seconds: float | None = None,
             reused: bool = False) -> str:
    """What a moderation head reads first: solve status and time, cost per quarter with the
    currency, the ask in sentences and per site and vendor, the SLA confidence.

    reused: the plan was read from the disk cache (an identical earlier run), so its model
    and solver seconds are that run's."""
    if result.status == PlanStatus.ERROR:
        return f"status: error - {result.message}"
    cur = inputs.scenario.plan.currency
    took = f", solved in {seconds:.1f} s" if seconds is not None and not reused else ""
    solver = f"model {result.build_seconds:.1f} s, solver {result.solve_seconds:.1f} s"
    lines = [f"Plan {result.status.value}"
             + (f" (gap to the optimum {result.gap:.2%})" if result.gap else "") + took
             + (f", reused from the cache of an identical earlier run ({solver} then)"
                if reused else f" ({solver})")
             + (f" - {result.message}" if result.message else "") + "."]
    ask = plan_ask(result, inputs, today=today, risk_markets=risk_markets)
    lines += ask.sentences
    if len(result.shortfall):
        top = result.shortfall.groupby(["market", "queue"])["fte"].sum().sort_values(ascending=False)
        lines.append("  most uncovered (FTE-weeks): "
                     + ", ".join(f"{m}/{q} {v:,.1f}" for (m, q), v in top.head(3).items()))
    for what, totals in (("overtime", result.overtime_totals), ("vendor surge", result.surge_totals)):
        if totals is not None:  # included in the costs above; said here on their own
            lines.append(f"  {what}: {totals['fte_weeks'] or 0:,.1f} FTE-weeks, cost "
                         f"{_money(totals['cost'], cur)} (included in the costs)")
    if len(result.budget) and (result.budget["overrun"] > 0).any():
        over = result.budget[result.budget["overrun"] > 0]
        lines.append("  budget overrun: " + ", ".join(
            f"{r.quarter} {_money(r.overrun, cur)}" for r in over.itertuples()))
    if result.sla_confidence is not None and len(result.confidence):
        c = result.confidence
        prom = c[c["promised"].astype(bool)]
        low = f"{prom['p_meet_sla'].min():.1%}" if len(prom) else "-"
        lines.append(f"SLA confidence {result.sla_confidence:.0%} planned: {len(prom)} of "
                     f"{len(c)} market-queue-quarters without shortfall meet their SLA with "
                     f"simulated probability >= {low}; the rest are short (reasons in plan.json)")
    lines.append("The ask per site and vendor:")
    for r in ask.sites.itertuples():
        req = (f", requisitions open by {f.day(r.requisitions_open_by)}"
               + (f" ({r.requisition_status})" if r.requisition_status else "")) if r.hires else ""
        lines.append(f"  {r.quarter} {r.site}: hire {r.hires:,}{req}; end headcount "
                     f"{f.people(r.end_headcount)}; cost {_money(r.cost, cur)}")
    for r in ask.vendors.itertuples():
        lines.append(f"  {r.quarter} {r.vendor} (vendor): {f.fte(r.fte)}, "
                     f"{_money(r.cost, cur)}")
    conf = sla_table(ask)
    if len(conf):
        lines.append(sla_sentence(ask, inputs.scenario.plan.sla_confidence) or "")
        lines.append("SLA confidence per market and quarter (the probability that every queue "
                     "of the market meets its quarterly SLA):")
        lines += ["  " + line for line in conf.to_string().splitlines()]
    return "\n".join(lines)


def cmd_plan(args: argparse.Namespace) -> int:
    """Forecast, requirements and the optimised plan; write OUT/plan.json, the finance
    workbook OUT/plan.xlsx, the forecast and requirements behind them and the plan's SLA
    risk as CSV (every file, or none of them)."""
    step = Progress()
    inputs = load_inputs(args.data, stage="plan")
    inputs = apply_settings(inputs, args.set)
    print_warnings(inputs)
    model = forecast = None
    if inputs.requirements is None:
        n = 0 if inputs.volumes is None else inputs.volumes.groupby(["market", "queue"]).ngroups
        step(f"forecasting {n} series ..." if inputs.forecast is None else "reading the forecast ...")
        made = forecast_result(inputs)
        print_warnings(made)
        model = made.forecast
        forecast = forecast_table(inputs, model)
    conf = inputs.scenario.plan.sla_confidence
    step("optimising the plan ..." if conf is None else
         f"planning to {conf:.0%} SLA confidence (calibrated by simulation) ...")
    started = time.monotonic()
    run = run_plan(inputs, forecast=forecast, model=model, time_limit_s=args.time_limit,
                   mip_gap=args.mip_gap, explain=EXPLAIN[args.explain], verbose=args.verbose)
    solved = time.monotonic() - started
    print_warnings(run)
    result = run.plan
    out = Path(args.out)
    risk = None
    if result.ok and run.forecast is not None and not args.no_sla:
        step(f"simulating SLA risk ({RiskSettings().paths:,} volume paths per market and "
             "queue) ...")
        risk = plan_risk(inputs, run.forecast, result.allocation, RiskSettings())
    markets = None if risk is None else risk.markets
    print(headline(result, inputs, risk_markets=markets, seconds=solved, reused=run.reused))
    if result.status == PlanStatus.ERROR:  # refused or no plan found: nothing is written
        print(f"headcount plan: no plan: {result.message}; nothing was written", file=sys.stderr)
        return EXIT_FAILURE
    if run.forecast is not None and args.no_sla:
        print("SLA confidence: not simulated (--no-sla); `headcount risk` gives it.")
    frontier = None
    if args.frontier:
        if run.forecast is None:
            raise InputError([Issue("forecast", None, None, None, "--frontier plans against the "
                                    "forecast's uncertainty: these inputs bring a requirements "
                                    "table instead")])
        front = confidence_frontier(inputs, run.forecast, time_limit_s=args.time_limit,
                                    mip_gap=args.mip_gap,
                                    progress=lambda p: step(f"planning to {p:.0%} confidence ..."))
        frontier = front.points
    with staged_folder(out) as stage:  # every file, or none of them
        names = [write_plan_json(result, stage / "plan.json").name,
                 write_csv_atomic(run.requirements, stage / "requirements.csv").name]
        if run.forecast is not None:
            names.append(write_csv_atomic(run.forecast, stage / "forecast.csv").name)
        if risk is not None:
            names.append(write_csv_atomic(risk.summary, stage / "risk.csv").name)
        if frontier is not None:
            names.append(write_csv_atomic(frontier, stage / "frontier.csv").name)
        if not args.no_excel:
            step("writing the workbook ...")
            names.append(write_workbook(stage / "plan.xlsx", inputs, result,
                                        requirements=run.requirements, forecast=run.forecast,
                                        frontier=frontier, risk_markets=markets,
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
    p.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE",
                   help="change a scenario setting for this plan, e.g. --set "
                        "workforce.shrinkage=0.35 (repeatable; KEY= alone restores the default)")
    p.add_argument("--no-excel", action="store_true", help="skip the finance workbook plan.xlsx")
    p.add_argument("--no-sla", action="store_true",
                   help="skip simulating the plan's SLA confidence (OUT/risk.csv; about 10-20 s "
                        "on the sample)")
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
