"""Loading and validating inputs: every problem reported with table, row, column and expectation."""

from __future__ import annotations

import zipfile

import pandas as pd
import pytest

from planning.errors import InputError
from planning.inputs.loading import load_inputs

VOLUMES = """
    market,queue,date,cases
    ID,listing,2026-12-28,100
    ID,listing,2026-12-29,120
"""


def errors_of(path, stage=None) -> list[str]:
    with pytest.raises(InputError) as info:
        load_inputs(path, stage=stage)
    return [i.message() for i in info.value.errors]


def test_valid_tiny_set_is_normalised(tiny):
    inputs = load_inputs(tiny(volumes__csv=VOLUMES), stage="requirements")
    assert inputs.scenario.plan.start.isoformat() == "2027-01-04"
    assert inputs.scenario.plan.weeks == 2
    assert inputs.scenario.workforce.shrinkage == 0.30  # contract default
    q = inputs.queues.set_index("queue")
    assert q.loc["listing", "inhouse_only"] is False or q.loc["listing", "inhouse_only"] == False  # noqa: E712
    assert q.loc["live", "max_abandon"] == 0.05  # contract default
    assert pd.isna(q.loc["live", "tat_hours"])
    site = inputs.sites.iloc[0]
    assert site["languages"] == ("id", "en")
    assert site["ramp"] == (0.0, 0.5)
    assert site["attrition_month"] == 0.0 and pd.isna(site["max_starts_week"])
    assert inputs.vendors.iloc[0]["markets"] == ("GB",)
    assert inputs.volumes["date"].dtype == "datetime64[ns]"
    assert list(inputs.volumes["cases"]) == [100.0, 120.0]
    assert inputs.events.empty and list(inputs.events.columns) == ["date", "name", "market", "uplift"]


def test_the_issue_example_message(tiny):
    bad = VOLUMES + "    ID,listing,2026-12-30,-5\n"
    assert "volumes row 4: cases = -5, must be a number >= 0" in errors_of(tiny(volumes__csv=bad))


def test_all_problems_reported_at_once(tiny):
    path = tiny(
        volumes__csv="""
            market,queue,date,cases
            ID,listing,2026-12-28,abc
            XX,listing,2026-12-29,1
            ID,nope,2026-31-12,1
        """,
        markets__csv="""
            market,language,min_inhouse_share
            ID,id,1.5
            GB,en,0
        """,
    )
    messages = errors_of(path)
    assert "volumes row 2: cases = abc, must be a number >= 0" in messages
    assert "volumes row 3: market = XX, is not in the markets table" in messages
    assert "volumes row 4: queue = nope, is not in the queues table" in messages
    assert "volumes row 4: date = 2026-31-12, must be a date YYYY-MM-DD" in messages
    assert "markets row 2: min_inhouse_share = 1.5, must be a number >= 0 and <= 1" in messages


@pytest.mark.parametrize("cell", ["nan", "NaN", "inf", "-inf", "1e400"])
def test_non_finite_numbers_refused(tiny, cell):
    bad = VOLUMES.replace(",100", f",{cell}")
    assert any(m.startswith("volumes row 2: cases = ") for m in errors_of(tiny(volumes__csv=bad)))


def test_missing_column_names_expected_columns(tiny):
    path = tiny(markets__csv="market\nID\n")
    assert errors_of(path) == [
        "markets: language, column is missing; expected columns market, language, min_inhouse_share"]


def test_missing_table_for_stage(tiny):
    messages = errors_of(tiny(), stage="requirements")
    assert messages == ["volumes: table is missing: provide volumes.csv (sheet volumes) or "
                        "forecast.csv (sheet forecast) or requirements.csv (sheet requirements); "
                        "the requirements stage needs it"]
    # the same folder is fine when no stage needs volumes
    assert load_inputs(tiny()).volumes is None


def test_missing_markets_table(tiny):
    assert errors_of(tiny(markets__csv=None)) == [
        "markets: table is missing: provide markets.csv (sheet markets)"]


def test_empty_file(tiny):
    messages = errors_of(tiny(volumes__csv=b""))
    assert messages == ["volumes: file is empty: expected a header row with columns "
                        "market, queue, date, cases"]


def test_not_utf8(tiny):
    data = "market,language\nID,id\nCI,fran\xe7ais\n".encode("latin-1")
    assert errors_of(tiny(markets__csv=data))[0] == (
        "markets row 3: file is not UTF-8 text: save it as CSV UTF-8")


