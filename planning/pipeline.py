"""The stages every front end runs: the app and the CLI call these and nothing else.

volumes -> forecast -> requirements -> plan. Each stage starts from its own input table when
the user brought one (a ``forecast`` or ``requirements`` table in the inputs).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from forecasts import ForecastResult, ForecastWarning
from planning.errors import InputError, Issue
from planning.forecast_cache import ForecastCache
from planning.forecast_stage import forecast_stage
from planning.inputs.tables import Inputs
from planning.optimise import PlanResult, optimise
from planning.optimise.commitments import Commitments
from planning.periods import plan_weeks
from planning.requirements.compute import compute_requirements
from planning.risk.confidence import ConfidencePlan, plan_to_confidence


def forecast_result(inputs: Inputs, *, cache: ForecastCache | None = None) -> ForecastResult:
    """The daily forecast the plan is staffed from, with the backtest it was chosen by and
    the forecast's warnings.

    A ``forecast`` table in the inputs always takes precedence (its result has an empty
    backtest: nothing was chosen); otherwise the forecast stage runs on ``volumes``,
    through ``cache`` (default: the cache in force, see :mod:`planning.forecast_cache`).
    """
    if inputs.forecast is not None:
        return ForecastResult(inputs.forecast, pd.DataFrame())
    if inputs.volumes is None:
        raise InputError([Issue("volumes", None, None, None,
                                "table is missing: provide volumes (daily history) or a forecast table")])
    return forecast_stage(inputs, quantiles=plan_quantiles(inputs), cache=cache)


def forecast_table(inputs: Inputs) -> pd.DataFrame:
    """The daily forecast the plan is staffed from (the contract's ``forecast`` table):
    :func:`forecast_result` without the backtest."""
    return forecast_result(inputs).forecast


def plan_quantiles(inputs: Inputs) -> tuple[float, ...]:
    """Quantiles every forecast is made at: P10, P50, P90 and the staffed one."""
    return tuple(sorted({0.1, 0.5, 0.9, round(inputs.scenario.plan.quantile, 2)}))


def requirements_table(inputs: Inputs, forecast: pd.DataFrame | None = None) -> pd.DataFrame:
    """Required FTE per market, queue and week of the plan.

    A ``requirements`` table in the inputs replaces the forecast and requirements stages;
    it must hold a row for every planned week of each (market, queue) it names.
    """
    if inputs.requirements is not None:
        return _given_requirements(inputs)
    if forecast is None:
        forecast = forecast_table(inputs)
    return compute_requirements(inputs, forecast)


def _given_requirements(inputs: Inputs) -> pd.DataFrame:
    weeks = plan_weeks(inputs.scenario.plan.start, inputs.scenario.plan.weeks)
    req = inputs.requirements
    in_plan = req[req["week"].isin(weeks)]
    issues = []
    for market, queue in req[["market", "queue"]].drop_duplicates().itertuples(index=False):
        have = set(in_plan.loc[(in_plan["market"] == market) & (in_plan["queue"] == queue), "week"])
        missing = [w for w in weeks if w not in have]
        if missing:
            issues.append(Issue("requirements", None, "week", str(missing[0].date()),
                                f"market {market} queue {queue} has no row for this week; the plan "
                                f"needs weeks {weeks[0].date()} to {weeks[-1].date()} "
                                f"({len(missing)} missing)"))
    if issues:
        raise InputError(issues)
    return in_plan.sort_values(["market", "queue", "week"]).reset_index(drop=True)


@dataclass(frozen=True)
class PipelineRun:
    """Everything one run of the pipeline produced.

    forecast: the daily forecast staffed from (None when a requirements table was given);
    requirements: required FTE per market, queue and week; plan: the optimised plan;
    confidence: with ``[plan] sla_confidence``, the calibration behind the plan (levels,
    probabilities per market, queue and quarter; planning.risk.confidence), else None.
    warnings: the forecast's warnings when this run made the forecast (see
    :class:`forecasts.ForecastWarning`).
    """

    forecast: pd.DataFrame | None
    requirements: pd.DataFrame
    plan: PlanResult
    confidence: ConfidencePlan | None = None
    warnings: tuple[ForecastWarning, ...] = ()


def run_plan(inputs: Inputs, *, forecast: pd.DataFrame | None = None,
             requirements: pd.DataFrame | None = None, time_limit_s: float | None = None,
             mip_gap: float | None = None, explain: bool | str = True,
             verbose: bool = False) -> PipelineRun:
    """Forecast (unless given), requirements (unless given) and the optimised plan.

    time_limit_s, mip_gap: override the scenario's solver settings; explain, verbose: as for
    :func:`planning.optimise.optimise`.
    With ``[plan] sla_confidence`` the plan is the cheapest one meeting every cell's
    quarterly SLA with that probability (planning.risk.confidence): its requirement comes
    from the calibration, so a ``requirements`` argument is not used.
    Raises InputError on inputs a stage cannot use; an uncoverable demand is shortfall.
    """
    if inputs.sites is None:
        raise InputError([Issue("sites", None, None, None,
                                "table is missing: the plan needs at least one in-house site")])
    warnings: tuple[ForecastWarning, ...] = ()
    if inputs.scenario.plan.sla_confidence is not None:
        if inputs.requirements is not None:
            raise InputError([Issue("requirements", None, None, None, "plan.sla_confidence "
                                    "plans against the forecast's uncertainty: remove the "
                                    "requirements table, or the sla_confidence key")])
        if forecast is None:
            made = forecast_result(inputs)
            forecast, warnings = made.forecast, made.warnings
        conf = plan_to_confidence(inputs, forecast, time_limit_s=time_limit_s, mip_gap=mip_gap,
                                  explain=explain, commitments=input_commitments(inputs))
        return PipelineRun(forecast, conf.requirements, conf.plan, conf, warnings)
    if requirements is None:
        if forecast is None and inputs.requirements is None:
            made = forecast_result(inputs)
            forecast, warnings = made.forecast, made.warnings
        requirements = requirements_table(inputs, forecast)
    plan = optimise(inputs, requirements, time_limit_s=time_limit_s, mip_gap=mip_gap,
                    commitments=input_commitments(inputs), explain=explain, verbose=verbose)
    return PipelineRun(forecast, requirements, plan, warnings=warnings)


def input_commitments(inputs: Inputs) -> Commitments | None:
    """Hires and vendor contracts already committed (``committed_starts``,
    ``signed_vendor_fte`` tables, as a re-plan writes them), or None when there are none."""
    starts, signed = inputs.committed_starts, inputs.signed_vendor_fte
    if (starts is None or starts.empty) and (signed is None or signed.empty):
        return None
    given = {}
    if starts is not None and not starts.empty:
        given["starts"] = starts[["site", "week", "starts"]].reset_index(drop=True)
    if signed is not None and not signed.empty:
        given["vendor_fte"] = signed[["vendor", "quarter", "fte"]].reset_index(drop=True)
    return Commitments(**given)
