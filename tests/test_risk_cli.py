"""``headcount risk`` and ``headcount compliance`` end to end on a tiny input folder."""

from __future__ import annotations

import pandas as pd
import pytest

from planning.cli.main import main

FORECAST = "market,queue,date,p10,p50,p90\n" + "".join(
    f"ID,listing,2027-01-{d:02d},360,400,440\n" for d in range(4, 18))


@pytest.fixture
def folder(tiny):
    return tiny(forecast__csv=FORECAST)


def test_risk_writes_table(folder, tmp_path, capsys):
    out = tmp_path / "risk.csv"
    assert main(["risk", str(folder), "--out", str(out), "--paths", "50"]) == 0
    table = pd.read_csv(out)
    assert table[["market", "queue", "quarter"]].values.tolist() == [["ID", "listing", "2027Q1"]]
    assert 0.0 <= table["p_meet_sla"].iloc[0] <= 1.0
    assert "probability that every queue of the market meets its SLA" in capsys.readouterr().out


def test_risk_quantile_frontier(folder, tmp_path):
    out, front = tmp_path / "risk.csv", tmp_path / "frontier.csv"
    assert main(["risk", str(folder), "--out", str(out), "--paths", "20",
                 "--quantile-frontier", str(front), "--quantiles", "0.5,0.9"]) == 0
    points = pd.read_csv(front)
    assert points["quantile"].tolist() == [0.5, 0.9]
    assert points["total_cost"].is_monotonic_increasing


def test_confidence_plan_and_its_frontier(tiny, tmp_path, capsys):
    # two weeks of one quarter, planned to 80%: the risk run (seed 0, not the plan's) checks
    # the promise; the frontier puts a uniform-quantile plan beside each target
    data = tiny(forecast__csv=FORECAST, scenario__toml='[plan]\nstart = "2027-01-04"\nweeks = 2\n'
                'sla_confidence = 0.8\n')
    out, front = tmp_path / "risk.csv", tmp_path / "frontier.csv"
    assert main(["risk", str(data), "--out", str(out), "--paths", "400",
                 "--frontier", str(front), "--targets", "0.6,0.9"]) == 0
    text = capsys.readouterr().out
    assert "promise of the plan (sla_confidence 0.8)" in text
    assert "confidence frontier" in text
    points = pd.read_csv(front)
    assert points["target"].tolist() == [0.6, 0.9]
    assert points["total_cost"].is_monotonic_increasing
    assert (points["p_min_promised"] >= points["target"]).all()
    same = points[points["uniform_same_guarantee"]]
    assert (same["saving"] >= -1e-6 * same["total_cost"]).all()


