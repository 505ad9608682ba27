"""The finance workbook: sheets, live cost formulas on named cells, formats, text safety,
and the input sheets that make the workbook a valid input again."""

from __future__ import annotations

import copy
import io
import zipfile
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook
from store_fixtures import FORECAST, PLAN, SITE_WEEK_1, SITE_WEEK_2, VENDOR_Q1, as_plan

from planning.inputs.loading import load_inputs
from planning.inputs.schema import SCENARIO_SHEET, TABLES
from planning.inputs.writers import inputs_to_texts
from planning.reports.compare import compare_plans
from planning.reports.style import COST, FTE, PCT
from planning.reports.workbook import OUTPUT_SHEETS, workbook_bytes, write_workbook
from planning.store.store import ScenarioMeta

META = ScenarioMeta("Q1 ask", 3, datetime(2026, 11, 2, 9, 30, tzinfo=UTC), "ana", "submitted",
                    "for review")


@pytest.fixture
def inputs(tiny):
    return load_inputs(tiny(forecast__csv=FORECAST), stage="plan")


def _book(inputs, plan=PLAN, **kw):
    return load_workbook(io.BytesIO(workbook_bytes(inputs, as_plan(plan), meta=META, **kw)))


def _named(book, name):
    """The cell a workbook-level defined name points to."""
    sheet, ref = next(iter(book.defined_names[name].destinations))
    return book[sheet][ref.replace("$", "")]


def test_sheets_and_no_name_collides_with_an_input_table(inputs):
    book = _book(inputs)
    assert book.sheetnames == [
        "Summary", "Plan sites", "Plan vendors", "Allocation", "Shortfall", "Plan requirements",
        "Plan forecast", "Assumptions",
        "markets", "queues", "sites", "vendors", "forecast", SCENARIO_SHEET]
    inputs_lower = {*TABLES, SCENARIO_SHEET}
    assert not {s.lower() for s in OUTPUT_SHEETS} & inputs_lower


def test_site_and_vendor_costs_are_formulas_on_named_assumption_cells(inputs):
    book = _book(inputs)
    ws = book["Plan sites"]
    assert [c.value for c in ws[1]] == ["site", "week", "quarter", "headcount", "starts",
                                        "productive_fte", "cost"]
    assert [c.value for c in ws["D"][1:]] == [10, 12]
    assert ws["G2"].value == "=D2*site_Jakarta_cost_per_fte_month*12/52+E2*site_Jakarta_hire_cost"
    assert ws["G3"].value == "=D3*site_Jakarta_cost_per_fte_month*12/52+E3*site_Jakarta_hire_cost"
    assert _named(book, "site_Jakarta_cost_per_fte_month").value == 1600
    assert _named(book, "site_Jakarta_hire_cost").value == 0
    assert _named(book, "site_Jakarta_cost_per_fte_month").parent.title == "Assumptions"
    wv = book["Plan vendors"]
    assert [c.value for c in wv[2]] == ["Manila", "2027Q1", 2, 5,
                                        "=D2*vendor_Manila_price_per_fte_month*12/52*C2"]
    assert _named(book, "vendor_Manila_price_per_fte_month").value == 1900
    # every scenario setting is a named cell too
    assert _named(book, "workforce_shrinkage").value == pytest.approx(0.30)
    assert _named(book, "plan_start").value == datetime(2027, 1, 4)
    assert _named(book, "plan_weeks").value == 2
    assert _named(book, "queue_listing_aht_minutes").value == 6
    assert _named(book, "queue_live_sla_target").value == pytest.approx(0.8)
    assert _named(book, "market_GB_min_inhouse_share").value == pytest.approx(0.3)


def test_summary_ask_and_totals(inputs):
    ws = _book(inputs)["Summary"]
    cells = {row[0].value: row[1] for row in ws.iter_rows(min_row=3, max_row=17) if row[0].value}
    assert cells["Scenario"].value == "Q1 ask" and cells["Version"].value == 3
    assert cells["Status"].value == "submitted" and cells["Author"].value == "ana"
    assert cells["Saved (UTC)"].value == datetime(2026, 11, 2, 9, 30)
    assert cells["Comment"].value == "for review"
    assert cells["Total cost"].value == "=SUM('Plan sites'!G2:G3)+SUM('Plan vendors'!E2:E2)"
    assert cells["Total cost as solved"].value == pytest.approx(SITE_WEEK_1 + SITE_WEEK_2 + VENDOR_Q1)
    assert cells["Shortfall (FTE-weeks)"].value == "=SUM(Shortfall!E2:E3)"
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=1, max_col=7)]
    head = rows.index(["quarter", "pool_type", "pool", "fte", "starts", "cost", None])
    assert rows[head + 1][:6] == ["2027Q1", "site", "Jakarta", 12, 2, "=SUM('Plan sites'!G2:G3)"]
    assert rows[head + 2][:6] == ["2027Q1", "vendor", "Manila", 5, None, "='Plan vendors'!E2"]
    t = rows.index(["quarter", "inhouse_headcount", "vendor_fte", "required_fte", "shortfall_fte",
                    "shortfall_fte_weeks", "cost"])
    r = t + 2  # Excel row of the first data line
    assert rows[t + 1][:5] == ["2027Q1", 12, 5, 15.75, 0.75]
    assert rows[t + 1][5] == f"=SUMIFS(Shortfall!$E$2:$E$3,Shortfall!$D$2:$D$3,A{r})"
    assert rows[t + 1][6] == f"=SUM(F{head + 2}:F{head + 3})"


