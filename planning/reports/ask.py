"""The quarterly headcount ask as people read it: the content the Plan page shows first and
the workbook's first sheet prints (one pure function, so both show the same).

:func:`plan_ask` turns a plan and its inputs into :class:`PlanAsk`:

- ``sites``: per site and quarter the people to hire (whole people), the week requisitions
  must open (the quarter's first start week minus the site's lead_weeks) and whether that is
  already overdue or due, the end headcount and the cost (overtime included);
- ``hiring``: the weekly hiring schedule per site: every week with starts, its people and the
  week its requisitions open, flagged likewise;
- ``vendors``: per vendor and quarter the contracted FTE, the contract value, the surge bought
  and the cost (contract + surge);
- ``quarters``: cost per quarter, by part (sites, overtime, vendors, surge) and in total
  (:func:`planning.optimise.costs.quarter_costs`: the quarters add up to the total cost);
- ``markets``: per market and quarter the required, in-house, vendor and shortfall FTE
  (weekly averages), the attributed cost (:func:`planning.optimise.costs.market_quarter_costs`)
  and, when the plan's SLA risk was simulated, the SLA confidence: the probability that every
  queue of the market meets its quarterly SLA (``p_all_queues_meet`` of
  :class:`planning.risk.simulate.RiskResult`'s ``markets`` table, the measure the app shows);
- ``sentences``: the decision in words.

Requisition status (column ``requisition_status``), relative to ``today`` and the plan start:
``overdue`` (the requisition week is before today's week), ``due this week`` (today's week),
``due at plan start`` (on or before the plan's first week, still ahead of today), else empty.
Money is in the scenario's currency; weeks are Mondays.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from planning.inputs.tables import Inputs
from planning.optimise.costs import market_quarter_costs, pool_quarter_costs, quarter_costs
from planning.optimise.result import PlanResult
from planning.periods import week_of
from planning.reports import formats as f
from planning.reports.frames import plan_table

OVERDUE, DUE_NOW, DUE_AT_START = "overdue", "due this week", "due at plan start"
SITE_COLUMNS = ["site", "quarter", "hires", "requisitions_open_by", "requisition_status",
                "end_headcount", "cost"]
HIRING_COLUMNS = ["site", "start_week", "quarter", "hires", "requisition_week",
                  "requisition_status"]
VENDOR_COLUMNS = ["vendor", "quarter", "fte", "contract_value", "surge_fte_weeks", "surge_cost",
                  "cost"]
MARKET_COLUMNS = ["market", "quarter", "required_fte", "inhouse_fte", "vendor_fte",
                  "shortfall_fte", "cost"]


@dataclass(frozen=True)
class PlanAsk:
    """The ask (see the module docstring); every table a long DataFrame."""

    currency: str
    total_cost: float
    shortfall_fte_weeks: float
    objective: float | None
    penalty: float | None
    sites: pd.DataFrame
    hiring: pd.DataFrame
    vendors: pd.DataFrame
    quarters: pd.DataFrame
    markets: pd.DataFrame
    sentences: list[str] = field(default_factory=list)


def whole_people(x: float) -> int:
    """Hires as whole people: a fractional start (continuous hiring) rounds up."""
    return f.whole_people(x, up=True) if x > 0 else 0


def requisition_status(week: pd.Timestamp | None, today: date, start: date) -> str:
    """overdue / due this week / due at plan start / '' (see the module docstring)."""
    if week is None or pd.isna(week):
        return ""
    week, this_week = pd.Timestamp(week), week_of(pd.DatetimeIndex([pd.Timestamp(today)]))[0]
    if week < this_week:
        return OVERDUE
    if week == this_week:
        return DUE_NOW
    return DUE_AT_START if week <= pd.Timestamp(start) else ""


def currency_of(inputs: Inputs) -> str:
    """The scenario's currency label (``[plan] currency``, default USD)."""
    return inputs.scenario.plan.currency or "USD"


def _hiring(sites: pd.DataFrame, inputs: Inputs, today: date) -> pd.DataFrame:
    sites_in = inputs.sites
    lead = ({} if sites_in is None or "lead_weeks" not in sites_in else
            {s: 0 if pd.isna(w) else int(w)
             for s, w in zip(sites_in["site"], sites_in["lead_weeks"], strict=True)})
    start = inputs.scenario.plan.start
    h = sites.loc[pd.to_numeric(sites["starts"]).fillna(0) > 1e-6, ["site", "week", "quarter", "starts"]]
    rows = []
    for site, week, quarter, starts in h.itertuples(index=False):
        req = pd.Timestamp(week) - pd.Timedelta(weeks=lead.get(site, 0))
        rows.append({"site": site, "start_week": pd.Timestamp(week), "quarter": quarter,
                     "hires": whole_people(starts), "requisition_week": req,
                     "requisition_status": requisition_status(req, today, start)})
    return pd.DataFrame(rows, columns=HIRING_COLUMNS)


