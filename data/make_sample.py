"""Write the synthetic sample data set of headcount-planner.

Usage::

    python data/make_sample.py [OUT_DIR]      # default: data/sample next to this file

Writes one CSV per input table (markets, queues, market_queues, volumes, events, intraday,
sites, vendors, and the plan-versus-actual tables actual_queues, actual_sites,
actual_vendors for the plan's first six weeks) and ``scenario.toml``. Everything is made
up, but shaped after public descriptions of marketplace trust-and-safety operations (see
data/README.md). The script is seeded and deterministic: running it twice gives
byte-identical files. It needs numpy only.

Units: cases per day, aht in minutes, tat in hours, money in USD per FTE per month.
"""

from __future__ import annotations

import csv
import sys
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np

SEED = 20270104
PLAN_START = date(2027, 1, 4)  # a Monday; the 26-week plan covers 2027Q1 and 2027Q2
HISTORY_START = date(2024, 1, 1)  # a Monday; history runs to the day before PLAN_START
SEA = ("ID", "TH", "VN", "MY", "PH", "SG")  # South-East Asia: double-day sales (9.9, 11.11, 12.12)
WESTERN_SALES = ("US", "GB", "ES", "MX", "BR")  # Black Friday / Cyber Monday markets

# market: (language, min_inhouse_share, size, growth per year). size scales every queue's
# cases at the plan start (ID = 1); GB and ES keep 30 % in-house for regulatory reasons.
MARKETS = {
    "ID": ("id", 0.0, 1.00, 0.22),
    "TH": ("th", 0.0, 0.45, 0.18),
    "VN": ("vi", 0.0, 0.45, 0.28),
    "MY": ("ms", 0.0, 0.30, 0.15),
    "PH": ("en", 0.0, 0.35, 0.20),
    "SG": ("en", 0.0, 0.08, 0.10),
    "GB": ("en", 0.3, 0.35, 0.10),
    "US": ("en", 0.0, 0.90, 0.12),
    "ES": ("es", 0.3, 0.25, 0.12),
    "MX": ("es", 0.0, 0.45, 0.25),
    "SA": ("ar", 0.0, 0.20, 0.30),
    "BR": ("pt", 0.0, 0.80, 0.26),
}

# queue: table row, cases/day at the plan start in a size-1 market, extra growth per year,
# weekly pattern Monday..Sunday (normalised to mean 1 below).
QUEUES = {
    "listing_review": (
        dict(kind="deferrable", aht_minutes=1.5, tat_hours=24, sla_target=0.95,
             automation_rate=0.6),
        34000, 0.0, (1.10, 1.08, 1.05, 1.03, 1.00, 0.86, 0.88)),
    "seller_kyc": (
        dict(kind="deferrable", aht_minutes=6, tat_hours=72, sla_target=0.98,
             inhouse_only=True, automation_rate=0.3),
        1100, 0.0, (1.15, 1.12, 1.10, 1.08, 1.05, 0.75, 0.75)),
    "short_video_review": (
        dict(kind="deferrable", aht_minutes=2, tat_hours=24, sla_target=0.95,
             automation_rate=0.4),
        8500, 0.10, (0.95, 0.93, 0.95, 0.97, 1.03, 1.10, 1.07)),
    "live_stream": (
        dict(kind="realtime", aht_minutes=3, sla_target=0.9, answer_seconds=60,
             patience_seconds=120, max_abandon=0.05, automation_rate=0.2),
        3200, 0.15, (0.92, 0.90, 0.93, 0.95, 1.03, 1.15, 1.12)),
    "appeals": (
        dict(kind="deferrable", aht_minutes=8, tat_hours=48, sla_target=0.95,
             inhouse_only=True, automation_rate=0.0),
        760, 0.0, (1.12, 1.05, 1.02, 1.00, 0.98, 0.90, 0.93)),
    "ip_infringement": (
        dict(kind="deferrable", aht_minutes=10, tat_hours=168, sla_target=0.95,
             automation_rate=0.1),
        560, 0.0, (1.20, 1.15, 1.12, 1.10, 1.05, 0.68, 0.70)),
}

