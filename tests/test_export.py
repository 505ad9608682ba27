"""The finance workbook: the ask first, live cost formulas on named cells with their values
cached, formats, text safety, and the input sheets that make the workbook a valid input
again. Every expected figure is worked out by hand (store_fixtures, cost_fixtures) or is the
optimiser's own, never read back from the workbook code."""

from __future__ import annotations

import copy
import dataclasses
import io
import zipfile
from datetime import UTC, date, datetime

import pandas as pd
import pytest
from cost_fixtures import Q1_COST, Q2_COST, overtime_and_surge_plan
from openpyxl import load_workbook
from store_fixtures import FORECAST, PLAN, SITE_WEEK_1, SITE_WEEK_2, VENDOR_Q1, as_plan

from devtools.synthetic import make_inputs, requirements_frame
from planning.inputs.loading import load_inputs
from planning.inputs.schema import SCENARIO_SHEET, TABLES
from planning.inputs.writers import inputs_to_texts
from planning.optimise import optimise
from planning.reports.compare import compare_plans
from planning.reports.style import DATE, FTE, PCT, money_format
from planning.reports.workbook import OUTPUT_SHEETS, workbook_bytes, write_workbook
from planning.store.store import ScenarioMeta

META = ScenarioMeta("Q1 ask", 3, datetime(2026, 11, 2, 9, 30, tzinfo=UTC), "ana", "submitted",
                    "for review")
TODAY = date(2026, 12, 1)
TOTAL = SITE_WEEK_1 + SITE_WEEK_2 + VENDOR_Q1
MONEY = money_format("#,##0;[Red]-#,##0", "USD")


@pytest.fixture
def inputs(tiny):
    return load_inputs(tiny(forecast__csv=FORECAST), stage="plan")


def _raw(inputs, plan=PLAN, **kw) -> bytes:
    return workbook_bytes(inputs, as_plan(plan), meta=META, today=TODAY, **kw)


def _books(raw: bytes):
    """(formulas, cached values) views of one workbook."""
    return load_workbook(io.BytesIO(raw)), load_workbook(io.BytesIO(raw), data_only=True)


def _named(book, name):
    """The cell a workbook-level defined name points to."""
    sheet, ref = next(iter(book.defined_names[name].destinations))
    return book[sheet][ref.replace("$", "")]


def _label_rows(ws) -> dict:
    """Column A label -> the cells of the first row with it (Ask sheet)."""
    out: dict = {}
    for row in ws.iter_rows():
        if isinstance(row[0].value, str):
            out.setdefault(row[0].value, row)
    return out


def test_sheets_open_on_the_ask_and_no_name_collides_with_an_input_table(inputs):
    book, _ = _books(_raw(inputs))
    assert book.sheetnames == [
        "Ask", "Plan sites", "Plan vendors", "Allocation", "Shortfall", "Plan requirements",
        "Plan forecast", "Charts", "Assumptions",
        "markets", "queues", "sites", "vendors", "forecast", SCENARIO_SHEET]
    assert book.active.title == "Ask"
    inputs_lower = {*TABLES, SCENARIO_SHEET}
    assert not {s.lower() for s in OUTPUT_SHEETS} & inputs_lower


