"""The ask (:class:`planning.reports.ask.PlanAsk`) as text for a screen or a terminal: one
compact table, the SLA confidence per market and quarter, and their definitions.

Every cell is text formatted by :mod:`planning.reports.formats` (whole people, FTE with one
decimal, money with thousands separators under a header that names the currency, dates as
dates), empty where a figure does not apply, never ``None``.
"""

from __future__ import annotations

import pandas as pd

from planning.reports import formats as f
from planning.reports.ask import PlanAsk

#: what "SLA confidence" means, everywhere it is shown (the app's tooltip, the CLI, the docs)
SLA_CONFIDENCE_HELP = (
    "SLA confidence: the probability that every queue of the market meets its quarterly SLA "
    "target in that quarter (the share of the quarter's cases handled within the queue's "
    "deadline, or answered in time for live queues, reaches its sla_target). Estimated by "
    "simulating {paths:,} volume paths per market and queue around the forecast's P10-P90 "
    "(day-to-day correlation {correlation:g}, handling-time variation {aht_cv:.0%}) and "
    "running each through this plan's staffing: the same simulation and settings as the "
    "SLA risk report of the command line.")

HIRE, OPEN_BY, END = "hire", "open requisitions by", "headcount / FTE"


def emphasised(sentence: str) -> str:
    """Markdown: the words before the sentence's first colon in bold."""
    lead, sep, rest = sentence.partition(": ")
    return f"**{lead}**: {rest}" if sep else sentence


def _req_text(when: pd.Timestamp, status: str) -> str:
    if pd.isna(when):
        return ""
    return f.day(when) + (f" ⚠ {status}" if status else "")


def ask_table(ask: PlanAsk) -> pd.DataFrame:
    """One row per site, then per vendor, then the total (index ``Site or vendor``); two
    column levels: the quarter, then ``hire`` (people), ``open requisitions by`` (a date,
    flagged when due), ``headcount / FTE`` (sites: people at the quarter's end; vendors:
    contracted FTE) and ``cost, <currency>`` (sites with overtime, vendors with surge; the
    total is the quarter's cost)."""
    quarters = sorted(set(ask.sites["quarter"]) | set(ask.vendors["quarter"]))
    cost_col = f"cost, {ask.currency}"
    rows: dict[str, dict[tuple[str, str], str]] = {}
    for r in ask.sites.itertuples(index=False):
        rows.setdefault(r.site, {}).update({
            (r.quarter, HIRE): f"{r.hires:,}" if r.hires else "",
            (r.quarter, OPEN_BY): _req_text(r.requisitions_open_by, r.requisition_status),
            (r.quarter, END): f.people(r.end_headcount),
            (r.quarter, cost_col): f"{r.cost:,.0f}"})
    for r in ask.vendors.itertuples(index=False):
        rows.setdefault(r.vendor, {}).update({
            (r.quarter, END): f.fte(r.fte), (r.quarter, cost_col): f"{r.cost:,.0f}"})
    cost = dict(zip(ask.quarters["quarter"], ask.quarters["cost"], strict=True))
    total: dict[tuple[str, str], str] = {}
    for q in quarters:
        s = ask.sites[ask.sites["quarter"] == q]
        v = ask.vendors[ask.vendors["quarter"] == q]
        total |= {(q, HIRE): f"{int(s['hires'].sum()):,}",
                  (q, END): f"{f.people(s['end_headcount'].sum())} + {f.fte(v['fte'].sum())}",
                  (q, cost_col): f"{float(cost.get(q, 0.0)):,.0f}"}
    rows["Total"] = total
    columns = pd.MultiIndex.from_tuples([(q, c) for q in quarters
                                         for c in (HIRE, OPEN_BY, END, cost_col)])
    return pd.DataFrame([[row.get(c, "") for c in columns] for row in rows.values()],
                        index=pd.Index(list(rows), name="Site or vendor"), columns=columns)


def sla_confidence(ask: PlanAsk) -> pd.DataFrame:
    """Quarters (rows) by markets (columns): the SLA confidence; empty when not simulated."""
    m = ask.markets
    if "sla_confidence" not in m.columns or m["sla_confidence"].isna().all():
        return pd.DataFrame()
    m = m[m["sla_confidence"].notna()]
    out = m.pivot(index="quarter", columns="market", values="sla_confidence")
    out.columns.name = None
    return out


def sla_table(ask: PlanAsk) -> pd.DataFrame:
    """:func:`sla_confidence` as text (``38%``, ``<1%``)."""
    out = sla_confidence(ask)
    return out.apply(lambda col: col.map(f.share)) if len(out) else out


def sla_sentence(ask: PlanAsk, target: float | None = None, *, label: bool = True
                 ) -> str | None:
    """The weakest market's SLA confidence in one sentence (None when not simulated).

    target: the plan's ``sla_confidence`` (each market-queue-quarter planned to it on its
    own), the bar markets are counted against; without one, 90%. A market's figure is the
    chance that all its queues meet at once, so it is below the per-queue target even when
    every queue reaches it: the sentence says so. label: start with "SLA confidence: " (off
    where the page already titles it)."""
    conf = sla_confidence(ask)
    if conf.empty:
        return None
    low = conf.stack().sort_values(kind="stable")
    (q, m), p = low.index[0], low.iloc[0]
    bar = 0.9 if target is None else float(target)
    meet = int((conf.min(axis=0) >= bar).sum())
    text = (("SLA confidence: " if label else "")
            + f"lowest in {m} ({f.share(p)} in {q}); {meet} of {conf.shape[1]} "
            f"markets reach {f.share(bar)} in every quarter")
    if target is None:
        return text + "."
    return (text + f" with all their queues at once (each queue was planned to "
            f"{f.share(bar)} on its own).")
