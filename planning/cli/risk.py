"""``headcount risk`` and ``headcount compliance``: SLA risk, frontier and the DSA table.

Both take a DATA folder/workbook (the pipeline is run to a plan first) or the name of a
saved scenario (``NAME[@VERSION]`` in the scenario store, whose saved plan is used).
Registered in :mod:`planning.cli.main`; bad input raises InputError (exit status 2).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from planning.cli.cache import add_cache_option, with_cache
from planning.cli.common import EXIT_FAILURE, EXIT_OK, print_warnings, staffed_forecast
from planning.cli.engine import add_engine_options, with_engine
from planning.cli.outputs import CSV_OR_FOLDER, FILE
from planning.cli.types import bounded, positive
from planning.errors import InputError, Issue
from planning.fileio import write_atomic, write_csv_atomic
from planning.inputs.loading import load_inputs
from planning.inputs.tables import Inputs
from planning.optimise import PlanResult
from planning.pipeline import forecast_table, plan_risk, run_plan
from planning.risk.compliance import by_language, compliance_table, notes, write_compliance_xlsx
from planning.risk.confidence import promise_check, sampling_error
from planning.risk.confidence_frontier import CONFIDENCE_TARGETS, confidence_frontier
from planning.risk.frontier import cost_risk_frontier, frontier_forecast
from planning.risk.simulate import RiskSettings, with_spare_capacity
from planning.store.store import ScenarioStore, StoreError, parse_ref


class NoPlanError(Exception):
    """The solver found no plan for DATA (reported with exit status 1, not as a crash)."""


@dataclass(frozen=True)
class PlanSource:
    """A plan to analyse: its inputs, the forecast behind it and the plan."""

    label: str
    inputs: Inputs
    forecast: pd.DataFrame | None
    plan: PlanResult


def load_plan_source(ref: str, db: str | None = None, *, need_forecast: bool = True,
                     time_limit_s: float | None = None) -> PlanSource:
    """DATA path -> run forecast and plan; otherwise a stored scenario NAME[@VERSION]."""

    if Path(ref).exists():

        inputs = load_inputs(ref, stage="plan")
        print_warnings(inputs)
        if need_forecast and inputs.requirements is not None:
            raise InputError([Issue("requirements", None, None, None, "SLA risk simulates daily "
                                    "volumes: plan from volumes or a forecast table, not from a "
                                    "requirements table")])
        forecast = staffed_forecast(inputs) if need_forecast else None
        run = run_plan(inputs, forecast=forecast, time_limit_s=time_limit_s)
        print_warnings(run)
        if not run.plan.ok:
            raise NoPlanError(run.plan.message)
        return PlanSource(ref, inputs, run.forecast, run.plan)

    try:
        name, version = parse_ref(ref)
        with ScenarioStore(db) as store:
            saved = store.load(name, version)
    except StoreError as exc:
        raise InputError([Issue("scenario", None, None, ref, f"neither an input folder/workbook "
                                f"nor a saved scenario: {exc}")]) from None
    forecast = saved.forecast
    if forecast is None and need_forecast:

        forecast = forecast_table(saved.inputs)
    return PlanSource(saved.label, saved.inputs, forecast, saved.plan)


def _settings(args: argparse.Namespace):

    return RiskSettings(paths=args.paths, seed=args.seed, correlation=args.correlation,
                        aht_cv=args.aht_cv)


def _no_plan_guard(cmd):
    """Turn NoPlanError into a one-line message and exit status 1."""

    def run(args: argparse.Namespace) -> int:

        try:
            return cmd(args)
        except NoPlanError as exc:
            print(f"headcount {args.command}: the solver found no plan: {exc}", file=sys.stderr)
            return EXIT_FAILURE

    return run


DEFAULT_RISK_OUT = "risk_out"


def risk_paths(args: argparse.Namespace) -> Path:
    """Where ``headcount risk`` writes, like ``headcount plan``: ``--out`` is a folder (default
    risk_out) that gets risk.csv, and frontier files given by a bare name go into it too;
    an ``--out`` ending in .csv is that file (its folder takes the bare names). Returns the
    risk table's path and sets args.frontier / args.quantile_frontier to full paths (so a
    second call changes nothing: it runs before the output check and in the command)."""
    out = Path(args.out)
    folder, table = (out.parent, out) if out.suffix.lower() == ".csv" else (out, out / "risk.csv")
    for name in ("frontier", "quantile_frontier"):
        given = getattr(args, name, None)
        if given and Path(given).parent == Path("."):
            setattr(args, name, str(folder / given))
    return table


def cmd_risk(args: argparse.Namespace) -> int:
    """Simulate the plan's SLA risk; write the per market/queue/quarter table as CSV."""

    settings = _settings(args)
    settings.check()
    src = load_plan_source(args.data, args.db, time_limit_s=args.time_limit)
    alloc = src.plan.allocation
    if args.spare_capacity:
        alloc = with_spare_capacity(alloc, src.plan.sites, src.plan.vendors, src.inputs)
    risk = plan_risk(src.inputs, src.forecast, alloc, settings)
    out = risk_paths(args)
    write_csv_atomic(risk.summary, out)
    for note in risk.notes:
        print(f"note: {note}", file=sys.stderr)
    took = "reused from the cache of an identical earlier run" if risk.reused \
        else f"{risk.seconds:.1f} s"
    print(f"SLA risk of {src.label}: {settings.paths} paths per series, "
          f"{took} (correlation {settings.correlation:g}, AHT CV {settings.aht_cv:g})")
    table = risk.markets.pivot(index="market", columns="quarter", values="p_all_queues_meet")
    print("probability that every queue of the market meets its SLA, per quarter:")
    print(table.to_string(float_format=lambda x: f"{x:.0%}"))
    for r in risk.overall.itertuples():
        print(f"{r.quarter}: cases-weighted probability of meeting the SLA {r.p_meet_weighted:.0%}")
    print(f"wrote {out}: {len(risk.summary)} rows (market, queue, quarter)")
    if src.plan.sla_confidence is not None and len(src.plan.confidence):
        _promise(risk, src.plan)
    if args.frontier:
        _confidence_frontier(args, src)
    if args.quantile_frontier:
        _frontier(args, src, settings)
    return EXIT_OK


