"""One series' simulated demand and how a staffing profile serves it (shared by the risk
check and the SLA-confidence planner, so the promise and the check use the same rules).

:class:`SeriesStore` draws, for every (market, queue) of the forecast, ``paths`` daily case
paths and AHT multipliers (:mod:`planning.risk.paths`) when asked, within a memory budget;
:func:`serve` runs one series through a weekly FTE profile (deferrable: FIFO backlog, :mod:`planning.risk.backlog`;
realtime: Erlang per interval, :mod:`planning.risk.realtime`); :func:`quarter_met` says on
which paths a quarter meets the SLA. Units: cases per day, FTE per week (productive,
in-house equivalent), shares in [0, 1].
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from planning.errors import InputError, Issue
from planning.inputs.tables import Inputs
from planning.periods import quarter_labels
from planning.requirements.compute import daily_workload
from planning.risk.backlog import fifo_backlog
from planning.risk.paths import aht_factors, ar1_scores, quantile_cases, series_rng
from planning.risk.realtime import planned_agents, realtime_answered

#: a share counts as meeting its target when within this of it (float rounding)
MEET_TOL = 1e-9


@dataclass(frozen=True)
class Series:
    """Simulated demand of one (market, queue) over the plan's days.

    rows: the series' daily_workload rows (with p10/p50/p90), sorted by date; cases: manual
    cases per path and day (paths, days); aht_day: AHT multiplier per path and day; sla:
    sla_target (1 when blank); planned: the realtime intervals the plan's quantile staffs
    (None for deferrable queues).
    """

    market: str
    queue: str
    kind: str
    sla: float
    rows: pd.DataFrame
    cases: np.ndarray
    aht_day: np.ndarray
    planned: pd.DataFrame | None = None


def daily_frame(inputs: Inputs, forecast: pd.DataFrame | None) -> tuple[pd.DataFrame, list[str]]:
    """daily_workload rows (plan quantile) with the forecast's p10/p50/p90 beside them."""
    if forecast is None:
        raise InputError([Issue("forecast", None, None, None,
                                "SLA risk needs a daily forecast (volumes or a forecast table); "
                                "a requirements table alone has no volumes to simulate")])
    daily = daily_workload(inputs, forecast)
    notes = []
    cols = [c for c in ("p10", "p50", "p90") if c in forecast.columns]
    if "p50" not in cols:
        raise InputError([Issue("forecast", None, "p50", None, "column is missing: SLA risk "
                                "simulates around the median forecast")])
    if len(cols) < 3:
        notes.append("the forecast has no P10/P90: volumes are simulated without uncertainty")
    fc = forecast[["market", "queue", "date", *cols]]
    daily = daily.merge(fc, on=["market", "queue", "date"], how="left", validate="one_to_one")
    for c in ("p10", "p90"):
        if c not in daily.columns:
            daily[c] = daily["p50"]
        daily[c] = daily[c].fillna(daily["p50"])
    return daily, notes


