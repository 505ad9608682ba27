"""The ``headcount`` command line: the same pipeline as the app, headless.

Bad input ends with exit status 2 and one line per problem on stderr; no output file is
written then. Outputs are written atomically (to a temporary file, then renamed).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from planning.validation import InputError

EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT = 0, 1, 2


def write_csv_atomic(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write a CSV (dates as YYYY-MM-DD) so a reader never sees a half-written file."""
    path = Path(path)
    return write_atomic(path, lambda tmp: frame.to_csv(tmp, index=False, date_format="%Y-%m-%d"))


def write_atomic(path: Path, write: Callable[[Path], object]) -> Path:
    """Run ``write(tmp)`` on a temporary file beside ``path``, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=path.suffix)
    os.close(fd)
    try:
        write(Path(tmp))
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; outputs are ordinary files
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def print_warnings(inputs: object) -> None:
    for issue in getattr(inputs, "warnings", ()):
        print(issue.message(), file=sys.stderr)


def cmd_validate(args: argparse.Namespace) -> int:
    from planning.loading import load_inputs

    inputs = load_inputs(args.data, stage=args.stage)
    print_warnings(inputs)
    from planning.schema import TABLES

    tables = [n for n in TABLES if inputs.table(n) is not None and len(inputs.table(n))]
    print(f"{args.data}: valid ({', '.join(tables)}; plan from {inputs.scenario.plan.start}, "
          f"{inputs.scenario.plan.weeks} weeks)")
    return EXIT_OK


def cmd_requirements(args: argparse.Namespace) -> int:
    from planning.loading import load_inputs
    from planning.pipeline import requirements_table

    inputs = load_inputs(args.data, stage="requirements")
    print_warnings(inputs)
    req = requirements_table(inputs)
    write_csv_atomic(req, args.out)
    total = req.groupby("week")["required_fte"].sum()
    print(f"wrote {args.out}: {len(req)} rows, {req[['market', 'queue']].drop_duplicates().shape[0]} "
          f"market/queue series; required FTE per week {total.min():,.1f} to {total.max():,.1f}")
    return EXIT_OK


def cmd_forecast(args: argparse.Namespace) -> int:
    from planning.forecast_stage import forecast_stage
    from planning.loading import load_inputs
    from planning.pipeline import plan_quantiles

    inputs = load_inputs(args.data, stage="forecast")
    print_warnings(inputs)
    result = forecast_stage(inputs, quantiles=plan_quantiles(inputs))
    for issue in result.warnings:
        print(issue.message(), file=sys.stderr)
    write_csv_atomic(result.forecast, args.out)
    chosen = result.backtest[result.backtest["chosen"]]
    cov = next((c for c in chosen.columns if c.startswith("coverage_")), None)
    print(f"wrote {args.out}: {len(result.forecast)} rows, {len(chosen)} market/queue series; "
          f"backtest median WAPE {chosen['wape'].median():.1%}"
          + (f", {cov} {chosen[cov].mean():.0%}" if cov else ""))
    if args.report:
        write_csv_atomic(result.backtest, args.report)
        print(f"wrote {args.report}: backtest accuracy per market, queue and model")
    return EXIT_OK


def cmd_template(args: argparse.Namespace) -> int:
    from planning.template import write_template

    out = Path(args.out)
    write_atomic(out, write_template)
    print(f"wrote {out}: empty input workbook (one sheet per table, units in row 2)")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="headcount",
        description="Headcount planning for content-moderation operations: "
                    "volumes -> forecast -> requirements -> optimised plan.")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("validate", help="check an input folder or workbook and list every problem")
    p.add_argument("data", help="folder of CSV files (+ scenario.toml) or an .xlsx workbook")
    p.add_argument("--stage", choices=["forecast", "requirements", "plan"],
                   help="also require the tables this stage needs")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("forecast", help="daily P10/P50/P90 cases per market and queue, backtested")
    p.add_argument("data", help="folder of CSV files (+ scenario.toml) or an .xlsx workbook")
    p.add_argument("--out", default="forecast.csv", help="CSV to write (default forecast.csv)")
    p.add_argument("--report", help="also write the backtest accuracy (WAPE, MASE, bias, "
                                    "coverage per model) to this CSV")
    p.set_defaults(func=cmd_forecast)

    p = sub.add_parser("requirements", help="required FTE per market, queue and week")
    p.add_argument("data", help="folder of CSV files (+ scenario.toml) or an .xlsx workbook")
    p.add_argument("--out", default="requirements.csv", help="CSV to write (default requirements.csv)")
    p.set_defaults(func=cmd_requirements)

    p = sub.add_parser("template", help="write an empty input workbook")
    p.add_argument("out", help="the .xlsx file to write")
    p.set_defaults(func=cmd_template)

    from planning.optimise.command import add_plan_parser

    add_plan_parser(sub)  # headcount plan DATA [--out DIR] [--time-limit S] [--mip-gap G]

    from planning.risk_cli import add_risk_parsers

    add_risk_parsers(sub)  # headcount risk|compliance DATA|SCENARIO

    from planning.store_cli import add_scenario_parser

    add_scenario_parser(sub)  # headcount scenario save|list|show|diff|status|export

    from planning.kpis_cli import add_kpis_parser

    add_kpis_parser(sub)  # headcount kpis DATA [--out kpis.xlsx] [--plan P] [--requirements R]
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``headcount`` console script; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except InputError as exc:
        errors = exc.errors or exc.issues
        print(f"headcount {args.command}: {len(errors)} problem(s) in the inputs; nothing was written.",
              file=sys.stderr)
        for issue in exc.issues:
            print("  " + issue.message(), file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        if args.debug:
            raise
        print(f"headcount {args.command}: internal error: {type(exc).__name__}: {exc}\n"
              "  (run again with --debug for details, and report it with the input that caused it)",
              file=sys.stderr)
        return EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())
