"""Numbers as a moderation head and finance read them: one way to write each kind.

People are whole (``1,190``), FTE carry one decimal (``85.0 FTE``), money carries its
currency and thousands separators (``32,940,000 USD``), dates are dates (``23 Nov 2026``),
shares are percentages (``38%``). Missing values are a dash, never ``None`` or ``nan``.
Used by the Plan page, the CLI's summaries, scenario comparisons and the workbook's ask.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

MISSING = "–"


def _missing(x: Any) -> bool:
    if x is None or x is pd.NaT:
        return True
    try:
        return bool(pd.isna(x))
    except (TypeError, ValueError):
        return False


def money(x: float | None, currency: str, *, signed: bool = False) -> str:
    """``32940000.4, "USD"`` -> ``32,940,000 USD`` (whole units); ``signed`` adds ``+``."""
    if _missing(x):
        return MISSING
    return f"{float(x):{'+' if signed else ''},.0f} {currency}"


def money_short(x: float | None, currency: str) -> str:
    """Millions for headlines: ``32940000`` -> ``32.94 M USD``; below a million as :func:`money`."""
    if _missing(x):
        return MISSING
    if abs(float(x)) >= 1e6:
        return f"{float(x) / 1e6:,.2f} M {currency}"
    return money(x, currency)


def whole_people(x: float | None, *, up: bool = False) -> int:
    """FTE or headcount as whole people: rounded to the nearest, or ``up`` (hires: a
    fraction of a start is one more person to hire). 1e-6 of solver noise is ignored."""
    v = float(x or 0.0)
    return math.ceil(v - 1e-6) if up else math.floor(v + 0.5)


def people(x: float | None, *, up: bool = False, signed: bool = False) -> str:
    """``219.8`` -> ``220``; ``1190`` -> ``1,190``; see :func:`whole_people`."""
    if _missing(x):
        return MISSING
    return f"{whole_people(x, up=up):{'+' if signed else ''},d}"


def fte(x: float | None, *, signed: bool = False) -> str:
    """``85.04`` -> ``85.0 FTE``."""
    if _missing(x):
        return MISSING
    return f"{float(x):{'+' if signed else ''},.1f} FTE"


def day(d: Any) -> str:
    """A date as ``23 Nov 2026`` (never a time of day, never ``NaT``)."""
    if _missing(d):
        return MISSING
    return pd.Timestamp(d).strftime("%-d %b %Y")


def share(p: float | None) -> str:
    """``0.384`` -> ``38%``; values under 1% but above 0 as ``<1%``, near 1 as ``>99%``."""
    if _missing(p):
        return MISSING
    v = float(p)
    if 0 < v < 0.005:
        return "<1%"
    if 0.995 <= v < 1:
        return ">99%"
    return f"{v:.0%}"