def _site_ask(sites: pd.DataFrame, hiring: pd.DataFrame, costs: pd.DataFrame, inputs: Inputs,
              today: date) -> pd.DataFrame:
    cost = {(p, q): c for p, q, c in costs.loc[costs["pool_type"] == "site",
                                                 ["pool", "quarter", "cost"]].itertuples(index=False)}
    rows = []
    for (site, quarter), part in sites.groupby(["site", "quarter"], sort=False):
        h = hiring[(hiring["site"] == site) & (hiring["quarter"] == quarter)]
        req = h["requisition_week"].min() if len(h) else pd.NaT
        rows.append({"site": site, "quarter": quarter, "hires": int(h["hires"].sum()),
                     "requisitions_open_by": req,
                     "requisition_status": requisition_status(req, today, inputs.scenario.plan.start),
                     "end_headcount": float(part.sort_values("week")["headcount"].iloc[-1]),
                     "cost": cost.get((site, quarter), 0.0)})
    out = pd.DataFrame(rows, columns=SITE_COLUMNS)
    out["requisitions_open_by"] = pd.to_datetime(out["requisitions_open_by"])
    return out.sort_values(["quarter"], kind="stable", ignore_index=True)


def _vendor_ask(vendors: pd.DataFrame, surge: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for rec in vendors.itertuples(index=False):
        used = surge[(surge["vendor"] == rec.vendor) & (surge["quarter"] == rec.quarter)] \
            if len(surge) else surge
        s_fte = float(used["fte"].sum()) if len(used) else 0.0
        s_cost = float(used["cost"].sum()) if len(used) else 0.0
        rows.append({"vendor": rec.vendor, "quarter": rec.quarter, "fte": float(rec.fte),
                     "contract_value": float(rec.cost), "surge_fte_weeks": s_fte,
                     "surge_cost": s_cost, "cost": float(rec.cost) + s_cost})
    out = pd.DataFrame(rows, columns=VENDOR_COLUMNS)
    return out.sort_values(["quarter"], kind="stable", ignore_index=True)


def _market_ask(plan: PlanResult, sites: pd.DataFrame, vendors: pd.DataFrame, surge: pd.DataFrame,
                risk_markets: pd.DataFrame | None) -> pd.DataFrame:
    quarterly = plan_table(plan, "quarterly", [*MARKET_COLUMNS[:-1], "cost"])
    quarterly = quarterly[quarterly["market"].notna()]
    costs = market_quarter_costs(sites, vendors, plan_table(plan, "allocation"), surge)
    cost = {(q, m): c for q, m, c in costs.itertuples(index=False)}
    out = quarterly[MARKET_COLUMNS[:-1]].copy()
    out["cost"] = [cost.pop((q, m), 0.0) for q, m in zip(out["quarter"], out["market"], strict=True)]
    extra = [{"market": m, "quarter": q, "required_fte": 0.0, "inhouse_fte": 0.0,
              "vendor_fte": 0.0, "shortfall_fte": 0.0, "cost": c} for (q, m), c in cost.items()]
    out = pd.concat([out, pd.DataFrame(extra, columns=MARKET_COLUMNS)], ignore_index=True) \
        if extra else out
    out = out[MARKET_COLUMNS].sort_values(["market", "quarter"], ignore_index=True)
    if risk_markets is not None and len(risk_markets):
        conf = risk_markets[["market", "quarter", "p_all_queues_meet"]].rename(
            columns={"p_all_queues_meet": "sla_confidence"})
        out = out.merge(conf, on=["market", "quarter"], how="left")
    return out


def plan_ask(plan: PlanResult, inputs: Inputs, *, today: date | None = None,
             risk_markets: pd.DataFrame | None = None) -> PlanAsk:
    """The ask of ``plan`` for ``inputs``.

    today: the date requisitions are judged against (default: today).
    risk_markets: the ``markets`` table of the plan's simulated SLA risk (market, quarter,
    p_all_queues_meet), when there is one; it joins the markets table as sla_confidence.
    """
    today = today or date.today()
    sites = plan_table(plan, "sites", ["site", "week", "headcount", "starts", "cost"])
    vendors = plan_table(plan, "vendors", ["vendor", "quarter", "fte", "cost"])
    surge = plan.surge if len(plan.surge) else pd.DataFrame(
        columns=["vendor", "week", "quarter", "fte", "cost"])
    pools = pool_quarter_costs(sites, vendors, surge)
    hiring = _hiring(sites, inputs, today)
    ask = PlanAsk(
        currency=currency_of(inputs),
        total_cost=float(plan.total_cost or 0.0),
        shortfall_fte_weeks=float(plan.shortfall_fte_weeks or 0.0),
        objective=plan.objective, penalty=plan.penalty,
        sites=_site_ask(sites, hiring, pools, inputs, today), hiring=hiring,
        vendors=_vendor_ask(vendors, surge), quarters=quarter_costs(sites, vendors, surge),
        markets=_market_ask(plan, sites, vendors, surge, risk_markets))
    return PlanAsk(**{**ask.__dict__, "sentences": ask_sentences(ask, inputs)})


def _hire_sentence(ask: PlanAsk, inputs: Inputs) -> str:
    s = ask.sites
    now = 0 if inputs.sites is None else f.whole_people(float(inputs.sites["headcount"].sum()))
    end_q = s["quarter"].max() if len(s) else None
    end = (f.whole_people(s.loc[s["quarter"] == end_q, "end_headcount"].sum()) if end_q
           else now)
    move = (f"In-house headcount goes from {now:,} today to {end:,} at the end of {end_q}."
            if end_q else "")
    total = int(s["hires"].sum())
    if total == 0:
        return f"No in-house hires: today's headcount covers the plan (attrition only). {move}"
    parts = []
    for q, g in s[s["hires"] > 0].groupby("quarter", sort=True):
        g = g.sort_values("hires", ascending=False, kind="stable")
        names = ", ".join(f"{r.site} {r.hires:,}" if len(g) > 1 else r.site
                          for r in g.itertuples())
        parts.append(f"{int(g['hires'].sum()):,} in {q} ({names})")
    return f"Hire {total:,} people in-house: {', '.join(parts)}. {move}"


def _requisition_sentence(ask: PlanAsk) -> str | None:
    s = ask.sites[ask.sites["hires"] > 0].sort_values("requisitions_open_by", kind="stable")
    if s.empty:
        return None
    late = s[s["requisition_status"] != ""]
    if late.empty:
        first = s.iloc[0]
        return (f"Next requisitions: {first.site} by {f.day(first.requisitions_open_by)} for "
                f"{first.quarter}.")
    items = ", ".join(f"{r.site} for {r.quarter} by {f.day(r.requisitions_open_by)} "
                      f"({r.requisition_status})" for r in late.itertuples())
    if late["requisition_status"].isin([OVERDUE, DUE_NOW]).any():
        return (f"Open requisitions now: {items}. Overdue ones should already be open: open "
                "them now or expect those starts later.")
    return f"Open requisitions before the plan starts: {items}."


def _vendor_sentence(ask: PlanAsk) -> str:
    v = ask.vendors[ask.vendors["fte"] > 0.05]
    if v.empty:
        return "No vendor capacity is contracted."
    parts = [f"{f.fte(g['fte'].sum())} in {q} ({f.money(g['cost'].sum(), ask.currency)})"
             for q, g in v.groupby("quarter", sort=True)]
    top = v.groupby("vendor", sort=False)["fte"].sum().sort_values(ascending=False, kind="stable")
    who = (f"from {top.index[0]}" if len(top) == 1 else
           f"{len(top)} vendors, the most from {' and '.join(top.index[:2])}")
    return f"Contract vendors: {', '.join(parts)}; {who}."


def _cost_sentence(ask: PlanAsk) -> str:
    q = ask.quarters
    per = ", ".join(f"{r.quarter} {f.money(r.cost, ask.currency)}" for r in q.itertuples())
    extra = float(q["overtime_cost"].sum() + q["surge_cost"].sum()) if len(q) else 0.0
    incl = (f", overtime and vendor surge ({f.money(extra, ask.currency)}) included"
            if extra > 0.5 else "")
    return f"The plan costs {f.money(ask.total_cost, ask.currency)}: {per}{incl}."


def ask_sentences(ask: PlanAsk, inputs: Inputs) -> list[str]:
    """The ask in a few plain sentences, most important first, each led by a few words and a
    colon (the page shows the lead in bold); the SLA confidence has its own sentence
    (:func:`planning.reports.ask_text.sla_sentence`): it is simulated after the plan."""
    lines = [_hire_sentence(ask, inputs), _requisition_sentence(ask), _vendor_sentence(ask),
             _cost_sentence(ask)]
    if ask.shortfall_fte_weeks > 0.05:
        lines.append(f"Work not covered: {ask.shortfall_fte_weeks:,.1f} FTE-weeks of required "
                     "work stay uncovered; the plan's explanations say where and why.")
    return [line for line in lines if line]
