"""Why a plan looks the way it does: shortfall reasons, binding limits, marginal costs.

- Shortfall reasons are read off the solved plan: for each uncovered (market, queue, week)
  every limit that stops a pool able to serve it (no pool reviews the language, vendor at
  max_fte, site at max_headcount, starts not yet possible or capped, budget spent,
  in-house floor; with the options on: overtime at its cap, vendor surge at its cap, a
  wellness exposure limit), or, if none binds, that covering it would cost more than the
  penalty.
- Shadow prices come from linear programmes, because HiGHS reports no duals for a MIP:
  ``fixed_hires``: the plan's integer starts are fixed and the rest re-solved as an LP
  (what one more unit costs or saves *given this hiring plan*); ``with_hiring``: the LP
  relaxation, in which starts may also change (the longer-run value). Both are solved in
  the plan's own HiGHS object; each value comes from the duals where the optimal basis
  stays optimal after the change, else from a warm re-solve (:mod:`planning.optimise.duals`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import pandas as pd
import pulp

from planning.optimise import duals
from planning.optimise.build import Model
from planning.optimise.data import ModelData
from planning.optimise.duals import Changes
from planning.optimise.extract import value

LIMITS = {
    "max_headcount": ("headcount cap (max_headcount)", "<=", "per FTE more headcount allowed in every week"),
    "max_starts": ("starts cap (max_starts_week)", "<=", "per start more allowed in every week"),
    "vendor_max": ("vendor cap (max_fte)", "<=", "per contracted FTE for the quarter"),
    "vendor_min": ("vendor minimum (min_fte)", ">=", "per FTE less of contract minimum"),
    "inhouse_floor": ("in-house floor (min_inhouse_share)", ">=",
                      "per FTE-week less in-house work required, in each binding week"),
    "budget": ("budget (budget_per_quarter)", "<=", "per currency unit of budget"),
    # options (rows exist only when the option is on)
    "overtime_cap": ("overtime cap (overtime_max_share)", "<=",
                     "per FTE-week more overtime allowed in every week"),
    "surge_max": ("vendor surge cap (vendor_surge max_fte)", "<=",
                  "per surge FTE more in every offered week of the quarter"),
    "exposure": ("wellness limit (max_exposure_share)", "<=",
                 "per FTE-week more work on the queue allowed, in each binding week"),
    "exposure_total": ("wellness limit, harmful queues together", "<=",
                       "per FTE-week more harmful work allowed, in each binding week"),
}
#: families relaxed only in their binding rows (the others in every row of the group)
_BINDING_ROWS_ONLY = ("inhouse_floor", "exposure", "exposure_total")


def _fmt(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:g}"


def _no_coverage(d: ModelData, m: str, q: str) -> str:
    lang = d.language[m]
    vend_lang = [v for v in d.vendors if lang in v.languages]
    if d.inhouse_only[q] and vend_lang:
        return (f"no language coverage: no in-house site reviews '{lang}', and vendors may not "
                f"see {q} (in-house only)")
    if vend_lang:
        names = ", ".join(v.name for v in vend_lang)
        return (f"no language coverage: no site reviews '{lang}', and the vendors that do "
                f"({names}) are not contracted for market {m}")
    return f"no language coverage: no site or vendor reviews '{lang}' (market {m})"


def _cheapest_start(model: Model, elig: tuple[str, ...], t: int) -> float:
    """Cost within week t's quarter of one more whole start able to serve week t (0 when a
    pool with continuous capacity left, i.e. a vendor below max_fte, could serve instead)."""
    d = model.data
    Q = d.quarter_of_week[t]
    for v in d.vendors:
        if v.name in elig and (v.max_fte is None or value(model.var["F"][(v.name, Q)]) < v.max_fte - 1e-6):
            return 0.0
    if not model.integer:
        return 0.0
    left = [u for u in range(t, len(d.weeks)) if d.quarter_of_week[u] == Q]
    costs = [s.hire_cost + s.weekly_cost * len(left) for s in d.sites if s.name in elig]
    return min(costs, default=0.0)


def _reasons(model: Model, m: str, q: str, t: int, cost_by_q: dict[str, float],
             work: Work) -> list[tuple[str, str]]:
    d = model.data
    w = d.weeks[t]
    elig = d.eligible[(m, q)]
    if not elig:
        return [("no_language_coverage", _no_coverage(d, m, q))]
    out: list[tuple[str, str]] = []
    for v in d.vendors:
        if v.name in elig and v.max_fte is not None:
            f = value(model.var["F"][(v.name, d.quarter_of_week[t])])
            if f >= v.max_fte - 1e-6:
                out.append(("vendor_cap", f"vendor cap reached: {v.name} is at its max_fte of "
                                          f"{_fmt(v.max_fte)} in {d.quarter_of_week[t]}"))
    for s in d.sites:
        if s.name not in elig:
            continue
        slow = [k for k, r in enumerate(s.ramp) if r < 1]
        ready = s.lead_weeks + (max(slow) + 1 if slow else 0)
        if t < s.lead_weeks:
            first = d.weeks[s.lead_weeks] if s.lead_weeks < len(d.weeks) else "after the plan ends"
            out.append(("hiring_lead_time", f"hiring lead time: a new start at {s.name} takes "
                                            f"{s.lead_weeks} weeks from requisition; the first "
                                            f"possible start is {first}"))
        elif t < ready:
            out.append(("hiring_lead_time", f"hiring lead time: new starts at {s.name} are "
                                            f"still ramping up (fully productive only "
                                            f"{len(s.ramp)} weeks after starting)"))
        at_cap = s.max_headcount is not None and (
            value(model.var["H"][(s.name, w)]) >= s.max_headcount - 1e-6)
        if at_cap:
            out.append(("headcount_cap", f"headcount cap: {s.name} is at its max_headcount "
                                         f"of {_fmt(s.max_headcount)}"))
        if s.max_starts_week is not None and t >= s.lead_weeks:
            capped = [u for u in range(s.lead_weeks, t + 1)
                      if value(model.var["starts"][(s.name, d.weeks[u])]) >= s.max_starts_week - 1e-6]
            if capped:
                out.append(("hiring_pace", f"hiring pace: {s.name} already hires its "
                                           f"max_starts_week of {_fmt(s.max_starts_week)} "
                                           f"({len(capped)} week(s) up to {w})"))
    Q = d.quarter_of_week[t]
    if Q in d.budget:
        room = d.budget[Q] - cost_by_q.get(Q, 0.0)
        if room <= 1e-6 * (1 + d.budget[Q]):
            out.append(("budget", f"budget: the {Q} budget of {_fmt(d.budget[Q])} is spent"))
        elif room < _cheapest_start(model, elig, t):
            out.append(("budget", f"budget: what is left of the {Q} budget of "
                                  f"{_fmt(d.budget[Q])} ({_fmt(room)}) does not pay for one "
                                  f"more start"))
    out += _option_reasons(model, q, t, elig, work)
    floor = model.con.get("inhouse_floor", {}).get((m, w))
    if floor is not None and abs(floor.value()) <= 1e-6 * (1 + d.required[(m, q, t)]):
        share = d.min_inhouse_share[m]
        out.append(("inhouse_floor", f"in-house floor: at least {share:.0%} of market {m}'s "
                                     f"work must be done in-house"))
    if not out:
        out.append(("cost", f"cost: covering it would cost more than the shortfall penalty of "
                            f"{_fmt(d.penalty)} per FTE-week (e.g. a hire for the last weeks "
                            f"of the plan, or a slow vendor)"))
    return out


def _at_limit(con: pulp.LpConstraint | None) -> bool:
    """A ``<=`` row holding with equality (within solver tolerance)."""
    return con is not None and con.value() >= -1e-6 * (1.0 + abs(con.constant))


Work = dict[tuple[str, str, str], float]


def harmful_work(model: Model) -> Work:
    """{(pool, queue, week): FTE} on queues with a wellness limit (empty when none has one)."""
    out: Work = {}
    if model.data.exposure:
        for (p, _m, q, w), v in model.var.get("x", {}).items():
            if q in model.data.exposure:
                out[(p, q, w)] = out.get((p, q, w), 0.0) + value(v)
    return out


def _busy(work: Work, pool: str, week: str, queues: tuple[str, ...] | dict[str, float]) -> bool:
    """Whether the pool does harmful work on these queues that week (a wellness limit that
    holds with no such work at all, e.g. in a pool with no staff, explains nothing)."""
    return sum(work.get((pool, q, week), 0.0) for q in queues) > 1e-6


def _option_reasons(model: Model, q: str, t: int, elig: tuple[str, ...], work: Work
                    ) -> list[tuple[str, str]]:
    """Reasons from the options (overtime, vendor surge, wellness limits); none when off."""
    d, w = model.data, model.data.weeks[t]
    out: list[tuple[str, str]] = []
    overtime = model.con.get("overtime_cap", {})
    for s in d.sites:
        if s.name not in elig or (s.name, w) not in overtime:
            continue
        ot = value(model.var["overtime"][(s.name, w)])
        if ot > 1e-6 and _at_limit(overtime[(s.name, w)]):
            out.append(("overtime_cap", f"overtime cap reached: {s.name} already works its "
                                        f"overtime_max_share of {s.overtime_max_share:.0%} "
                                        f"({_fmt(ot)} FTE) in week {w}"))
    surge = model.con.get("surge_max", {})
    for v in d.vendors:
        if v.name in elig and (v.name, w) in surge and _at_limit(surge[(v.name, w)]):
            out.append(("surge_cap", f"vendor surge cap reached: {v.name} adds its surge max_fte "
                                     f"of {_fmt(d.surge[(v.name, t)][0])} in week {w}"))
    if q in d.exposure:
        single, total = model.con.get("exposure", {}), model.con.get("exposure_total", {})
        for p in elig:
            busy = _busy(work, p, w, (q,) if (p, w) not in total else d.exposure)
            if busy and (_at_limit(single.get((p, q, w))) or _at_limit(total.get((p, w)))):
                out.append(("exposure_limit", f"exposure limit: {p} may spend at most "
                                              f"{d.exposure[q]:.0%} of its productive time on "
                                              f"{q} (max_exposure_share; harmful queues together "
                                              f"at most their largest share)"))
    return out


def shortfall_reasons(model: Model, shortfall: pd.DataFrame, sites: pd.DataFrame,
                      vendors: pd.DataFrame) -> pd.DataFrame:
    """The shortfall table with ``reason_code`` and ``reason`` (words, ``; ``-separated)."""
    out = shortfall.copy()
    cost_by_q = (sites.groupby("quarter")["cost"].sum().add(
        vendors.groupby("quarter")["cost"].sum(), fill_value=0.0)).to_dict()
    pos = {w: t for t, w in enumerate(model.data.weeks)}
    codes, words = [], []
    work = harmful_work(model) if len(out) else {}
    for r in out.itertuples(index=False):
        rs = _reasons(model, r.market, r.queue, pos[str(pd.Timestamp(r.week).date())], cost_by_q, work)
        codes.append(";".join(dict.fromkeys(c for c, _ in rs)))
        words.append("; ".join(x for _, x in rs))
    out["reason_code"] = pd.Series(codes, index=out.index, dtype=object)
    out["reason"] = pd.Series(words, index=out.index, dtype=object)
    return out


def _clean(x: float) -> float:
    return 0.0 if abs(x) < 1e-7 else x


def _limit_groups(plan: Model) -> list[dict]:
    """Binding limits grouped the way a user changes them, each with the one-unit relaxation."""
    d = plan.data
    groups: dict[tuple[str, str, str], dict] = {}

    def binding(con: pulp.LpConstraint) -> bool:
        return abs(con.value()) <= 1e-6 * (1.0 + abs(con.constant))

    work = harmful_work(plan)

    def active(family: str, key: tuple[str, ...]) -> bool:
        """Binding, and for a wellness limit also with harmful work in the row."""
        if not binding(plan.con[family][key]):
            return False
        if family == "exposure":
            return _busy(work, key[0], key[2], (key[1],))
        if family == "exposure_total":
            return _busy(work, key[0], key[1], d.exposure)
        return True

    for family in LIMITS:
        rows = plan.con.get(family, {})
        for key, con in rows.items():
            if family in ("max_headcount", "max_starts", "overtime_cap"):
                gkey, period = (family, key[0], "all weeks"), None
            elif family in ("inhouse_floor", "surge_max", "exposure_total"):
                period = d.quarter_of_week[d.weeks.index(key[1])]
                gkey = (family, key[0], period)
            elif family == "exposure":
                period = d.quarter_of_week[d.weeks.index(key[2])]
                gkey = (family, f"{key[0]} {key[1]}", period)
            else:
                period = key[-1]
                gkey = (family, key[0] if family != "budget" else "", period)
            g = groups.setdefault(gkey, {"rows": [], "binding": 0, "key": key})
            g["rows"].append(key)
            g["binding"] += int(active(family, key) if family.startswith("exposure") else binding(con))
    out = []
    for (family, subject, period), g in groups.items():
        if g["binding"] == 0:
            continue
        sense = LIMITS[family][1]
        rows = g["rows"]
        if family in _BINDING_ROWS_ONLY:
            rows = [k for k in rows if active(family, k)]
        if family == "budget":
            step = max(1.0, round(0.01 * d.budget[period]))
        elif family == "vendor_min":
            step = min(1.0, -plan.con[family][rows[0]].constant)
        else:
            step = 1.0
        delta = step if sense == "<=" else -step
        out.append({"family": family, "subject": subject, "period": period, "binding": g["binding"],
                    "rows": [(family, k, delta) for k in rows], "step": step})
    return out


def _market_groups(plan: Model) -> list[dict]:
    """One more required FTE in every planned week of a market's quarter that has a
    requirement, spread over the market's queues by that week's required FTE."""
    d = plan.data
    by_mt: dict[tuple[str, int], float] = {}
    for (m, _q, t), req in d.required.items():
        by_mt[(m, t)] = by_mt.get((m, t), 0.0) + req
    groups: dict[tuple[str, str], list] = {}
    for (m, q, t), req in sorted(d.required.items(), key=lambda kv: (kv[0][2], kv[0][:2])):
        groups.setdefault((d.quarter_of_week[t], m), []).append(("cover", (m, q, d.weeks[t]), req / by_mt[(m, t)]))
    return [{"quarter": Q, "market": m, "weeks": len({k[2] for _f, k, _s in rows}), "rows": rows}
            for (Q, m), rows in sorted(groups.items())]


@dataclass(frozen=True)
class Explanations:
    """binding and marginal_cost tables (see :func:`binding_limits`, :func:`marginal_costs`);
    resolved: LP re-solves made; skipped: re-solved values left empty by the cap; note: words
    for the plan's message when some were skipped (else empty)."""

    binding: pd.DataFrame
    marginal_cost: pd.DataFrame
    resolved: int
    skipped: int
    note: str


