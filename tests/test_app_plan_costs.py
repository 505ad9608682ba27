"""The Plan page's cost per quarter, read from the page (AppTest), includes overtime and vendor
surge and adds up to the plan's total: the hand-worked plan of cost_fixtures, given to the
app as files (its requirements table, so no forecasting)."""

from __future__ import annotations

from pathlib import Path

import pytest
from cost_fixtures import Q1_COST, Q2_COST
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")

#: the inputs of cost_fixtures.overtime_and_surge_plan as files
FILES = {
    "markets.csv": "market,language\nID,id\nMY,ms\n",
    "queues.csv": "queue,kind,aht_minutes,tat_hours\nlisting,deferrable,6,24\n",
    "sites.csv": "site,languages,headcount,cost_per_fte_month,hire_cost,overtime_max_share,"
                 "overtime_premium\nJK,id,50,5200,20000,0.1,1.5\n",
    "vendors.csv": "vendor,languages,price_per_fte_month\nBPO,ms,2600\n",
    "vendor_surge.csv": "vendor,week,max_fte\nBPO,2027-03-22,8\n",
    "requirements.csv": "market,queue,week,required_fte\n" + "".join(
        f"{m},listing,{w},{r}\n" for m, reqs in (("ID", (50, 55, 50, 50)), ("MY", (4, 12, 4, 4)))
        for w, r in zip(("2027-03-15", "2027-03-22", "2027-03-29", "2027-04-05"), reqs,
                        strict=True)),
    "scenario.toml": '[plan]\nstart = "2027-03-15"\nweeks = 4\n',
}


@pytest.fixture
def surge_data(tmp_path, monkeypatch):
    folder = tmp_path / "surge"
    folder.mkdir()
    for name, text in FILES.items():
        (folder / name).write_text(text)
    monkeypatch.setenv("HEADCOUNT_DATA", str(folder))
    monkeypatch.setenv("HEADCOUNT_DB", str(tmp_path / "scenarios.db"))
    return folder


@pytest.mark.slow
def test_the_plan_pages_quarter_costs_include_overtime_and_surge(surge_data):
    at = AppTest.from_file(APP, default_timeout=120).run()
    assert not at.exception, [e.value for e in at.exception]
    table = at.table[0].value
    cost = "cost, USD"
    # the Total row is the quarter's cost: sites, overtime (9,000), contracts and surge (7,200)
    assert table.loc["Total", ("2027Q1", cost)] == f"{Q1_COST:,.0f}"
    assert table.loc["Total", ("2027Q2", cost)] == f"{Q2_COST:,.0f}"
    # per pool: JK with its overtime, BPO with its surge
    assert table.loc["JK", ("2027Q1", cost)] == f"{50 * 1200 * 3 + 9_000:,.0f}"
    assert table.loc["BPO", ("2027Q1", cost)] == f"{4 * 600 * 3 + 8 * 900:,.0f}"
    text = " ".join(m.value for m in at.markdown)
    assert f"{Q1_COST + Q2_COST:,.0f} USD" in text  # the total the quarters add up to
