"""The workbook in a real spreadsheet program: LibreOffice opens it, prints the ask on one
landscape page, recalculates every formula to the values the workbook caches, and
recalculates the costs from the named assumption cells after a reviewer changes a rate.

LibreOffice runs with a profile set to recalculate Excel files on loading (a workbook with a
wrong cached value proves it does). ``make test`` installs Debian's libreoffice-calc;
without it these tests skip, saying so.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import xlsxwriter
from cost_fixtures import Q1_COST, Q2_COST, overtime_and_surge_plan
from openpyxl import load_workbook
from store_fixtures import FORECAST, SITE_WEEK_1, SITE_WEEK_2, VENDOR_Q1, as_plan

from planning.inputs.loading import load_inputs
from planning.reports.compare import compare_plans
from planning.reports.workbook import write_workbook
from planning.store.store import ScenarioMeta

pytestmark = pytest.mark.slow

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
XLSX = "xlsx:Calc MS Excel 2007 XML"
#: LibreOffice setting: recalculate OOXML files on loading (0 = always)
RECALC_ALWAYS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


@pytest.fixture
def convert(tmp_path):
    """convert(path, target) -> converted file, by LibreOffice headless in its own profile."""
    if SOFFICE is None:
        pytest.skip("LibreOffice is not installed (make test installs Debian's libreoffice-calc)")
    profile = tmp_path / "lo-profile"
    (profile / "user").mkdir(parents=True)
    (profile / "user" / "registrymodifications.xcu").write_text(RECALC_ALWAYS)

    def run(path: Path, target: str) -> Path:
        out = tmp_path / f"lo-{target.split(':')[0]}-{path.parent.name}"
        done = subprocess.run([SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless",
                               "--convert-to", target, "--outdir", str(out), str(path)],
                              capture_output=True, text=True, timeout=180)
        result = out / (path.stem + "." + target.split(":")[0])
        assert done.returncode == 0 and result.exists(), done.stdout + done.stderr
        return result

    return run


@pytest.fixture
def workbook(tiny, tmp_path):
    inputs = load_inputs(tiny(forecast__csv=FORECAST), stage="plan")
    meta = ScenarioMeta("Q1 ask", 2, datetime(2026, 11, 2, 9, 30, tzinfo=UTC), "ana", "approved")
    return write_workbook(tmp_path / "plan.xlsx", inputs, as_plan(), meta=meta, today=date(2026, 12, 1))


def _key_figures(path: Path) -> dict:
    """Ask sheet: label in column A -> value in column G (first row of each label)."""
    out: dict = {}
    for row in load_workbook(path, data_only=True)["Ask"].iter_rows():
        if isinstance(row[0].value, str):
            out.setdefault(row[0].value, row[6].value)
    return out


def _formula_values(path: Path) -> dict[tuple[str, str], float]:
    """{(sheet, cell): cached value} of every formula cell of a workbook."""
    formulas = load_workbook(path)
    values = load_workbook(path, data_only=True)
    return {(ws.title, c.coordinate): values[ws.title][c.coordinate].value
            for ws in formulas.worksheets for row in ws.iter_rows() for c in row
            if c.data_type == "f"}


def _same_after_recalculation(path: Path, convert) -> int:
    """LibreOffice recalculates every formula to the value the workbook caches."""
    cached = _formula_values(path)
    recalculated = load_workbook(convert(path, XLSX), data_only=True)
    for (sheet, cell), value in cached.items():
        assert recalculated[sheet][cell].value == pytest.approx(value, rel=1e-9, abs=1e-6), (sheet, cell)
    return len(cached)


def test_libreoffice_recalculates_on_loading(tmp_path, convert):
    """The method itself: a formula cached with a wrong value comes back right."""
    path = tmp_path / "wrong" / "wrong.xlsx"
    path.parent.mkdir()
    book = xlsxwriter.Workbook(str(path))
    book.add_worksheet("S").write_formula("A1", "=1+1", None, 5)
    book.close()
    assert load_workbook(path, data_only=True)["S"]["A1"].value == 5
    assert load_workbook(convert(path, XLSX), data_only=True)["S"]["A1"].value == 2


def test_libreoffice_prints_the_ask_on_one_landscape_page(workbook, convert):
    import pypdf

    pdf = pypdf.PdfReader(io.BytesIO(convert(workbook, "pdf").read_bytes()))
    first = pdf.pages[0]
    assert first.mediabox.width > first.mediabox.height  # landscape
    text = first.extract_text()
    total = SITE_WEEK_1 + SITE_WEEK_2 + VENDOR_Q1
    assert "Headcount ask: Q1 ask (version 2)" in text
    assert "approved, saved 2026-11-02 09:30 UTC by ana" in text
    flat = text.replace("\n", " ")
    assert f"The plan costs {total:,.0f} USD" in flat  # the sentence
    # the key figure, computed by LibreOffice from the formulas
    assert re.search(rf"Total cost \(USD[^)]*\) {total:,.0f} USD", flat), flat
    assert "2026-12-14" in text and "due at plan start" in text  # requisitions, flagged
    assert "Weekly hiring schedule per site" in text and "Per market and quarter" in text
    # the whole ask is on page 1: page 2 is the next sheet
    assert "Headcount ask" not in pdf.pages[1].extract_text()
    assert "Attributed cost" not in pdf.pages[1].extract_text()


def test_recalculation_changes_nothing(workbook, convert):
    assert _same_after_recalculation(workbook, convert) > 10


def test_recalculation_changes_nothing_with_overtime_and_surge(tmp_path, convert):
    """Overtime, surge and a Comparison sheet (deltas as formulas) against the plan without
    the surge row."""
    inputs, result = overtime_and_surge_plan()
    _, other = overtime_and_surge_plan(surge=False)
    comparison = compare_plans(("no surge", other, inputs), ("surge", result, inputs))
    path = write_workbook(tmp_path / "surge" / "plan.xlsx", inputs, result, comparison=comparison)
    assert _same_after_recalculation(path, convert) > 10
    got = _key_figures(convert(path, XLSX))
    assert got["Total cost"] == pytest.approx(Q1_COST + Q2_COST)


def test_costs_recalculate_from_the_assumption_cells(workbook, convert, tmp_path):
    recalculated = _key_figures(convert(workbook, XLSX))
    assert recalculated["Total cost"] == pytest.approx(SITE_WEEK_1 + SITE_WEEK_2 + VENDOR_Q1)
    assert recalculated["Shortfall (FTE-weeks)"] == pytest.approx(1.5)

    # a reviewer raises Jakarta's monthly cost to 2000 and Manila's price to 2100
    book = load_workbook(workbook)
    for name, value in (("site_Jakarta_cost_per_fte_month", 2000),
                        ("vendor_Manila_price_per_fte_month", 2100)):
        sheet, ref = next(iter(book.defined_names[name].destinations))
        book[sheet][ref.replace("$", "")].value = value
    edited = tmp_path / "edited" / "plan.xlsx"
    edited.parent.mkdir()
    book.save(edited)
    moved = _key_figures(convert(edited, XLSX))
    by_hand = (10 + 12) * 2000 * 12 / 52 + 5 * 2100 * 12 / 52 * 2
    assert moved["Total cost"] == pytest.approx(by_hand)


def test_formulas_reproduce_the_optimisers_cost(tiny, convert, tmp_path):
    """Two methods agree: the optimiser's total cost and LibreOffice evaluating the workbook's
    formulas on a real plan with hires, hire costs, attrition and a vendor."""
    from planning.pipeline import run_plan

    data = tiny(forecast__csv=FORECAST.replace(",400", ",1400"),
                sites__csv="site,languages,headcount,cost_per_fte_month,hire_cost,attrition_month,"
                           "lead_weeks\nJakarta,id;en,10,1600,900,0.02,0",
                scenario__toml='[plan]\nstart = "2027-01-04"\nweeks = 2\n')
    inputs = load_inputs(data, stage="plan")
    run = run_plan(inputs)
    plan = run.plan
    assert plan.sites["starts"].sum() > 0 and len(plan.vendors)  # both cost terms used
    path = write_workbook(tmp_path / "real" / "real.xlsx", inputs, plan,
                          requirements=run.requirements)
    got = _key_figures(convert(path, XLSX))
    assert got["Total cost"] == pytest.approx(plan.total_cost, rel=1e-9)
    assert got["Shortfall (FTE-weeks)"] == pytest.approx(plan.shortfall_fte_weeks, abs=1e-9)