def test_site_and_vendor_costs_are_formulas_on_named_cells_with_cached_values(inputs):
    book, values = _books(_raw(inputs))
    ws = book["Plan sites"]
    assert [c.value for c in ws[1]] == ["site", "week", "quarter", "headcount", "starts",
                                        "productive_fte", "cost"]
    assert [c.value for c in ws["D"][1:]] == [10, 12]
    assert ws["G2"].value == "=D2*site_Jakarta_cost_per_fte_month*12/52+E2*site_Jakarta_hire_cost"
    assert ws["G3"].value == "=D3*site_Jakarta_cost_per_fte_month*12/52+E3*site_Jakarta_hire_cost"
    assert values["Plan sites"]["G2"].value == pytest.approx(SITE_WEEK_1, rel=1e-12)
    assert values["Plan sites"]["G3"].value == pytest.approx(SITE_WEEK_2, rel=1e-12)
    assert _named(book, "site_Jakarta_cost_per_fte_month").value == 1600
    assert _named(book, "site_Jakarta_hire_cost").value == 0
    assert _named(book, "site_Jakarta_cost_per_fte_month").parent.title == "Assumptions"
    wv = book["Plan vendors"]
    assert [c.value for c in wv[2]] == ["Manila", "2027Q1", 2, 5,
                                        "=D2*vendor_Manila_price_per_fte_month*12/52*C2"]
    assert values["Plan vendors"]["E2"].value == pytest.approx(VENDOR_Q1, rel=1e-12)
    assert _named(book, "vendor_Manila_price_per_fte_month").value == 1900
    # every scenario setting is a named cell too
    assert _named(book, "workforce_shrinkage").value == pytest.approx(0.30)
    assert _named(book, "plan_start").value == datetime(2027, 1, 4)
    assert _named(book, "plan_weeks").value == 2
    assert _named(book, "queue_listing_aht_minutes").value == 6
    assert _named(book, "queue_live_sla_target").value == pytest.approx(0.8)
    assert _named(book, "market_GB_min_inhouse_share").value == pytest.approx(0.3)


def test_every_formula_carries_its_value(inputs):
    book, values = _books(_raw(inputs))
    n = 0
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    n += 1
                    assert values[ws.title][cell.coordinate].value is not None, (ws.title, cell)
    assert n > 10


def test_the_ask_with_openpyxl_and_pandas(inputs):
    raw = _raw(inputs)
    book, values = _books(raw)
    ws, wv = book["Ask"], values["Ask"]
    assert ws["A1"].value == "Headcount ask: Q1 ask (version 3)"
    assert "submitted, saved 2026-11-02 09:30 UTC by ana" in ws["A2"].value
    assert "Money in USD" in ws["A2"].value
    rows = _label_rows(wv)
    total = rows["Total cost"]
    assert total[6].value == pytest.approx(TOTAL, rel=1e-12)
    assert total[6].number_format == MONEY  # money labelled with the currency
    assert ws[total[6].coordinate].value.startswith("=F")  # the total row of cost per quarter
    assert rows["Shortfall (FTE-weeks)"][6].value == pytest.approx(1.5)
    assert rows["Objective as solved (cost + penalties)"][6].value == pytest.approx(PLAN["objective"])
    assert any("Not a cost" in label and "uncovered FTE-week" in label for label in rows)
    # cost per quarter: Jakarta's two weeks in sites, Manila in vendor contracts
    head = rows["quarter"][0].row
    q = [c.value for c in wv[head + 1][:6]]
    assert q[0] == "2027Q1"
    assert q[1:] == pytest.approx([SITE_WEEK_1 + SITE_WEEK_2, 0, VENDOR_Q1, 0, TOTAL], rel=1e-12)
    # people to hire: 2 starts in week 2027-01-11, lead time 4 weeks -> requisitions 2026-12-14
    site = rows["Jakarta"]
    assert [c.value for c in site[:6]] == ["Jakarta", "2027Q1", 2, datetime(2026, 12, 14),
                                          "due at plan start", 12]
    assert site[3].number_format == DATE
    assert site[6].value == pytest.approx(SITE_WEEK_1 + SITE_WEEK_2, rel=1e-12)
    # the same with pandas, which reads the cached values
    frame = pd.read_excel(io.BytesIO(raw), sheet_name="Ask", header=None)
    label = frame[0].astype(str)
    assert frame.loc[label == "Total cost", 6].iloc[0] == pytest.approx(TOTAL, rel=1e-12)
    jakarta = frame[label == "Jakarta"].iloc[0]
    assert pd.Timestamp(jakarta[3]) == pd.Timestamp("2026-12-14")
    hiring = frame[frame[8] == "Jakarta"].iloc[0]   # the weekly schedule on the right
    assert [pd.Timestamp(hiring[9]), hiring[10], pd.Timestamp(hiring[11])] == [
        pd.Timestamp("2027-01-11"), 2, pd.Timestamp("2026-12-14")]


