"""The optimiser end to end: data -> build -> solve -> extract -> explain -> ask."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import pandas as pd

from planning.actuals.replan import Commitments
from planning.inputs.tables import Inputs
from planning.optimise.ask import hiring_schedule, market_ask, site_ask, vendor_ask
from planning.optimise.build import build_model
from planning.optimise.commitments import apply_commitments
from planning.optimise.data import build_data
from planning.optimise.explain import (
    binding_limits,
    explanation_lps,
    marginal_costs,
    shortfall_reasons,
)
from planning.optimise.extract import extract
from planning.optimise.solve import PlanStatus, solve


def _empty() -> pd.DataFrame:
    return pd.DataFrame()


@dataclass(frozen=True)
class PlanResult:
    """An optimised plan.

    status: optimal, time_limit (best plan found) or error (no plan; see message).
    objective: the objective as solved (currency, shortfall and budget-overrun penalties
        included); total_cost: the plan's cost without penalties (currency);
    shortfall_fte_weeks: total uncovered requirement (FTE-weeks); gap: relative MIP gap.
    Tables (long DataFrames): sites, vendors, allocation, shortfall (with reason_code and
    reason), quarterly, budget, and the ask: ask_sites, ask_vendors, ask_markets, hiring;
    explanations: binding (limits, shadow prices and re-solved savings), marginal_cost (cost
    of one more required FTE per market and quarter).
    Options (empty when off): surge (vendor surge used per vendor_surge row), exposure (work
    on queues with max_exposure_share per pool and week); sites gains overtime_fte and
    overtime_cost when a site allows overtime. total_cost includes overtime and surge.
    """

    status: PlanStatus
    objective: float | None = None
    total_cost: float | None = None
    shortfall_fte_weeks: float | None = None
    gap: float | None = None
    message: str = ""
    penalty: float | None = None
    build_seconds: float = 0.0
    solve_seconds: float = 0.0
    sites: pd.DataFrame = field(default_factory=_empty)
    vendors: pd.DataFrame = field(default_factory=_empty)
    allocation: pd.DataFrame = field(default_factory=_empty)
    shortfall: pd.DataFrame = field(default_factory=_empty)
    quarterly: pd.DataFrame = field(default_factory=_empty)
    budget: pd.DataFrame = field(default_factory=_empty)
    ask_sites: pd.DataFrame = field(default_factory=_empty)
    ask_vendors: pd.DataFrame = field(default_factory=_empty)
    ask_markets: pd.DataFrame = field(default_factory=_empty)
    hiring: pd.DataFrame = field(default_factory=_empty)
    binding: pd.DataFrame = field(default_factory=_empty)
    marginal_cost: pd.DataFrame = field(default_factory=_empty)
    surge: pd.DataFrame = field(default_factory=_empty)
    exposure: pd.DataFrame = field(default_factory=_empty)

    @property
    def ok(self) -> bool:
        """True when there is a plan (optimal or best found at the time limit)."""
        return self.status != PlanStatus.ERROR


def optimise(inputs: Inputs, requirements: pd.DataFrame, *, time_limit_s: float | None = None,
             mip_gap: float | None = None, explain: bool = True,
             commitments: Commitments | None = None) -> PlanResult:
    """Optimise the staffing plan for a requirements table (market, queue, week, required_fte).

    time_limit_s, mip_gap: override the scenario's [solver] settings.
    explain: also compute shadow prices and marginal costs (two extra LP solves).
    commitments: hires already in the pipeline and vendor contracts already signed (a
        re-plan, see planning/replan.py); they bind the plan and its explanation LPs.
    Raises InputError for contradictory requirement rows; an uncoverable requirement is
    never an error but shortfall with its reasons.
    """
    t0 = time.perf_counter()
    data = build_data(inputs, requirements, time_limit_s=time_limit_s, mip_gap=mip_gap)
    model = build_model(data)
    if commitments is not None:

        apply_commitments(model, commitments)
    build_s = time.perf_counter() - t0
    out = solve(model, time_limit_s=data.time_limit_s, mip_gap=data.mip_gap, seed=data.seed)
    if out.status == PlanStatus.ERROR:
        return PlanResult(PlanStatus.ERROR, message=out.message, penalty=data.penalty,
                          build_seconds=build_s, solve_seconds=out.seconds)
    sol = extract(model)
    binding = marginal = _empty()
    if explain:
        lps = explanation_lps(model, commitments)
        binding = binding_limits(model, lps)
        marginal = marginal_costs(model, lps)
    return PlanResult(
        status=out.status, objective=out.objective, total_cost=sol.total_cost,
        shortfall_fte_weeks=sol.shortfall_fte_weeks, gap=out.gap, message=out.message,
        penalty=data.penalty, build_seconds=build_s, solve_seconds=out.seconds,
        sites=sol.sites, vendors=sol.vendors, allocation=sol.allocation,
        shortfall=shortfall_reasons(model, sol.shortfall, sol.sites, sol.vendors),
        quarterly=sol.quarterly, budget=sol.budget,
        ask_sites=site_ask(model, sol), ask_vendors=vendor_ask(sol),
        ask_markets=market_ask(model, sol), hiring=hiring_schedule(model, sol),
        binding=binding, marginal_cost=marginal, surge=sol.surge, exposure=sol.exposure,
    )
