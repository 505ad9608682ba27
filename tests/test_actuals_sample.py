"""Plan versus actual on the sample data set, end to end: every KPI, the misses it explains,
the workbook and ``headcount kpis``.

The forecast stage takes about a minute on the sample, so the plan here is staffed from a
stand-in forecast (each weekday's mean over the last four weeks of history); the KPIs only
compare whatever the plan forecast with the actuals.
"""

from __future__ import annotations

import dataclasses
import io
import json
import re
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from planning.actuals.kpis import compute_kpis
from planning.actuals.score import (
    operation_scorecard,
    queue_scorecard,
    site_scorecard,
    vendor_scorecard,
)
from planning.actuals.variance import FACTORS
from planning.cli.main import main
from planning.inputs.loading import load_inputs
from planning.optimise import optimise
from planning.reports.kpi_sheet import KPI_SHEETS, kpi_workbook_bytes
from planning.requirements.compute import compute_requirements

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
pytestmark = pytest.mark.slow


def naive_forecast(inputs) -> pd.DataFrame:
    """p50 of each plan day = mean of the same weekday over the last 28 days of history."""
    v = inputs.volumes
    last = v[v["date"] > v["date"].max() - pd.Timedelta(days=28)]
    means = last.assign(dow=last["date"].dt.weekday).groupby(["market", "queue", "dow"])["cases"].mean()
    days = inputs.plan_weeks()[0] + pd.to_timedelta(np.arange(7 * inputs.scenario.plan.weeks), unit="D")
    rows = [(m, q, d, means[(m, q, d.weekday())]) for m, q in means.index.droplevel(2).unique()
            for d in days]
    return pd.DataFrame(rows, columns=["market", "queue", "date", "p50"])


@pytest.fixture(scope="module")
def sample():
    inputs = load_inputs(SAMPLE, stage="plan")
    req = compute_requirements(inputs, naive_forecast(inputs))
    result = optimise(inputs, req, explain=False)
    assert result.ok
    return inputs, req, result, compute_kpis(inputs, req, result)


def test_every_kpi_is_measured(sample) -> None:
    *_, rep = sample
    markets = queue_scorecard(rep, ["market"])
    queues = queue_scorecard(rep, ["market", "queue"])
    sites, vendors, op = site_scorecard(rep), vendor_scorecard(rep), operation_scorecard(rep)
    assert len(markets) == 12 and len(queues) == 63 and len(sites) == 4 and len(vendors) == 4
    for frame, cols in (
            (markets, ["wape", "bias", "automation_achieved", "automation_assumed", "aht_drift",
                       "sla_share", "sla_target", "planned_fte", "actual_fte"]),
            (sites, ["occupancy", "utilisation", "shrinkage_achieved", "attrition_month_actual",
                     "attrition_month_assumed", "headcount", "planned_headcount", "actual_cost",
                     "planned_cost"]),
            (vendors, ["delivered_fte", "planned_fte", "fte_attainment", "actual_cost"]),
            (op, ["cost_per_case", "planned_cost_per_case", "cost_vs_plan"])):
        assert frame[cols].notna().all().all(), frame[cols]
        status = [c for c in frame.columns if c.endswith("_status")]
        assert frame[status].isin(["green", "amber", "red", "n/a"]).all().all()
    assert op["budget_status"].tolist() == ["n/a"]  # the sample sets no budget


def test_the_sample_misses_show_and_are_explained(sample) -> None:
    *_, rep = sample
    m = queue_scorecard(rep, ["market"]).set_index("market")
    q = queue_scorecard(rep, ["market", "queue"]).set_index(["market", "queue"])
    assert q.loc[("ID", "listing_review"), "aht_status"] == "red"
    assert q.loc[("ID", "listing_review"), "sla_status"] == "red"
    # BR is the most under-forecast market (bias < 0); how far depends on the forecast
    assert m["bias"].idxmin() == "BR" and m.loc["BR", "bias"] < -0.05
    assert m.loc["BR", "bias_status"] in ("amber", "red")
    var = rep.variance
    effects = var[[f"{f}_fte" for f in FACTORS]].sum(axis=1)
    assert np.abs(effects - var["difference_fte"]).max() < 1e-9
    s = rep.variance_summary.set_index("market")
    assert np.abs(s[[f"{f}_fte" for f in FACTORS]].sum(axis=1) - s["difference_fte"]).max() < 1e-9
    assert s.loc["BR", "difference_fte"] > 0 and s.loc["BR", "volume_share"] > 0.5
    id_listing = var[(var["market"] == "ID") & (var["queue"] == "listing_review")]
    tot = id_listing[[f"{f}_fte" for f in FACTORS] + ["difference_fte"]].sum()
    assert tot["aht_fte"] / tot["difference_fte"] > 0.5  # most of the ID listing overrun is AHT
    late = id_listing[id_listing["week"] >= "2027-01-18"]
    assert (late["aht_fte"] > 0).all()


