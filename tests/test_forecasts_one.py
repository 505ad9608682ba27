"""The per-series unit (forecast_one), the fits it skips, and the warnings of fallbacks.

Expected values come from how the series were built or from counting by hand (windows of
plan_cutoffs, days over a cap), never from the forecaster's own output.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import forecasts
import forecasts.one as one
from forecasts.result import CAPPED, ETS_FAILED, NAIVE_ERRORS, POOLED_ERRORS

START = pd.Timestamp("2024-01-01")
WEEKLY = np.array([1.0, 1.05, 1.0, 0.95, 1.1, 0.6, 0.5])


def series(uid: str, n: int, level: float = 1000.0, seed: int = 0,
           growth: float = 0.0) -> pd.DataFrame:
    days = pd.date_range(START, periods=n, freq="D")
    rng = np.random.default_rng(seed)
    y = level * WEEKLY[days.weekday] * np.exp(growth * np.arange(n) + rng.normal(0, 0.05, n))
    return pd.DataFrame({"unique_id": uid, "ds": days, "y": y.round()})


def in_process(fn, tasks):
    """A mapper as an execution engine would pass one (here: a plain loop)."""
    return [fn(t) for t in tasks]


def test_a_mapper_gives_the_same_result_as_the_local_workers() -> None:
    h = pd.concat([series(f"s{i}", 200, 100.0 * (i + 1), seed=i) for i in range(3)])
    local = forecasts.forecast_with_backtest(h, 14, n_jobs=1)
    mapped = forecasts.forecast_with_backtest(h, 14, mapper=in_process)
    pd.testing.assert_frame_equal(local.forecast, mapped.forecast)
    pd.testing.assert_frame_equal(local.backtest, mapped.backtest)


def test_forecast_one_is_a_picklable_unit() -> None:
    import pickle

    tasks = forecasts.prepare(forecasts.validation.check_history(series("a", 200)), 14,
                              forecasts.validation.check_events(None), windows=3)
    settings = forecasts.ForecastSettings()
    task = pickle.loads(pickle.dumps(tasks[0]))
    fit = forecasts.forecast_one(task, settings)
    assert pickle.loads(pickle.dumps(fit)).best == fit.best
    # 200 days, h = 14: three windows (plan_cutoffs), each scoring 14 days per candidate
    assert {sc["n_days"] for sc in fit.scores.values()} == {3 * 14}
    assert fit.best in fit.final and len(fit.final[fit.best]) == 14


def test_the_final_ets_fit_is_made_only_when_the_choice_needs_it(monkeypatch) -> None:
    calls = []

    def useless_ets(a: np.ndarray, h: int) -> np.ndarray:
        calls.append(h)
        return np.full(h, 50.0)  # log1p scale: e^50 cases, so ETS and Ensemble always lose

    monkeypatch.setattr(one, "ets_forecast", useless_ets)
    res = forecasts.forecast_with_backtest(series("a", 200), 14, windows=3, n_jobs=1)
    # ETS's error is hundreds of times the others': no weight in Weighted either
    assert res.forecast["model"].iloc[0] not in ("ETS", "Ensemble")
    assert len(calls) == 3  # one ETS fit per backtest window, none for the final forecast


def test_no_ets_fit_at_all_when_no_candidate_uses_it(monkeypatch) -> None:
    monkeypatch.setattr(one, "ets_forecast", lambda a, h: pytest.fail("ETS was fitted"))
    res = forecasts.forecast_with_backtest(series("a", 200), 14,
                                           models=["Harmonic", "SeasonalNaive"], n_jobs=1)
    assert set(res.backtest["model"]) == {"Harmonic", "SeasonalNaive"}


def test_a_failed_ets_fit_is_dropped_with_a_warning(monkeypatch) -> None:
    def broken(a: np.ndarray, h: int) -> np.ndarray:
        raise FloatingPointError("ETS produced non-finite values")

    monkeypatch.setattr(one, "ets_forecast", broken)
    h = pd.concat([series("a", 200), series("b", 200, 300.0, seed=1)])
    res = forecasts.forecast_with_backtest(h, 14, n_jobs=1)
    assert not set(res.backtest["model"]) & {"ETS", "Ensemble"}
    got = {w.get("unique_id"): w for w in res.warnings if w.kind == ETS_FAILED}
    assert set(got) == {"a", "b"}
    # h = 14: 6 backtest windows by default (13 weeks would take 7; at most 6); no final
    # ETS fit, since ETS was no candidate after failing
    assert "failed in 6 of 6 fits" in got["a"].detail
    assert got["a"].message().startswith("warning: unique_id a: the ETS fit failed")


def test_a_runaway_forecast_is_capped_at_ten_times_the_history_with_a_warning() -> None:
    # 3 % growth a day for 150 days: the damped trend would carry the forecast ~25x past
    # the last day, so the cap (10x the largest day) binds
    h = series("a", 150, level=10.0, growth=0.03)
    res = forecasts.forecast_with_backtest(h, 120, models=["Harmonic"], windows=1, n_jobs=1)
    top = h["y"].max()
    assert res.forecast["p50"].max() == pytest.approx(10 * top)
    capped = [w for w in res.warnings if w.kind == CAPPED]
    assert len(capped) == 1 and capped[0].get("unique_id") == "a"
    days_at_cap = int(np.isclose(res.forecast["p50"], 10 * top).sum())
    assert f"on {days_at_cap} of 120 days" in capped[0].detail


def test_a_band_from_few_own_errors_borrows_other_series_with_a_warning() -> None:
    # "short": 70 days, h = 14 -> one window of 14 scored days (< 20 errors); "long" has
    # 300 days (under a year, so it lends no cold-start shape) and 3 x 14 errors
    h = pd.concat([series("short", 70), series("long", 300, seed=2)])
    res = forecasts.forecast_with_backtest(h, 14, n_jobs=1)
    kinds = {(w.kind, w.get("unique_id")) for w in res.warnings}
    assert kinds == {(POOLED_ERRORS, "short")}
    assert "gave 14 errors" in next(iter(res.warnings)).detail


def test_no_backtest_anywhere_falls_back_to_naive_errors_with_a_warning() -> None:
    res = forecasts.forecast_with_backtest(series("a", 40), 7, n_jobs=1)
    assert [(w.kind, w.get("unique_id")) for w in res.warnings] == [(NAIVE_ERRORS, "a")]
