"""``--no-cache``: the disk cache on the commands that forecast or plan.

``forecast``, ``requirements``, ``plan``, ``risk``, ``compliance``, ``kpis`` and ``scenario
save`` look their forecast, and with ``[plan] sla_confidence`` their calibrated plan, up in
the shared cache (:mod:`planning.disk_cache`, under ``$HEADCOUNT_CACHE``) and keep them
there; ``--no-cache`` computes afresh and stores nothing.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from functools import wraps

from planning.disk_cache import DiskCache, default_dir, use_cache


def add_cache_option(parser: argparse.ArgumentParser) -> None:
    """Add --no-cache to a subcommand."""
    parser.add_argument("--no-cache", action="store_true",
                        help=f"forecast (and calibrate an SLA-confidence plan) afresh: neither "
                             f"read nor write the cache (default: kept under $HEADCOUNT_CACHE, "
                             f"here {default_dir()})")


def with_cache(cmd: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Run ``cmd`` with the disk cache in force, unless ``--no-cache``."""

    @wraps(cmd)
    def run(args: argparse.Namespace) -> int:
        with use_cache(None if args.no_cache else DiskCache()):
            return cmd(args)

    return run
