"""Step 2 of the optimiser: index sets and parameters -> a PuLP problem.

Every variable and constraint is named after its index, e.g. ``starts[SG][2027-01-04]``,
``cover[ID][listing_review][2027-01-04]``, ``vendor_max[BPO1][2027Q1]``. The
:class:`Model` keeps them in dictionaries keyed by family and index tuple; PuLP itself
stores the same name with ``[]-`` replaced by ``_``.

Families (see docs/optimiser.md):

variables: starts[s][t], H[s][t], F[v][Q], x[p][m][q][t], short[m][q][t], overrun[Q]
constraints: headcount[s][t], max_headcount[s][t], max_starts[s][t], site_capacity[s][t],
vendor_min[v][Q], vendor_max[v][Q], vendor_capacity[v][t], cover[m][q][t],
inhouse_floor[m][t], budget[Q]

Options, each off by default (then none of these exists and the model is the contract's):
overtime[s][t] with overtime_cap[s][t] (sites with overtime_max_share > 0); surge[v][t] with
surge_max[v][t] (rows of the vendor_surge table); exposure[p][q][t] and exposure_total[p][t]
(queues with max_exposure_share).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pulp

from planning.optimise.data import ModelData

Key = tuple[str, ...]


def name(family: str, *index: object) -> str:
    """Readable name of a variable or constraint: ``family[i1][i2]...``."""
    return f"{family}[{']['.join(map(str, index))}]" if index else family


@dataclass
class Model:
    """A built PuLP problem with its variables and constraints by family and index."""

    data: ModelData
    prob: pulp.LpProblem
    var: dict[str, dict[Key, pulp.LpVariable]] = field(default_factory=dict)
    con: dict[str, dict[Key, pulp.LpConstraint]] = field(default_factory=dict)
    integer: bool = True
    #: the live solver after :func:`planning.optimise.solve.solve` (a ``highs.Solver``)
    solver: object = None
    #: readable names by ``id()`` of each variable and row (PuLP keeps sanitised ones)
    names: dict[int, str] = field(default_factory=dict)

    def add_var(self, family: str, key: Key, low: float | None = 0.0, up: float | None = None,
                integer: bool = False) -> pulp.LpVariable:
        cat = pulp.LpInteger if integer else pulp.LpContinuous
        readable = name(family, *key)
        v = self.prob.add_variable(readable, lowBound=low, upBound=up, cat=cat)
        self.var.setdefault(family, {})[key] = v
        self.names[id(v)] = readable
        return v

    def add_con(self, family: str, key: Key, constraint: pulp.LpConstraint) -> None:
        # PuLP 4 keeps its own copy of an added row and returns it; PuLP 3 returns None
        readable = name(family, *key)
        stored = self.prob.addConstraint(constraint, readable)
        row = stored if isinstance(stored, pulp.LpConstraint) else constraint
        self.con.setdefault(family, {})[key] = row
        self.names[id(row)] = readable


def build_model(data: ModelData, *, integer: bool | None = None,
                fixed_starts: dict[Key, float] | None = None) -> Model:
    """The plan's MIP (or LP) as a PuLP problem, following docs/optimiser.md line by line.

    integer: whole-person starts; default data.integer_hires.
    fixed_starts: {(site, week): value} to fix starts at (the LP used for shadow prices of a
        MIP plan).
    """
    integer = data.integer_hires if integer is None else integer
    m = Model(data, pulp.LpProblem("headcount_plan", pulp.LpMinimize), integer=integer)
    weeks, T = data.weeks, len(data.weeks)
    cost_terms: dict[str, list] = defaultdict(list)  # quarter -> cost expression terms
    obj: list = []

    # x variables first, so capacity rows can collect them
    by_pool: dict[tuple[str, int], list] = defaultdict(list)
    harmful: dict[tuple[str, int], dict[str, list]] = defaultdict(lambda: defaultdict(list))
    by_market: dict[tuple[str, int], tuple[list, list]] = {}
    site_names = set(data.site_names)
    vendor_factor = {v.name: v.aht_factor for v in data.vendors}
    for (mk, q, t), _req in sorted(data.required.items(), key=lambda kv: (kv[0][2], kv[0][:2])):
        ins, outs = by_market.setdefault((mk, t), ([], []))
        for p in data.eligible[(mk, q)]:
            x = m.add_var("x", (p, mk, q, weeks[t]))
            by_pool[(p, t)].append(x)
            (ins if p in site_names else outs).append(x)
            if q in data.exposure:
                harmful[(p, t)][q].append(x)

    for s in data.sites:
        starts, H = [], []
        for t in range(T):
            key = (s.name, weeks[t])
            up = 0.0 if t < s.lead_weeks else None
            if fixed_starts is not None:
                low = up = fixed_starts[key]
            else:
                low = 0.0
            starts.append(m.add_var("starts", key, low, up, integer=integer))
            H.append(m.add_var("H", key))
        for t in range(T):
            key = (s.name, weeks[t])
            prev = s.survival * H[t - 1] if t > 0 else s.survival * s.headcount
            m.add_con("headcount", key, H[t] == prev + starts[t])
            if s.max_headcount is not None:
                m.add_con("max_headcount", key, H[t] <= s.max_headcount)
            if s.max_starts_week is not None and t >= s.lead_weeks:
                m.add_con("max_starts", key, starts[t] <= s.max_starts_week)
            ramp_loss = [w * starts[t - k] for k, w in s.ramp_loss() if t - k >= 0]
            week_cost = [s.weekly_cost * H[t], s.hire_cost * starts[t]]
            if s.overtime_max_share > 0:
                ot = m.add_var("overtime", key)
                m.add_con("overtime_cap", key,
                          ot <= s.overtime_max_share * (H[t] - pulp.lpSum(ramp_loss)))
                m.add_con("site_capacity", key,
                          pulp.lpSum(by_pool[(s.name, t)]) <= H[t] - pulp.lpSum(ramp_loss) + ot)
                week_cost.append(s.overtime_cost * ot)
            else:
                m.add_con("site_capacity", key,
                          pulp.lpSum(by_pool[(s.name, t)]) <= H[t] - pulp.lpSum(ramp_loss))
            _exposure(m, s.name, t, harmful.get((s.name, t)), H[t] - pulp.lpSum(ramp_loss))
            obj.extend(week_cost)
            cost_terms[data.quarter_of_week[t]].extend(week_cost)

    for v in data.vendors:
        F = {}
        for Q in data.quarters:
            F[Q] = m.add_var("F", (v.name, Q))
            if v.min_fte > 0:
                m.add_con("vendor_min", (v.name, Q), F[Q] >= v.min_fte)
            if v.max_fte is not None:
                m.add_con("vendor_max", (v.name, Q), F[Q] <= v.max_fte)
            cost = v.weekly_price * data.weeks_in[Q] * F[Q]
            obj.append(cost)
            cost_terms[Q].append(cost)
        for t in range(T):
            capacity = (1.0 / vendor_factor[v.name]) * F[data.quarter_of_week[t]]
            if (v.name, t) in data.surge:
                top, price = data.surge[(v.name, t)]
                sv = m.add_var("surge", (v.name, weeks[t]))
                m.add_con("surge_max", (v.name, weeks[t]), sv <= top)
                capacity = capacity + (1.0 / vendor_factor[v.name]) * sv
                obj.append(price * sv)
                cost_terms[data.quarter_of_week[t]].append(price * sv)
            m.add_con("vendor_capacity", (v.name, weeks[t]), pulp.lpSum(by_pool[(v.name, t)]) <= capacity)
            _exposure(m, v.name, t, harmful.get((v.name, t)), capacity)

    for (mk, q, t), req in sorted(data.required.items(), key=lambda kv: (kv[0][2], kv[0][:2])):
        short = m.add_var("short", (mk, q, weeks[t]))
        weight = data.short_weight.get((mk, q))
        obj.append((data.penalty if weight is None else data.penalty * weight) * short)
        xs = [m.var["x"][(p, mk, q, weeks[t])] for p in data.eligible[(mk, q)]]
        # the contract's ">=" written as "=": x never exceeds what the queue needs (docs)
        m.add_con("cover", (mk, q, weeks[t]), pulp.lpSum([*xs, short]) == req)

    for (mk, t), (ins, outs) in sorted(by_market.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        share = data.min_inhouse_share.get(mk, 0.0)
        if share > 0 and (ins or outs):
            m.add_con("inhouse_floor", (mk, weeks[t]),
                      pulp.lpSum(ins) >= share * pulp.lpSum([*ins, *outs]))

    for Q, cap in data.budget.items():
        over = m.add_var("overrun", (Q,))
        obj.append(data.overrun_penalty * over)
        m.add_con("budget", (Q,), pulp.lpSum(cost_terms[Q]) <= cap + over)

    m.prob.setObjective(pulp.lpSum(obj))
    return m


def _exposure(m: Model, pool: str, t: int, work: dict[str, list] | None,
              capacity: pulp.LpAffineExpression) -> None:
    """Wellness limits of one pool in week t (docs/optimiser.md, "Wellness limits").

    capacity: the pool's productive FTE that week without overtime (site: headcount less the
    ramp deduction; vendor: (F + surge) / aht_factor). Per harmful queue q:
    ``exposure[p][q][t]``: its work <= max_exposure_share_q x capacity; with two or more
    harmful queues also ``exposure_total[p][t]``: their work together <= the largest of
    their shares x capacity.
    """
    if not work:
        return
    d, week = m.data, m.data.weeks[t]
    for q, xs in sorted(work.items()):
        m.add_con("exposure", (pool, q, week), pulp.lpSum(xs) <= d.exposure[q] * capacity)
    if len(work) > 1:
        top = max(d.exposure[q] for q in work)
        m.add_con("exposure_total", (pool, week),
                  pulp.lpSum([x for xs in work.values() for x in xs]) <= top * capacity)