def explain(plan: Model, *, full: bool = False, cap: int | None = None,
            solve_cpu_seconds: float = 0.0) -> Explanations:
    """Shadow prices of the binding limits and marginal costs per market and quarter, from the
    two explanation LPs solved in the plan's HiGHS object (see :mod:`planning.optimise.duals`).

    full: re-solve every group whose change the duals alone do not give (else ``cap`` per
    LP, default ``duals.RESOLVE_CAP``, and more while the explanations have taken less CPU
    time than ``duals.RESOLVE_TIME_SHARE`` x solve_cpu_seconds, the solve's CPU time; the
    rest are NaN and counted in the note).
    """
    deadline = time.process_time() + duals.RESOLVE_TIME_SHARE * solve_cpu_seconds
    cap = duals.RESOLVE_CAP if cap is None else cap
    solver = plan.solver
    limits, markets = _limit_groups(plan), _market_groups(plan)
    groups = [[(solver.row(plan.con[f][k]), dl) for f, k, dl in g["rows"]]  # type: ignore[union-attr]
              for g in limits + markets]
    res = {label: duals.changes(plan, label, groups, full=full, cap=cap, deadline=deadline)
           for label in LPS}
    skipped = sum(r.skipped for r in res.values())
    note = ""
    if skipped:
        note = (f"explanations: {skipped} re-solved values left empty (the duals alone do not "
                f"give them, and the {cap} re-solves per LP and the solve's time were spent); "
                f"`--explain full` computes them all")
    return Explanations(binding_limits(limits, res), marginal_costs(markets, res, len(limits)),
                        sum(r.resolved for r in res.values()), skipped, note)