def test_workbook_has_the_kpi_sheets_with_traffic_lights(sample) -> None:
    *_, rep = sample
    book = openpyxl.load_workbook(io.BytesIO(kpi_workbook_bytes(rep)))
    assert book.sheetnames == list(KPI_SHEETS)
    ws = book["KPIs"]
    texts = {c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    assert {"Markets", "Queues by market", "Sites", "Vendors", "Operation by quarter",
            "wape", "aht_drift", "occupancy", "attrition_month_actual", "cost_per_case"} <= texts
    fills = {c.fill.fgColor.rgb[-6:] for row in ws.iter_rows() for c in row if c.value == "red"}
    assert fills == {"FFC7CE"}
    assert book["Variance"].max_row > 60


def test_cli_kpis_and_replan(sample, tmp_path: Path, capsys) -> None:
    inputs, req, result, _ = sample
    req_csv, plan_json = tmp_path / "requirements.csv", tmp_path / "plan.json"
    req.to_csv(req_csv, index=False, date_format="%Y-%m-%d")
    plan_json.write_text(json.dumps(result.to_json()))
    out, replan = tmp_path / "kpis.xlsx", tmp_path / "replan"
    code = main(["kpis", str(SAMPLE), "--out", str(out), "--plan", str(plan_json),
                 "--requirements", str(req_csv), "--replan", str(replan)])
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert "KPIs of 6 week(s) 2027-01-04 to 2027-02-08" in printed
    assert "BR 2027Q1: required FTE +" in printed
    assert openpyxl.load_workbook(out).sheetnames == list(KPI_SHEETS)
    again = load_inputs(replan, stage="plan")
    assert again.scenario.plan.start.isoformat() == "2027-02-15"
    latest = inputs.actual_sites[inputs.actual_sites["week"] == "2027-02-08"].set_index("site")["headcount"]
    assert again.sites.set_index("site")["headcount"].to_dict() == latest.to_dict()
    signed = again.signed_vendor_fte.set_index(["vendor", "quarter"])["fte"]
    planned = pd.DataFrame(result.to_json()["vendors"]).set_index(["vendor", "quarter"])["fte"]
    # the contracts of the quarter under way are signed: exactly the old plan's FTE
    # (to float noise: the CSV round trip may move the last bit)
    assert signed.to_dict() == pytest.approx({k: planned[k] for k in signed.index}, rel=1e-15)
    assert set(signed.index.get_level_values("quarter")) == {"2027Q1"}
    assert again.committed_starts is not None  # Jakarta/Dublin hires inside their lead time


def test_cli_kpis_bad_input_exits_2(tiny, tmp_path: Path, capsys) -> None:
    empty_plan = tmp_path / "plan.json"
    empty_plan.write_text("{}")
    assert main(["kpis", str(tiny()), "--plan", str(empty_plan), "--out", str(tmp_path / "k.xlsx")]) == 2
    assert "actual_queues: table is missing" in capsys.readouterr().err
    assert main(["kpis", str(tiny()), "--out", str(tmp_path / "k.xlsx")]) == 2  # no volumes to plan
    assert "volumes: table is missing" in capsys.readouterr().err
    bad = tmp_path / "req.csv"
    bad.write_text("market,queue,week\nID,listing,2027-01-04\n")
    assert main(["kpis", str(SAMPLE), "--requirements", str(bad), "--plan", str(bad),
                 "--out", str(tmp_path / "k.xlsx")]) == 2
    assert "required_fte, column is missing" in capsys.readouterr().err
    assert not (tmp_path / "k.xlsx").exists()


def test_replan_from_the_current_week_starts_from_the_actual_headcount(sample) -> None:
    from planning.actuals.replan import commitments_from_plan, replan_inputs, stitched_headcount
    from planning.optimise import optimise

    inputs, _, result, _ = sample
    rp = replan_inputs(inputs)
    assert rp.start == pd.Timestamp("2027-02-15") and rp.inputs.scenario.plan.weeks == 20
    committed = commitments_from_plan(inputs, result, rp.start)
    req = compute_requirements(rp.inputs, naive_forecast(rp.inputs))
    new = optimise(rp.inputs, req, commitments=committed, time_limit_s=60)
    assert new.ok
    after = new
    hc = stitched_headcount(inputs, after, rp.start)
    actual = inputs.actual_sites.set_index(["site", "week"])["headcount"]
    locked = hc[hc["source"] == "actual"].set_index(["site", "week"])["headcount"]
    assert len(locked) == 4 * 6 and locked.equals(actual.loc[locked.index])
    # the first re-planned week follows from the latest actual headcount: survival x it + starts
    first = after.sites[after.sites["week"] == rp.start].set_index("site")
    sites = inputs.sites.set_index("site")
    for site in sites.index:
        survival = (1 - sites.loc[site, "attrition_month"]) ** (12 / 52)
        latest = actual.loc[(site, pd.Timestamp("2027-02-08"))]
        assert first.loc[site, "headcount"] == pytest.approx(survival * latest + first.loc[site, "starts"])
    vendors = after.vendors[after.vendors["quarter"] == "2027Q1"].set_index("vendor")["fte"]
    signed = committed.vendor_fte.set_index("vendor")["fte"]
    assert np.allclose(vendors.loc[signed.index], signed)


def test_kpi_page_renders_every_tab(sample, monkeypatch, tmp_path: Path) -> None:
    from streamlit.testing.v1 import AppTest

    from ui.stages import warm_plan

    monkeypatch.setenv("HEADCOUNT_DATA", str(SAMPLE))
    monkeypatch.setenv("HEADCOUNT_DB", str(tmp_path / "scenarios.db"))
    assert warm_plan(load_inputs(SAMPLE)).error is None
    script = (f"import runpy\nfrom ui import session\nsession.init()\n"
              f"runpy.run_path({str(Path(__file__).parents[1] / 'app_pages' / 'kpis.py')!r}, run_name='__main__')\n")
    at = AppTest.from_string(script, default_timeout=120).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Plan versus actual"
    frames = [df.value for df in at.dataframe]
    markets = next(f for f in frames if "wape_status" in f.columns and "queue" not in f.columns)
    assert len(markets) == 12
    assert any("occupancy_status" in f.columns for f in frames)
    assert any("vendor_fte_status" in f.columns for f in frames)
    assert any("cost_per_case_status" in f.columns for f in frames)
    text = " ".join(m.value for m in at.markdown)
    # the five largest differences in words; BR's volume miss (built into the sample's
    # actuals) leads. (ID's AHT miss left the top five when the sample began planning to a
    # 90% SLA confidence: its plan now carries more safety capacity.)
    sentences = re.findall(r"\b[A-Z]{2} 2027Q\d: required FTE", text)
    assert len(sentences) == 5 and "BR 2027Q1: required FTE" in text
    at.selectbox(key="kpi_market").select("ID").run()
    queues = next(df.value for df in at.dataframe if "queue" in df.value.columns
                  and "aht_status" in df.value.columns)
    assert set(queues["market"]) == {"ID"} and len(queues) == 6


def test_the_plan_workbook_gains_the_kpi_sheets(sample) -> None:
    from planning.reports.workbook import workbook_bytes

    inputs, req, plan, _ = sample
    raw = workbook_bytes(inputs, plan, requirements=req)  # actuals given: KPI sheets added
    again = openpyxl.load_workbook(io.BytesIO(raw))
    assert set(KPI_SHEETS) <= set(again.sheetnames)
    no_actuals = dataclasses.replace(inputs, actual_queues=None, actual_sites=None,
                                     actual_vendors=None)
    plain = openpyxl.load_workbook(io.BytesIO(workbook_bytes(no_actuals, plan, requirements=req)),
                                   read_only=True)
    assert not set(KPI_SHEETS) & set(plain.sheetnames)
    names = [t for ws in again.worksheets for t in ws.tables]
    assert len(names) == len(set(n.lower() for n in names))  # no clashing table names
    m = pd.DataFrame(again["KPIs"].values)
    assert (m == "ID").any().any() and (m == "red").any().any()
