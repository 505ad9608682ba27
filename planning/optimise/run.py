"""The optimiser end to end: data -> build -> solve -> extract -> explain -> ask."""

from __future__ import annotations

import dataclasses
import time

import pandas as pd

from planning.inputs.tables import Inputs
from planning.optimise.ask import hiring_schedule, market_ask, site_ask, vendor_ask
from planning.optimise.build import build_model
from planning.optimise.commitments import Commitments, apply_commitments
from planning.optimise.data import build_data
from planning.optimise.explain import explain as explain_plan
from planning.optimise.explain import shortfall_reasons
from planning.optimise.extract import extract
from planning.optimise.result import PlanResult
from planning.optimise.solve import PlanStatus, solve


def optimise(inputs: Inputs, requirements: pd.DataFrame, *, time_limit_s: float | None = None,
             mip_gap: float | None = None, explain: bool | str = True,
             commitments: Commitments | None = None, verbose: bool = False,
             shortfall_weights: dict[tuple[str, str], float] | None = None) -> PlanResult:
    """Optimise the staffing plan for a requirements table (market, queue, week, required_fte).

    time_limit_s, mip_gap: override the scenario's [solver] settings; the time limit covers
        the whole solve (handing the model to HiGHS included), see planning/optimise/solve.py.
    explain: also compute shadow prices and marginal costs (True: from the duals, re-solving
        at most a capped number of degenerate cases; "full": re-solve every one of those;
        False: none).
    commitments: hires already in the pipeline and vendor contracts already signed (a
        re-plan, see planning/actuals/replan.py); they bind the plan and its explanation LPs.
    verbose: HiGHS's log on stdout (silent otherwise).
    shortfall_weights: {(market, queue): multiplier of the shortfall penalty} (default 1
        everywhere; planning.risk.confidence lowers it slightly where shortfall is certain).
    Raises InputError for contradictory requirement rows; an uncoverable requirement is
    never an error but shortfall with its reasons.
    """
    t0 = time.perf_counter()
    data = build_data(inputs, requirements, time_limit_s=time_limit_s, mip_gap=mip_gap)
    if shortfall_weights:
        data = dataclasses.replace(data, short_weight=dict(shortfall_weights))
    model = build_model(data)
    if commitments is not None:
        apply_commitments(model, commitments)
    build_s = time.perf_counter() - t0
    cpu = time.process_time()
    out = solve(model, time_limit_s=data.time_limit_s, mip_gap=data.mip_gap, seed=data.seed,
                verbose=verbose)
    cpu = time.process_time() - cpu
    if out.status == PlanStatus.ERROR:
        return PlanResult(PlanStatus.ERROR, message=out.message, penalty=data.penalty,
                          build_seconds=build_s, solve_seconds=out.seconds)
    sol = extract(model)
    binding = marginal = pd.DataFrame()
    message = out.message
    if explain:
        why = explain_plan(model, full=explain == "full", solve_cpu_seconds=cpu)
        binding, marginal = why.binding, why.marginal_cost
        message = "; ".join(x for x in (message, why.note) if x)
    return PlanResult(
        status=out.status, objective=out.objective, total_cost=sol.total_cost,
        shortfall_fte_weeks=sol.shortfall_fte_weeks, gap=out.gap, message=message,
        penalty=data.penalty, build_seconds=build_s, solve_seconds=out.seconds,
        sites=sol.sites, vendors=sol.vendors, allocation=sol.allocation,
        shortfall=shortfall_reasons(model, sol.shortfall, sol.sites, sol.vendors),
        quarterly=sol.quarterly, budget=sol.budget,
        ask_sites=site_ask(model, sol), ask_vendors=vendor_ask(sol),
        ask_markets=market_ask(model, sol), hiring=hiring_schedule(model, sol),
        binding=binding, marginal_cost=marginal, surge=sol.surge, exposure=sol.exposure,
    )