# Which markets run which queue (63 series): live streaming is a SE Asia / US / BR product,
# SG has no short video, SG, SA and PH file no IP complaints locally.
NOT_SERVED = {
    ("SG", "short_video_review"), ("SG", "ip_infringement"), ("SA", "ip_infringement"),
    ("PH", "ip_infringement"),
    *((m, "live_stream") for m in ("SG", "GB", "ES", "MX", "SA")),
}

# Per-market overrides (market_queues.csv): Arabic review is slower and its classifiers weaker;
# US classifiers are better trained; GB KYC checks are stricter.
OVERRIDES = {
    ("SA", "listing_review"): (1.9, 0.45),
    ("SA", "short_video_review"): (2.5, 0.25),
    ("SA", "seller_kyc"): (7.5, None),
    ("SA", "appeals"): (9.5, None),
    ("US", "listing_review"): (None, 0.72),
    ("US", "short_video_review"): (None, 0.55),
    ("GB", "seller_kyc"): (7.5, None),
}

# Hard cases for the forecasting work (documented in data/README.md).
LEVEL_SHIFT = ("US", "ip_infringement", date(2026, 9, 7), 1.5)  # brand-protection policy change
COLD_START = ("SA", "short_video_review", date(2026, 11, 9))  # launched 8 weeks before the plan
KNOWN_UPLIFT = ("consumer_day", "BR", date(2027, 3, 15), 1.6)  # first run in 2027: no history

# Ramadan (first and last day), Umm al-Qura calendar as printed in public calendars; local
# moon sighting can move a date by a day (approximate, good enough for synthetic data).
RAMADAN = (
    (date(2024, 3, 11), date(2024, 4, 9)),
    (date(2025, 3, 1), date(2025, 3, 29)),
    (date(2026, 2, 18), date(2026, 3, 19)),
    (date(2027, 2, 8), date(2027, 3, 9)),
)
RAMADAN_MARKETS = {"SA": 1.0, "ID": 0.6, "MY": 0.6}

# Event strength per market (1 = full effect) and each queue's extra volume around the event
# day, by day offset: listings surge before a sale, appeals and IP complaints follow it.
EVENT_STRENGTH = {
    "9.9": {m: 0.5 for m in SEA},
    "11.11": {m: (1.0 if m in SEA else 0.15) for m in MARKETS},
    "12.12": {m: 0.8 for m in SEA},
    "black_friday": {"US": 1.0, "GB": 0.7, "ES": 0.6, "MX": 0.6, "BR": 0.9},
    "cyber_monday": {"US": 0.7, "GB": 0.4, "ES": 0.3, "MX": 0.4, "BR": 0.4},
}
EVENT_PROFILE = {
    "listing_review": {-3: 0.25, -2: 0.45, -1: 0.8, 0: 1.2, 1: 0.3},
    "short_video_review": {-2: 0.2, -1: 0.4, 0: 0.9, 1: 0.2},
    "live_stream": {-1: 0.3, 0: 1.5, 1: 0.2},
    "seller_kyc": {**{k: 0.08 for k in range(-14, -3)}, -3: 0.15, -2: 0.15, -1: 0.15},
    "appeals": {0: 0.1, 1: 0.6, 2: 0.5, 3: 0.4, 4: 0.3, 5: 0.2, 6: 0.15, 7: 0.1},
    "ip_infringement": {1: 0.4, 2: 0.6, 3: 0.6, 4: 0.5, 5: 0.4, 6: 0.3, 7: 0.25, 8: 0.2,
                        9: 0.15, 10: 0.1},
}
# Extra volume during Ramadan (evening shopping and streaming), +RAMADAN_LAST10 in the last
# ten days (pre-Eid shopping); Eid al-Fitr (two days) is quiet.
RAMADAN_EXTRA = {"listing_review": 0.15, "short_video_review": 0.2, "live_stream": 0.3,
                 "seller_kyc": 0.05, "appeals": 0.05, "ip_infringement": 0.0}
RAMADAN_LAST10 = 0.10
EID_DIP = -0.25