def test_the_ask_prints_on_one_landscape_page(inputs):
    book, _ = _books(_raw(inputs))
    ws = book["Ask"]
    assert ws.page_setup.orientation == "landscape"
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    # one page wide and one tall (1 is the file format's default, so it is left out)
    assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight in (None, 1)
    assert ws.print_area == f"'Ask'!$A$1:$O${ws.max_row}"  # both blocks, every row
    # the plan sheets print one page wide, as many tall as needed
    assert book["Plan sites"].page_setup.fitToHeight == 0


def test_sla_confidence_per_market_when_the_risk_was_simulated(inputs):
    risk = pd.DataFrame({"market": ["GB", "ID"], "quarter": ["2027Q1", "2027Q1"], "queues": [1, 1],
                         "p_all_queues_meet": [0.95, 0.8], "on_time_mean": [0.99, 0.97]})
    book, values = _books(_raw(inputs, risk_markets=risk))
    rows = [[c.value for c in r[8:16]] for r in values["Ask"].iter_rows()]
    head = rows.index(["market", "quarter", "required FTE", "in-house FTE", "vendor FTE",
                       "shortfall FTE", "attributed cost", "SLA confidence"])
    got = {r[0]: r[7] for r in rows[head + 1:head + 3]}
    assert got == {"GB": 0.95, "ID": 0.8}
    assert book["Ask"].cell(head + 2, 16).number_format == PCT
    # without a simulation the column is absent and a note says so
    plain = [c.value for r in _books(_raw(inputs))[0]["Ask"].iter_rows() for c in r]
    assert "SLA confidence" not in plain
    assert "SLA confidence: not simulated for this workbook (headcount risk)." in plain


def test_requisitions_judged_against_today(inputs):
    from planning.reports.ask import DUE_NOW, OVERDUE, plan_ask

    assert plan_ask(as_plan(), inputs, today=date(2026, 12, 15)).sites["requisition_status"][0] == DUE_NOW
    assert plan_ask(as_plan(), inputs, today=date(2026, 12, 22)).sites["requisition_status"][0] == OVERDUE
    text = " ".join(plan_ask(as_plan(), inputs, today=date(2026, 12, 22)).sentences)
    assert "should already be open" in text


def test_formats_tables_freeze_and_print_setup(inputs):
    book, _ = _books(_raw(inputs))
    ws = book["Plan sites"]
    assert ws["D2"].number_format == FTE and ws["G2"].number_format == MONEY
    assert ws["B2"].is_date and ws["B2"].number_format == "yyyy-mm-dd"
    assert ws.freeze_panes == "A2"
    assert ws.page_setup.orientation == "landscape"
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert next(iter(ws.tables.values())).ref == "A1:G3"
    assert ws.column_dimensions["A"].width >= 8
    assert _named(book, "workforce_shrinkage").number_format == PCT
    assert _named(book, "site_Jakarta_cost_per_fte_month").number_format == money_format(
        "#,##0.00", "USD")
    assert book["Shortfall"]["E2"].number_format == FTE
    for name in ("Allocation", "Shortfall", "Plan vendors"):
        assert len(book[name].tables) == 1
    with zipfile.ZipFile(io.BytesIO(_raw(inputs))) as zf:
        charts = [n for n in zf.namelist() if n.startswith("xl/charts/chart")]
        assert len(charts) == 2
        xml = " ".join(zf.read(n).decode() for n in charts)
    assert "Cost by quarter" in xml and "FTE by source" in xml and "stacked" in xml


