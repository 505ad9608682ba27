"""Forecast overrides: planner judgement the history cannot show, kept as an input table.

The optional table ``forecast_overrides`` (market, queue, start, end, multiplier or
cases_per_day, optional p10/p90, reason, author) is applied after the forecast and before
requirements, whichever front end runs the plan, so a saved scenario re-plans the same.

Each row changes every forecast quantile of its market and queue on the days start..end:
- ``multiplier``: every quantile times the multiplier (the band keeps its relative width);
- ``cases_per_day``: P50 becomes the value; the other quantiles keep the model's relative
  distance to its P50 (``p_q = cases x model_p_q / model_p50``), unless the row gives its own
  p10/p90: then those are used and any other quantile is placed between them where the model
  placed it (linear in the model's band); a day the model forecast as 0 gets a zero-width band.

Which row wins where rows meet (the stated rule): rows apply from the broadest to the most
specific, every market (``*``), then one market's every queue (queue blank), then one queue; a
multiplier scales what the broader rows made, an absolute value replaces it. Two rows of the
same reach (same market and queue) whose days overlap are refused, naming both rows.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from itertools import pairwise

import numpy as np
import pandas as pd

from planning.errors import Issue, show_value
from planning.units import MAX_MULTIPLIER

TABLE = "forecast_overrides"
ALL = "*"
_QUANTILE = re.compile(r"^p\d{2}$")


def quantile_columns(forecast: pd.DataFrame) -> list[str]:
    """The forecast's quantile columns (``p10``, ``p50``, ...)."""
    return [c for c in forecast.columns if _QUANTILE.match(str(c))]


def _reach(market: str, queue: str) -> int:
    """0: every market; 1: one market's every queue; 2: one market and queue."""
    return 0 if market == ALL else (1 if not queue else 2)


def override_issues(table: pd.DataFrame, rows: np.ndarray, plan_days: pd.DatetimeIndex, *,
                    markets: set[str] | None = None, queues: set[str] | None = None
                    ) -> list[Issue]:
    """Every problem of a forecast_overrides table, each naming its row and column."""
    issues: list[Issue] = []
    first, last = plan_days[0], plan_days[-1]

    def add(i: int, col: str, value: object, words: str) -> None:
        issues.append(Issue(TABLE, int(rows[i]), col, show_value(value), words))

    for i, r in enumerate(table.itertuples(index=False)):
        queue = r.queue or ""
        if markets is not None and r.market != ALL and r.market not in markets:
            add(i, "market", r.market, "is not in the markets table (or * for every market)")
        if queues is not None and queue and queue not in queues:
            add(i, "queue", queue, "is not in the queues table (blank = every queue)")
        if r.market == ALL and queue:
            add(i, "queue", queue, "must be blank when market is * (every market, every queue)")
        has_mult, has_cases = not pd.isna(r.multiplier), not pd.isna(r.cases_per_day)
        if has_mult == has_cases:
            add(i, "multiplier", r.multiplier if has_mult else None,
                "give exactly one of multiplier and cases_per_day")
        if has_mult and not 0 <= r.multiplier <= MAX_MULTIPLIER:  # the app's form too
            add(i, "multiplier", r.multiplier,
                f"must be a number >= 0 and <= {MAX_MULTIPLIER:g} (x{MAX_MULTIPLIER:g} is beyond "
                "any real change: check the units)")
        if has_cases and _reach(r.market, queue) < 2:
            add(i, "queue", queue, "must name a queue when the row gives cases_per_day "
                                   "(an absolute number of cases belongs to one queue)")
        for band in ("p10", "p90"):
            v = getattr(r, band)
            if not pd.isna(v) and not has_cases:
                add(i, band, v, "may be given only with cases_per_day")
        if has_cases:
            lo = r.p10 if not pd.isna(r.p10) else r.cases_per_day
            hi = r.p90 if not pd.isna(r.p90) else r.cases_per_day
            if not lo <= r.cases_per_day <= hi:
                add(i, "p10" if lo > r.cases_per_day else "p90",
                    r.p10 if lo > r.cases_per_day else r.p90,
                    f"must satisfy p10 <= cases_per_day ({show_value(r.cases_per_day)}) <= p90")
        if r.end < r.start:
            add(i, "end", r.end.date(), f"is before start {r.start.date()}")
        for col in ("start", "end"):
            day = getattr(r, col)
            if not first <= day <= last:
                add(i, col, day.date(), f"must be inside the plan, {first.date()} to {last.date()}")
    issues += _overlaps(table, rows)
    return issues


