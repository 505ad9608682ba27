"""Required FTE per market, queue and week from a daily forecast (the contract's section 3).

Manual cases on day d are ``forecast_q(d) x volume_multiplier x (1 - automation)`` with
``automation = clip(automation_rate + automation_delta, 0, 1)``; workload hours are
``manual cases x aht_minutes x aht_multiplier / 60``.

- Deferrable queues (deadline ``D = floor(tat_hours / 24)`` days, target ``s``): the smallest
  constant daily capacity ``c`` that keeps up with the week's work and clears every window of
  days inside the week within the deadline,
  ``c = max(W_week / 7, max_{a<=b} s * W[a..b] / (b - a + 1 + D))``;
  required FTE ``= 7 c / (hours_per_week (1 - shrinkage) max_occupancy)``.
- Realtime queues: Erlang C (or A with patience) agents per interval, and required FTE
  ``= agent-hours in the week / (hours_per_week (1 - shrinkage))``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from planning.errors import InputError, Issue
from planning.inputs.tables import Inputs
from planning.periods import plan_days
from planning.requirements.queueing import required_agents_many

COLUMNS = [
    "market", "queue", "week", "required_fte", "kind", "forecast_cases", "manual_cases",
    "automation_rate", "aht_minutes", "workload_hours", "peak_day_hours", "deadline_days",
    "capacity_hours_per_day", "agents_peak", "agent_hours",
]


def quantile_column(quantile: float) -> str:
    """The forecast column staffed to, e.g. 0.5 -> ``p50``, 0.9 -> ``p90``."""
    return f"p{round(quantile * 100):02d}"


def queue_parameters(inputs: Inputs) -> pd.DataFrame:
    """Per (market, queue) the effective queue values after overrides and levers.

    Columns: market, queue, kind, aht_minutes (after aht_multiplier), automation_rate
    (after automation_delta, clipped to [0, 1]), tat_hours, sla_target, answer_seconds,
    patience_seconds, max_abandon, inhouse_only. One row for every market x queue.
    """
    levers = inputs.scenario.levers
    pairs = inputs.markets[["market"]].merge(inputs.queues, how="cross")
    over = inputs.market_queues.rename(columns={"aht_minutes": "aht_o", "automation_rate": "auto_o"})
    pairs = pairs.merge(over, on=["market", "queue"], how="left")
    pairs["aht_minutes"] = pairs["aht_o"].fillna(pairs["aht_minutes"]) * levers.aht_multiplier
    auto = pairs["auto_o"].fillna(pairs["automation_rate"]) + levers.automation_delta
    pairs["automation_rate"] = auto.clip(0.0, 1.0)
    return pairs.drop(columns=["aht_o", "auto_o"])


def daily_workload(inputs: Inputs, forecast: pd.DataFrame) -> pd.DataFrame:
    """Per market, queue and plan day: forecast cases, manual cases and workload hours.

    Raises InputError when the forecast does not cover every day of the plan for a series.
    """
    scen = inputs.scenario
    col = quantile_column(scen.plan.quantile)
    if col not in forecast.columns:
        raise InputError([Issue("forecast", None, col, None,
                                f"column is missing: plan.quantile = {scen.plan.quantile} needs it")])
    days = plan_days(scen.plan.start, scen.plan.weeks)
    fc = forecast.loc[forecast["date"].between(days[0], days[-1]),
                      ["market", "queue", "date", col]].rename(columns={col: "forecast_cases"})
    _check_coverage(forecast, fc, days)
    params = queue_parameters(inputs)
    out = fc.merge(params, on=["market", "queue"], how="left", validate="many_to_one")
    out["manual_cases"] = (out["forecast_cases"] * scen.levers.volume_multiplier
                           * (1.0 - out["automation_rate"]))
    out["workload_hours"] = out["manual_cases"] * out["aht_minutes"] / 60.0
    out["week"] = days[0] + pd.to_timedelta((out["date"] - days[0]).dt.days // 7 * 7, unit="D")
    return out.sort_values(["market", "queue", "date"]).reset_index(drop=True)


def _check_coverage(forecast: pd.DataFrame, in_plan: pd.DataFrame, days: pd.DatetimeIndex) -> None:
    issues = []
    counts = in_plan.groupby(["market", "queue"])["date"].nunique()
    for (market, queue) in forecast[["market", "queue"]].drop_duplicates().itertuples(index=False):
        have = int(counts.get((market, queue), 0))
        if have < len(days):
            got = set(in_plan.loc[(in_plan["market"] == market) & (in_plan["queue"] == queue), "date"])
            first_missing = next(d for d in days if d not in got)
            issues.append(Issue("forecast", None, "date", str(first_missing.date()),
                                f"market {market} queue {queue} has no forecast for this day; the "
                                f"plan needs every day from {days[0].date()} to {days[-1].date()} "
                                f"({len(days) - have} days missing)"))
    if issues:
        raise InputError(issues)


def deadline_capacity(workload: np.ndarray, deadline_days: np.ndarray, sla_target: np.ndarray
                      ) -> np.ndarray:
    """Smallest constant daily capacity (hours/day) per week row.

    workload: shape (n, 7) workload hours per day of each week; deadline_days, sla_target: (n,).
    Returns ``max(sum/7, max_{a<=b} s * W[a..b] / (b - a + 1 + D))`` per row.
    """
    w = np.asarray(workload, dtype=float)
    cum = np.concatenate([np.zeros((w.shape[0], 1)), np.cumsum(w, axis=1)], axis=1)
    best = cum[:, 7] / 7.0
    d = np.asarray(deadline_days, dtype=float)
    s = np.asarray(sla_target, dtype=float)
    for a in range(7):
        for b in range(a, 7):
            window = cum[:, b + 1] - cum[:, a]
            best = np.maximum(best, s * window / (b - a + 1 + d))
    return best


def deferrable_requirements(daily: pd.DataFrame, inputs: Inputs) -> pd.DataFrame:
    """Weekly required FTE of deferrable queues from :func:`daily_workload` rows."""
    wf = inputs.scenario.workforce
    rows = daily[daily["kind"] == "deferrable"]
    if rows.empty:
        return pd.DataFrame(columns=COLUMNS)
    keys = ["market", "queue", "week"]
    weekly = rows.groupby(keys, sort=True).agg(
        forecast_cases=("forecast_cases", "sum"), manual_cases=("manual_cases", "sum"),
        workload_hours=("workload_hours", "sum"), peak_day_hours=("workload_hours", "max"),
        automation_rate=("automation_rate", "first"), aht_minutes=("aht_minutes", "first"),
        tat_hours=("tat_hours", "first"), sla_target=("sla_target", "first")).reset_index()
    grid = rows.sort_values([*keys, "date"])["workload_hours"].to_numpy().reshape(-1, 7)
    weekly["deadline_days"] = np.floor(weekly["tat_hours"] / 24.0).astype(int)
    capacity = deadline_capacity(grid, weekly["deadline_days"].to_numpy(),
                                 weekly["sla_target"].fillna(1.0).to_numpy())
    weekly["capacity_hours_per_day"] = capacity
    productive_hours = wf.hours_per_week * (1.0 - wf.shrinkage) * wf.max_occupancy
    weekly["required_fte"] = 7.0 * capacity / productive_hours
    if len(weekly) and weekly["required_fte"].max() > MAX_REQUIRED_FTE:
        worst = weekly.loc[weekly["required_fte"].idxmax()]
        days = rows[(rows["market"] == worst["market"]) & (rows["queue"] == worst["queue"])
                    & (rows["week"] == worst["week"])]
        raise too_large(inputs, days.loc[days["workload_hours"].idxmax()], "required FTE",
                        float(worst["required_fte"]), MAX_REQUIRED_FTE)
    weekly["kind"] = "deferrable"
    return weekly.reindex(columns=COLUMNS)


def interval_loads(daily: pd.DataFrame, inputs: Inputs) -> pd.DataFrame:
    """Realtime rows expanded to staffing intervals: one row per market, queue, day, interval.

    Columns add ``interval`` (index in the day), ``cases`` (manual cases in the interval) and
    ``load_erlangs`` = cases x aht_seconds / interval_seconds.
    """
    minutes = inputs.scenario.workforce.interval_minutes
    per_hour = 60 // minutes
    rows = daily[daily["kind"] == "realtime"]
    profile = _hour_shares(inputs, rows["queue"].unique())
    expanded = rows.merge(profile, on="queue", how="left")
    expanded = expanded.loc[expanded.index.repeat(per_hour)].reset_index(drop=True)
    expanded["interval"] = expanded["hour"] * per_hour + expanded.groupby(
        ["market", "queue", "date", "hour"]).cumcount()
    expanded["cases"] = expanded["manual_cases"] * expanded["share"] / per_hour
    expanded["load_erlangs"] = expanded["cases"] * expanded["aht_minutes"] * 60.0 / (minutes * 60.0)
    return expanded


def _hour_shares(inputs: Inputs, queues: np.ndarray) -> pd.DataFrame:
    """Hour shares per realtime queue: the intraday table, flat 1/24 where it has none."""
    given = inputs.intraday if inputs.intraday is not None else pd.DataFrame(
        columns=["queue", "hour", "share"])
    frames = []
    for queue in queues:
        mine = given.loc[given["queue"] == queue, ["queue", "hour", "share"]]
        if mine.empty:
            mine = pd.DataFrame({"queue": queue, "hour": range(24), "share": 1.0 / 24})
        else:
            mine = (mine.set_index("hour").reindex(range(24)).fillna({"share": 0.0})
                    .assign(queue=queue).reset_index())
        frames.append(mine[["queue", "hour", "share"]])
    if not frames:
        return pd.DataFrame(columns=["queue", "hour", "share"])
    return pd.concat(frames, ignore_index=True)


#: Largest offered load (Erlangs, i.e. agents busy at once) of one market and queue in one
#: staffing interval that is staffed: 100,000 is beyond any moderation operation, and the
#: Erlang search takes time in proportion to the load (1e7 Erlangs would run for hours).
MAX_ERLANGS = 1e5
#: Largest weekly required FTE of one market and queue (as the requirements table's limit).
MAX_REQUIRED_FTE = 1e8


def too_large(inputs: Inputs, row: pd.Series, what: str, value: float, limit: float
              ) -> InputError:
    """An error naming the market, queue and day (``row``: a daily workload row) whose
    ``what`` = ``value`` is beyond ``limit``, the numbers behind it, and the settings that
    made it so large."""
    lv = inputs.scenario.levers
    suspects: list[tuple[str, str]] = []  # (setting, value) that inflate the workload
    if lv.volume_multiplier > 1:
        suspects.append(("levers.volume_multiplier", f"{lv.volume_multiplier:g}"))
    if lv.aht_multiplier > 1:
        suspects.append(("levers.aht_multiplier", f"{lv.aht_multiplier:g}"))
    ev = inputs.events
    day = row.get("date")
    if ev is not None and not ev.empty and day is not None and "uplift" in ev.columns:
        hit = ev[(ev["date"] == day) & ev["market"].isin([row["market"], "*"])
                 & (ev["uplift"].fillna(1.0) > 1)]
        suspects += [(f"events {r.name} uplift on {pd.Timestamp(day).date()}", f"{r.uplift:g}")
                     for r in hit.itertuples()]
    blame = ("; check " + ", ".join(f"{k} = {v}" for k, v in suspects)) if suspects else (
        "; check the volumes' (or forecast's) units and the queue's aht_minutes")
    when = f" on {pd.Timestamp(day).date()}" if day is not None else ""
    column, shown = suspects[0] if suspects else ("forecast_cases",
                                                  f"{row['forecast_cases']:.3g}")
    return InputError([Issue(
        "requirements", None, column, shown,
        f"too large: {row['market']}/{row['queue']}{when} would need {what} {value:.3g}, more "
        f"than the {limit:.0e} a plan can staff ({row['forecast_cases']:.3g} forecast cases "
        f"a day, {row['manual_cases']:.3g} after levers and automation, AHT "
        f"{row['aht_minutes']:.3g} min){blame}")])


def interval_agents(daily: pd.DataFrame, inputs: Inputs) -> pd.DataFrame:
    """Realtime staffing intervals (:func:`interval_loads`) with the Erlang ``agents`` each needs.

    Raises InputError naming the settings at fault when a load exceeds :data:`MAX_ERLANGS`.
    """
    intervals = interval_loads(daily, inputs)
    if len(intervals) and intervals["load_erlangs"].max() > MAX_ERLANGS:
        worst = intervals.loc[intervals["load_erlangs"].idxmax()]
        raise too_large(inputs, worst, "the load in Erlangs", float(worst["load_erlangs"]),
                        MAX_ERLANGS)
    agents = np.zeros(len(intervals), dtype=int)
    for _, idx in intervals.groupby(["market", "queue"]).groups.items():
        first = intervals.loc[idx[0]]
        patience = first["patience_seconds"]
        agents[intervals.index.get_indexer(idx)] = required_agents_many(
            intervals.loc[idx, "load_erlangs"].to_numpy(),
            aht_seconds=float(first["aht_minutes"]) * 60.0,
            sla_target=float(first["sla_target"]),
            answer_seconds=float(first["answer_seconds"]),
            patience_seconds=None if pd.isna(patience) else float(patience),
            max_abandon=float(first["max_abandon"]),
        )
    return intervals.assign(agents=agents)


def realtime_requirements(daily: pd.DataFrame, inputs: Inputs) -> pd.DataFrame:
    """Weekly required FTE of realtime queues: Erlang agents per interval, summed to hours."""
    wf = inputs.scenario.workforce
    intervals = interval_agents(daily, inputs)
    if intervals.empty:
        return pd.DataFrame(columns=COLUMNS)
    agents = intervals["agents"].to_numpy()
    intervals["agent_hours"] = agents * wf.interval_minutes / 60.0
    keys = ["market", "queue", "week"]
    weekly = intervals.groupby(keys, sort=True).agg(
        agents_peak=("agents", "max"), agent_hours=("agent_hours", "sum")).reset_index()
    days = daily[daily["kind"] == "realtime"].groupby(keys, sort=True).agg(
        forecast_cases=("forecast_cases", "sum"), manual_cases=("manual_cases", "sum"),
        workload_hours=("workload_hours", "sum"), peak_day_hours=("workload_hours", "max"),
        automation_rate=("automation_rate", "first"), aht_minutes=("aht_minutes", "first"),
    ).reset_index()
    weekly = days.merge(weekly, on=keys, how="left")
    weekly["required_fte"] = weekly["agent_hours"] / (wf.hours_per_week * (1.0 - wf.shrinkage))
    weekly["kind"] = "realtime"
    return weekly.reindex(columns=COLUMNS)


def compute_requirements(inputs: Inputs, forecast: pd.DataFrame) -> pd.DataFrame:
    """Required FTE per market, queue and week of the plan, with the drivers behind it.

    forecast: the contract's forecast table (market, queue, date, pNN ...).
    Returns columns :data:`COLUMNS`; ``required_fte`` is contracted FTE (shrinkage included).
    """
    daily = daily_workload(inputs, forecast)
    parts = [p for p in (deferrable_requirements(daily, inputs), realtime_requirements(daily, inputs))
             if not p.empty]
    if not parts:
        return pd.DataFrame(columns=COLUMNS)
    out = pd.concat(parts, ignore_index=True)
    out["week"] = pd.to_datetime(out["week"])
    return out.sort_values(["market", "queue", "week"]).reset_index(drop=True)