SITES = [  # languages, headcount, cost, hire, attrition, max_hc, max_starts, lead, ramp
    ("Singapore", "en;ms;id;th;vi", 230, 6500, 6500, 0.015, 300, 10, 6, "0;0.25;0.5;0.75"),
    ("Dublin", "en;es;pt;ar", 290, 6000, 6000, 0.02, 320, 8, 8, "0;0.25;0.5;0.75"),
    ("Kuala Lumpur", "ms;en;id;th;ar", 330, 2800, 2800, 0.025, 450, 15, 5, "0;0.3;0.6;0.85"),
    ("Jakarta", "id;en", 300, 1600, 1600, 0.03, 420, 15, 4, "0;0.3;0.6;0.85"),
]
VENDORS = [  # languages, price, min_fte, max_fte, markets, aht_factor
    ("Manila BPO", "en;tl", 1900, 40, 260, "PH;US;GB;SG", 1.10),
    ("Mekong Review Services", "th;vi;en", 1700, 30, 180, "TH;VN;SG;PH", 1.15),
    ("Andes Trust Partners", "es;pt", 2400, 30, 140, "MX;ES;BR", 1.12),
    ("Nile Moderation", "ar;en", 1500, 10, 60, "*", 1.20),
]


def _fmt(value: object) -> str:
    """A cell as text: blank for None, true/false, integers without a trailing .0."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _write(path: Path, header: list[str], rows: list[list[object]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows([_fmt(v) for v in row] for row in rows)


def series() -> list[tuple[str, str]]:
    """Every (market, queue) pair with history, in a fixed order."""
    return [(m, q) for m in MARKETS for q in QUEUES if (m, q) not in NOT_SERVED]


def black_friday(year: int) -> date:
    """The day after the fourth Thursday of November."""
    first = date(year, 11, 1)
    thursday = first + timedelta(days=(3 - first.weekday()) % 7 + 21)
    return thursday + timedelta(days=1)


def event_days(years: range) -> list[tuple[date, str, str, float | None]]:
    """The event calendar: (date, name, market or *, known uplift or None)."""
    rows: list[tuple[date, str, str, float | None]] = []
    for y in years:
        rows += [(date(y, 9, 9), "9.9", m, None) for m in SEA]
        rows.append((date(y, 11, 11), "11.11", "*", None))
        rows += [(date(y, 12, 12), "12.12", m, None) for m in SEA]
        bf = black_friday(y)
        rows += [(bf, "black_friday", m, None) for m in WESTERN_SALES]
        rows += [(bf + timedelta(days=3), "cyber_monday", m, None) for m in WESTERN_SALES]
    for first, last in RAMADAN:
        if first.year not in years:
            continue
        n = (last - first).days + 1
        for m in RAMADAN_MARKETS:
            rows += [(first + timedelta(days=k), "ramadan", m, None) for k in range(n)]
            rows += [(last + timedelta(days=k), "eid_al_fitr", m, None) for k in (1, 2)]
    name, market, day, uplift = KNOWN_UPLIFT
    rows.append((day, name, market, uplift))
    return sorted(rows, key=lambda r: (r[0], r[1], r[2]))


def event_multiplier(market: str, queue: str, days: list[date]) -> np.ndarray:
    """1 + the extra volume of every sale, Ramadan and Eid day on each of ``days``."""
    index = {d: i for i, d in enumerate(days)}
    extra = np.zeros(len(days))
    years = range(days[0].year, days[-1].year + 1)
    for day, name in sorted({(d, n) for d, n, _, _ in event_days(years)}):
        strength = EVENT_STRENGTH.get(name, {}).get(market, 0.0)
        for offset, lift in EVENT_PROFILE[queue].items() if strength else ():
            i = index.get(day + timedelta(days=offset))
            if i is not None:
                extra[i] += strength * lift
    strength = RAMADAN_MARKETS.get(market, 0.0)
    for first, last in RAMADAN if strength else ():
        n = (last - first).days + 1
        for k in range(n + 2):
            i = index.get(first + timedelta(days=k))
            if i is None:
                continue
            if k >= n:
                extra[i] += strength * EID_DIP
            else:
                extra[i] += strength * (RAMADAN_EXTRA[queue] + (RAMADAN_LAST10 if k >= n - 10 else 0))
    day, uplift = KNOWN_UPLIFT[2], KNOWN_UPLIFT[3]
    if market == KNOWN_UPLIFT[1] and day in index:
        extra[index[day]] += uplift - 1
    return 1 + extra


def expected_cases(market: str, queue: str, days: list[date]) -> np.ndarray:
    """Mean cases per day before noise: level x growth x week x year x events x hard cases."""
    _, _, size, growth = MARKETS[market]
    _, base, queue_growth, weekly = QUEUES[queue]
    t = np.array([(d - PLAN_START).days for d in days]) / 365.25
    level = base * size * (1 + growth + queue_growth) ** t
    week = np.array(weekly) / np.mean(weekly)
    weekday = np.array([d.weekday() for d in days])
    if market == "SA":  # weekend is Friday-Saturday: Sunday behaves like a Monday
        weekday = (weekday + 1) % 7
    doy = np.array([d.timetuple().tm_yday for d in days])
    year = 1 + 0.04 * np.cos(2 * np.pi * (doy - 320) / 365.25) + 0.06 * np.exp(-(((doy - 335) / 30) ** 2))
    mean = level * week[weekday] * year * event_multiplier(market, queue, days)
    if (market, queue) == LEVEL_SHIFT[:2]:
        mean = mean * np.array([LEVEL_SHIFT[3] if d >= LEVEL_SHIFT[2] else 1.0 for d in days])
    if (market, queue) == COLD_START[:2]:
        age = np.array([(d - COLD_START[2]).days for d in days])
        mean = mean * np.where(age < 0, 0.0, np.minimum(1.0, 0.5 + 0.5 * age / 28))
    return mean


def volumes() -> list[list[object]]:
    """Daily cases: a Poisson draw around the mean times lognormal day-to-day noise."""
    n = (PLAN_START - HISTORY_START).days
    days = [HISTORY_START + timedelta(days=k) for k in range(n)]
    rows: list[list[object]] = []
    for i, (market, queue) in enumerate(series()):
        rng = np.random.default_rng([SEED, i])
        mean = expected_cases(market, queue, days)
        sigma = 0.05 if QUEUES[queue][1] * MARKETS[market][2] > 2000 else 0.08
        noisy = mean * np.exp(rng.normal(-sigma**2 / 2, sigma, size=n))
        cases = rng.poisson(noisy)
        start = COLD_START[2] if (market, queue) == COLD_START[:2] else HISTORY_START
        rows += [[market, queue, d.isoformat(), int(c)] for d, c in zip(days, cases, strict=True)
                 if d >= start]
    return rows


def intraday_shares() -> list[Decimal]:
    """Live-stream cases per local hour: small lunch bump, evening peak around 20:30.

    Six decimals; hour 23 takes the rounding so the shares sum to exactly 1.
    """
    hours = np.arange(24)

    def bump(centre: float, width: float) -> np.ndarray:
        dist = np.minimum(np.abs(hours - centre), 24 - np.abs(hours - centre))
        return np.exp(-((dist / width) ** 2))

    weight = 0.25 + 0.5 * bump(12.5, 2.5) + 1.6 * bump(20.5, 2.5)
    shares = [Decimal(f"{w:.6f}") for w in weight / weight.sum()]
    shares[-1] = Decimal(1) - sum(shares[:-1], Decimal(0))
    return shares


SCENARIO = f"""\
# Settings of the sample plan. Every key but plan.start is optional; values shown are the
# contract's defaults unless a comment says otherwise.