#: the explanation LPs, in the order they are solved
LPS = ("with_hiring", "fixed_hires")


def binding_limits(limits: list[dict], res: dict[str, Changes]) -> pd.DataFrame:
    """Limits that bind in the plan, grouped as a user would change them, with their value.

    One row per site cap (max_headcount, max_starts_week: all weeks), vendor and quarter
    (max_fte, min_fte), market and quarter (in-house floor, its binding weeks) and quarter
    (budget); with the options on also per site (overtime cap, all weeks), vendor and quarter
    (surge cap, every offered week), pool, queue and quarter (wellness limit, binding weeks).
    binding_weeks: rows binding in the plan. shadow_price_*: objective saved per unit of
    relaxation predicted by the LP duals; saving_*: objective saved when the limit is one unit
    looser (budget: per currency unit, from a 1% step), exact: from the duals where the LP's
    optimal basis stays optimal, else re-solved.
    """
    rows = []
    for k, g in enumerate(limits):
        words, _sense, unit = LIMITS[g["family"]]
        rec = {"limit": g["family"], "what": words, "subject": g["subject"], "period": g["period"],
               "binding_weeks": g["binding"], "unit": unit}
        for label in ("fixed_hires", "with_hiring"):
            rec[f"shadow_price_{label}"] = _clean(-res[label].first[k] / g["step"])
            rec[f"saving_{label}"] = _clean(-res[label].exact[k] / g["step"])
        rows.append(rec)
    cols = ["limit", "what", "subject", "period", "binding_weeks", "shadow_price_fixed_hires",
            "saving_fixed_hires", "shadow_price_with_hiring", "saving_with_hiring", "unit"]
    return pd.DataFrame(rows, columns=cols)


