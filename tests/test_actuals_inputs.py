"""The actual_* input tables: validated like the others, round-tripped, present in the sample."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from planning.actuals.tables import has_actuals
from planning.errors import InputError
from planning.inputs.loading import load_inputs
from planning.inputs.writers import inputs_from_texts, inputs_to_texts

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


def _errors(folder: Path) -> list[str]:
    with pytest.raises(InputError) as err:
        load_inputs(folder)
    return [i.message() for i in err.value.errors]


def test_unknown_names_non_mondays_and_impossible_counts_are_reported(tiny) -> None:
    errors = _errors(tiny(
        actual_queues__csv="""
            market,queue,week,cases,automated_cases
            ID,listing,2027-01-04,100,120
            XX,listing,2027-01-04,100,10
            ID,nope,2027-01-05,100,10
        """,
        actual_sites__csv="""
            site,week,headcount,productive_hours,handled_hours
            Jakarta,2027-01-04,10,250,260
            Bandung,2027-01-04,10,250,
        """,
        actual_vendors__csv="""
            vendor,week,delivered_fte,invoiced_cost
            Cebu,2027-01-04,10,-5
        """))
    assert "actual_queues row 3: market = XX, is not in the markets table" in errors
    assert "actual_queues row 4: queue = nope, is not in the queues table" in errors
    assert "actual_queues row 4: week = 2027-01-05, must be a Monday (it is a Tuesday)" in errors
    assert "actual_queues row 2: automated_cases = 120, must not exceed the week's cases = 100" in errors
    assert "actual_sites row 3: site = Bandung, is not in the sites table" in errors
    assert "actual_sites row 2: handled_hours = 260, must not exceed productive_hours = 250" in errors
    assert "actual_vendors row 2: vendor = Cebu, is not in the vendors table" in errors
    assert any(e.startswith("actual_vendors row 2: invoiced_cost = -5") for e in errors)


def test_actual_sites_without_a_sites_table_is_explained(tiny) -> None:
    errors = _errors(tiny(sites__csv=None, actual_sites__csv="""
        site,week,headcount,productive_hours
        Jakarta,2027-01-04,10,250
    """))
    assert errors == ["actual_sites: site, names sites, but the sites table is missing: provide sites.csv"]


def test_optional_columns_default_and_tables_round_trip(tiny) -> None:
    inputs = load_inputs(tiny(
        actual_queues__csv="market,queue,week,cases\nID,listing,2027-01-04,100\n",
        actual_sites__csv="site,week,headcount,productive_hours\nJakarta,2027-01-04,10,250\n",
        actual_vendors__csv="vendor,week,delivered_fte\nManila,2027-01-04,5\n"))
    assert has_actuals(inputs)
    q = inputs.actual_queues.iloc[0]
    assert q["automated_cases"] == 0 and pd.isna(q["aht_minutes"]) and pd.isna(q["sla_share"])
    s = inputs.actual_sites.iloc[0]
    assert s["starts"] == 0 and s["leavers"] == 0 and pd.isna(s["handled_hours"])
    back = inputs_from_texts(inputs_to_texts(inputs))
    for name in ("actual_queues", "actual_sites", "actual_vendors"):
        pd.testing.assert_frame_equal(back.table(name), inputs.table(name))


def test_no_actuals_means_none(tiny) -> None:
    inputs = load_inputs(tiny())
    assert inputs.actual_queues is None and inputs.actual_sites is None
    assert not has_actuals(inputs)


def test_sample_actuals_cover_the_first_six_weeks_with_the_documented_misses() -> None:
    inputs = load_inputs(SAMPLE, stage="plan")
    assert inputs.warnings == ()
    weeks = pd.date_range("2027-01-04", periods=6, freq="7D")
    q = inputs.actual_queues
    assert sorted(q["week"].unique()) == list(weeks)
    assert len(q) == 63 * 6
    assert set(inputs.actual_sites["site"]) == set(inputs.sites["site"])
    assert set(inputs.actual_vendors["vendor"]) == set(inputs.vendors["vendor"])
    listing = q[(q["market"] == "ID") & (q["queue"] == "listing_review")].set_index("week")
    # the policy change: ~1.5 min before week 3, ~1.8 (x1.2) from week 3 on
    assert listing["aht_minutes"].iloc[:2].between(1.4, 1.6).all()
    assert listing["aht_minutes"].iloc[2:].between(1.68, 1.92).all()
    # BR cases run ~15 % above trend: against the same weeks a year before, BR grew ~1.15 x as
    # much as MX, whose growth rate (25 %/year) is close to BR's (26 %/year)

    def year_on_year(market: str) -> float:
        v = inputs.volumes
        before = v[(v["market"] == market) & v["date"].between("2026-01-05", "2026-02-15")]["cases"].sum()
        return q.loc[q["market"] == market, "cases"].sum() / before

    assert 1.1 < year_on_year("BR") / year_on_year("MX") < 1.2
