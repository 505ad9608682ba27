"""The forecast driver keeps only what the combination needs, reduced in the worker
(forecasts.engine.run, forecast_kept, kept): the forecast, backtest and warnings must be exactly those of
every full fit held at once, also where series borrow from each other (cold starts, bands
from pooled errors, event uplifts pooled over series)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecasts import engine
from forecasts.one import ForecastSettings, forecast_item
from forecasts.result import POOLED_ERRORS
from forecasts.validation import check_events, check_history

WEEKLY = np.array([1.0, 1.05, 1.0, 0.95, 1.1, 0.6, 0.5])
HORIZON = 28
QUANTILES = (0.1, 0.5, 0.9)


def series(uid: str, start: str, n: int, level: float, seed: int) -> pd.DataFrame:
    days = pd.date_range(start, periods=n, freq="D")
    rng = np.random.default_rng(seed)
    y = level * WEEKLY[days.weekday] * np.exp(rng.normal(0, 0.08, n))
    return pd.DataFrame({"unique_id": uid, "ds": days, "y": y.round()})


def panel() -> tuple[pd.DataFrame, pd.DataFrame, dict[str, str]]:
    """Five long series, a cold start that can borrow (60 days, same end), and a short
    series older than every long one (no donor covers it: its 14 backtest errors are too
    few, so its band uses every series' errors)."""
    parts = [series(f"L{k}", "2023-09-01", 500, 200.0 + 50 * k, k) for k in range(5)]
    parts.append(series("cold", "2024-11-14", 60, 150.0, 11))
    parts.append(series("old", "2023-01-01", 70, 90.0, 12))
    events = pd.DataFrame({"ds": pd.to_datetime(["2024-03-01", "2024-11-29", "2025-01-03"]),
                           "name": ["sale", "sale", "sale"],
                           "unique_id": [None, None, "L1"], "uplift": [np.nan] * 3})
    groups = {**{f"L{k}": "a" for k in range(5)}, "cold": "a", "old": "b"}
    return pd.concat(parts, ignore_index=True), events, groups


def in_process(fn, items):
    assert fn is engine.forecast_kept  # the reduction happens where the fit is made
    return [fn(i) for i in items]


def full_fits() -> engine.ForecastResult:
    """Every series' full fit held at once, then combined (the driver before the reduction)."""
    hist, events, groups = panel()
    settings = ForecastSettings(engine.MODELS, QUANTILES)
    tasks = engine.prepare(check_history(hist), HORIZON, check_events(events), 3)
    fits = [forecast_item((t, settings)) for t in tasks]
    assert any(len(f.final) > 1 for f in fits)  # the reduction below has something to drop
    return engine.combine(tasks, fits, settings, groups)


def test_run_of_reduced_fits_equals_full_fits() -> None:
    hist, events, groups = panel()
    want = full_fits()
    got = engine.run(check_history(hist), HORIZON, check_events(events), QUANTILES, 3,
                     groups=groups, mapper=in_process)
    # the panel exercises what crosses series: a cold start and a pooled band
    assert (want.forecast["model"] == engine.COLD_START).any()
    assert any(w.kind == POOLED_ERRORS and w.get("unique_id") == "old" for w in want.warnings)
    pd.testing.assert_frame_equal(got.forecast, want.forecast, check_exact=True)
    pd.testing.assert_frame_equal(got.backtest, want.backtest, check_exact=True)
    assert got.warnings == want.warnings


def test_local_processes_give_the_same_answer() -> None:
    hist, events, groups = panel()
    want = full_fits()
    got = engine.run(check_history(hist), HORIZON, check_events(events), QUANTILES, 3,
                     groups=groups, n_jobs=2)
    pd.testing.assert_frame_equal(got.forecast, want.forecast, check_exact=True)
    pd.testing.assert_frame_equal(got.backtest, want.backtest, check_exact=True)


def test_kept_fit_holds_only_the_best_final() -> None:
    hist, events, _ = panel()
    settings = ForecastSettings(engine.MODELS, QUANTILES)
    task = engine.prepare(check_history(hist), HORIZON, check_events(events), 3)[0]
    fit = forecast_item((task, settings))
    small = engine.kept(fit)
    assert set(small.final) == set(small.base) == {fit.best}
    assert small.errors is fit.errors and small.scores is fit.scores
    np.testing.assert_array_equal(small.final[fit.best], fit.final[fit.best])