def test_bad_settings_and_unknown_scenario_exit_2(folder, tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:  # argparse rejects a correlation outside (-1, 1)
        main(["risk", str(folder), "--correlation", "1.5", "--out", str(tmp_path / "r.csv")])
    assert exc.value.code == 2
    assert "--correlation: 1.5 must be in (-1, 1)" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:  # argparse rejects a quantile outside (0, 1)
        main(["risk", str(folder), "--quantile-frontier", "f.csv", "--quantiles", "0.5,1.2"])
    assert exc.value.code == 2
    assert not (tmp_path / "r.csv").exists()
    code = main(["risk", "no-such-scenario", "--db", str(tmp_path / "s.db"),
                 "--out", str(tmp_path / "r.csv")])
    assert code == 2
    assert "no-such-scenario" in capsys.readouterr().err


def test_compliance_csv_and_workbook(folder, tmp_path, capsys):
    out, xlsx = tmp_path / "c.csv", tmp_path / "c.xlsx"
    assert main(["compliance", str(folder), "--out", str(out), "--xlsx", str(xlsx)]) == 0
    table = pd.read_csv(out)
    assert set(table["market"]) == {"ID", "GB"}
    assert not table["eu_market"].any()
    # the plan covers ID listing in full with Jakarta: its in-house FTE is the requirement
    # 400 x 0.5 x 6 / 60 = 20 h/day -> 140 / 23.8 FTE every week
    row = table[(table["market"] == "ID")].iloc[0]
    assert row["inhouse_fte"] == pytest.approx(140 / 23.8, rel=1e-6)
    assert "GB is not an EU market" in capsys.readouterr().out
    assert xlsx.exists()


def test_saved_scenario_is_analysed_with_its_saved_plan(folder, tmp_path):
    from planning.inputs.loading import load_inputs
    from planning.optimise import PlanResult
    from planning.pipeline import run_plan
    from planning.store.store import ScenarioStore

    inputs = load_inputs(folder)
    run = run_plan(inputs)
    doc = run.plan.to_json()
    # halve the saved plan's FTE: the analysis must use the saved plan, not a fresh one
    for row in doc["allocation"]:
        row["fte"] /= 2
    db = tmp_path / "s.db"
    with ScenarioStore(str(db)) as store:
        store.save("base", inputs, PlanResult.from_json(doc), forecast=run.forecast)
    out = tmp_path / "c.csv"
    assert main(["compliance", "base@1", "--db", str(db), "--out", str(out)]) == 0
    row = pd.read_csv(out).query("market == 'ID'").iloc[0]
    assert row["inhouse_fte"] == pytest.approx(140 / 23.8 / 2, rel=1e-6)
    risk = tmp_path / "r.csv"
    assert main(["risk", "base", "--db", str(db), "--out", str(risk), "--paths", "20"]) == 0
    table = pd.read_csv(risk)
    assert table["capacity_fte"].iloc[0] == pytest.approx(140 / 23.8 / 2, rel=1e-6)
    assert table["p_meet_sla"].iloc[0] == 0.0  # half the capacity never meets the SLA


def test_spare_capacity_option_raises_capacity(folder, tmp_path):
    # Jakarta has 10 FTE today, no attrition and no starts (productive 10 every week); the
    # plan allocates 140 / 23.8 = 5.88 to ID listing, its only cell: with the option the
    # cell gets all 10
    plain, spare = tmp_path / "a.csv", tmp_path / "b.csv"
    assert main(["risk", str(folder), "--out", str(plain), "--paths", "20"]) == 0
    assert main(["risk", str(folder), "--out", str(spare), "--paths", "20",
                 "--spare-capacity"]) == 0
    a, b = pd.read_csv(plain).iloc[0], pd.read_csv(spare).iloc[0]
    assert a["capacity_fte"] == pytest.approx(140 / 23.8, rel=1e-6)
    assert b["capacity_fte"] == pytest.approx(10.0, rel=1e-6)
    assert b["on_time_mean"] >= a["on_time_mean"]


def test_plan_frontier_goes_to_csv_and_workbook(tiny, tmp_path, capsys):
    # the frontier sheet's saving is a formula over the two costs beside it, and the plan
    # made to a confidence carries its per-cell sheet
    from openpyxl import load_workbook

    data = tiny(forecast__csv=FORECAST, scenario__toml='[plan]\nstart = "2027-01-04"\nweeks = 2\n'
                'sla_confidence = 0.8\n')
    out = tmp_path / "out"
    assert main(["plan", str(data), "--out", str(out), "--frontier"]) == 0
    assert "SLA confidence 80%" in capsys.readouterr().out
    points = pd.read_csv(out / "frontier.csv")
    assert points["target"].tolist() == [0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99]
    book = load_workbook(out / "plan.xlsx")
    assert {"SLA confidence", "Confidence frontier"} <= set(book.sheetnames)
    ws = book["Confidence frontier"]
    head = [c.value for c in ws[4]]
    row = [c.value for c in ws[5]]
    saving = row[head.index("saving")]
    if points["uniform_same_guarantee"].iloc[0]:
        col = {h: chr(ord("A") + i) for i, h in enumerate(head)}
        assert saving == f"={col['uniform_total_cost']}5-{col['total_cost']}5"
    conf = book["SLA confidence"]
    assert [c.value for c in conf[4]][:3] == ["market", "queue", "quarter"]


def test_saved_confidence_plan_keeps_its_promise(tiny, tmp_path, capsys):
    # scenario save plans to the confidence; risk on the saved scenario checks that promise
    data = tiny(forecast__csv=FORECAST, scenario__toml='[plan]\nstart = "2027-01-04"\nweeks = 2\n'
                'sla_confidence = 0.8\n')
    db = str(tmp_path / "s.db")
    assert main(["scenario", "save", str(data), "--name", "conf", "--db", db]) == 0
    capsys.readouterr()
    assert main(["risk", "conf", "--db", db, "--out", str(tmp_path / "r.csv"), "--paths", "300"]) == 0
    assert "promise of the plan (sla_confidence 0.8)" in capsys.readouterr().out


def test_risk_writes_into_its_out_folder_never_the_working_folder(folder, tmp_path,
                                                                 monkeypatch):
    """Like ``headcount plan``: --out is a folder (default risk_out) that gets risk.csv, and
    a frontier given by a bare file name goes into it too."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    assert main(["risk", str(folder), "--paths", "20"]) == 0
    assert sorted(p.name for p in work.iterdir()) == ["risk_out"]
    assert (work / "risk_out" / "risk.csv").exists()
    assert main(["risk", str(folder), "--paths", "20", "--out", "r2", "--quantile-frontier",
                 "f.csv", "--quantiles", "0.5"]) == 0
    assert sorted(p.name for p in (work / "r2").iterdir()) == ["f.csv", "risk.csv"]
    assert sorted(p.name for p in work.iterdir()) == ["r2", "risk_out"]


def test_risk_runs_again_into_the_same_out_folder(folder, tmp_path, monkeypatch, capsys):
    """A second run finds its folder (and its frontier file in it) already there: the output
    check sees the folder as a folder and the bare frontier name inside it."""
    monkeypatch.chdir(tmp_path)
    argv = ["risk", str(folder), "--paths", "20", "--quantile-frontier", "f.csv",
            "--quantiles", "0.5"]
    assert main(argv) == 0
    first = (tmp_path / "risk_out" / "risk.csv").read_text()
    assert main(argv) == 0, capsys.readouterr().err
    assert (tmp_path / "risk_out" / "risk.csv").read_text() == first
    assert sorted(p.name for p in (tmp_path / "risk_out").iterdir()) == ["f.csv", "risk.csv"]
    (tmp_path / "plain").write_text("x")  # a file where the folder goes is still refused
    assert main(["risk", str(folder), "--paths", "20", "--out", "plain"]) == 2
    assert "--out" in capsys.readouterr().err