def test_wrong_delimiter(tiny):
    messages = errors_of(tiny(markets__csv="market;language\nID;id\n"))
    assert any("separated by commas" in m for m in messages)


def test_ragged_row(tiny):
    messages = errors_of(tiny(markets__csv="market,language\nID,id,extra\n"))
    assert messages == ["markets row 2: has 3 fields where the header has 2"]


def test_duplicate_keys(tiny):
    bad = VOLUMES + "    ID,listing,2026-12-29,7\n"
    assert errors_of(tiny(volumes__csv=bad)) == [
        "volumes row 4: market, queue, date = ID / listing / 2026-12-29, duplicates row 3: "
        "each market, queue, date may appear once"]


def test_contradictory_bounds(tiny):
    path = tiny(
        sites__csv="""
            site,languages,headcount,cost_per_fte_month,max_headcount
            Jakarta,id;en,60,1600,50
        """,
        vendors__csv="""
            vendor,languages,price_per_fte_month,min_fte,max_fte
            Manila,en,1900,30,20
        """,
    )
    assert errors_of(path) == [
        "sites row 2: max_headcount = 50, must be at least today's headcount 60 of site Jakarta",
        "vendors row 2: min_fte = 30, must not exceed max_fte 20 of vendor Manila",
    ]


def test_shares_outside_unit_interval(tiny):
    path = tiny(queues__csv="""
        queue,kind,aht_minutes,tat_hours,automation_rate
        listing,deferrable,6,24,1.2
    """)
    assert errors_of(path) == ["queues row 2: automation_rate = 1.2, must be a number >= 0 and <= 1"]


def test_kind_specific_columns(tiny):
    path = tiny(queues__csv="""
        queue,kind,aht_minutes,tat_hours,sla_target,answer_seconds
        listing,deferrable,6,,,
        live,realtime,3,,,
        chat,instant,3,,,
    """)
    messages = errors_of(path)
    assert "queues row 2: tat_hours, must be given for deferrable queue listing (hours to deadline)" in messages
    assert "queues row 3: sla_target, must be given for realtime queue live (share answered in time, (0,1])" in messages
    assert "queues row 3: answer_seconds, must be given for realtime queue live (answer-time threshold, seconds)" in messages
    assert "queues row 4: kind = instant, must be one of deferrable, realtime" in messages


def test_intraday_must_sum_to_one(tiny):
    rows = "\n".join(f"live,{h},0.05" for h in range(24))
    messages = errors_of(tiny(intraday__csv="queue,hour,share\n" + rows))
    assert messages == ["intraday: share = 1.200000, must sum to 1 over the hours of queue live"]


def test_unknown_vendor_market_and_unserved_language_warning(tiny):
    path = tiny(vendors__csv="""
        vendor,languages,price_per_fte_month,markets
        Manila,tl,1900,GB;ZZ
    """)
    assert errors_of(path) == ["vendors row 2: markets = ZZ, names markets that are not in the markets table"]
    ok = load_inputs(tiny(vendors__csv="vendor,languages,price_per_fte_month\nManila,tl,1900\n",
                          sites__csv="site,languages,headcount,cost_per_fte_month\nJakarta,id,10,1600\n"))
    assert [w.message() for w in ok.warnings] == [
        "warning: markets: language = en, no site or vendor serves this language: markets GB can "
        "only be planned as shortfall"]


def test_unknown_column_is_a_warning_not_an_error(tiny):
    ok = load_inputs(tiny(markets__csv="market,language,region\nID,id,asia\nGB,en,eu\n"))
    assert [w.message() for w in ok.warnings] == [
        "warning: markets row 1: region, is not a column of this table and is ignored"]


def test_forecast_quantiles_must_rise_and_match_scenario(tiny):
    path = tiny(
        forecast__csv="""
            market,queue,date,p10,p50
            ID,listing,2027-01-04,120,100
        """,
        scenario__toml='[plan]\nstart = "2027-01-04"\nquantile = 0.9\n',
    )
    assert errors_of(path) == [
        "forecast row 2: p10 = 120, must not exceed p50 = 100 (quantiles rise)",
        "forecast: p90, column is missing: the scenario's plan.quantile = 0.9 is staffed from it",
    ]


