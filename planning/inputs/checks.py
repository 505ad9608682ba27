"""Checks within and across tables, after each table is parsed.

Each check returns issues; none stops at the first problem. ``rows`` maps a frame's index
to the row number the user sees in the file.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise

import numpy as np
import pandas as pd

from planning.errors import Issue, show_value
from planning.inputs.schema import TABLES

Frames = dict[str, pd.DataFrame]
Rows = dict[str, np.ndarray]


def duplicate_keys(name: str, frame: pd.DataFrame, rows: np.ndarray) -> list[Issue]:
    """Each row of a table is identified by its key columns: no two rows may share one."""
    key = [k for k in TABLES[name].key if k in frame.columns]
    if not key or frame.empty:
        return []
    dup = frame.duplicated(key, keep=False)
    issues = []
    first_seen: dict[tuple, int] = {}
    for i in np.flatnonzero(dup.to_numpy()):
        k = tuple(frame.iloc[i][c] for c in key)
        k = tuple(str(v.date()) if isinstance(v, pd.Timestamp) else v for v in k)
        if k not in first_seen:
            first_seen[k] = int(rows[i])
            continue
        issues.append(Issue(name, int(rows[i]), ", ".join(key), " / ".join(map(str, k)),
                            f"duplicates row {first_seen[k]}: each {', '.join(key)} may appear once"))
    return issues[:50]


def table_rules(frames: Frames, rows: Rows) -> list[Issue]:
    """Rules inside one table: contradictory bounds, required-by-kind columns, sums."""
    issues: list[Issue] = []
    q = frames.get("queues")
    if q is not None:
        r = rows["queues"]
        for i, rec in enumerate(q.itertuples(index=False)):
            if rec.kind == "deferrable" and pd.isna(rec.tat_hours):
                issues.append(Issue("queues", int(r[i]), "tat_hours", None,
                                    f"must be given for deferrable queue {rec.queue} (hours to deadline)"))
            if rec.kind == "realtime":
                for col, what in (("sla_target", "share answered in time, (0,1]"),
                                  ("answer_seconds", "answer-time threshold, seconds")):
                    if pd.isna(getattr(rec, col)):
                        issues.append(Issue("queues", int(r[i]), col, None,
                                            f"must be given for realtime queue {rec.queue} ({what})"))
    s = frames.get("sites")
    if s is not None:
        r = rows["sites"]
        for i, rec in enumerate(s.itertuples(index=False)):
            if not pd.isna(rec.max_headcount) and rec.headcount > rec.max_headcount:
                issues.append(Issue("sites", int(r[i]), "max_headcount", show_value(rec.max_headcount),
                                    f"must be at least today's headcount {show_value(rec.headcount)} "
                                    f"of site {rec.site}"))
    v = frames.get("vendors")
    if v is not None:
        r = rows["vendors"]
        for i, rec in enumerate(v.itertuples(index=False)):
            if not pd.isna(rec.max_fte) and rec.min_fte > rec.max_fte:
                issues.append(Issue("vendors", int(r[i]), "min_fte", show_value(rec.min_fte),
                                    f"must not exceed max_fte {show_value(rec.max_fte)} "
                                    f"of vendor {rec.vendor}"))
    d = frames.get("intraday")
    if d is not None and not d.empty:
        sums = d.groupby("queue")["share"].sum()
        for queue, total in sums.items():
            if abs(total - 1.0) > 1e-4:
                issues.append(Issue("intraday", None, "share", f"{total:.6f}",
                                    f"must sum to 1 over the hours of queue {queue}"))
    f = frames.get("forecast")
    if f is not None and not f.empty:
        issues += _monotone_quantiles(f, rows["forecast"])
    req = frames.get("requirements")
    if req is not None and not req.empty:
        issues += _mondays("requirements", "week", req, rows["requirements"])
    return issues


def _monotone_quantiles(f: pd.DataFrame, rows: np.ndarray) -> list[Issue]:
    cols = sorted((c for c in f.columns if c.startswith("p") and c[1:].isdigit()),
                  key=lambda c: int(c[1:]))
    issues = []
    for lo, hi in pairwise(cols):
        bad = np.flatnonzero((f[lo] > f[hi] + 1e-9).to_numpy())
        for i in bad[:20]:
            issues.append(Issue("forecast", int(rows[i]), lo, show_value(f[lo].iloc[i]),
                                f"must not exceed {hi} = {show_value(f[hi].iloc[i])} (quantiles rise)"))
    return issues


def _mondays(table: str, col: str, frame: pd.DataFrame, rows: np.ndarray) -> list[Issue]:
    days = frame[col]
    bad = np.flatnonzero((days.notna() & (days.dt.weekday != 0)).to_numpy())
    return [Issue(table, int(rows[i]), col, str(days.iloc[i].date()),
                  f"must be a Monday (it is a {days.iloc[i].strftime('%A')})") for i in bad[:20]]


def cross_table(frames: Frames, rows: Rows) -> list[Issue]:
    """References between tables: unknown markets and queues, unserved languages."""
    issues: list[Issue] = []
    markets = set(frames["markets"]["market"]) if "markets" in frames else None
    queues = set(frames["queues"]["queue"]) if "queues" in frames else None
    for table in ("market_queues", "volumes", "forecast", "requirements", "events", "intraday"):
        frame = frames.get(table)
        if frame is None or frame.empty:
            continue
        if markets is not None and "market" in frame.columns:
            allowed = markets | {"*"} if table == "events" else markets
            issues += _unknown(table, frame, rows[table], "market", allowed, "markets")
        if queues is not None and "queue" in frame.columns:
            issues += _unknown(table, frame, rows[table], "queue", queues, "queues")
    vendors = frames.get("vendors")
    if vendors is not None and markets is not None:
        for i, rec in enumerate(vendors.itertuples(index=False)):
            unknown = [m for m in rec.markets if m != "*" and m not in markets]
            if unknown:
                issues.append(Issue("vendors", int(rows["vendors"][i]), "markets", ";".join(unknown),
                                    "names markets that are not in the markets table"))
    issues += _realtime_intraday(frames, rows)
    issues += _language_coverage(frames)
    return issues


def _unknown(table: str, frame: pd.DataFrame, rows: np.ndarray, col: str, allowed: set,
             ref: str) -> list[Issue]:
    bad = ~frame[col].isin(allowed).to_numpy()
    issues = []
    for value in pd.unique(frame[col][bad]):
        first = int(rows[np.flatnonzero((frame[col] == value).to_numpy())[0]])
        count = int((frame[col] == value).sum())
        more = f" (and {count - 1} more rows)" if count > 1 else ""
        issues.append(Issue(table, first, col, show_value(value),
                            f"is not in the {ref} table{more}"))
    return issues


def _realtime_intraday(frames: Frames, rows: Rows) -> list[Issue]:
    d, q = frames.get("intraday"), frames.get("queues")
    if d is None or q is None or d.empty:
        return []
    deferrable = set(q.loc[q["kind"] == "deferrable", "queue"])
    return [Issue("intraday", None, "queue", queue,
                  "is a deferrable queue: intraday profiles are used for realtime queues only",
                  "warning") for queue in sorted(set(d["queue"]) & deferrable)]


def _language_coverage(frames: Frames) -> list[Issue]:
    m = frames.get("markets")
    pools = [frames[t] for t in ("sites", "vendors") if frames.get(t) is not None]
    if m is None or not pools:
        return []
    served = {lang for p in pools for langs in p["languages"] for lang in langs}
    return [Issue("markets", None, "language", lang,
                  f"no site or vendor serves this language: markets "
                  f"{', '.join(sorted(m.loc[m['language'] == lang, 'market']))} can only be planned "
                  "as shortfall", "warning")
            for lang in sorted(set(m["language"]) - served)]


def actuals_rules(frames: Frames, rows: Rows) -> list[Issue]:
    """The actual_* tables: weeks are Mondays, names are known, automated cases fit the cases."""
    issues: list[Issue] = []
    markets = set(frames["markets"]["market"]) if "markets" in frames else None
    queues = set(frames["queues"]["queue"]) if "queues" in frames else None
    refs = (("actual_queues", "market", markets, "markets"), ("actual_queues", "queue", queues, "queues"),
            ("actual_sites", "site", _names(frames, "sites", "site"), "sites"),
            ("actual_vendors", "vendor", _names(frames, "vendors", "vendor"), "vendors"))
    for table, col, allowed, ref in refs:
        frame = frames.get(table)
        if frame is None or frame.empty:
            continue
        if allowed is None:
            issues.append(Issue(table, None, col, None,
                                f"names {ref}, but the {ref} table is missing: provide {ref}.csv"))
            continue
        issues += _unknown(table, frame, rows[table], col, allowed, ref)
    for table in ("actual_queues", "actual_sites", "actual_vendors"):
        frame = frames.get(table)
        if frame is not None and not frame.empty:
            issues += _mondays(table, "week", frame, rows[table])
    aq = frames.get("actual_queues")
    if aq is not None and not aq.empty:
        bad = np.flatnonzero((aq["automated_cases"] > aq["cases"] + 1e-9).to_numpy())
        issues += [Issue("actual_queues", int(rows["actual_queues"][i]), "automated_cases",
                         show_value(aq["automated_cases"].iloc[i]),
                         f"must not exceed the week's cases = {show_value(aq['cases'].iloc[i])}")
                   for i in bad[:20]]
    s = frames.get("actual_sites")
    if s is not None and not s.empty:
        over = (s["handled_hours"].notna() & (s["handled_hours"] > s["productive_hours"] + 1e-9))
        issues += [Issue("actual_sites", int(rows["actual_sites"][i]), "handled_hours",
                         show_value(s["handled_hours"].iloc[i]),
                         f"must not exceed productive_hours = {show_value(s['productive_hours'].iloc[i])}")
                   for i in np.flatnonzero(over.to_numpy())[:20]]
    return issues


def commitment_rules(frames: Frames, rows: Rows) -> list[Issue]:
    """committed_starts and signed_vendor_fte: known sites and vendors, Mondays, quarter labels."""
    issues: list[Issue] = []
    for table, col, ref in (("committed_starts", "site", "sites"),
                            ("signed_vendor_fte", "vendor", "vendors")):
        frame = frames.get(table)
        if frame is None or frame.empty:
            continue
        allowed = _names(frames, ref, col)
        if allowed is None:
            issues.append(Issue(table, None, col, None,
                                f"names {ref}, but the {ref} table is missing: provide {ref}.csv"))
        else:
            issues += _unknown(table, frame, rows[table], col, allowed, ref)
    starts = frames.get("committed_starts")
    if starts is not None and not starts.empty:
        issues += _mondays("committed_starts", "week", starts, rows["committed_starts"])
    signed = frames.get("signed_vendor_fte")
    if signed is not None and not signed.empty:
        bad = ~signed["quarter"].astype(str).str.fullmatch(r"\d{4}Q[1-4]")
        issues += [Issue("signed_vendor_fte", int(rows["signed_vendor_fte"][i]), "quarter",
                         show_value(signed["quarter"].iloc[i]), "must be a quarter like 2027Q1")
                   for i in np.flatnonzero(bad.to_numpy())[:20]]
    return issues


def surge_rules(frames: Frames, rows: Rows) -> list[Issue]:
    """The vendor_surge table: each row names a vendor of the vendors table, weeks are Mondays."""
    frame = frames.get("vendor_surge")
    if frame is None or frame.empty:
        return []
    r = rows["vendor_surge"]
    vendors = _names(frames, "vendors", "vendor")
    if vendors is None:
        issues = [Issue("vendor_surge", None, "vendor", None,
                        "names vendors, but the vendors table is missing: provide vendors.csv")]
    else:
        issues = _unknown("vendor_surge", frame, r, "vendor", vendors, "vendors")
    return issues + _mondays("vendor_surge", "week", frame, r)


def _names(frames: Frames, table: str, col: str) -> set | None:
    return set(frames[table][col]) if table in frames else None


#: Largest magnitudes the plan works with: beyond them a number is a typo or a unit mistake,
#: and the solver (HiGHS treats 1e20 as infinite) could not be trusted with it.
LIMITS: dict[tuple[str, str], tuple[float, str]] = {
    ("volumes", "cases"): (1e9, "cases a day"),
    ("forecast", "p*"): (1e9, "cases a day"),
    ("requirements", "required_fte"): (1e8, "FTE"),
    ("sites", "headcount"): (1e8, "FTE"), ("sites", "max_headcount"): (1e8, "FTE"),
    ("sites", "max_starts_week"): (1e8, "starts a week"),
    ("sites", "cost_per_fte_month"): (1e9, "per FTE-month"), ("sites", "hire_cost"): (1e9, "per hire"),
    ("vendors", "price_per_fte_month"): (1e9, "per FTE-month"),
    ("vendors", "min_fte"): (1e8, "FTE"), ("vendors", "max_fte"): (1e8, "FTE"),
    ("queues", "aht_minutes"): (10_080.0, "minutes (a week)"),
    ("market_queues", "aht_minutes"): (10_080.0, "minutes (a week)"),
    ("vendor_surge", "max_fte"): (1e8, "FTE"),
    ("vendor_surge", "price_per_fte_week"): (1e9, "per FTE-week"),
    ("forecast_overrides", "cases_per_day"): (1e9, "cases a day"),
    ("forecast_overrides", "p10"): (1e9, "cases a day"),
    ("forecast_overrides", "p90"): (1e9, "cases a day"),
}


def magnitude_rules(frames: Frames, rows: Rows) -> list[Issue]:
    """Numbers too large to be meant (a unit mistake) or to be solved reliably."""
    issues: list[Issue] = []
    for (table, col), (limit, unit) in LIMITS.items():
        frame = frames.get(table)
        if frame is None or frame.empty:
            continue
        cols = [c for c in frame.columns if c == col or (col == "p*" and c[:1] == "p"
                                                        and c[1:].isdigit())]
        for c in cols:
            values = pd.to_numeric(frame[c], errors="coerce").to_numpy(dtype=float)
            with np.errstate(invalid="ignore"):
                bad = np.flatnonzero(values > limit)
            issues += [Issue(table, int(rows[table][i]), c, f"{values[i]:g}",
                             f"must be at most {limit:g} {unit}: check the units")
                       for i in bad[:20]]
    return issues


CHECKS: tuple[Callable[[Frames, Rows], list[Issue]], ...] = (table_rules, cross_table, actuals_rules,
                                                           surge_rules, commitment_rules,
                                                           magnitude_rules)