def marginal_costs(markets: list[dict], res: dict[str, Changes], offset: int = 0) -> pd.DataFrame:
    """Cost of one more required FTE per market and quarter.

    One more FTE in every planned week of the quarter that has a requirement, spread over the
    market's queues in proportion to that week's required FTE. extra_cost_*: the objective
    increase (currency for the quarter; exact: from the duals where the basis stays optimal,
    else re-solved); per_fte_week_*: that divided by the weeks; dual_*: the first-order
    estimate from the cover rows' duals. ``offset``: where the markets' groups start in res.
    """
    rows = []
    for k, g in enumerate(markets, start=offset):
        rec: dict = {"quarter": g["quarter"], "market": g["market"], "weeks": g["weeks"]}
        for label in ("fixed_hires", "with_hiring"):
            extra = _clean(res[label].exact[k])
            rec[f"extra_cost_{label}"] = extra
            rec[f"per_fte_week_{label}"] = extra / g["weeks"]
            rec[f"dual_{label}"] = _clean(res[label].first[k])
        rows.append(rec)
    cols = ["quarter", "market", "weeks"] + [f"{a}_{b}" for b in ("fixed_hires", "with_hiring")
                                             for a in ("extra_cost", "per_fte_week", "dual")]
    return pd.DataFrame(rows, columns=cols)
