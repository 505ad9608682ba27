"""``headcount scenario ...``: save, list, show, diff, status and export saved scenarios.

Wired into :func:`planning.cli.main.build_parser`. A request the store cannot honour (unknown
name, disallowed status move) ends with exit status 2 and one line on stderr, like bad input.
The store is ``--db`` when given, else ``HEADCOUNT_DB``, else ``~/.headcount/scenarios.db``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any

import pandas as pd
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from planning.cli.cache import add_cache_option, with_cache
from planning.cli.common import print_warnings
from planning.cli.engine import add_engine_options, with_engine
from planning.inputs.loading import load_inputs
from planning.pipeline import run_plan
from planning.reports.compare import compare_plans
from planning.reports.frames import plan_pools, quarter_totals
from planning.reports.workbook import write_workbook
from planning.store.access import Actor
from planning.store.schema import SchemaTooNewError
from planning.store.settings import apply_settings
from planning.store.store import ScenarioStore, StoreError, database_url, parse_ref

EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT = 0, 1, 2
AUTHOR_HELP = ("who acts (default: the operating-system user); recorded as the author and "
               "checked against the roles file ($HEADCOUNT_ROLES) under its [local] policy")


def _guard(cmd: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Turn store errors into exit 2 with a message (no traceback)."""

    @wraps(cmd)
    def run(args: argparse.Namespace) -> int:
        try:
            return cmd(args)
        except (StoreError, SchemaTooNewError) as exc:
            print(f"headcount scenario {args.scenario_command}: {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
        except SQLAlchemyError as exc:
            if getattr(args, "debug", False):
                raise
            print(f"headcount scenario {args.scenario_command}: the scenario store at "
                  f"{_safe_url(args.db)} cannot be used: {type(exc).__name__}: "
                  f"{str(getattr(exc, 'orig', exc)).splitlines()[0]}", file=sys.stderr)
            return EXIT_FAILURE

    return run


def _safe_url(url: str | None) -> str:
    try:
        return make_url(database_url(url)).render_as_string(hide_password=True)
    except (ArgumentError, ValueError, OSError):  # not a URL, or a path that cannot be made
        return "(unreadable URL)"


def _store(args: argparse.Namespace) -> Any:

    return ScenarioStore(args.db)


def _actor(store: ScenarioStore, args: argparse.Namespace, action: str, what: str = "") -> Actor:
    """Who runs this command (``--author`` or the OS user under the roles file's local
    policy), checked for ``action`` before any work is done."""
    who = store.actor(None, getattr(args, "author", None))
    who.require(action, what)
    return who


def cmd_scenario_save(args: argparse.Namespace) -> int:

    with _store(args) as store:  # refuse a role that may not save before planning a minute
        _actor(store, args, "save", f"scenario {args.name}")
    inputs = load_inputs(args.data, stage="plan")
    print_warnings(inputs)
    if args.set:
        inputs = apply_settings(inputs, args.set)
    run = run_plan(inputs, time_limit_s=args.time_limit, mip_gap=args.mip_gap)
    print_warnings(run)
    plan = run.plan
    if not plan.ok:
        print(f"headcount scenario save: the solver found no plan ({plan.message}); "
              "nothing was saved", file=sys.stderr)
        return EXIT_FAILURE
    solver = {k: v for k, v in (("time_limit_s", args.time_limit), ("mip_gap", args.mip_gap))
              if v is not None}
    with _store(args) as store:
        meta = store.save(args.name, inputs, plan, actor=store.actor(None, args.author),
                          comment=args.comment,
                          requirements=run.requirements, forecast=run.forecast, solver=solver)
    print(f"saved {meta.label} ({meta.status}) by {meta.author}: {plan.status.value} plan, total cost "
          f"{plan.total_cost:,.0f}, shortfall {plan.shortfall_fte_weeks:,.1f} FTE-weeks")
    return EXIT_OK


def cmd_scenario_list(args: argparse.Namespace) -> int:
    with _store(args) as store:
        frame = store.list()
    if frame.empty:
        print("no saved scenarios (save one with: headcount scenario save DATA --name NAME)")
        return EXIT_OK
    shown = frame.assign(created_at=frame["created_at"].dt.strftime("%Y-%m-%d %H:%M"))
    cols = ["name", "version", "created_at", "author", "status", "total_cost", "shortfall_fte_weeks"]
    print(shown[cols].to_string(index=False, float_format=lambda x: f"{x:,.1f}"))
    return EXIT_OK


def cmd_scenario_show(args: argparse.Namespace) -> int:

    name, version = parse_ref(args.ref)
    with _store(args) as store:
        s = store.load(name, version)
        history = store.history(name)
        trail = store.audit(name)
    m, plan = s.meta, s.plan
    print(f"{m.label}: {m.status}, saved {m.created_at:%Y-%m-%d %H:%M} UTC by {m.author}")
    if m.comment:
        print(f"  comment: {m.comment}")
    sc = s.inputs.scenario
    print(f"  plan from {sc.plan.start} for {sc.plan.weeks} weeks at quantile {sc.plan.quantile}; "
          f"solver {plan.status.value}, total cost {plan.total_cost or 0:,.0f}, shortfall "
          f"{plan.shortfall_fte_weeks or 0:,.1f} FTE-weeks")
    print("  solver settings: " + ", ".join(f"{k}={v}" for k, v in s.settings.get("solver", {}).items()))
    print("  packages: " + ", ".join(f"{k} {v}" for k, v in s.settings.get("packages", {}).items()))
    pools = plan_pools(plan, s.inputs.plan_weeks())
    if len(pools):
        print("\nQuarterly ask per site and vendor:")
        print(pools.to_string(index=False, na_rep="", float_format=lambda x: f"{x:,.1f}"))
        print("\nPer quarter:")
        print(quarter_totals(plan, pools).to_string(index=False, float_format=lambda x: f"{x:,.1f}"))
    print("\nHistory:")
    shown = history[history["version"] == m.version].assign(at=lambda f: f["at"].dt.strftime(
        "%Y-%m-%d %H:%M"))
    print(shown.fillna("").to_string(index=False))
    print(f"\nAudit trail of {m.name} (every version; who did what, when):")
    print(audit_text(trail))
    return EXIT_OK


def audit_text(trail: pd.DataFrame) -> str:
    """The audit trail as a plain table: when (UTC), who, role, via, action, version,
    outcome and the comment or reason."""
    if trail.empty:
        return "  (nothing recorded)"
    shown = trail.assign(at=trail["at"].dt.strftime("%Y-%m-%d %H:%M:%S"),
                         role=trail["role"].fillna("(before roles)"),
                         version=trail["version"].astype("string").fillna(""))
    cols = ["at", "actor", "role", "via", "action", "version", "outcome", "detail"]
    return shown[cols].fillna("").to_string(index=False)


def cmd_scenario_diff(args: argparse.Namespace) -> int:

    with _store(args) as store:
        a = store.load(*parse_ref(args.a))
        b = store.load(*parse_ref(args.b))
        if args.out:  # the workbook of B is an export
            store.record_export(b.meta.name, b.meta.version, actor=store.actor(None, args.author),
                                what=f"comparison workbook {args.out}")
    comparison = compare_plans(a, b)
    print("\n".join(comparison.explain()))
    with pd.option_context("display.width", 160, "display.max_columns", 30):
        print("\nBy quarter (delta = B - A):")
        cols = ["quarter", *[c for c in comparison.by_quarter.columns if c.endswith("_delta")]]
        print(comparison.by_quarter[cols].to_string(index=False, float_format=lambda x: f"{x:,.1f}"))
    if args.out:

        write_workbook(args.out, b.inputs, b.plan, requirements=b.requirements, forecast=b.forecast,
                       meta=b.meta, comparison=comparison)
        print(f"\nwrote {args.out}: the workbook of {b.label} with a Comparison sheet")
    return EXIT_OK


def cmd_scenario_status(args: argparse.Namespace) -> int:

    name, version = parse_ref(args.ref)
    with _store(args) as store:
        before = store.meta(name, version).status
        meta = store.set_status(name, args.status, comment=args.comment,
                                actor=store.actor(None, args.author), version=version)
    print(f"{meta.label}: {before} -> {meta.status}")
    return EXIT_OK


def cmd_scenario_export(args: argparse.Namespace) -> int:

    with _store(args) as store:
        s = store.load(*parse_ref(args.ref))
        store.record_export(s.meta.name, s.meta.version, actor=store.actor(None, args.author),
                            what=f"workbook {args.out}")
    write_workbook(args.out, s.inputs, s.plan, requirements=s.requirements, forecast=s.forecast,
                   history=args.history,
                   meta=s.meta)
    print(f"wrote {args.out}: {s.label} ({s.meta.status})")
    return EXIT_OK


def add_scenario_parser(sub: Any) -> None:
    """The ``scenario`` command group."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", help="scenario store: SQLite file or SQLAlchemy URL "
                                     "(default: $HEADCOUNT_DB or ~/.headcount/scenarios.db)")
    group = sub.add_parser("scenario", help="save, list, compare, approve and export scenarios")
    ssub = group.add_subparsers(dest="scenario_command", required=True, metavar="ACTION")

    p = ssub.add_parser("save", parents=[common], help="plan DATA and save it as a new version")
    p.add_argument("data", help="folder of CSV files (+ scenario.toml) or an .xlsx workbook")
    p.add_argument("--name", required=True, help="scenario name; an existing name gets a new version")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="change a scenario setting, e.g. levers.volume_multiplier=1.1 (repeatable)")
    p.add_argument("--comment", help="note kept with this version")
    p.add_argument("--author", help=AUTHOR_HELP)
    p.add_argument("--time-limit", type=float, help="solver time limit in seconds")
    p.add_argument("--mip-gap", type=float, help="relative MIP gap")
    add_engine_options(p)
    add_cache_option(p)
    p.set_defaults(func=_guard(with_cache(with_engine(cmd_scenario_save))))

    p = ssub.add_parser("list", parents=[common], help="every saved version")
    p.set_defaults(func=_guard(cmd_scenario_list))

    p = ssub.add_parser("show", parents=[common], help="one version: settings, ask, history")
    p.add_argument("ref", metavar="NAME[@VERSION]")
    p.set_defaults(func=_guard(cmd_scenario_show))

    p = ssub.add_parser("diff", parents=[common], help="compare B with A (delta = B - A)")
    p.add_argument("a", metavar="A", help="NAME[@VERSION]")
    p.add_argument("b", metavar="B", help="NAME[@VERSION]")
    p.add_argument("--out", help="also write B's workbook with a Comparison sheet (.xlsx)")
    p.add_argument("--author", help=AUTHOR_HELP)
    p.set_defaults(func=_guard(cmd_scenario_diff), outputs={"out": "file"})

    p = ssub.add_parser("status", parents=[common], help="submit, approve or reject a version")
    p.add_argument("ref", metavar="NAME[@VERSION]")
    p.add_argument("status", choices=["submitted", "approved", "rejected"])
    p.add_argument("--comment", required=True, help="why (kept in the history)")
    p.add_argument("--author", help=AUTHOR_HELP)
    p.set_defaults(func=_guard(cmd_scenario_status))

    p = ssub.add_parser("export", parents=[common], help="the finance workbook of a version")
    p.add_argument("ref", metavar="NAME[@VERSION]")
    p.add_argument("--out", required=True, help="the .xlsx file to write")
    p.add_argument("--author", help=AUTHOR_HELP)
    p.add_argument("--history", action="store_true",
                   help="also write the volumes history (by default the workbook carries the "
                        "saved forecast instead)")
    p.set_defaults(func=_guard(cmd_scenario_export), outputs={"out": "file"})