def _promise(risk, plan) -> None:
    """The plan's SLA-confidence promise checked with this run's paths."""
    check = promise_check(risk.summary, plan.confidence, plan.sla_confidence)
    prom = check[check["promised"]]
    se = sampling_error(plan.sla_confidence, int(risk.settings.paths))
    line = plan.sla_confidence - 2 * se
    low = prom[prom["p_meet_sla"] < line]
    print(f"promise of the plan (sla_confidence {plan.sla_confidence:g}): {len(prom)} of "
          f"{len(check)} cell-quarters without shortfall; lowest probability here "
          f"{prom['p_meet_sla'].min():.1%}; {len(low)} below {line:.1%} (target - 2 standard "
          f"errors of {risk.settings.paths} paths; a cell exactly at the target reads that low "
          f"2.3% of the time, so about {0.023 * len(prom):.1f} of {len(prom)} by chance)")
    for r in low.itertuples(index=False):
        print(f"  {r.market}/{r.queue} {r.quarter}: {r.p_meet_sla:.1%} "
              f"(planned {r.p_planned:.1%})")


def _confidence_frontier(args: argparse.Namespace, src: PlanSource) -> None:
    if src.forecast is None:
        raise InputError([Issue("forecast", None, None, None, "the confidence frontier needs "
                                "the forecast behind the plan")])
    out = confidence_frontier(src.inputs, src.forecast, targets=args.targets,
                              time_limit_s=args.time_limit,
                              progress=lambda p: print(f"  planning to {p:.0%} confidence ...",
                                                       file=sys.stderr))
    for note in out.notes:
        print(f"note: {note}", file=sys.stderr)
    write_csv_atomic(out.points, args.frontier)
    print("confidence frontier (targeted plan | cheapest uniform-quantile plan with the same "
          "guarantee):")
    for r in out.points.itertuples():
        if pd.isna(r.total_cost):
            print(f"  {r.target:.0%}: no plan ({r.status})")
            continue
        uni = ("no uniform quantile gives it" if not r.uniform_same_guarantee else
               f"P{100 * r.uniform_quantile:.1f} costs {r.uniform_total_cost:,.0f}, saving "
               f"{r.saving:,.0f} ({r.saving_pct:.1f}%)")
        print(f"  {r.target:.0%}: cost {r.total_cost:,.0f}, headcount {r.headcount_end:,.0f}, "
              f"vendor FTE {r.vendor_fte:,.0f}, lowest promised probability "
              f"{r.p_min_promised:.1%} | {uni}")
    print(f"wrote {args.frontier} ({out.seconds:.0f} s)")


def _frontier(args: argparse.Namespace, src: PlanSource, settings) -> None:

    quantiles = args.quantiles
    forecast = frontier_forecast(src.inputs, quantiles, reuse=src.forecast)
    out = cost_risk_frontier(src.inputs, quantiles=quantiles, forecast=forecast,
                             settings=settings, time_limit_s=args.time_limit,
                             spare_capacity=args.spare_capacity,
                             progress=lambda q: print(f"  planning at P{round(q * 100)} ...",
                                                      file=sys.stderr))
    for note in out.notes:
        print(f"note: {note}", file=sys.stderr)
    write_csv_atomic(out.points, args.quantile_frontier)
    print("cost-vs-risk frontier (uniform quantiles):")
    for r in out.points.itertuples():
        print(f"  P{round(r.quantile * 100)}: cost {r.total_cost:,.0f}, probability of meeting "
              f"the SLA {r.p_meet_weighted:.0%}")
    print(f"wrote {args.quantile_frontier} ({out.seconds:.0f} s)")


