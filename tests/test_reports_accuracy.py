"""Per-series accuracy table (planning.reports.accuracy) on a backtest made by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd

from planning.reports.accuracy import COLUMNS, accuracy_table, format_accuracy


def row(market, queue, model, wape, chosen, cov=0.8, windows=3):
    return {"market": market, "queue": queue, "model": model, "wape": wape, "mase": wape * 10,
            "bias": -wape / 2, "coverage_80": cov, "n_windows": windows, "n_days": 90 * windows,
            "chosen": chosen}


BACKTEST = pd.DataFrame([
    row("ID", "a", "Harmonic", 0.05, True), row("ID", "a", "SeasonalNaive", 0.10, False),
    row("ID", "b", "ETS", 0.30, True, cov=0.5), row("ID", "b", "SeasonalNaive", 0.28, False),
    row("GB", "a", "ColdStart", np.nan, True, cov=np.nan, windows=0),
    row("GB", "b", "Ensemble", 0.08, True), row("GB", "b", "SeasonalNaive", 0.12, False),
])


def test_one_row_per_series_with_its_chosen_model_and_reasons():
    t = accuracy_table(BACKTEST)
    assert list(t.columns) == COLUMNS
    assert len(t) == 4
    by = t.set_index(["market", "queue"])
    assert by.loc[("ID", "a"), "model"] == "Harmonic"
    assert by.loc[("ID", "a"), "naive_wape"] == 0.10
    assert by.loc[("ID", "a"), "check"] == ""
    # ID/b: 30% > 20%, worse than the naive 28%, band held 50% of days
    assert by.loc[("ID", "b"), "check"] == ("WAPE 30%; not better than seasonal naive; "
                                            "P10-P90 held 50% of days")
    assert by.loc[("GB", "a"), "check"] == "no backtest (short history)"
    # series to check come first, worst WAPE first; the rest after
    assert t[["market", "queue"]].values.tolist()[:2] == [["ID", "b"], ["GB", "a"]]
    assert set(map(tuple, t[["market", "queue"]].values[2:].tolist())) == {("ID", "a"), ("GB", "b")}


def test_text_lists_the_least_reliable_first_and_counts_the_rest():
    text = format_accuracy(accuracy_table(BACKTEST), limit=2)
    lines = text.splitlines()
    assert "30.0%" in lines[1] and "ETS" in lines[1]
    assert lines[-1] == "... and 2 more series (least reliable shown first)"


def test_unique_id_backtests_work_too():
    bt = BACKTEST.assign(unique_id=BACKTEST["market"] + "|" + BACKTEST["queue"]).drop(
        columns=["market", "queue"])
    t = accuracy_table(bt)
    assert sorted(t["market"]) == ["GB|a", "GB|b", "ID|a", "ID|b"]