def test_the_currency_labels_every_money_cell(tiny):
    inputs = load_inputs(tiny(forecast__csv=FORECAST), stage="plan")
    inputs = dataclasses.replace(inputs, scenario=inputs.scenario.replace("plan", currency="EUR"))
    book, _ = _books(_raw(inputs))
    eur = money_format("#,##0;[Red]-#,##0", "EUR")
    assert book["Plan sites"]["G2"].number_format == eur
    assert "Money in EUR" in book["Ask"]["A2"].value
    labelled, texts = set(), []
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if '"' in c.number_format:
                    labelled.add(c.number_format.split('"')[1])
                if isinstance(c.value, str) and ws.title != "Assumptions":  # its notes say "e.g. USD"
                    texts.append(c.value)
    assert labelled == {"EUR"}  # every money format of every sheet
    assert not any("USD" in t for t in texts)
    assert any("The plan costs" in t and "EUR" in t for t in texts)  # the sentence


def test_user_text_is_never_a_formula(tiny):
    evil_vendor = '=HYPERLINK("http://evil.example","click")'
    evil_site = "=1+1"
    data = tiny(forecast__csv=FORECAST,
                sites__csv=f'site,languages,headcount,cost_per_fte_month\n"{evil_site}",id;en,10,1600',
                vendors__csv=('vendor,languages,price_per_fte_month,markets\n'
                              f'"{evil_vendor.replace(chr(34), chr(34) * 2)}",en,1900,GB'))
    inputs = load_inputs(data, stage="plan")
    plan = copy.deepcopy(PLAN)
    for row in plan["sites"]:
        row["site"] = evil_site
    plan["vendors"][0]["vendor"] = evil_vendor
    evil_name = "=cmd|' /C calc'!A0"
    raw = workbook_bytes(inputs, as_plan(plan), meta=META.__class__(evil_name, 1, META.created_at, evil_site,
                                                           "draft"))
    book = load_workbook(io.BytesIO(raw))
    assert book["Ask"]["A1"].value == f"Headcount ask: {evil_name} (version 1)"
    assert book["Plan sites"]["A2"].value == evil_site
    assert book["Plan sites"]["A2"].data_type == "s"
    assert book["Plan vendors"]["A2"].value == evil_vendor
    assert book["vendors"]["A2"].value == evil_vendor and book["vendors"]["A2"].data_type == "s"
    with zipfile.ZipFile(io.BytesIO(raw)) as zf:
        sheets = " ".join(zf.read(n).decode() for n in zf.namelist() if n.startswith("xl/worksheets/"))
    assert "<f>HYPERLINK" not in sheets and "<f>1+1" not in sheets and "<f>cmd" not in sheets
    # the cost formulas use sanitised names, never the user's text
    assert book["Plan sites"]["G2"].value == "=D2*site_1_1_cost_per_fte_month*12/52+E2*site_1_1_hire_cost"
    back = load_inputs(io_path(tiny, raw), stage="plan")
    assert back.vendors["vendor"].tolist() == [evil_vendor]


def io_path(tiny, raw: bytes):
    path = tiny().parent / "book.xlsx"
    path.write_bytes(raw)
    return path


FULL = {
    "market_queues.csv": "market,queue,aht_minutes,automation_rate\nGB,listing,7.5,\n",
    "events.csv": "date,name,market,uplift\n2027-01-11,sale,ID,1.5\n2027-01-12,sale,*,\n",
    "intraday.csv": "queue,hour,share\n" + "\n".join(f"live,{h},{1 / 24!r}" for h in range(24)),
    "volumes.csv": "market,queue,date,cases\nID,listing,2026-12-01,410\nGB,live,2026-12-01,33.5\n",
}


def test_workbook_with_history_reads_back_as_the_same_inputs(tiny, tmp_path):
    data = tiny(forecast__csv=FORECAST, **{k.replace(".", "__"): v for k, v in FULL.items()},
                scenario__toml='[plan]\nstart = "2027-01-04"\nweeks = 2\nquantile = 0.5\n'
                               '[levers]\nvolume_multiplier = 1.15\n[solver]\nmip_gap = 0.001\n'
                               'budget_per_quarter = 250000.5\n')
    inputs = load_inputs(data, stage="plan")
    path = write_workbook(tmp_path / "out" / "plan.xlsx", inputs, as_plan(), meta=META,
                          history=True)
    back = load_inputs(path, stage="plan")
    assert inputs_to_texts(back) == inputs_to_texts(inputs)
    assert back.scenario == inputs.scenario