def draw_one(inputs: Inputs, rows: pd.DataFrame, planned: pd.DataFrame | None, paths: int,
             seed: int, correlation: float, aht_cv: float) -> Series:
    """Random demand of one series from its daily rows (sorted by date, with p10/p50/p90).

    Pure: the random numbers come from the series' own generator (seed, market, queue), so
    the paths are the same wherever and in whatever order series are drawn.
    """
    m, q = str(rows["market"].iloc[0]), str(rows["queue"].iloc[0])
    n_days = len(rows)
    rng = series_rng(seed, m, q)
    z = ar1_scores(rng, paths, n_days, correlation)
    forecast_cases = quantile_cases(z, rows["p10"].to_numpy(), rows["p50"].to_numpy(),
                                    rows["p90"].to_numpy())
    to_manual = (inputs.scenario.levers.volume_multiplier
                 * (1.0 - float(rows["automation_rate"].iloc[0])))
    aht_day = np.repeat(aht_factors(rng, paths, n_days // 7, aht_cv), 7, axis=1)
    sla = rows["sla_target"].iloc[0]
    kind = str(rows["kind"].iloc[0])
    return Series(m, q, kind, 1.0 if pd.isna(sla) else float(sla), rows,
                  forecast_cases * to_manual, aht_day, planned if kind == "realtime" else None)


def series_rows(inputs: Inputs, daily: pd.DataFrame
                ) -> list[tuple[pd.DataFrame, pd.DataFrame | None]]:
    """Per (market, queue), sorted: its daily rows by date and its planned realtime
    intervals (None for deferrable queues)."""
    planned = planned_agents(inputs, daily)
    planned_by = dict(tuple(planned.groupby(["market", "queue"]))) if len(planned) else {}
    return [(rows.sort_values("date"), planned_by.get((m, q)))
            for (m, q), rows in daily.groupby(["market", "queue"], sort=True)]


#: memory a :class:`SeriesStore` keeps drawn paths in (MiB) before it draws again
MEMORY_MB = 2048


class SeriesStore(Mapping[tuple[str, str], Series]):
    """Random demand of every series, drawn when asked for and kept within a memory budget.

    Same seed, same paths: a series is drawn from its own generator (seed, market, queue),
    so one drawn again after being let go is the same, value for value. The most recently
    used series are kept (with their deferrable work, :func:`deferrable_work`) while they
    fit in ``memory_mb``; with every series fitting, each is drawn once. Iterates the
    (market, queue) keys sorted.
    """

    def __init__(self, inputs: Inputs, daily: pd.DataFrame, paths: int, seed: int,
                 correlation: float, aht_cv: float, memory_mb: float = MEMORY_MB) -> None:
        self._inputs = inputs
        self._rows = {(str(r["market"].iloc[0]), str(r["queue"].iloc[0])): (r, planned)
                      for r, planned in series_rows(inputs, daily)}
        self._draw = (paths, seed, correlation, aht_cv)
        self._budget = float(memory_mb) * 2**20
        self._kept: OrderedDict[tuple[str, str], tuple[Series, tuple | None]] = OrderedDict()
        days = max((len(r) for r, _ in self._rows.values()), default=0)
        #: bytes one series occupies: cases, AHT multipliers and work, paths x days each
        self.series_bytes = 3 * 8 * int(paths) * days

    def __getitem__(self, cell: tuple[str, str]) -> Series:
        return self._entry(cell)[0]

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def __contains__(self, cell: object) -> bool:  # without drawing it
        return cell in self._rows

    def work(self, cell: tuple[str, str]) -> tuple[np.ndarray, float, int]:
        """:func:`deferrable_work` of a deferrable series."""
        work = self._entry(cell)[1]
        if work is None:
            raise ValueError(f"{cell} is not a deferrable queue")
        return work

    def fitting(self) -> int:
        """How many series the budget keeps at once (at least 1)."""
        return max(1, int(self._budget // max(1, self.series_bytes)))

    def _entry(self, cell: tuple[str, str]) -> tuple[Series, tuple | None]:
        if cell in self._kept:
            self._kept.move_to_end(cell)
            return self._kept[cell]
        rows, planned = self._rows[cell]
        s = draw_one(self._inputs, rows, planned, *self._draw)
        entry = (s, deferrable_work(s, self._inputs) if s.kind == "deferrable" else None)
        self._kept[cell] = entry
        while len(self._kept) > self.fitting():
            self._kept.popitem(last=False)
        return entry


def deferrable_work(series: Series, inputs: Inputs) -> tuple[np.ndarray, float, int]:
    """(work hours per path and day, productive hours one FTE gives per day, deadline days)
    of a deferrable series: hours = cases x aht_minutes x AHT multiplier / 60; an FTE gives
    ``hours_per_week x (1 - shrinkage) x max_occupancy / 7`` hours a day."""
    wf = inputs.scenario.workforce
    hours_per_fte_day = wf.hours_per_week * (1.0 - wf.shrinkage) * wf.max_occupancy / 7.0
    work = series.cases * float(series.rows["aht_minutes"].iloc[0]) * series.aht_day / 60.0
    deadline = int(np.floor(float(series.rows["tat_hours"].iloc[0]) / 24.0))
    return work, hours_per_fte_day, deadline


def serve(series: Series, fte_week: np.ndarray, inputs: Inputs, *, with_age: bool = True
          ) -> tuple[np.ndarray, np.ndarray | None]:
    """Cases handled in time per path and day, and (deferrable, with_age) the backlog age.

    fte_week: the FTE serving the series in each planned week (weeks,).
    """
    if series.kind == "deferrable":
        work, per_fte, deadline = deferrable_work(series, inputs)
        out = fifo_backlog(work, np.repeat(fte_week, 7) * per_fte, deadline, with_age=with_age)
        return series.cases * out.on_time, out.age_days
    return realtime_answered(series.rows, series.planned, series.cases, series.aht_day,
                             fte_week, inputs), None


def day_quarters(inputs: Inputs) -> tuple[np.ndarray, np.ndarray]:
    """Quarter label of each planned day and of each planned week (a week's Monday decides)."""
    week_q = quarter_labels(inputs.plan_weeks()).to_numpy()
    return np.repeat(week_q, 7), week_q


def quarter_share(series: Series, on_time: np.ndarray, mask: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per path: (met, cases, cases in time) of the days in ``mask`` (one quarter)."""
    return quarter_met(series.cases[:, mask], on_time[:, mask], series.sla)


def quarter_met(cases: np.ndarray, on_time: np.ndarray, sla: float
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per path: (met, cases, cases in time) over the days given (paths, days).

    met: the share of the cases handled in time reaches the SLA target ``sla`` (a quarter
    without cases meets it).
    """
    n_cases = cases.sum(axis=1)
    n_on = on_time.sum(axis=1)
    return on_time_share(n_cases, n_on) >= sla - MEET_TOL, n_cases, n_on


def on_time_share(n_cases: np.ndarray, n_on: np.ndarray) -> np.ndarray:
    """Per path: cases handled in time / cases (1 where there are no cases)."""
    return np.where(n_cases > 0, n_on / np.where(n_cases > 0, n_cases, 1.0), 1.0)
