"""Step 1 of the optimiser: validated tables -> index sets and parameters.

Everything the model needs is turned into plain Python values here (weekly costs, weekly
survival, who may serve what), so :mod:`planning.optimise.build` only writes equations.

Units: costs per week in the plan's currency (``cost_per_fte_month x 12 / 52``), FTE,
weeks. Monthly attrition ``a`` becomes the weekly survival ``(1 - a) ** (12 / 52)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from planning.errors import InputError, Issue
from planning.inputs.tables import Inputs
from planning.periods import mondays_in_quarter, quarter_labels
from planning.units import weekly_from_monthly, weekly_survival

#: default shortfall penalty = this x the highest weekly cost of one FTE
PENALTY_FACTOR = 10.0
#: the budget-overrun penalty makes spending a currency unit over budget cost at least this
#: many times what the same money could save in shortfall (see :func:`_overrun_penalty`)
OVERRUN_FACTOR = 2.0


@dataclass(frozen=True)
class Site:
    """An in-house site. weekly_cost and hire_cost in currency; headcount, caps in FTE."""

    name: str
    languages: frozenset[str]
    headcount: float
    weekly_cost: float
    hire_cost: float
    survival: float
    max_headcount: float | None
    max_starts_week: float | None
    lead_weeks: int
    ramp: tuple[float, ...]
    overtime_max_share: float = 0.0
    overtime_premium: float = 1.5

    def ramp_loss(self) -> tuple[tuple[int, float], ...]:
        """``(k, (1 - ramp[k]) x survival^k)`` for the weeks k a start is below full output.

        A start of week t - k is still ramping in week t: it survived k weeks of attrition
        (``survival^k`` of it is left) and lacks ``1 - ramp[k]`` of a full FTE's output, so
        the site's productive FTE in week t are ``H[t] - sum_k weight_k x starts[t - k]``
        (spec section 4, revised: the survival factor keeps a leaver from being deducted).
        """
        return tuple((k, (1.0 - r) * self.survival ** k) for k, r in enumerate(self.ramp) if r < 1)

    @property
    def overtime_cost(self) -> float:
        """Cost of one overtime FTE-week (currency): weekly cost x overtime_premium."""
        return self.weekly_cost * self.overtime_premium


@dataclass(frozen=True)
class Vendor:
    """A vendor. weekly_price per contracted FTE; markets None means every market."""

    name: str
    languages: frozenset[str]
    weekly_price: float
    min_fte: float
    max_fte: float | None
    markets: frozenset[str] | None
    aht_factor: float


@dataclass(frozen=True)
class ModelData:
    """Index sets and parameters of one plan.

    weeks: ISO dates of the planned Mondays (the index used in names and tables).
    quarter_of_week: calendar quarter of each week (by week index); quarters: the quarters in
    order; weeks_in: planned weeks per quarter.
    required: {(market, queue, week_index): required_fte} for required_fte > 0 only.
    eligible: {(market, queue): pool names that may serve it}, sites first.
    budget: {quarter: cap on that quarter's cost} (pro-rated for partly planned quarters),
        empty when no budget is set.
    penalty: cost of one FTE-week of shortfall; overrun_penalty: cost per currency unit
        of budget overrun (on top of the money itself).
    surge: {(vendor, week_index): (max_fte, price per surge FTE-week)} from the optional
        vendor_surge table (weeks of the plan with max_fte > 0 only); empty = no surge.
    exposure: {queue: max_exposure_share} for queues with a wellness limit; empty = none.
    short_weight: {(market, queue): multiplier of the shortfall penalty}, e.g. 0.99 where
        planning to an SLA confidence would rather concentrate unavoidable shortfall;
        empty = the same penalty everywhere (the contract's objective).
    """

    weeks: tuple[str, ...]
    quarter_of_week: tuple[str, ...]
    quarters: tuple[str, ...]
    weeks_in: dict[str, int]
    sites: tuple[Site, ...]
    vendors: tuple[Vendor, ...]
    language: dict[str, str]
    min_inhouse_share: dict[str, float]
    inhouse_only: dict[str, bool]
    required: dict[tuple[str, str, int], float]
    cells: tuple[tuple[str, str], ...]
    eligible: dict[tuple[str, str], tuple[str, ...]]
    budget: dict[str, float]
    penalty: float
    overrun_penalty: float
    integer_hires: bool
    time_limit_s: float
    mip_gap: float
    seed: int
    surge: dict[tuple[str, int], tuple[float, float]] = field(default_factory=dict)
    exposure: dict[str, float] = field(default_factory=dict)
    short_weight: dict[tuple[str, str], float] = field(default_factory=dict)

    @property
    def site_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.sites)



def _num(value: object) -> float | None:
    """A table cell as a float, None for blank (NaN)."""
    if value is None:
        return None
    f = float(value)  # type: ignore[arg-type]
    return None if math.isnan(f) else f


def sites_of(frame: pd.DataFrame | None) -> tuple[Site, ...]:
    """Sites table -> Site values (weekly cost = cost_per_fte_month x 12 / 52)."""
    if frame is None:
        return ()
    out = []
    for r in frame.itertuples(index=False):
        attr = _num(getattr(r, "attrition_month", 0.0)) or 0.0
        out.append(Site(
            name=str(r.site),
            languages=frozenset(str(x) for x in r.languages),
            headcount=float(r.headcount),
            weekly_cost=weekly_from_monthly(float(r.cost_per_fte_month)),
            hire_cost=_num(getattr(r, "hire_cost", 0.0)) or 0.0,
            survival=weekly_survival(attr),
            max_headcount=_num(getattr(r, "max_headcount", None)),
            max_starts_week=_num(getattr(r, "max_starts_week", None)),
            lead_weeks=int(getattr(r, "lead_weeks", 0) or 0),
            ramp=tuple(float(x) for x in (getattr(r, "ramp", ()) or ())),
            overtime_max_share=_num(getattr(r, "overtime_max_share", 0.0)) or 0.0,
            overtime_premium=_num(getattr(r, "overtime_premium", 1.5)) or 1.5,
        ))
    return tuple(out)


def vendors_of(frame: pd.DataFrame | None) -> tuple[Vendor, ...]:
    """Vendors table -> Vendor values (weekly price = price_per_fte_month x 12 / 52)."""
    if frame is None:
        return ()
    out = []
    for r in frame.itertuples(index=False):
        markets = tuple(str(x) for x in (getattr(r, "markets", ("*",)) or ("*",)))
        out.append(Vendor(
            name=str(r.vendor),
            languages=frozenset(str(x) for x in r.languages),
            weekly_price=weekly_from_monthly(float(r.price_per_fte_month)),
            min_fte=_num(getattr(r, "min_fte", 0.0)) or 0.0,
            max_fte=_num(getattr(r, "max_fte", None)),
            markets=None if "*" in markets else frozenset(markets),
            aht_factor=_num(getattr(r, "aht_factor", 1.0)) or 1.0,
        ))
    return tuple(out)


def default_penalty(sites: tuple[Site, ...], vendors: tuple[Vendor, ...]) -> float:
    """10 x the highest weekly cost of one FTE in any site or vendor (1.0 if all are free)."""
    costs = [s.weekly_cost for s in sites] + [v.weekly_price for v in vendors]
    top = max(costs, default=0.0)
    return PENALTY_FACTOR * top if top > 0 else 1.0


def _overrun_penalty(penalty: float, sites: tuple[Site, ...], vendors: tuple[Vendor, ...],
                     extra: tuple[float, ...] = ()) -> float:
    """Penalty per currency unit of budget overrun.

    Covering one FTE-week costs at least the cheapest positive weekly cost ``c_min`` and
    saves at most ``penalty``, so with an overrun penalty of ``2 x penalty / c_min`` the
    plan never overspends to avoid shortfall: it overruns only for costs it cannot avoid
    (today's headcount, vendor minimums). extra: further costs per productive FTE-week
    (overtime, vendor surge) when those options are on.
    """
    costs = [s.weekly_cost for s in sites] + [v.weekly_price * v.aht_factor for v in vendors]
    costs += list(extra)
    positive = [c for c in costs if c > 0]
    if not positive:
        return PENALTY_FACTOR
    return max(PENALTY_FACTOR, OVERRUN_FACTOR * penalty / min(positive))


def serves(pool: Site | Vendor, market: str, queue: str, language: str, inhouse_only: bool) -> bool:
    """Whether a pool may serve a (market, queue): language, vendor market list, in-house-only."""
    if language not in pool.languages:
        return False
    if isinstance(pool, Vendor):
        if inhouse_only:
            return False
        if pool.markets is not None and market not in pool.markets:
            return False
    return True


def _check_requirements(req: pd.DataFrame, markets: set[str], queues: set[str]) -> list[Issue]:
    issues: list[Issue] = []
    for col in ("market", "queue", "week", "required_fte"):
        if col not in req.columns:
            issues.append(Issue("requirements", None, col, None, "column is missing"))
    if issues:
        return issues
    for i, r in enumerate(req.itertuples(index=False)):
        row = i + 2
        if r.market not in markets:
            issues.append(Issue("requirements", row, "market", str(r.market),
                                "a market of the markets table"))
        if r.queue not in queues:
            issues.append(Issue("requirements", row, "queue", str(r.queue),
                                "a queue of the queues table"))
        v = r.required_fte
        if v is None or not math.isfinite(float(v)) or float(v) < 0:
            issues.append(Issue("requirements", row, "required_fte", str(v),
                                "a number >= 0"))
    dup = req.duplicated(["market", "queue", "week"], keep="first")
    for i in dup[dup].index[:20]:
        issues.append(Issue("requirements", int(req.index.get_loc(i)) + 2, "week",
                            str(pd.Timestamp(req.at[i, "week"]).date()),
                            "one row per market, queue and week (this one repeats)"))
    return issues


_PUNCT = str.maketrans("-+[] ->/", "________")


def _check_names(inputs: Inputs, sites: tuple[Site, ...], vendors: tuple[Vendor, ...]) -> list[Issue]:
    """Pool names shared by a site and a vendor (pools share one index), and names that
    differ only in the characters ``-+[] ->/`` (the solver's names cannot tell them apart)."""
    issues: list[Issue] = []
    site_names = {s.name for s in sites}
    for i, v in enumerate(vendors):
        if v.name in site_names:
            issues.append(Issue("vendors", i + 2, "vendor", v.name,
                                "a name different from every site (allocation rows name the pool)"))
    tables = {"sites": ("site", [s.name for s in sites]), "vendors": ("vendor", [v.name for v in vendors]),
              "markets": ("market", list(inputs.markets["market"].astype(str))),
              "queues": ("queue", list(inputs.queues["queue"].astype(str)))}
    for table, (col, names) in tables.items():
        seen: dict[str, str] = {}
        for i, n in enumerate(names):
            key = n.translate(_PUNCT)
            if key in seen and seen[key] != n:
                issues.append(Issue(table, i + 2, col, n, f"a name that differs from '{seen[key]}' "
                                    "in more than the characters - + [ ] space > /"))
            seen.setdefault(key, n)
    return issues


def build_data(inputs: Inputs, requirements: pd.DataFrame, *, time_limit_s: float | None = None,
               mip_gap: float | None = None) -> ModelData:
    """Index sets and parameters from validated inputs and a requirements table.

    requirements: columns market, queue, week (Monday), required_fte; rows outside the
    plan's weeks are ignored, missing rows mean 0. Raises InputError for requirement rows
    naming unknown markets or queues, negative or repeated rows.
    """
    scen = inputs.scenario
    solver = scen.solver
    weeks = inputs.plan_weeks()
    mk = inputs.markets
    qu = inputs.queues
    language = dict(zip(mk["market"].astype(str), mk["language"].astype(str), strict=True))
    share_col = mk["min_inhouse_share"] if "min_inhouse_share" in mk else pd.Series(0.0, index=mk.index)
    min_share = dict(zip(mk["market"].astype(str), share_col.fillna(0.0).astype(float), strict=True))
    only_col = qu["inhouse_only"] if "inhouse_only" in qu else pd.Series(False, index=qu.index)
    inhouse_only = dict(zip(qu["queue"].astype(str), only_col.fillna(False).astype(bool), strict=True))

    sites = sites_of(inputs.sites)
    vendors = vendors_of(inputs.vendors)
    issues = _check_requirements(requirements, set(language), set(inhouse_only))
    issues += _check_names(inputs, sites, vendors)
    issues += _check_surge(inputs.vendor_surge, vendors)
    if issues:
        raise InputError(issues)

    week_pos = {pd.Timestamp(w): t for t, w in enumerate(weeks)}
    required: dict[tuple[str, str, int], float] = {}
    for r in requirements.itertuples(index=False):
        t = week_pos.get(pd.Timestamp(r.week))
        if t is not None and float(r.required_fte) > 0:
            required[(str(r.market), str(r.queue), t)] = float(r.required_fte)
    cells = tuple(sorted({(m, q) for m, q, _ in required}))
    pools: list[Site | Vendor] = [*sites, *vendors]
    eligible = {
        (m, q): tuple(p.name for p in pools if serves(p, m, q, language[m], inhouse_only[q]))
        for m, q in cells
    }

    week_labels = tuple(str(w.date()) for w in weeks)
    quarter_of_week = tuple(quarter_labels(weeks))
    quarters = tuple(dict.fromkeys(quarter_of_week))
    weeks_in = {q: quarter_of_week.count(q) for q in quarters}
    penalty = solver.shortfall_penalty
    if penalty is None:
        penalty = default_penalty(sites, vendors)
    budget: dict[str, float] = {}
    if solver.budget_per_quarter is not None:
        for q in quarters:
            budget[q] = solver.budget_per_quarter * weeks_in[q] / mondays_in_quarter(q)
    surge = surge_of(inputs.vendor_surge, vendors, week_pos)
    exposure = exposure_of(qu)
    extra = tuple(s.overtime_cost for s in sites if s.overtime_max_share > 0)
    factor = {v.name: v.aht_factor for v in vendors}
    extra += tuple(price * factor[v] for (v, _t), (_cap, price) in surge.items())
    return ModelData(
        weeks=week_labels, quarter_of_week=quarter_of_week, quarters=quarters, weeks_in=weeks_in,
        sites=sites, vendors=vendors, language=language, min_inhouse_share=min_share,
        inhouse_only=inhouse_only, required=required, cells=cells, eligible=eligible,
        budget=budget, penalty=float(penalty),
        overrun_penalty=_overrun_penalty(float(penalty), sites, vendors, extra),
        integer_hires=solver.integer_hires,
        time_limit_s=float(solver.time_limit_s if time_limit_s is None else time_limit_s),
        mip_gap=float(solver.mip_gap if mip_gap is None else mip_gap),
        seed=int(solver.seed),
        surge=surge, exposure=exposure,
    )


def _check_surge(frame: pd.DataFrame | None, vendors: tuple[Vendor, ...]) -> list[Issue]:
    """vendor_surge rows must name a vendor of the vendors table (the loader checks this too;
    tables built in code come here directly)."""
    if frame is None or frame.empty:
        return []
    names = {v.name for v in vendors}
    return [Issue("vendor_surge", i + 2, "vendor", str(r.vendor), "is not in the vendors table")
            for i, r in enumerate(frame.itertuples(index=False)) if str(r.vendor) not in names]


def surge_of(frame: pd.DataFrame | None, vendors: tuple[Vendor, ...],
             week_pos: dict[pd.Timestamp, int]) -> dict[tuple[str, int], tuple[float, float]]:
    """vendor_surge rows -> {(vendor, week_index): (max_fte, price per surge FTE-week)}.

    The price is price_per_fte_week, or premium x the vendor's weekly price when blank.
    Rows outside the plan's weeks and rows with max_fte 0 are left out.
    """
    if frame is None or frame.empty:
        return {}
    weekly = {v.name: v.weekly_price for v in vendors}
    out: dict[tuple[str, int], tuple[float, float]] = {}
    for r in frame.itertuples(index=False):
        t = week_pos.get(pd.Timestamp(r.week))
        cap = _num(r.max_fte) or 0.0
        if t is None or cap <= 0 or str(r.vendor) not in weekly:
            continue
        price = _num(getattr(r, "price_per_fte_week", None))
        if price is None:
            premium = _num(getattr(r, "premium", 1.5))
            price = (1.5 if premium is None else premium) * weekly[str(r.vendor)]
        out[(str(r.vendor), t)] = (cap, price)
    return out


def exposure_of(queues: pd.DataFrame) -> dict[str, float]:
    """{queue: max_exposure_share} for queues whose max_exposure_share is given."""
    if "max_exposure_share" not in queues:
        return {}
    return {str(q): float(x) for q, x in zip(queues["queue"], queues["max_exposure_share"], strict=True)
            if _num(x) is not None}