def test_without_history_the_plans_forecast_is_the_workbooks_input(tiny, tmp_path):
    """Volumes and no forecast table: the workbook leaves the history out and carries the
    forecast the plan was made from as its forecast input, so it re-plans from it."""
    data = tiny(**{k.replace(".", "__"): v for k, v in FULL.items()})
    inputs = load_inputs(data, stage="plan")
    assert inputs.forecast is None and inputs.volumes is not None
    forecast = pd.read_csv(io.StringIO(FORECAST), parse_dates=["date"]).assign(
        p10=lambda f: f["p50"] * 0.9, p90=lambda f: f["p50"] * 1.1, model="ETS")
    path = write_workbook(tmp_path / "plan.xlsx", inputs, as_plan(), forecast=forecast)
    book = load_workbook(path, read_only=True)
    assert "volumes" not in book.sheetnames and "Plan forecast" not in book.sheetnames
    back = load_inputs(path, stage="plan")
    assert back.volumes is None
    got = back.forecast.sort_values(["market", "queue", "date"], ignore_index=True)
    want = forecast.sort_values(["market", "queue", "date"], ignore_index=True)
    assert got["p50"].tolist() == pytest.approx(want["p50"].tolist())
    assert got["p90"].tolist() == pytest.approx(want["p90"].tolist())
    assert inputs_to_texts(dataclasses.replace(back, forecast=None)) == inputs_to_texts(
        dataclasses.replace(inputs, volumes=None))
    # without a forecast to carry, the history stays (the workbook must re-plan)
    again = write_workbook(tmp_path / "plain.xlsx", inputs, as_plan())
    assert "volumes" in load_workbook(again, read_only=True).sheetnames


def test_comparison_sheet_when_exported_from_a_diff(inputs):
    other = copy.deepcopy(PLAN)
    other["vendors"][0] |= {"fte": 8.0, "cost": 8 * 1900 * 12 / 52 * 2}
    other["total_cost"] = SITE_WEEK_1 + SITE_WEEK_2 + 8 * 1900 * 12 / 52 * 2
    comparison = compare_plans(("base@1", as_plan(), inputs), ("more vendor@1", as_plan(other), inputs))
    book, values = _books(_raw(inputs, other, comparison=comparison))
    assert book.sheetnames[:2] == ["Ask", "Comparison"]
    ws = book["Comparison"]
    assert ws["A1"].value == "Comparison: B = more vendor@1 against A = base@1"
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    i = rows.index(["metric", "a", "b", "delta"] + [None] * (len(rows[0]) - 4))
    assert rows[i + 1][:3] == ["Total cost (USD)", pytest.approx(PLAN["total_cost"]),
                               pytest.approx(other["total_cost"])]
    assert rows[i + 1][3] == f"=C{i + 2}-B{i + 2}"
    assert values["Comparison"].cell(i + 2, 4).value == pytest.approx(3 * 1900 * 12 / 52 * 2)
    assert rows[i + 3][0] == "Objective as solved (USD): cost + shortfall penalties; not a cost"
    assert any(isinstance(v, str) and "vendor FTE +3.0" in v for r in rows for v in r)


def test_a_plan_without_solution_still_exports(inputs):
    plan = {"status": "error", "objective": None, "total_cost": None, "shortfall_fte_weeks": None,
            "sites": [], "vendors": [], "allocation": [], "shortfall": [], "quarterly": [],
            "message": "HiGHS failed: out of memory"}
    book, values = _books(_raw(inputs, plan))
    texts = [c.value for r in book["Ask"].iter_rows() for c in r if isinstance(c.value, str)]
    assert "Solver message: HiGHS failed: out of memory" in texts
    assert "Solver: error." in book["Ask"]["A2"].value
    assert _label_rows(values["Ask"])["Total cost"][6].value == 0
    assert book["Allocation"]["A1"].value == "none"


