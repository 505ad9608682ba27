"""Per-language compliance report (planning.risk.compliance), checked by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from planning.inputs.loading import load_inputs
from planning.risk.compliance import (
    by_language,
    compliance_table,
    eu_markets,
    notes,
    write_compliance_xlsx,
)

MARKETS = """
    market,language
    ES,es
    MX,es
    GB,en
"""
VENDORS = """
    vendor,languages,price_per_fte_month,min_fte,max_fte,markets,aht_factor
    Manila,en;es,1900,0,20,*,1.25
"""


@pytest.fixture
def inputs(tiny):
    return load_inputs(tiny(markets__csv=MARKETS, vendors__csv=VENDORS,
                            scenario__toml='[plan]\nstart = "2027-01-04"\nweeks = 14\n'))


def rows(pool, pool_type, market, weeks, fte):
    mondays = pd.date_range("2027-01-04", periods=14, freq="7D")
    return pd.DataFrame({"pool": pool, "pool_type": pool_type, "market": market, "queue": "listing",
                         "week": [mondays[w] for w in weeks], "fte": fte})


def test_table_by_hand(inputs):
    alloc = pd.concat([
        rows("Jakarta", "site", "ES", range(13), 10.0),      # Q1: 10 in-house every week
        rows("Manila", "vendor", "ES", range(6), 4.0),       # 6 of 13 weeks, aht_factor 1.25
        rows("Jakarta", "site", "GB", [13], 2.0),            # Q2 has one planned week
    ])
    t = compliance_table(inputs, alloc).set_index(["quarter", "market"])
    es = t.loc[("2027Q1", "ES")]
    assert es.inhouse_fte == pytest.approx(10.0)
    assert es.vendor_contracted_fte == pytest.approx(4 * 1.25 * 6 / 13)
    assert es.total_fte == pytest.approx(10 + 30 / 13)
    assert bool(es.eu_market) and es.language == "es"
    assert t.loc[("2027Q2", "GB")].inhouse_fte == pytest.approx(2.0)
    assert not t.loc[("2027Q2", "GB")].eu_market
    assert t.loc[("2027Q1", "MX")].total_fte == 0.0
    assert len(t) == 6  # 3 markets x 2 quarters

    lang = by_language(compliance_table(inputs, alloc)).set_index(["quarter", "language"])
    assert lang.loc[("2027Q1", "es")].eu_fte == pytest.approx(10 + 30 / 13)
    assert lang.loc[("2027Q2", "en")].eu_fte == 0.0
    eu = eu_markets(compliance_table(inputs, alloc))
    assert set(eu["market"]) == {"ES"}


def test_pool_type_derived_when_absent(inputs):
    alloc = rows("Manila", "vendor", "MX", range(13), 8.0).drop(columns="pool_type")
    t = compliance_table(inputs, alloc).set_index(["quarter", "market"])
    assert t.loc[("2027Q1", "MX")].vendor_contracted_fte == pytest.approx(10.0)
    assert t.loc[("2027Q1", "MX")].inhouse_fte == 0.0


def test_notes_and_workbook(inputs, tmp_path):
    t = compliance_table(inputs, rows("Jakarta", "site", "ES", range(13), 1.0))
    text = " ".join(notes(t))
    assert "EU markets in these inputs: ES" in text and "GB is not an EU market" in text
    path = write_compliance_xlsx(t, tmp_path / "c.xlsx")
    sheets = pd.read_excel(path, sheet_name=None)
    assert list(sheets) == ["by_language", "eu_markets", "detail", "notes"]
    assert sheets["detail"]["total_fte"].sum() == pytest.approx(1.0)


def test_reconciles_with_the_plans_quarterly_table(tiny):
    """Second method: the optimiser's own quarterly table (planning.optimise.extract)."""
    from planning.pipeline import run_plan

    days = pd.date_range("2027-01-04", periods=14, freq="D")
    fc = "market,queue,date,p50\n" + "".join(
        f"{m},listing,{d.date()},{v}\n" for d in days for m, v in (("ID", 400), ("GB", 900)))
    vendors = """
        vendor,languages,price_per_fte_month,min_fte,max_fte,markets,aht_factor
        Manila,en,1000,0,20,GB,1.25
    """
    inputs = load_inputs(tiny(forecast__csv=fc, vendors__csv=vendors))
    plan = run_plan(inputs).plan
    table = compliance_table(inputs, plan.allocation)
    mine = table.groupby(["quarter", "market"])[["inhouse_fte", "vendor_contracted_fte"]].sum()
    theirs = plan.quarterly.set_index(["quarter", "market"])
    assert theirs["vendor_fte"].sum() > 0  # the vendor is used, so the factor matters
    for key, row in theirs.iterrows():
        assert mine.loc[key, "inhouse_fte"] == pytest.approx(row["inhouse_fte"], abs=1e-9)
        assert mine.loc[key, "vendor_contracted_fte"] == pytest.approx(1.25 * row["vendor_fte"],
                                                                       abs=1e-9)