[plan]
start = "{PLAN_START.isoformat()}"   # Monday of week 0; history ends the day before
weeks = 26                   # 2027Q1 and 2027Q2
quantile = 0.5               # forecast quantile staffed to (0.5 = P50, 0.9 = P90)
sla_confidence = 0.9         # plan for a 90% chance that every queue of every market meets
                             # its quarterly SLA (replaces quantile; delete it for a P50 plan)

[workforce]
hours_per_week = 40          # contracted hours of one FTE
shrinkage = 0.30             # share of contracted hours lost to leave, training, wellness time
max_occupancy = 0.85         # share of productive time spent on cases (deferrable queues)
interval_minutes = 60        # realtime staffing interval, minutes

[levers]                     # what-ifs on top of the inputs; 1/1/0 = as forecast
volume_multiplier = 1.0      # multiplies every forecast case count
aht_multiplier = 1.0         # multiplies every handling time
automation_delta = 0.0       # added to every automation_rate, clipped to [0, 1]

[solver]
integer_hires = true         # whole-person starts (MIP); false = fractional (LP)
mip_gap = 1e-4               # relative gap at which HiGHS stops
time_limit_s = 60            # wall-clock limit, seconds
# shortfall_penalty = 15000  # USD per uncovered FTE-week; default 10 x the highest weekly FTE cost
# budget_per_quarter = 16000000  # optional cap on cost per calendar quarter, USD
#   (the P50 plan costs about 16.6 million a quarter, so this cap would bind)
"""


# Plan versus actual: the first ACTUAL_WEEKS weeks of the plan have happened. Drawn from their
# own random streams (seeded [SEED, ACTUALS_STREAM, i]) so the history above is unchanged.
# Two realistic misses to explain: a prohibited-items policy change in ID makes listing review
# slower from the third week (AHT x1.2, backlog and SLA slip), and BR receives 15 % more cases
# than its history suggests (a competitor's exit brings new sellers from the first week).
ACTUAL_WEEKS = 6
ACTUALS_STREAM = 9
AHT_MISS = ("ID", "listing_review", 2, 1.2)  # market, queue, from week index, factor
VOLUME_MISS = ("BR", 1.15)
# Achieved monthly attrition (assumed in sites.csv: 1.5 %, 2 %, 2.5 %, 3 %): Jakarta loses
# people faster than planned; starts already in the pipeline: (site, week index, starts).
ACTUAL_ATTRITION = {"Singapore": 0.015, "Dublin": 0.02, "Kuala Lumpur": 0.025, "Jakarta": 0.05}
PIPELINE_STARTS = {("Jakarta", 4): 12, ("Dublin", 5): 4}
# Vendor FTE contracted for 2027Q1 (what the sample plan buys) and the share delivered.
VENDOR_CONTRACT = {"Manila BPO": (138, 0.98), "Mekong Review Services": (180, 0.99),
                   "Andes Trust Partners": (140, 0.93), "Nile Moderation": (60, 1.0)}


def _rates(market: str, queue: str) -> tuple[float, float, float]:
    """The (aht_minutes, automation_rate, sla_target) the plan assumes for a series."""
    row = QUEUES[queue][0]
    aht, auto = OVERRIDES.get((market, queue), (None, None))
    return (aht or row["aht_minutes"], row.get("automation_rate", 0.0) if auto is None else auto,
            row.get("sla_target", 1.0))


def actual_queues() -> list[list[object]]:
    """Weekly actuals per market and queue for the first ACTUAL_WEEKS weeks of the plan."""
    rows: list[list[object]] = []
    for i, (market, queue) in enumerate(series()):
        rng = np.random.default_rng([SEED, ACTUALS_STREAM, i])
        aht0, auto0, sla0 = _rates(market, queue)
        for w in range(ACTUAL_WEEKS):
            monday = PLAN_START + timedelta(days=7 * w)
            days = [monday + timedelta(days=k) for k in range(7)]
            mean = expected_cases(market, queue, days)
            if market == VOLUME_MISS[0]:
                mean = mean * VOLUME_MISS[1]
            cases = int(rng.poisson(mean * np.exp(rng.normal(-0.05**2 / 2, 0.05, size=7))).sum())
            automated = int(rng.binomial(cases, min(max(auto0 + rng.normal(0, 0.005), 0), 1)))
            slow = (market, queue) == AHT_MISS[:2] and w >= AHT_MISS[2]
            aht = aht0 * rng.normal(1, 0.02) * (AHT_MISS[3] if slow else 1.0)
            closed = (cases - automated) * (0.96 if slow else rng.uniform(0.985, 1.0))
            if slow:
                sla = sla0 - 0.07 - 0.02 * (w - AHT_MISS[2])
            elif market == VOLUME_MISS[0]:
                sla = sla0 - rng.uniform(0.0, 0.03)
            else:
                sla = min(sla0 + rng.uniform(0.005, 0.03), 0.999)
            rows.append([market, queue, monday.isoformat(), cases, automated, round(closed),
                         round(aht, 2), round(sla, 3)])
    return rows


def actual_sites() -> list[list[object]]:
    """Weekly headcount, starts, leavers and hours per site (headcount at the end of the week)."""
    rows: list[list[object]] = []
    for i, (site, *rest) in enumerate(SITES):
        rng = np.random.default_rng([SEED, ACTUALS_STREAM, 1000 + i])
        headcount = int(rest[1])
        weekly_leave = 1 - (1 - ACTUAL_ATTRITION[site]) ** (12 / 52)
        for w in range(ACTUAL_WEEKS):
            monday = PLAN_START + timedelta(days=7 * w)
            starts = PIPELINE_STARTS.get((site, w), 0)
            leavers = int(rng.binomial(headcount, weekly_leave))
            headcount = headcount - leavers + starts
            shrinkage = 0.32 + rng.normal(0, 0.01)  # January: flu season and year-start training
            productive = headcount * 40 * (1 - shrinkage)
            busy = 0.9 if site == "Jakarta" and w >= AHT_MISS[2] else rng.uniform(0.80, 0.86)
            rows.append([site, monday.isoformat(), headcount, starts, leavers,
                         round(productive, 1), round(productive * busy, 1)])
    return rows


def actual_vendors() -> list[list[object]]:
    """Weekly FTE delivered and invoiced per vendor (price x delivered FTE x 12 / 52)."""
    rows: list[list[object]] = []
    price = {v[0]: v[2] for v in VENDORS}
    for i, (vendor, (contract, share)) in enumerate(VENDOR_CONTRACT.items()):
        rng = np.random.default_rng([SEED, ACTUALS_STREAM, 2000 + i])
        for w in range(ACTUAL_WEEKS):
            monday = PLAN_START + timedelta(days=7 * w)
            delivered = round(contract * min(share * rng.normal(1, 0.01), 1.0), 1)
            rows.append([vendor, monday.isoformat(), delivered,
                         round(delivered * price[vendor] * 12 / 52, 2)])
    return rows


def main(out_dir: Path) -> None:
    """Write every table of the sample into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    _write(out_dir / "markets.csv", ["market", "language", "min_inhouse_share"],
           [[m, lang, share] for m, (lang, share, _, _) in MARKETS.items()])
    qcols = ["queue", "kind", "aht_minutes", "tat_hours", "sla_target", "answer_seconds",
             "patience_seconds", "max_abandon", "inhouse_only", "automation_rate"]
    _write(out_dir / "queues.csv", qcols,
           [[q] + [row.get(c, False if c == "inhouse_only" else None) for c in qcols[1:]]
            for q, (row, _, _, _) in QUEUES.items()])
    _write(out_dir / "market_queues.csv", ["market", "queue", "aht_minutes", "automation_rate"],
           [[m, q, aht, auto] for (m, q), (aht, auto) in OVERRIDES.items()])
    _write(out_dir / "volumes.csv", ["market", "queue", "date", "cases"], volumes())
    _write(out_dir / "events.csv", ["date", "name", "market", "uplift"],
           [[d.isoformat(), n, m, u] for d, n, m, u in event_days(range(2024, 2028))])
    _write(out_dir / "intraday.csv", ["queue", "hour", "share"],
           [["live_stream", h, s] for h, s in enumerate(intraday_shares())])
    _write(out_dir / "sites.csv",
           ["site", "languages", "headcount", "cost_per_fte_month", "hire_cost",
            "attrition_month", "max_headcount", "max_starts_week", "lead_weeks", "ramp"],
           [list(s) for s in SITES])
    _write(out_dir / "vendors.csv",
           ["vendor", "languages", "price_per_fte_month", "min_fte", "max_fte", "markets",
            "aht_factor"],
           [list(v) for v in VENDORS])
    _write(out_dir / "actual_queues.csv",
           ["market", "queue", "week", "cases", "automated_cases", "manual_cases_closed",
            "aht_minutes", "sla_share"], actual_queues())
    _write(out_dir / "actual_sites.csv",
           ["site", "week", "headcount", "starts", "leavers", "productive_hours", "handled_hours"],
           actual_sites())
    _write(out_dir / "actual_vendors.csv", ["vendor", "week", "delivered_fte", "invoiced_cost"],
           actual_vendors())
    (out_dir / "scenario.toml").write_text(SCENARIO, encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent / "sample")
