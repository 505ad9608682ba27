"""planning/reports/ask.py, ask_text.py and formats.py: the ask on a plan written by hand, so
every figure is checked against arithmetic done here, not against the optimiser."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from planning.inputs.loading import load_inputs
from planning.optimise import PlanResult, PlanStatus
from planning.reports import formats as f
from planning.reports.ask import DUE_AT_START, DUE_NOW, OVERDUE, plan_ask, requisition_status
from planning.reports.ask_text import ask_table, emphasised, sla_sentence, sla_table

TODAY = dt.date(2026, 12, 1)  # a Tuesday: this week is the one of Monday 30 Nov 2026
START = dt.date(2027, 1, 4)
W = pd.Timestamp


def _plan() -> PlanResult:
    weeks = [W("2027-01-04"), W("2027-04-05")]
    sites = pd.DataFrame({"site": ["Jakarta", "Jakarta"], "week": weeks,
                          "quarter": ["2027Q1", "2027Q2"], "headcount": [10.0, 13.7],
                          "starts": [2.3, 4.0000001], "productive_fte": [10.0, 12.0],
                          "cost": [1000.0, 1300.0], "overtime_fte": [0.5, 0.0],
                          "overtime_cost": [200.0, 0.0]})
    vendors = pd.DataFrame({"vendor": ["Manila", "Manila"], "quarter": ["2027Q1", "2027Q2"],
                            "fte": [5.04, 0.0], "weeks": [13, 13], "cost": [500.0, 0.0]})
    surge = pd.DataFrame({"vendor": ["Manila"], "week": [W("2027-01-04")], "quarter": ["2027Q1"],
                          "max_fte": [2.0], "price_per_fte_week": [50.0], "fte": [1.0],
                          "cost": [50.0]})
    ask_sites = pd.DataFrame({"site": ["Jakarta", "Jakarta"], "quarter": ["2027Q1", "2027Q2"],
                              "end_headcount": [10.0, 13.7], "starts": [2.3, 4.0000001],
                              "requisitions_open_by": [W("2026-11-23"), W("2027-01-04")],
                              "cost": [1000.0, 1300.0]})
    ask_vendors = vendors[["vendor", "quarter", "fte", "cost"]]
    quarterly = pd.DataFrame({"quarter": ["2027Q1", "2027Q1", "2027Q2", "2027Q2"],
                              "market": ["GB", "ID", "GB", "ID"], "required_fte": 1.0,
                              "inhouse_fte": 1.0, "vendor_fte": 0.0, "shortfall_fte": 0.0})
    return PlanResult(PlanStatus.OPTIMAL, objective=3050.0, total_cost=3050.0,
                      shortfall_fte_weeks=0.0, sites=sites, vendors=vendors, surge=surge,
                      ask_sites=ask_sites, ask_vendors=ask_vendors, quarterly=quarterly)


@pytest.fixture
def ask(tiny):
    inputs = load_inputs(tiny(scenario__toml='[plan]\nstart = "2027-01-04"\nweeks = 2\n'
                                             'currency = "EUR"\n'))
    return plan_ask(_plan(), inputs, today=TODAY)


@pytest.mark.parametrize(("week", "status"), [
    ("2026-11-23", OVERDUE), ("2026-11-30", DUE_NOW), ("2026-12-14", DUE_AT_START),
    ("2027-01-04", DUE_AT_START), ("2027-02-01", ""), (None, "")])
def test_requisition_status_against_today_and_the_plan_start(week, status):
    when = None if week is None else W(week)
    assert requisition_status(when, TODAY, START) == status


def test_site_rows_are_whole_people_with_costs_including_overtime(ask):
    s = ask.sites.set_index("quarter")
    assert s["hires"].tolist() == [3, 4]  # 2.3 starts -> 3 people; 4.0000001 -> 4
    assert s.loc["2027Q1", "cost"] == 1000.0 + 200.0  # overtime is part of the site's cost
    # lead time 4 weeks (the tiny set's Jakarta): starts on 4 Jan and 5 Apr 2027
    assert s["requisitions_open_by"].tolist() == [W("2026-12-07"), W("2027-03-08")]
    assert s["requisition_status"].tolist() == [DUE_AT_START, ""]
    v = ask.vendors.set_index("quarter")
    assert v.loc["2027Q1", "cost"] == 500.0 + 50.0  # the surge bought is the vendor's too
    assert ask.quarters["cost"].tolist() == [1750.0, 1300.0]
    assert ask.quarters["cost"].sum() == ask.total_cost
    assert ask.currency == "EUR"


def test_the_table_is_text_with_currency_dates_and_no_missing_words(ask):
    t = ask_table(ask)
    assert list(t.index) == ["Jakarta", "Manila", "Total"]
    assert t.loc["Jakarta", ("2027Q1", "hire")] == "3"
    assert t.loc["Jakarta", ("2027Q1", "open requisitions by")] == "7 Dec 2026 ⚠ due at plan start"
    assert t.loc["Jakarta", ("2027Q2", "open requisitions by")] == "8 Mar 2027"
    assert t.loc["Jakarta", ("2027Q2", "headcount / FTE")] == "14"
    assert t.loc["Jakarta", ("2027Q1", "cost, EUR")] == "1,200"
    assert t.loc["Manila", ("2027Q1", "headcount / FTE")] == "5.0 FTE"
    assert t.loc["Manila", ("2027Q1", "hire")] == ""
    assert t.loc["Total", ("2027Q1", "cost, EUR")] == "1,750"
    assert t.loc["Total", ("2027Q1", "headcount / FTE")] == "10 + 5.0 FTE"
    cells = " ".join(t.to_numpy().ravel())
    for word in ("None", "nan", "NaT", "00:00"):
        assert word not in cells


def test_sentences_say_the_ask_in_words(ask, tiny):
    text = "\n".join(ask.sentences)
    assert "Hire 7 people in-house: 3 in 2027Q1 (Jakarta), 4 in 2027Q2 (Jakarta)" in text
    assert "from 10 today to 14 at the end of 2027Q2" in text
    assert ("Open requisitions before the plan starts: Jakarta for 2027Q1 by 7 Dec 2026 "
            "(due at plan start)") in text
    assert ("The plan costs 3,050 EUR: 2027Q1 1,750 EUR, 2027Q2 1,300 EUR, overtime and vendor "
            "surge (250 EUR) included.") in text
    assert "Contract vendors: 5.0 FTE in 2027Q1 (550 EUR)" in text
    assert "SLA" not in text  # not simulated: nothing said
    assert emphasised("Hire 7 people in-house: 3 in 2027Q1") == "**Hire 7 people in-house**: 3 in 2027Q1"
    late = plan_ask(_plan(), load_inputs(tiny()), today=dt.date(2026, 12, 15))
    assert "Open requisitions now: Jakarta for 2027Q1 by 7 Dec 2026 (overdue)" in " ".join(late.sentences)


def test_sla_confidence_per_market_and_quarter(tiny):
    inputs = load_inputs(tiny())
    markets = pd.DataFrame({"market": ["ID", "GB", "ID", "GB"],
                            "quarter": ["2027Q1", "2027Q1", "2027Q2", "2027Q2"],
                            "p_all_queues_meet": [0.384, 0.0, 0.995, 0.92]})
    a = plan_ask(_plan(), inputs, today=TODAY, risk_markets=markets)
    t = sla_table(a)
    assert t.loc["2027Q1", "ID"] == "38%" and t.loc["2027Q2", "ID"] == ">99%"
    assert t.loc["2027Q1", "GB"] == "0%"
    assert not any("SLA" in x for x in a.sentences)
    assert sla_sentence(a) == ("SLA confidence: lowest in GB (0% in 2027Q1); 0 of 2 markets "
                               "reach 90% in every quarter.")
    # a plan made to a confidence counts markets against it (ID: 38% and >99% both >= 30%)
    assert sla_sentence(a, 0.3) == (
        "SLA confidence: lowest in GB (0% in 2027Q1); 1 of 2 markets reach 30% in every "
        "quarter with all their queues at once (each queue was planned to 30% on its own).")
    assert sla_sentence(a, label=False) == ("lowest in GB (0% in 2027Q1); 0 of 2 markets "
                                            "reach 90% in every quarter.")


def test_formats():
    assert f.money(32940728.6, "USD") == "32,940,729 USD"
    assert f.money(-1500, "EUR", signed=True) == "-1,500 EUR"
    assert f.money(None, "USD") == f.MISSING
    assert f.money_short(32_940_000, "USD") == "32.94 M USD"
    assert f.people(219.8) == "220" and f.people(1190.2) == "1,190"
    assert f.people(3.2, up=True) == "4" and f.people(3.0000004, up=True) == "3"
    assert f.fte(85.04) == "85.0 FTE"
    assert f.day(W("2027-02-15")) == "15 Feb 2027" and f.day(pd.NaT) == f.MISSING
    assert f.share(0.384) == "38%" and f.share(0.001) == "<1%" and f.share(1.0) == "100%"