def _overlaps(table: pd.DataFrame, rows: np.ndarray) -> list[Issue]:
    issues = []
    key = table["market"].astype(str) + "\x00" + table["queue"].fillna("").astype(str)
    for _, idx in table.groupby(key, sort=False).indices.items():
        spans = sorted(idx, key=lambda i: table["start"].iloc[i])
        for a, b in pairwise(spans):
            if table["start"].iloc[b] <= table["end"].iloc[a]:
                issues.append(Issue(
                    TABLE, int(rows[b]), "start", show_value(table["start"].iloc[b].date()),
                    f"overlaps row {int(rows[a])} (same market and queue, until "
                    f"{table['end'].iloc[a].date()}): one override per day and reach"))
    return issues


def _ordered(table: pd.DataFrame) -> pd.DataFrame:
    reach = [_reach(m, q or "") for m, q in zip(table["market"], table["queue"], strict=True)]
    return table.assign(_reach=reach).sort_values(["_reach", "start"], kind="stable")


def apply_overrides(forecast: pd.DataFrame, table: pd.DataFrame | None) -> pd.DataFrame:
    """A copy of a daily forecast (market, queue, date, pNN ...) with the overrides applied;
    the forecast itself when there are none. See the module docstring for the rules."""
    if table is None or table.empty:
        return forecast
    out = forecast.copy()
    cols = quantile_columns(out)
    out[cols] = out[cols].astype(float)
    model = out[cols].to_numpy(copy=True)
    dates = pd.to_datetime(out["date"])
    for r in _ordered(table).itertuples(index=False):
        mask = ((dates >= r.start) & (dates <= r.end)).to_numpy()
        if r.market != ALL:
            mask &= (out["market"] == r.market).to_numpy()
        if r.queue:
            mask &= (out["queue"] == r.queue).to_numpy()
        if not mask.any():
            continue
        if not pd.isna(r.multiplier):
            out.loc[mask, cols] = out.loc[mask, cols].to_numpy() * r.multiplier
        else:
            out.loc[mask, cols] = _absolute(model[mask], cols, r)
    return out


