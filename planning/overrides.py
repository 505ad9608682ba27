"""Manual forecast overrides: a planner's known change the history cannot show.

Example: a new listing policy from 2027-03-01 adds 15% to ID listing_review. An override
multiplies every quantile column (p10, p50, p90, ...) of the matching days by
``1 + pct / 100``; the quantiles keep their order because they are all scaled alike.
Overrides apply in the order given, so two on the same days compound. No streamlit here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import pandas as pd

ALL = "*"
_QUANTILE = re.compile(r"^p\d{2}$")


@dataclass(frozen=True)
class Override:
    """Scale a forecast: market and queue (``*`` = all), from ``start`` (inclusive) to ``end``
    (inclusive; None = to the end of the forecast), by ``pct`` percent (+15 = 15% more cases).
    """

    market: str
    queue: str
    start: date
    pct: float
    end: date | None = None
    note: str = ""

    @property
    def factor(self) -> float:
        return 1.0 + self.pct / 100.0

    def describe(self) -> str:
        """E.g. ``+15% on ID / listing_review from 2027-03-01 (new policy)``."""
        where = f"{'all markets' if self.market == ALL else self.market} / " \
                f"{'all queues' if self.queue == ALL else self.queue}"
        until = f" to {self.end.isoformat()}" if self.end else ""
        note = f" ({self.note})" if self.note else ""
        return f"{self.pct:+g}% on {where} from {self.start.isoformat()}{until}{note}"


def check_override(o: Override) -> list[str]:
    """Problems with an override, in words (empty when it is usable)."""
    problems = []
    if not o.pct > -100:
        problems.append(f"pct = {o.pct:g}: must be above -100 (a -100% override removes all cases)")
    if o.end is not None and o.end < o.start:
        problems.append(f"end {o.end} is before start {o.start}")
    return problems


def quantile_columns(forecast: pd.DataFrame) -> list[str]:
    """The forecast's quantile columns (``p10``, ``p50``, ...)."""
    return [c for c in forecast.columns if _QUANTILE.match(str(c))]


def apply_overrides(forecast: pd.DataFrame, overrides: Iterable[Override]) -> pd.DataFrame:
    """A copy of a daily forecast (market, queue, date, pNN ...) with the overrides applied."""
    overrides = list(overrides)
    if not overrides:
        return forecast
    out = forecast.copy()
    cols = quantile_columns(out)
    dates = pd.to_datetime(out["date"])
    for o in overrides:
        bad = check_override(o)
        if bad:
            raise ValueError("; ".join(bad))
        mask = dates >= pd.Timestamp(o.start)
        if o.end is not None:
            mask &= dates <= pd.Timestamp(o.end)
        if o.market != ALL:
            mask &= out["market"] == o.market
        if o.queue != ALL:
            mask &= out["queue"] == o.queue
        out.loc[mask, cols] = out.loc[mask, cols].astype(float) * o.factor
    return out
