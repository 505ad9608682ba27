"""``--engine local|dask|ray`` and ``--cluster ADDRESS``: where a command's heavy work runs.

Shared by ``forecast``, ``plan``, ``risk`` and ``scenario save``. The defaults come from
``HEADCOUNT_ENGINE`` and ``HEADCOUNT_CLUSTER``; see :mod:`planning.engines`.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable
from functools import wraps

from planning.cli.common import EXIT_BAD_INPUT
from planning.engines import ENGINES, EngineError, open_engine


def add_engine_options(parser: argparse.ArgumentParser) -> None:
    """Add --engine, --cluster and --workers to a subcommand."""
    parser.add_argument("--engine", choices=ENGINES, default=None,
                        help="where the per-series forecasts, risk paths and frontier re-plans "
                             "run: local (default, or $HEADCOUNT_ENGINE), dask or ray (extras)")
    parser.add_argument("--cluster", default=None, metavar="ADDRESS",
                        help="an existing cluster: tcp://scheduler:8786 (dask) or "
                             "ray://head:10001 (ray); default $HEADCOUNT_CLUSTER, else a local "
                             "cluster is started for the run")
    parser.add_argument("--workers", type=int, default=None, metavar="N",
                        help="worker processes of a local dask/ray cluster (default: cores, "
                             "at most 4)")


def with_engine(cmd: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Run ``cmd`` with the engine the arguments name; a bad setting exits 2 with a message."""

    @wraps(cmd)
    def run(args: argparse.Namespace) -> int:
        if args.workers is not None and args.workers < 1:
            print(f"headcount {args.command}: --workers must be >= 1", file=sys.stderr)
            return EXIT_BAD_INPUT
        with contextlib.ExitStack() as stack:
            try:
                engine = stack.enter_context(open_engine(args.engine, args.cluster,
                                                         workers=args.workers))
            except EngineError as exc:
                print(f"headcount {args.command}: {exc}", file=sys.stderr)
                return EXIT_BAD_INPUT
            if engine.name != "local":
                print(f"engine: {engine.name} with {engine.workers} worker(s)", file=sys.stderr)
            return cmd(args)

    return run