def test_formats_tables_freeze_and_print_setup(inputs):
    book = _book(inputs)
    ws = book["Plan sites"]
    assert ws["D2"].number_format == FTE and ws["G2"].number_format == COST
    assert ws["B2"].is_date and ws["B2"].number_format == "yyyy-mm-dd"
    assert ws.freeze_panes == "A2"
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert next(iter(ws.tables.values())).ref == "A1:G3"
    assert ws.column_dimensions["A"].width >= 8
    assert _named(book, "workforce_shrinkage").number_format == PCT
    assert book["Shortfall"]["E2"].number_format == FTE
    for name in ("Allocation", "Shortfall", "Plan vendors"):
        assert len(book[name].tables) == 1
    with zipfile.ZipFile(io.BytesIO(workbook_bytes(inputs, as_plan()))) as zf:
        charts = [n for n in zf.namelist() if n.startswith("xl/charts/chart")]
        assert len(charts) == 2
        xml = " ".join(zf.read(n).decode() for n in charts)
    assert "Cost by quarter" in xml and "FTE by source" in xml and "stacked" in xml


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
    assert book["Summary"]["B3"].value == evil_name and book["Summary"]["B3"].data_type == "s"
    assert book["Summary"]["B7"].value == evil_site and book["Summary"]["B7"].data_type == "s"
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


def test_workbook_input_sheets_read_back_as_the_same_inputs(tiny, tmp_path):
    data = tiny(forecast__csv=FORECAST, **{k.replace(".", "__"): v for k, v in FULL.items()},
                scenario__toml='[plan]\nstart = "2027-01-04"\nweeks = 2\nquantile = 0.5\n'
                               '[levers]\nvolume_multiplier = 1.15\n[solver]\nmip_gap = 0.001\n'
                               'budget_per_quarter = 250000.5\n')
    inputs = load_inputs(data, stage="plan")
    path = write_workbook(tmp_path / "out" / "plan.xlsx", inputs, as_plan(), meta=META)
    back = load_inputs(path, stage="plan")
    assert inputs_to_texts(back) == inputs_to_texts(inputs)
    assert back.scenario == inputs.scenario


def test_comparison_sheet_when_exported_from_a_diff(inputs):
    other = copy.deepcopy(PLAN)
    other["vendors"][0] |= {"fte": 8.0, "cost": 8 * 1900 * 12 / 52 * 2}
    other["total_cost"] = SITE_WEEK_1 + SITE_WEEK_2 + 8 * 1900 * 12 / 52 * 2
    comparison = compare_plans(("base@1", as_plan(), inputs), ("more vendor@1", as_plan(other), inputs))
    book = _book(inputs, other, comparison=comparison)
    assert book.sheetnames[:2] == ["Summary", "Comparison"]
    ws = book["Comparison"]
    assert ws["A1"].value == "Comparison: B = more vendor@1 against A = base@1"
    values = [[c.value for c in r] for r in ws.iter_rows()]
    i = values.index(["metric", "a", "b", "delta"] + [None] * (len(values[0]) - 4))
    assert values[i + 1][:3] == ["total_cost", pytest.approx(PLAN["total_cost"]),
                                 pytest.approx(other["total_cost"])]
    assert values[i + 1][3] == f"=C{i + 2}-B{i + 2}"
    assert any(isinstance(v, str) and "vendor FTE +3.0" in v for r in values for v in r)


def test_a_plan_without_solution_still_exports(inputs):
    plan = {"status": "error", "objective": None, "total_cost": None, "shortfall_fte_weeks": None,
            "sites": [], "vendors": [], "allocation": [], "shortfall": [], "quarterly": [],
            "message": "HiGHS failed: out of memory"}
    book = _book(inputs, plan)
    cells = {row[0].value: row[1].value for row in book["Summary"].iter_rows(min_row=3, max_row=20)
             if row[0].value}
    assert cells["Solver status"] == "error"
    assert cells["Solver message"] == "HiGHS failed: out of memory"
    assert cells["Total cost"] == "=0"
    assert book["Allocation"]["A1"].value == "none"


def test_overtime_and_surge_costs_enter_the_total(inputs):
    plan = copy.deepcopy(PLAN)
    for row, fte in zip(plan["sites"], (2.0, 3.0), strict=True):  # 5 FTE-weeks at 1.5 x 1,200
        row |= {"overtime_fte": fte, "overtime_cost": fte * 1.5 * 1200}
    plan["vendor_surge"] = [{"vendor": "Manila", "week": "2027-01-04", "quarter": "2027Q1",
                             "max_fte": 4.0, "price_per_fte_week": 750.0, "fte": 2.0,
                             "cost": 1500.0}]
    plan["total_cost"] = SITE_WEEK_1 + SITE_WEEK_2 + VENDOR_Q1 + 10500.0
    assert as_plan(plan).to_json()["overtime"] == {"fte_weeks": 5.0, "cost": 9000.0}
    assert as_plan(plan).to_json()["surge"] == {"fte_weeks": 2.0, "cost": 1500.0}
    ws = load_workbook(io.BytesIO(workbook_bytes(inputs, as_plan(plan))))["Summary"]
    cells = {row[0].value: (row[1].row, row[1].value) for row in ws.iter_rows(min_row=3, max_row=20)
             if row[0].value}
    at, value = cells["Overtime and vendor surge (as solved)"]
    assert value == 10500.0
    assert cells["Total cost"][1] == f"=SUM('Plan sites'!G2:G3)+SUM('Plan vendors'!E2:E2)+B{at}"
