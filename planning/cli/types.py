"""Argument types of the ``headcount`` commands: numbers with bounds, refused in words."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable


def bounded(low: float | None = None, high: float | None = None, *, low_open: bool = False,
            high_open: bool = False) -> Callable[[str], float]:
    """An argparse ``type`` accepting a finite number within the bounds, e.g. ``bounded(0, 1,
    high_open=True)`` for a MIP gap in [0, 1)."""
    lo = "" if low is None else ("(" if low_open else "[") + f"{low:g}"
    hi = "" if high is None else f"{high:g}" + (")" if high_open else "]")
    where = (f"in {lo}, {hi}" if low is not None and high is not None
             else f"{'>' if low_open else '>='} {low:g}" if low is not None
             else f"{'<' if high_open else '<='} {high:g}" if high is not None else "finite")

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        bad = not math.isfinite(value)
        if low is not None:
            bad |= value <= low if low_open else value < low
        if high is not None:
            bad |= value >= high if high_open else value > high
        if bad:
            raise argparse.ArgumentTypeError(f"{text} must be {where}")
        return value

    return parse


#: seconds, minutes, counts: strictly positive
positive = bounded(0, low_open=True)
#: a relative MIP gap
gap = bounded(0, 1, high_open=True)
