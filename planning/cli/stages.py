"""``headcount validate | forecast | requirements | template``: the input and stage commands."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from planning.cli.cache import add_cache_option, with_cache
from planning.cli.common import EXIT_OK, print_warnings, staffed_forecast
from planning.cli.engine import add_engine_options, with_engine
from planning.fileio import record_outputs, write_atomic, write_csv_atomic
from planning.forecast_stage import forecast_stage
from planning.inputs.loading import load_inputs
from planning.inputs.schema import TABLES
from planning.inputs.template import write_template
from planning.overrides import apply_overrides, describe
from planning.pipeline import plan_quantiles, requirements_table
from planning.reports.accuracy import accuracy_table, format_accuracy


def cmd_validate(args: argparse.Namespace) -> int:
    inputs = load_inputs(args.data, stage=args.stage)
    print_warnings(inputs)

    tables = [n for n in TABLES if inputs.table(n) is not None and len(inputs.table(n))]
    print(f"{args.data}: valid ({', '.join(tables)}; plan from {inputs.scenario.plan.start}, "
          f"{inputs.scenario.plan.weeks} weeks)")
    return EXIT_OK


def cmd_requirements(args: argparse.Namespace) -> int:
    inputs = load_inputs(args.data, stage="requirements")
    print_warnings(inputs)
    req = requirements_table(inputs, staffed_forecast(inputs))
    record_outputs(Path(args.out).parent, "requirements", [write_csv_atomic(req, args.out)])
    total = req.groupby("week")["required_fte"].sum()
    print(f"wrote {args.out}: {len(req)} rows, {req[['market', 'queue']].drop_duplicates().shape[0]} "
          f"market/queue series; required FTE per week {total.min():,.1f} to {total.max():,.1f}")
    return EXIT_OK


def cmd_forecast(args: argparse.Namespace) -> int:
    inputs = load_inputs(args.data, stage="forecast")
    print_warnings(inputs)
    result = forecast_stage(inputs, quantiles=plan_quantiles(inputs))
    print_warnings(result)
    forecast = apply_overrides(result.forecast, inputs.forecast_overrides)
    record_outputs(Path(args.out).parent, "forecast", [write_csv_atomic(forecast, args.out)])
    overrides = inputs.forecast_overrides
    for row in ([] if overrides is None else overrides.itertuples(index=False)):
        print(f"override applied: {describe(row)}", file=sys.stderr)
    chosen = result.backtest[result.backtest["chosen"]]
    cov = next((c for c in chosen.columns if c.startswith("coverage_")), None)
    print(f"wrote {args.out}: {len(result.forecast)} rows, {len(chosen)} market/queue series; "
          f"backtest median WAPE {chosen['wape'].median():.1%}"
          + (f", {cov} {chosen[cov].mean():.0%}" if cov else ""))
    if args.report:
        write_csv_atomic(result.backtest, args.report)
        table = accuracy_table(result.backtest)
        print("per series: the chosen model and its backtest accuracy (least reliable first)")
        print(format_accuracy(table))
        print(f"wrote {args.report}: backtest accuracy per market, queue and model; "
              f"{int(table['check'].ne('').sum())} of {len(table)} series to check")
    return EXIT_OK


def cmd_template(args: argparse.Namespace) -> int:
    out = Path(args.out)
    write_atomic(out, write_template)
    print(f"wrote {out}: empty input workbook (one sheet per table, units in row 2)")
    return EXIT_OK



def add_stage_parsers(sub: argparse._SubParsersAction) -> None:
    """Register validate, forecast, requirements and template."""
    p = sub.add_parser("validate", help="check an input folder or workbook and list every problem")
    p.add_argument("data", help="folder of CSV files (+ scenario.toml) or an .xlsx workbook")
    p.add_argument("--stage", choices=["forecast", "requirements", "plan"],
                   help="also require the tables this stage needs")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("forecast", help="daily P10/P50/P90 cases per market and queue, backtested")
    p.add_argument("data", help="folder of CSV files (+ scenario.toml) or an .xlsx workbook")
    p.add_argument("--out", default="forecast.csv", help="CSV to write (default forecast.csv)")
    p.add_argument("--report", help="also write the backtest accuracy (WAPE, MASE, bias, "
                                    "coverage per model) to this CSV and print, per series, "
                                    "the chosen model and its accuracy")
    add_engine_options(p)
    add_cache_option(p)
    p.set_defaults(func=with_cache(with_engine(cmd_forecast)),
                   outputs={"out": "file", "report": "file"})

    p = sub.add_parser("requirements", help="required FTE per market, queue and week")
    p.add_argument("data", help="folder of CSV files (+ scenario.toml) or an .xlsx workbook")
    p.add_argument("--out", default="requirements.csv", help="CSV to write (default requirements.csv)")
    add_cache_option(p)
    p.set_defaults(func=with_cache(cmd_requirements), outputs={"out": "file"})

    p = sub.add_parser("template", help="write an empty input workbook")
    p.add_argument("out", help="the .xlsx file to write")
    p.set_defaults(func=cmd_template, outputs={"out": "file"})