def test_overtime_and_surge_in_every_quarter_cost(tmp_path):
    """The hand-worked plan of cost_fixtures: overtime 9,000 and surge 7,200 in 2027Q1 are in
    the plan sheets' formulas, the ask's cost per quarter and its total."""
    inputs, result = overtime_and_surge_plan()
    raw = workbook_bytes(inputs, result, today=TODAY)
    book, values = _books(raw)
    assert "Plan surge" in book.sheetnames
    ws = book["Plan sites"]
    heads = [c.value for c in ws[1]]
    assert heads[-2:] == ["overtime_fte", "overtime_cost"]
    col = heads.index("overtime_cost")
    assert ws.cell(3, col + 1).value.endswith("*site_JK_overtime_premium")
    overtime = [values["Plan sites"].cell(r, col + 1).value for r in range(2, 6)]
    assert overtime == pytest.approx([0, 9_000, 0, 0])
    surge = [c.value for c in values["Plan surge"]["G"][1:]]
    assert surge == pytest.approx([7_200])
    rows = _label_rows(values["Ask"])
    head = rows["quarter"][0].row
    q1, q2 = ([c.value for c in values["Ask"][r][:6]] for r in (head + 1, head + 2))
    assert q1[0] == "2027Q1" and q1[1:] == pytest.approx([50 * 1200 * 3, 9_000, 7_200, 7_200, Q1_COST])
    assert q2[0] == "2027Q2" and q2[1:] == pytest.approx([50 * 1200, 0, 2_400, 0, Q2_COST])
    assert rows["Total cost"][6].value == pytest.approx(Q1_COST + Q2_COST)
    assert rows["Total cost"][6].value == pytest.approx(result.total_cost)
    assert rows["BPO"][6].value == pytest.approx(7_200 + 7_200)  # contract + surge in Q1


def test_a_real_plans_total_and_requisitions_on_the_ask():
    """An optimised plan with hires: 10 people at JK, 14 needed from week 3 (2027-01-25), a
    start takes lead_weeks = 2. The optimiser hires 4 starting 2027-01-25, requisitions open
    2027-01-11; cost 10 x 1200 x 3 + 14 x 1200 x 3 = 86,400."""
    inp = make_inputs(markets=[{"market": "ID", "language": "id"}], queues=[{"queue": "listing"}],
                      sites=[{"site": "JK", "languages": "id", "headcount": 10.0,
                              "cost_per_fte_month": 5200.0, "lead_weeks": 2}], weeks=6)
    r = optimise(inp, requirements_frame(inp, {("ID", "listing"): [10.0] * 3 + [14.0] * 3}))
    plan = r.to_json()
    assert plan["total_cost"] == pytest.approx(86_400)
    assert plan["ask"]["hiring"] == [{"site": "JK", "week": "2027-01-25", "quarter": "2027Q1",
                                      "starts": 4.0, "requisition_week": "2027-01-11"}]
    raw = workbook_bytes(inp, r, today=date(2027, 1, 12))
    values = load_workbook(io.BytesIO(raw), data_only=True)["Ask"]
    rows = _label_rows(values)
    assert rows["Total cost"][6].value == pytest.approx(plan["total_cost"], rel=1e-12)
    assert [c.value for c in rows["JK"][:5]] == ["JK", "2027Q1", 4, datetime(2027, 1, 11),
                                                "due this week"]
    frame = pd.read_excel(io.BytesIO(raw), sheet_name="Ask", header=None)
    assert frame.loc[frame[0] == "Total cost", 6].iloc[0] == pytest.approx(86_400)
    assert pd.Timestamp(frame.loc[frame[8] == "JK", 11].iloc[0]) == pd.Timestamp(
        plan["ask"]["hiring"][0]["requisition_week"])
