"""The ``headcount`` command line: the same pipeline as the app, headless.

Bad input ends with exit status 2 and one line per problem on stderr; no output file is
written then. Outputs are written atomically (to a temporary file, then renamed).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from planning.cli.common import EXIT_BAD_INPUT, EXIT_FAILURE
from planning.cli.kpis import add_kpis_parser
from planning.cli.outputs import check_outputs
from planning.cli.plan import add_plan_parser
from planning.cli.risk import add_risk_parsers
from planning.cli.scenario import add_scenario_parser
from planning.cli.stages import add_stage_parsers
from planning.cli.terminal import safe_streams
from planning.errors import InputError


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="headcount",
        description="Headcount planning for content-moderation operations: "
                    "volumes -> forecast -> requirements -> optimised plan.")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    add_stage_parsers(sub)  # validate, forecast, requirements, template
    add_plan_parser(sub)  # headcount plan DATA [--out DIR] [--time-limit S] [--mip-gap G]
    add_risk_parsers(sub)  # headcount risk|compliance DATA|SCENARIO
    add_scenario_parser(sub)  # headcount scenario save|list|show|diff|status|export
    add_kpis_parser(sub)  # headcount kpis DATA [--out kpis.xlsx] [--plan P] [--requirements R]
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``headcount`` console script; returns the exit status.

    Everything printed goes through :mod:`planning.cli.terminal` (control characters
    removed, a closed stdout tolerated); outputs are checked before any work starts
    (:mod:`planning.cli.outputs`)."""
    with safe_streams():
        return _main(argv)


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        prepare = getattr(args, "prepare", None)
        if prepare is not None:  # output names that depend on each other, resolved first
            prepare(args)
        check_outputs(args)
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