def _absolute(model: np.ndarray, cols: list[str], r) -> np.ndarray:
    """Quantiles for an absolute row: P50 = cases_per_day, the band from the model or the row."""
    cases = float(r.cases_per_day)
    p50 = model[:, cols.index("p50")] if "p50" in cols else np.full(len(model), np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(p50[:, None] > 0, model / p50[:, None], 1.0)
    out = cases * rel
    given = {"p10": r.p10, "p50": cases, "p90": r.p90}
    if pd.isna(r.p10) and pd.isna(r.p90):
        return out
    lo = cases if pd.isna(r.p10) else float(r.p10)
    hi = cases if pd.isna(r.p90) else float(r.p90)
    m10 = model[:, cols.index("p10")] if "p10" in cols else p50
    m90 = model[:, cols.index("p90")] if "p90" in cols else p50
    for j, c in enumerate(cols):
        if c in given and not pd.isna(given[c]):
            out[:, j] = given[c]
            continue
        q = model[:, j]
        with np.errstate(divide="ignore", invalid="ignore"):
            below = np.where(m10 < p50, (p50 - q) / (p50 - m10), 0.0)
            above = np.where(m90 > p50, (q - p50) / (m90 - p50), 0.0)
        out[:, j] = np.where(q <= p50, cases - below * (cases - lo), cases + above * (hi - cases))
    return out


def override_effects(table: pd.DataFrame | None, forecast: pd.DataFrame,
                     requirements: Callable[[pd.DataFrame], pd.DataFrame],
                     quantile_col: str, quarter_of: Callable[[pd.Series], pd.Series]
                     ) -> pd.DataFrame:
    """Each override's effect per market and quarter: what the plan would need without it.

    forecast: the model's forecast (before overrides); requirements: forecast -> required FTE
    per market, queue and week; quantile_col: the staffed quantile column (cases are counted
    in it); quarter_of: dates -> quarter labels.
    Effect of row i = (everything applied) - (every row but i applied): cases over the quarter
    and required FTE as a weekly average over the quarter's planned weeks (as ``quarterly``).
    Columns: override (0-based row), market, queue, reason, quarter, cases, required_fte.
    """
    cols = ["override", "market", "queue", "reason", "quarter", "cases", "required_fte"]
    if table is None or table.empty:
        return pd.DataFrame(columns=cols)
    table = table.reset_index(drop=True)
    full_f = apply_overrides(forecast, table)
    full_r = requirements(full_f)
    out = []
    for i, r in table.iterrows():
        rest = table.drop(index=i)
        f = apply_overrides(forecast, rest)
        cases = _by_quarter(full_f, f, "date", quantile_col, quarter_of, "sum")
        fte = _by_quarter(full_r, requirements(f), "week", "required_fte", quarter_of, "mean")
        both = cases.join(fte, how="outer").fillna(0.0).reset_index()
        both = both[(both["cases"].abs() > 1e-9) | (both["required_fte"].abs() > 1e-9)]
        out.append(both.assign(override=i, market_row=r.market, queue=r.queue or "",
                               reason=r.reason))
    if not out:
        return pd.DataFrame(columns=cols)
    res = pd.concat(out, ignore_index=True).drop(columns="market_row")
    return res[cols].sort_values(["override", "market", "quarter"]).reset_index(drop=True)


def _by_quarter(a: pd.DataFrame, b: pd.DataFrame, day: str, value: str,
                quarter_of: Callable[[pd.Series], pd.Series], how: str) -> pd.DataFrame:
    keys = ["market", "queue", day]
    d = a.set_index(keys)[value].sub(b.set_index(keys)[value], fill_value=0.0).rename(value)
    d = d.reset_index()
    days = pd.to_datetime(d[day])
    # a day counts in the quarter of its plan week (weeks start on Mondays), as ``quarterly``
    d["quarter"] = quarter_of(days - pd.to_timedelta(days.dt.weekday, unit="D"))
    per_market = d.groupby(["market", "quarter", day])[value].sum().reset_index()
    name = "cases" if how == "sum" else "required_fte"
    return per_market.groupby(["market", "quarter"])[value].agg(how).rename(name).to_frame()


def describe(row) -> str:
    """One override in words, e.g. ``BR / listing_review x1.3 from 2027-03-01 to 2027-06-27
    (policy launch)``."""
    where = "every market" if row.market == ALL else (
        f"{row.market} / {row.queue}" if row.queue else f"{row.market} / every queue")
    what = (f"x{row.multiplier:g}" if not pd.isna(row.multiplier)
            else f"{row.cases_per_day:,.0f} cases a day")
    reason = f" ({row.reason})" if row.reason else ""
    return f"{where} {what} from {row.start.date()} to {row.end.date()}{reason}"


def overrides_frame(rows: Iterable[dict]) -> pd.DataFrame:
    """A forecast_overrides table from plain rows (dates as text or dates), with its columns."""
    frame = pd.DataFrame(list(rows), columns=["market", "queue", "start", "end", "multiplier",
                                              "cases_per_day", "p10", "p90", "reason", "author"])
    for c in ("start", "end"):
        frame[c] = pd.to_datetime(frame[c])
    for c in ("multiplier", "cases_per_day", "p10", "p90"):
        frame[c] = pd.to_numeric(frame[c], errors="coerce").astype(float)
    for c in ("queue", "reason", "author"):
        frame[c] = frame[c].fillna("").astype(str)
    return frame
