"""The forecast stage: volumes and events of an Inputs -> the contract's forecast table."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from forecast_fixtures import START, WEEKLY, inputs, volumes

from planning.cli.main import main
from planning.errors import InputError
from planning.forecast_stage import forecast_stage
from planning.periods import plan_days


def test_forecast_table_covers_every_plan_day() -> None:
    res = forecast_stage(inputs(volumes()))
    fc = res.forecast
    assert list(fc.columns) == ["market", "queue", "date", "p10", "p50", "p90", "model"]
    days = plan_days(START, 4)
    for market in ("ID", "GB"):
        assert fc.loc[fc["market"] == market, "date"].tolist() == list(days)
    assert fc[["p10", "p50", "p90"]].notna().all().all()
    # the weekday pattern comes through: Mondays over Sundays ~ 1.0 / 0.5
    id_fc = fc[fc["market"] == "ID"].set_index("date")["p50"]
    assert id_fc[days[0]] / id_fc[days[6]] == pytest.approx(2.0, rel=0.1)


def test_backtest_table_marks_one_chosen_model_per_series() -> None:
    bt = forecast_stage(inputs(volumes())).backtest
    assert {"market", "queue", "model", "wape", "mase", "bias", "coverage_80",
            "chosen"} <= set(bt.columns)
    assert bt.groupby(["market", "queue"])["chosen"].sum().tolist() == [1, 1]
    assert (bt["wape"].dropna() < 0.1).all()  # 3 % noise: a good model is well under 10 %


def test_history_ending_before_the_plan_is_forecast_across_the_gap() -> None:
    res = forecast_stage(inputs(volumes(last="2026-11-29")))
    days = plan_days(START, 4)
    id_fc = res.forecast[res.forecast["market"] == "ID"]
    assert id_fc["date"].tolist() == list(days)
    want = 1000.0 * WEEKLY[days.weekday]
    assert id_fc["p50"].sum() / want.sum() == pytest.approx(1.0, abs=0.05)


def test_events_apply_to_their_market_or_to_all() -> None:
    ev = pd.DataFrame({
        "date": pd.to_datetime(["2027-01-06", "2027-01-13"]),
        "name": ["id_sale", "global_outage"],
        "market": ["ID", "*"],
        "uplift": [2.0, 0.5],
    })
    plain = forecast_stage(inputs(volumes())).forecast.set_index(["market", "date"])["p50"]
    with_ev = forecast_stage(inputs(volumes(), ev)).forecast.set_index(["market", "date"])["p50"]
    ratio = with_ev / plain
    assert ratio[("ID", pd.Timestamp("2027-01-06"))] == pytest.approx(2.0)
    assert ratio[("GB", pd.Timestamp("2027-01-06"))] == pytest.approx(1.0)
    assert ratio[("ID", pd.Timestamp("2027-01-13"))] == pytest.approx(0.5)
    assert ratio[("GB", pd.Timestamp("2027-01-13"))] == pytest.approx(0.5)
    others = ratio.drop([(m, pd.Timestamp(d)) for m in ("ID", "GB")
                         for d in ("2027-01-06", "2027-01-13")])
    assert np.allclose(others, 1.0)


def test_history_after_plan_start_is_ignored_with_a_warning() -> None:
    vol = volumes()
    late = vol[vol["date"] >= vol["date"].max() - pd.Timedelta(days=6)].copy()
    late["date"] += pd.Timedelta(days=7)  # the plan's first week, with absurd volumes
    late["cases"] *= 100
    res = forecast_stage(inputs(pd.concat([vol, late], ignore_index=True)))
    assert res.warnings and "not used" in res.warnings[0].message()
    plain = forecast_stage(inputs(vol))
    pd.testing.assert_frame_equal(res.forecast, plain.forecast)


def test_missing_volumes_is_an_input_error() -> None:
    with pytest.raises(InputError, match="volumes"):
        forecast_stage(inputs(None))


def test_series_without_history_before_the_plan_is_named() -> None:
    vol = volumes()
    extra = pd.DataFrame({"market": "GB", "queue": "appeals",
                          "date": pd.to_datetime(["2027-01-05"]), "cases": [3.0]})
    with pytest.raises(InputError, match="market GB, queue appeals has no history"):
        forecast_stage(inputs(pd.concat([vol, extra], ignore_index=True)))


def test_cli_forecast_writes_forecast_and_report(tiny, tmp_path: Path) -> None:
    vol = volumes(n=120)
    vol["date"] = vol["date"].dt.strftime("%Y-%m-%d")
    folder = tiny(volumes__csv=vol.to_csv(index=False))
    out, report = tmp_path / "f.csv", tmp_path / "bt.csv"
    assert main(["forecast", str(folder), "--out", str(out), "--report", str(report)]) == 0
    fc = pd.read_csv(out)
    assert len(fc) == 2 * 14  # two series, the tiny plan's 2 weeks
    assert {"market", "queue", "date", "p10", "p50", "p90", "model"} <= set(fc.columns)
    assert pd.read_csv(report)["chosen"].sum() == 2


def test_cli_forecast_bad_volumes_exit_2(tiny, tmp_path: Path, capsys) -> None:
    folder = tiny(volumes__csv="market,queue,date,cases\nID,listing,2026-12-01,-5\n")
    out = tmp_path / "f.csv"
    assert main(["forecast", str(folder), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "volumes" in err and "cases" in err
    assert not out.exists()


def test_series_ending_on_different_days_all_cover_the_plan() -> None:
    vol = volumes()
    vol = vol[~((vol["market"] == "GB") & (vol["date"] > "2026-12-01"))]  # GB stops a month early
    fc = forecast_stage(inputs(vol)).forecast
    days = plan_days(START, 4)
    for market, level in (("ID", 1000.0), ("GB", 300.0)):
        got = fc[fc["market"] == market]
        assert got["date"].tolist() == list(days)
        assert got["p50"].sum() / (level * WEEKLY[days.weekday]).sum() == pytest.approx(1.0,
                                                                                      abs=0.05)