def test_requirements_weeks_are_mondays(tiny):
    path = tiny(requirements__csv="market,queue,week,required_fte\nID,listing,2027-01-05,3\n")
    assert errors_of(path) == ["requirements row 2: week = 2027-01-05, must be a Monday (it is a Tuesday)"]


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ('[plan]\nstart = "2027-01-05"\n', "scenario.toml: plan.start = 2027-01-05, must be a Monday (it is a Tuesday)"),
        ("[plan]\nweeks = 4\n", "scenario.toml: plan.start, is required: the Monday of the first planned week, YYYY-MM-DD"),
        ('[plan]\nstart = "2027-01-04"\n[levers]\nvolume_multipler = 2\n',
         "scenario.toml: levers.volume_multipler, unknown key; [levers] takes volume_multiplier, aht_multiplier, automation_delta"),
        ('[plan]\nstart = "2027-01-04"\nquantile = 1.5\n',
         "scenario.toml: plan.quantile = 1.5, must be a number > 0 and < 1"),
        ('[plan]\nstart = "2027-01-04"\n[workforce]\ninterval_minutes = 45\n',
         "scenario.toml: workforce.interval_minutes = 45, must divide 60 (5, 10, 15, 20, 30 or 60)"),
        ('[plan]\nstart = "2027-01-04"\n[workforce]\nshrinkage = 1\n',
         "scenario.toml: workforce.shrinkage = 1, must be a number >= 0 and < 1"),
        ('[plan\nstart = "2027-01-04"\n', None),
    ],
)
def test_scenario_problems(tiny, toml, expected):
    messages = errors_of(tiny(scenario__toml=toml))
    if expected is None:
        assert len(messages) == 1 and messages[0].startswith("scenario.toml row 1: is not valid TOML")
    else:
        assert messages == [expected]


def test_missing_scenario(tiny):
    assert errors_of(tiny(scenario__toml=None)) == [
        "scenario.toml: is missing: a scenario.toml (or a scenario sheet) with at least "
        "[plan] start = a Monday, YYYY-MM-DD"]


def test_workbook_that_is_not_a_zip(tmp_path):
    path = tmp_path / "inputs.xlsx"
    path.write_bytes(b"market,language\nID,id\n")
    assert errors_of(path) == ["inputs.xlsx: is not an .xlsx workbook (not a zip file): save it as "
                               "Excel Workbook (.xlsx) or use CSV files"]


def test_macro_workbooks_refused(tmp_path):
    path = tmp_path / "inputs.xlsm"
    path.write_bytes(b"whatever")
    assert errors_of(path) == ["inputs.xlsm: macro-enabled workbooks are refused: save as .xlsx"]
    hidden = tmp_path / "renamed.xlsx"
    with zipfile.ZipFile(hidden, "w") as zf:
        zf.writestr("xl/vbaProject.bin", b"\0" * 10)
    assert errors_of(hidden) == ["renamed.xlsx: contains macros and is refused: save it as a plain .xlsx workbook"]


def test_zip_bomb_refused_before_expanding(tmp_path, monkeypatch):
    import planning.inputs.readers as readers

    monkeypatch.setattr(readers, "MAX_UNCOMPRESSED_BYTES", 1_000_000)
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/worksheets/sheet1.xml", b"0" * 5_000_000)
    assert path.stat().st_size < 100_000
    assert errors_of(path) == ["bomb.xlsx: would expand to 5 MiB, more than the 0 MiB allowed: refused"]


def test_no_such_path(tmp_path):
    assert errors_of(tmp_path / "nothing.xlsx") == [f"{tmp_path / 'nothing.xlsx'}: no such file or folder"]


def test_header_only_tables(tiny):
    assert errors_of(tiny(markets__csv="market,language\n")) == [
        "markets: table has no rows: fill it from row 2 (row 3 in the template)"]
    assert load_inputs(tiny(volumes__csv="market,queue,date,cases\n")).volumes is None


def test_docs_describe_every_column():
    from pathlib import Path

    from planning.inputs.scenario_toml import SCENARIO_KEYS
    from planning.inputs.schema import TABLES

    docs = (Path(__file__).parents[1] / "docs" / "inputs.md").read_text()
    for table in TABLES.values():
        assert f"### `{table.name}`" in docs
        for col in table.columns:
            assert f"| `{col.name}` |" in docs, f"{table.name}.{col.name} is not documented"
    for key in SCENARIO_KEYS:
        assert f"| `{key}` |" in docs
