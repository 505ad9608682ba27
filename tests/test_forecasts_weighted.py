"""The Weighted candidate: inverse squared-error weights, left-out windows, and its choice.

Every expected weight and forecast is worked out by hand from errors built into the test.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import forecasts
import forecasts.one as one
from forecasts import weighted as wt
from forecasts.series import Series


def test_weights_are_inverse_squared_mean_errors_by_hand() -> None:
    # 10 days: MAE 1 and 2 -> 1/1 and 1/4 -> 0.8 and 0.2
    w = wt.weights({"A": 10.0, "B": 20.0}, 10)
    assert w == pytest.approx({"A": 0.8, "B": 0.2})
    # MAE 1 and 11: 1 : 1/121, so B's weight would be 1/122 < 1 %: dropped, A takes all
    assert wt.weights({"A": 1.0, "B": 11.0}, 1) == {"A": 1.0}
    # MAE 1 and 9: B keeps 1/82 > 1 %
    assert wt.weights({"A": 1.0, "B": 9.0}, 1) == pytest.approx({"A": 81 / 82, "B": 1 / 82})
    assert wt.weights({"A": 1.0}, 0) == {}


def test_combine_is_the_weighted_sum_in_cases() -> None:
    got = wt.combine({"A": np.array([10.0, 20.0]), "B": np.array([30.0, 40.0])},
                     {"A": 0.25, "B": 0.75})
    assert got.tolist() == [25.0, 35.0]


def test_window_errors_skip_days_that_are_not_scored() -> None:
    y = [np.array([10.0, np.nan, 10.0])]
    errs, days = wt.window_errors(y, [{"A": np.array([12.0, 99.0, 9.0])}], ["A"])
    assert errs == [{"A": 3.0}] and days == [2]


def _series_and_windows(n_train: list[int], h: int, n: int) -> tuple[Series, list[one.Cut]]:
    y = np.full(n, 100.0)
    s = Series("a", pd.Timestamp("2024-01-01"), y, np.ones(n, bool), y.copy())
    return s, [one.Cut(c, h, {}, {}) for c in n_train]


def test_each_window_is_weighted_by_the_other_windows_only() -> None:
    s, wins = _series_and_windows([10, 20, 30], 10, 40)
    a = np.full(10, 100.0)
    # errors per day: A 1, 1, 3 and B 2, 2, 0 in windows 0, 1, 2
    preds = [{"A": a + 1, "B": a + 2}, {"A": a + 1, "B": a + 2}, {"A": a + 3, "B": a}]
    preds = [{**p, "Harmonic": p.pop("A"), "SeasonalNaive": p.pop("B")} for p in preds]
    final_w = one._weighted_backtest(s, wins, preds)
    # window 0 left out: A (Harmonic) errs 1 and 3 -> MAE 2, B errs 2 and 0 -> MAE 1;
    # weights 1/4 : 1/1 = 0.2 : 0.8, forecast 100 + 0.2 x 1 + 0.8 x 2 = 101.8
    assert preds[0]["Weighted"] == pytest.approx(np.full(10, 101.8))
    # window 2 left out: MAE 1 and 2 -> 0.8 : 0.2 -> 100 + 0.8 x 3 + 0.2 x 0 = 102.4
    assert preds[2]["Weighted"] == pytest.approx(np.full(10, 102.4))
    # final weights from all 30 days: MAE 5/3 and 4/3 -> (9/25) : (9/16) -> 16/41 : 25/41
    assert final_w == pytest.approx({"Harmonic": 16 / 41, "SeasonalNaive": 25 / 41})


def test_no_weighted_candidate_with_a_single_window() -> None:
    s, wins = _series_and_windows([20], 10, 30)
    preds = [{"Harmonic": np.full(10, 101.0), "SeasonalNaive": np.full(10, 102.0)}]
    assert one._weighted_backtest(s, wins, preds) == {}
    assert "Weighted" not in preds[0]


def test_weighted_can_be_chosen_and_is_scored_like_the_others() -> None:
    # two years of weekday pattern with noise: every candidate is reasonable, so the
    # weighted mean is a candidate with a full backtest; its final forecast is the weighted
    # sum of the candidates' (the forecast is positive and within the band)
    days = pd.date_range("2024-01-01", periods=730, freq="D")
    rng = np.random.default_rng(3)
    wk = np.array([1.0, 1.05, 1.0, 0.95, 1.1, 0.6, 0.5])
    y = np.round(500 * wk[days.weekday] * np.exp(rng.normal(0, 0.1, days.size)))
    res = forecasts.forecast_with_backtest(pd.DataFrame({"unique_id": "a", "ds": days, "y": y}),
                                           28, models=["Weighted"], n_jobs=1)
    bt = res.backtest.set_index("model")
    # h = 28: four windows by default (3 x 28 = 84 days < 13 weeks)
    assert bt.loc["Weighted", "n_windows"] == 4 and bt.loc["Weighted", "chosen"]
    fc = res.forecast
    assert (fc["model"] == "Weighted").all()
    # the true median of each day is 500 x its weekday factor: within 10 % over 4 weeks
    truth = 500 * wk[fc["ds"].dt.weekday]
    assert fc["p50"].sum() / truth.sum() == pytest.approx(1.0, abs=0.1)
    assert (fc["p10"] <= fc["p50"]).all() and (fc["p50"] <= fc["p90"]).all()