def cmd_compliance(args: argparse.Namespace) -> int:
    """FTE per language and EU market per quarter; CSV (and optionally a workbook)."""

    src = load_plan_source(args.data, args.db, need_forecast=False, time_limit_s=args.time_limit)
    table = compliance_table(src.inputs, src.plan.allocation)
    write_csv_atomic(table, args.out)
    if args.xlsx:
        write_atomic(Path(args.xlsx), lambda tmp: write_compliance_xlsx(table, tmp))
    for line in notes(table):
        print(line)
    lang = by_language(table)
    print(lang.to_string(index=False, float_format=lambda x: f"{x:,.1f}"))
    print(f"wrote {args.out}" + (f" and {args.xlsx}" if args.xlsx else ""))
    return EXIT_OK


def _quantile_list(text: str) -> tuple[float, ...]:
    try:
        values = tuple(float(q) for q in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected numbers like 0.5,0.9") from None
    if not values or not all(0 < q < 1 for q in values):
        raise argparse.ArgumentTypeError(f"{text!r}: every quantile must be in (0, 1)")
    return values


def add_risk_parsers(sub: argparse._SubParsersAction) -> None:
    """Register ``headcount risk`` and ``headcount compliance``."""

    source = argparse.ArgumentParser(add_help=False)
    source.add_argument("data", metavar="DATA|SCENARIO",
                        help="input folder/workbook (planned first) or a saved scenario NAME[@VERSION]")
    source.add_argument("--db", help="scenario store for SCENARIO (default: $HEADCOUNT_DB or "
                                     "~/.headcount/scenarios.db)")
    source.add_argument("--time-limit", type=positive, default=None, metavar="S",
                        help="solver time limit in seconds when planning DATA")

    p = sub.add_parser("risk", parents=[source],
                       help="SLA risk of the plan: Monte Carlo over the forecast's uncertainty")
    p.add_argument("--out", default=DEFAULT_RISK_OUT, metavar="DIR",
                   help="folder to write risk.csv (per market, queue and quarter) and the "
                        f"frontier CSVs to (default {DEFAULT_RISK_OUT}); a name ending in .csv "
                        "is the risk table's file")
    d = RiskSettings()
    p.add_argument("--paths", type=int, default=d.paths,
                   help=f"volume paths per series (default {d.paths})")
    p.add_argument("--seed", type=int, default=d.seed, help=f"random seed (default {d.seed})")
    p.add_argument("--correlation", type=bounded(-1, 1, low_open=True, high_open=True), default=d.correlation,
                   help=f"day-to-day correlation of forecast errors, in (-1, 1) "
                        f"(default {d.correlation:g})")
    p.add_argument("--aht-cv", type=bounded(0), default=d.aht_cv,
                   help=f"coefficient of variation of AHT per week (default {d.aht_cv:g})")
    p.add_argument("--spare-capacity", action="store_true",
                   help="also count each pool's unallocated capacity, shared over the cells it "
                        "serves (default: the allocation only)")
    p.add_argument("--frontier", metavar="CSV",
                   help="also plan to each SLA confidence of --targets and write the confidence "
                        "frontier: cost, headcount, vendor FTE, and the cheapest uniform-quantile "
                        "plan with the same guarantee beside each point")
    p.add_argument("--targets", type=_quantile_list, default=CONFIDENCE_TARGETS,
                   help="SLA confidences of the frontier (default "
                        + ",".join(f"{t:g}" for t in CONFIDENCE_TARGETS) + ")")
    p.add_argument("--quantile-frontier", metavar="CSV",
                   help="also re-plan at the --quantiles and write the cost-vs-risk frontier of "
                        "uniform-quantile plans")
    p.add_argument("--quantiles", type=_quantile_list, default=(0.5, 0.7, 0.8, 0.9, 0.95),
                   help="quantiles of --quantile-frontier (default 0.5,0.7,0.8,0.9,0.95)")
    add_engine_options(p)
    add_cache_option(p)
    p.set_defaults(func=_no_plan_guard(with_cache(with_engine(cmd_risk))), prepare=risk_paths,
                   outputs={"out": CSV_OR_FOLDER, "frontier": FILE, "quantile_frontier": FILE})

    p = sub.add_parser("compliance", parents=[source],
                       help="moderation FTE per language and EU market per quarter (DSA reports)")
    p.add_argument("--out", default="compliance.csv", help="CSV to write (default compliance.csv)")
    p.add_argument("--xlsx", help="also write a workbook (by language, EU markets, detail, notes)")
    add_cache_option(p)
    p.set_defaults(func=_no_plan_guard(with_cache(cmd_compliance)),
                   outputs={"out": "file", "xlsx": "file"})
