"""The stages every front end runs: the app and the CLI call these and nothing else.

volumes -> forecast -> requirements -> plan. Each stage starts from its own input table when
the user brought one (a ``forecast`` or ``requirements`` table in the inputs).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from forecasts import ForecastResult, ForecastWarning
from planning.disk_cache import DiskCache, cached, current_cache
from planning.errors import InputError, Issue
from planning.forecast_stage import forecast_stage
from planning.inputs.tables import Inputs
from planning.optimise import PlanResult, optimise
from planning.optimise.commitments import Commitments
from planning.overrides import apply_overrides, override_effects
from planning.periods import plan_weeks, quarter_labels
from planning.requirements.compute import compute_requirements, quantile_column
from planning.risk.confidence import ConfidencePlan, plan_to_confidence
from planning.risk.simulate import RiskResult, RiskSettings, risk_key, simulate_risk


def forecast_result(inputs: Inputs, *, cache: DiskCache | None = None) -> ForecastResult:
    """The model's daily forecast (before any override), with the backtest it was chosen by
    and the forecast's warnings.

    A ``forecast`` table in the inputs always takes precedence (its result has an empty
    backtest: nothing was chosen); otherwise the forecast stage runs on ``volumes``,
    through ``cache`` (default: the cache in force, see :mod:`planning.disk_cache`).
    """
    if inputs.forecast is not None:
        return ForecastResult(inputs.forecast, pd.DataFrame())
    if inputs.volumes is None:
        raise InputError([Issue("volumes", None, None, None,
                                "table is missing: provide volumes (daily history) or a forecast table")])
    return forecast_stage(inputs, quantiles=plan_quantiles(inputs), cache=cache)


def model_forecast(inputs: Inputs) -> pd.DataFrame:
    """The daily forecast before any override (the contract's ``forecast`` table):
    :func:`forecast_result` without the backtest."""
    return forecast_result(inputs).forecast


def forecast_table(inputs: Inputs, model: pd.DataFrame | None = None) -> pd.DataFrame:
    """The daily forecast the plan is staffed from: the model's forecast (or the one given)
    with the planners' ``forecast_overrides`` applied.

    model: the model forecast when the caller has it already (see :func:`model_forecast`).
    """
    return apply_overrides(model_forecast(inputs) if model is None else model,
                           inputs.forecast_overrides)


def plan_quantiles(inputs: Inputs) -> tuple[float, ...]:
    """Quantiles every forecast is made at: P10, P50, P90 and the staffed one."""
    return tuple(sorted({0.1, 0.5, 0.9, round(inputs.scenario.plan.quantile, 2)}))


def requirements_table(inputs: Inputs, forecast: pd.DataFrame | None = None, *,
                       model: pd.DataFrame | None = None) -> pd.DataFrame:
    """Required FTE per market, queue and week of the plan.

    A ``requirements`` table in the inputs replaces the forecast and requirements stages;
    it must hold a row for every planned week of each (market, queue) it names.
    forecast: the forecast after overrides (default: made here); model: the model's forecast
    before overrides. With overrides and the model forecast known, the table also carries
    ``model_cases`` (the staffed quantile's cases before overrides), which the variance split
    of plan versus actual uses to separate judgement from the model's error.
    """
    if inputs.requirements is not None:
        return _given_requirements(inputs)
    if forecast is None:
        model = model_forecast(inputs) if model is None else model
        forecast = forecast_table(inputs, model)
    req = compute_requirements(inputs, forecast)
    if model is not None and inputs.forecast_overrides is not None \
            and not inputs.forecast_overrides.empty:
        req = req.merge(_weekly_cases(inputs, model), on=["market", "queue", "week"], how="left")
    return req


def _weekly_cases(inputs: Inputs, forecast: pd.DataFrame) -> pd.DataFrame:
    """Cases per market, queue and plan week in the staffed quantile (``model_cases``)."""
    col = quantile_column(inputs.scenario.plan.quantile)
    start = pd.Timestamp(inputs.scenario.plan.start)
    f = forecast[["market", "queue", "date", col]]
    week = start + pd.to_timedelta((pd.to_datetime(f["date"]) - start).dt.days // 7 * 7, unit="D")
    return (f.assign(week=week).groupby(["market", "queue", "week"], as_index=False)[col].sum()
            .rename(columns={col: "model_cases"}))


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
    :class:`forecasts.ForecastWarning`); reused: the plan was read from the disk cache, made
    by an identical earlier run (its solve seconds are that run's).
    """

    forecast: pd.DataFrame | None
    requirements: pd.DataFrame
    plan: PlanResult
    confidence: ConfidencePlan | None = None
    warnings: tuple[ForecastWarning, ...] = ()
    reused: bool = False


def run_plan(inputs: Inputs, *, forecast: pd.DataFrame | None = None,
             requirements: pd.DataFrame | None = None, time_limit_s: float | None = None,
             mip_gap: float | None = None, explain: bool | str = True,
             verbose: bool = False, model: pd.DataFrame | None = None) -> PipelineRun:
    """Forecast (unless given), requirements (unless given) and the optimised plan.

    forecast: the forecast as staffed (overrides applied); model: the model's forecast before
    overrides, when the caller gives ``forecast`` and wants each override's effect listed.
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
            model, warnings = made.forecast, made.warnings
            forecast = forecast_table(inputs, model)
        conf = plan_to_confidence(inputs, forecast, time_limit_s=time_limit_s, mip_gap=mip_gap,
                                  explain=explain, commitments=input_commitments(inputs))
        plan = _with_overrides(conf.plan, inputs, model)
        return PipelineRun(forecast, conf.requirements, plan, replace(conf, plan=plan), warnings,
                           reused=conf.reused)
    if requirements is None:
        if forecast is None and inputs.requirements is None:
            made = forecast_result(inputs)
            model, warnings = made.forecast, made.warnings
            forecast = forecast_table(inputs, model)
        requirements = requirements_table(inputs, forecast, model=model)
    plan = optimise(inputs, requirements, time_limit_s=time_limit_s, mip_gap=mip_gap,
                    commitments=input_commitments(inputs), explain=explain, verbose=verbose)
    return PipelineRun(forecast, requirements, _with_overrides(plan, inputs, model),
                       warnings=warnings)


def _with_overrides(plan: PlanResult, inputs: Inputs, model: pd.DataFrame | None) -> PlanResult:
    """:func:`with_override_effects` when the inputs have overrides and the model is known."""
    if model is None or not plan.ok or inputs.forecast_overrides is None \
            or inputs.forecast_overrides.empty:
        return plan
    return with_override_effects(plan, inputs, model)


def with_override_effects(plan: PlanResult, inputs: Inputs, model: pd.DataFrame) -> PlanResult:
    """The plan with its forecast overrides and each one's effect per market and quarter.

    cases and required_fte: what the plan needs with the override against without it (every
    other override kept; see :func:`planning.overrides.override_effects`). cost: required FTE
    x the quarter's planned weeks x the plan's own cost of one delivered FTE-week in that
    market and quarter (its attributed cost / in-house and vendor FTE-weeks): an estimate at
    the plan's average cost, not a re-plan without the override.
    """
    table = inputs.forecast_overrides.reset_index(drop=True)
    effects = override_effects(table, model, lambda f: compute_requirements(inputs, f),
                               quantile_column(inputs.scenario.plan.quantile), quarter_labels)
    q = plan.quarterly
    weeks = quarter_labels(pd.Series(plan_weeks(inputs.scenario.plan.start,
                                                inputs.scenario.plan.weeks))).value_counts()
    if not q.empty and "cost" in q:
        delivered = (q["inhouse_fte"] + q["vendor_fte"]) * q["quarter"].map(weeks).to_numpy()
        per_fte_week = (q["cost"] / delivered.where(delivered > 0)).rename("per_fte_week")
        unit = q[["market", "quarter"]].assign(per_fte_week=per_fte_week.to_numpy())
        effects = effects.merge(unit, on=["market", "quarter"], how="left")
        effects["cost"] = (effects["required_fte"] * effects["quarter"].map(weeks)
                           * effects["per_fte_week"])
        effects = effects.drop(columns="per_fte_week")
    rows = table.assign(override=range(len(table)))
    rows = rows[["override", *[c for c in table.columns]]]
    return replace(plan, overrides=rows, override_effects=effects)


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


def plan_risk(inputs: Inputs, forecast: pd.DataFrame, allocation: pd.DataFrame,
              settings: RiskSettings | None = None, *, cache: DiskCache | None = None
              ) -> RiskResult:
    """The plan's SLA risk (:func:`planning.risk.simulate.simulate_risk`, whose result is the
    same on every engine) through ``cache`` (default: the cache in force, see
    :mod:`planning.disk_cache`), so repeating a command on an unchanged plan does not
    simulate again."""
    settings = settings or RiskSettings()
    settings.check()
    cache = cache if cache is not None else current_cache()
    return cached(cache, lambda: risk_key(inputs, forecast, allocation, settings), RiskResult,
                  lambda: simulate_risk(inputs, forecast, allocation, settings))
