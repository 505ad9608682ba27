"""The workbook in a real spreadsheet program: LibreOffice opens it, prints it to PDF, and
recalculates the costs from the named assumption cells after a reviewer changes a rate.

``make test`` installs Debian's libreoffice-calc; without it these tests skip, saying so.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook
from store_fixtures import FORECAST, SITE_WEEK_1, SITE_WEEK_2, VENDOR_Q1, as_plan

from planning.inputs.loading import load_inputs
from planning.reports.workbook import write_workbook
from planning.store.store import ScenarioMeta

pytestmark = pytest.mark.slow

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.fixture
def convert(tmp_path):
    """convert(path, target) -> converted file, by LibreOffice headless in its own profile."""
    if SOFFICE is None:
        pytest.skip("LibreOffice is not installed (make test installs Debian's libreoffice-calc)")
    profile = (tmp_path / "lo-profile").as_uri()

    def run(path: Path, target: str) -> Path:
        out = tmp_path / f"lo-{target.split(':')[0]}"
        done = subprocess.run([SOFFICE, f"-env:UserInstallation={profile}", "--headless",
                               "--convert-to", target, "--outdir", str(out), str(path)],
                              capture_output=True, text=True, timeout=180)
        result = out / (path.stem + "." + target.split(":")[0])
        assert done.returncode == 0 and result.exists(), done.stdout + done.stderr
        return result

    return run


@pytest.fixture
def workbook(tiny, tmp_path):
    from datetime import UTC, datetime

    inputs = load_inputs(tiny(forecast__csv=FORECAST), stage="plan")
    meta = ScenarioMeta("Q1 ask", 2, datetime(2026, 11, 2, 9, 30, tzinfo=UTC), "ana", "approved")
    return write_workbook(tmp_path / "plan.xlsx", inputs, as_plan(), meta=meta)


def _summary(path: Path) -> dict:
    book = load_workbook(path, data_only=True)
    return {r[0].value: r[1].value for r in book["Summary"].iter_rows(min_row=3, max_row=17)
            if r[0].value}


def test_libreoffice_prints_the_summary_page(workbook, convert):
    import pypdf

    pdf = convert(workbook, "pdf")
    first = pypdf.PdfReader(io.BytesIO(pdf.read_bytes())).pages[0].extract_text()
    total = SITE_WEEK_1 + SITE_WEEK_2 + VENDOR_Q1
    assert "Headcount plan: Q1 ask" in first
    assert "Status approved" in first and "Plan start 2027-01-04" in first
    assert f"Total cost {total:,.0f}" in first  # computed by LibreOffice from the formulas
    assert "Shortfall (FTE-weeks) 1.5" in first


def test_costs_recalculate_from_the_assumption_cells(workbook, convert, tmp_path):
    recalculated = _summary(convert(workbook, "xlsx:Calc MS Excel 2007 XML"))
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
    moved = _summary(convert(edited, "xlsx:Calc MS Excel 2007 XML"))
    by_hand = (10 + 12) * 2000 * 12 / 52 + 5 * 2100 * 12 / 52 * 2
    assert moved["Total cost"] == pytest.approx(by_hand)
    assert moved["Total cost as solved"] == pytest.approx(SITE_WEEK_1 + SITE_WEEK_2 + VENDOR_Q1)


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
    plan = run.plan.to_json()
    assert sum(r["starts"] for r in plan["sites"]) > 0 and plan["vendors"]  # both cost terms used
    path = write_workbook(tmp_path / "real.xlsx", inputs, run.plan, requirements=run.requirements)
    got = _summary(convert(path, "xlsx:Calc MS Excel 2007 XML"))
    assert got["Total cost"] == pytest.approx(plan["total_cost"], rel=1e-9)
    assert got["Shortfall (FTE-weeks)"] == pytest.approx(plan["shortfall_fte_weeks"], abs=1e-9)
