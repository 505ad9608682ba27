"""``--no-cache``: the forecast cache on the commands that forecast.

``forecast``, ``requirements``, ``plan``, ``risk``, ``compliance``, ``kpis`` and ``scenario
save`` look the forecast up in the shared cache (:mod:`planning.forecast_cache`, under
``$HEADCOUNT_CACHE``) and keep it there; ``--no-cache`` forecasts afresh and stores nothing.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from functools import wraps

from planning.forecast_cache import ForecastCache, default_dir, use_cache


def add_cache_option(parser: argparse.ArgumentParser) -> None:
    """Add --no-cache to a subcommand."""
    parser.add_argument("--no-cache", action="store_true",
                        help=f"forecast afresh: neither read nor write the forecast cache "
                             f"(default: kept under $HEADCOUNT_CACHE, here {default_dir()})")


def with_cache(cmd: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Run ``cmd`` with the forecast cache in force, unless ``--no-cache``."""

    @wraps(cmd)
    def run(args: argparse.Namespace) -> int:
        with use_cache(None if args.no_cache else ForecastCache()):
            return cmd(args)

    return run
