"""The sample data set in data/sample: reproducible, consistent and shaped as documented.

Expected values come from calendars and from data/README.md, not from the generator.
"""

from __future__ import annotations

import csv
import importlib.util
import os
import subprocess
import sys
import tomllib
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
SCRIPT = ROOT / "data" / "make_sample.py"
FILES = {"markets.csv", "queues.csv", "market_queues.csv", "volumes.csv", "events.csv",
         "intraday.csv", "sites.csv", "vendors.csv", "scenario.toml",
         "actual_queues.csv", "actual_sites.csv", "actual_vendors.csv"}


def _csv(name: str) -> pd.DataFrame:
    """A sample table with every cell as text, as typed."""
    return pd.read_csv(SAMPLE / f"{name}.csv", dtype=str, keep_default_na=False)


def _plan_start() -> date:
    with (SAMPLE / "scenario.toml").open("rb") as f:
        return date.fromisoformat(tomllib.load(f)["plan"]["start"])


def _split(cell: str) -> set[str]:
    return {x.strip() for x in cell.split(";") if x.strip()}


def test_regenerating_gives_the_checked_in_files_byte_for_byte(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONHASHSEED": "12345"}  # differs from whoever wrote the files
    subprocess.run([sys.executable, str(SCRIPT), str(tmp_path)], check=True, env=env,
                   cwd=tmp_path, timeout=60)
    assert {p.name for p in tmp_path.iterdir()} == FILES
    assert {p.name for p in SAMPLE.iterdir()} >= FILES  # other tools may add outputs
    for name in sorted(FILES):
        assert (tmp_path / name).read_bytes() == (SAMPLE / name).read_bytes(), name


def test_intraday_shares_sum_to_exactly_one_with_an_evening_peak() -> None:
    intraday = _csv("intraday")
    assert set(intraday["queue"]) == {"live_stream"}
    assert [int(h) for h in intraday["hour"]] == list(range(24))
    shares = [Decimal(s) for s in intraday["share"]]
    assert sum(shares, Decimal(0)) == Decimal(1)
    assert all(Decimal(0) < s < Decimal(1) for s in shares)
    assert 19 <= max(range(24), key=lambda h: shares[h]) <= 22
    assert min(range(24), key=lambda h: shares[h]) in range(2, 8)


def test_plan_starts_on_the_documented_monday() -> None:
    start = _plan_start()
    assert start == date(2027, 1, 4)
    assert start.weekday() == 0


def test_every_series_is_daily_without_gaps_and_ends_the_day_before_the_plan() -> None:
    volumes = _csv("volumes")
    volumes["date"] = pd.to_datetime(volumes["date"], format="%Y-%m-%d")
    last_day = pd.Timestamp(_plan_start() - timedelta(days=1))
    assert not volumes.duplicated(["market", "queue", "date"]).any()
    for (market, queue), g in volumes.groupby(["market", "queue"]):
        days = g["date"].sort_values()
        assert days.iloc[-1] == last_day, (market, queue)
        assert (days.diff().dropna() == pd.Timedelta(days=1)).all(), (market, queue)
        expected_first = date(2026, 11, 9) if (market, queue) == ("SA", "short_video_review") \
            else date(2024, 1, 1)
        assert days.iloc[0] == pd.Timestamp(expected_first), (market, queue)


def test_cold_start_series_has_eight_weeks_of_history() -> None:
    volumes = _csv("volumes")
    cold = volumes[(volumes["market"] == "SA") & (volumes["queue"] == "short_video_review")]
    assert len(cold) == 56


def test_volumes_use_known_markets_and_queues_and_whole_non_negative_cases() -> None:
    volumes = _csv("volumes")
    markets = set(_csv("markets")["market"])
    queues = set(_csv("queues")["queue"])
    assert set(volumes["market"]) == markets
    assert set(volumes["queue"]) <= queues
    assert volumes["cases"].str.fullmatch(r"\d+").all()
    pairs = volumes[["market", "queue"]].drop_duplicates()
    assert 55 <= len(pairs) <= 65
    live = set(pairs.loc[pairs["queue"] == "live_stream", "market"])
    assert live == {"ID", "TH", "VN", "PH", "MY", "BR", "US"}


def test_every_market_language_is_served_by_a_site_or_a_vendor_that_may_serve_it() -> None:
    markets = _csv("markets")
    sites = _csv("sites")
    vendors = _csv("vendors")
    site_languages = set().union(*(_split(c) for c in sites["languages"]))
    for market, language in zip(markets["market"], markets["language"], strict=True):
        by_vendor = any(
            language in _split(v["languages"]) and _split(v["markets"]) & {"*", market}
            for _, v in vendors.iterrows()
        )
        assert language in site_languages or by_vendor, market


def test_market_queue_overrides_and_events_name_known_markets_and_queues() -> None:
    markets = set(_csv("markets")["market"])
    queues = set(_csv("queues")["queue"])
    overrides = _csv("market_queues")
    assert set(overrides["market"]) <= markets and set(overrides["queue"]) <= queues
    events = _csv("events")
    assert set(events["market"]) <= markets | {"*"}
    vendors = _csv("vendors")
    assert set().union(*(_split(c) for c in vendors["markets"])) <= markets | {"*"}


def test_event_calendar_matches_published_dates() -> None:
    events = _csv("events")

    def days(name: str, market: str) -> set[str]:
        rows = events[(events["name"] == name) & (events["market"] == market)]
        return set(rows["date"])

    # Black Friday = the day after US Thanksgiving (4th Thursday of November).
    assert days("black_friday", "US") == {"2024-11-29", "2025-11-28", "2026-11-27", "2027-11-26"}
    assert days("cyber_monday", "BR") == {"2024-12-02", "2025-12-01", "2026-11-30", "2027-11-29"}
    assert days("11.11", "*") == {f"{y}-11-11" for y in range(2024, 2028)}
    ramadan = sorted(days("ramadan", "SA"))
    assert len(ramadan) == 30 + 29 + 30 + 30
    assert {"2024-03-11", "2024-04-09", "2025-03-01", "2025-03-29", "2026-02-18",
            "2026-03-19", "2027-02-08", "2027-03-09"} <= set(ramadan)
    assert "2024-04-10" not in ramadan and "2025-02-28" not in ramadan
    known = events[events["uplift"] != ""]
    assert known[["date", "name", "market", "uplift"]].values.tolist() == [
        ["2027-03-15", "consumer_day", "BR", "1.6"]]


def test_sale_days_and_the_policy_change_show_in_the_history() -> None:
    volumes = _csv("volumes")
    volumes["cases"] = volumes["cases"].astype(int)
    s = volumes.set_index(["market", "queue", "date"])["cases"].sort_index()
    listing = s.loc[("ID", "listing_review")]
    for year in (2024, 2025, 2026):
        around = listing.loc[f"{year}-10-21":f"{year}-11-03"].median()
        assert listing.loc[f"{year}-11-11"] > 1.8 * around
    appeals = s.loc[("BR", "appeals")]  # complaints follow the sale (Black Friday 2025-11-28)
    assert appeals.loc["2025-11-30":"2025-12-03"].mean() > 1.3 * appeals.loc["2025-11-03":"2025-11-16"].mean()
    ip = s.loc[("US", "ip_infringement")]  # policy change on Monday 2026-09-07: x1.5
    before = ip.loc["2026-08-03":"2026-09-06"].mean()
    after = ip.loc["2026-09-07":"2026-10-11"].mean()
    assert 1.35 < after / before < 1.7  # x1.5 plus the autumn seasonal rise


def test_sizes_are_a_large_marketplace_with_inhouse_covering_most_not_all() -> None:
    """Rough FTE per the README: manual hours per day / 3.4 productive hours per FTE-day."""
    queues = _csv("queues").set_index("queue")
    overrides = _csv("market_queues").set_index(["market", "queue"])
    volumes = _csv("volumes")
    volumes["date"] = pd.to_datetime(volumes["date"])
    last4 = volumes[volumes["date"] >= pd.Timestamp("2026-12-07")]
    mean_cases = last4.groupby(["market", "queue"])["cases"].apply(lambda c: c.astype(int).mean())
    fte_day_hours = 40 * (1 - 0.3) * 0.85 / 7
    total = 0.0
    for (market, queue), cases in mean_cases.items():
        aht = float(queues.loc[queue, "aht_minutes"])
        auto = float(queues.loc[queue, "automation_rate"] or 0)
        if (market, queue) in overrides.index:
            row = overrides.loc[(market, queue)]
            aht = float(row["aht_minutes"] or aht)
            auto = float(row["automation_rate"] or auto)
        total += cases * (1 - auto) * aht / 60 / fte_day_hours
    assert 300 < total < 2000
    headcount = _csv("sites")["headcount"].astype(float).sum()
    vendor_max = _csv("vendors")["max_fte"].astype(float).sum()
    assert 0.5 * total < headcount < total < headcount + vendor_max


def test_sample_loads_without_errors_or_warnings() -> None:
    if importlib.util.find_spec("planning.inputs.loading") is None:
        pytest.skip("planning/loading.py (load_inputs) does not exist yet")
    from planning.inputs.loading import load_inputs

    inputs = load_inputs(SAMPLE, stage="plan")
    assert inputs.warnings == ()
    assert len(inputs.markets) == 12 and len(inputs.queues) == 6
    assert inputs.scenario.plan.start == date(2027, 1, 4)


def test_csv_files_are_plain_comma_separated_with_unix_line_ends() -> None:
    for path in SAMPLE.glob("*.csv"):
        raw = path.read_bytes()
        assert b"\r" not in raw and raw.endswith(b"\n"), path.name
        with path.open(newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
        assert len({len(r) for r in rows}) == 1, path.name
