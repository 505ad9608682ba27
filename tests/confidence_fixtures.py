"""A small SLA-confidence instance shared by the planner's tests (tests/test_risk_*.py).

Two markets with one deferrable queue each (listing: 6 min, 24 h deadline, 95% on time, half
automated), one site that hires freely (no lead time, ramp, attrition or hiring cost;
fractional hires, so cost is linear in the requirement), one quarter (13 weeks). ID's
forecast is narrow (P10/P50/P90 = 80/100/120 cases a day), GB's wide (60/100/170).
"""

from __future__ import annotations

import pandas as pd
from conftest import TINY, write_folder

from planning.inputs.loading import load_inputs

WEEKS = 13
QUEUES = """
    queue,kind,aht_minutes,tat_hours,sla_target,answer_seconds,patience_seconds,inhouse_only,automation_rate
    listing,deferrable,6,24,0.95,,,false,0.5
"""
SITES = """
    site,languages,headcount,cost_per_fte_month,hire_cost,lead_weeks{extra_head}
    Jakarta,id;en,0,1300,0,0{extra_row}
"""
BANDS = {"ID": (80.0, 100.0, 120.0), "GB": (60.0, 100.0, 170.0)}


def confidence_inputs(tmp_path, *, max_headcount: float | None = None, weeks: int = WEEKS):
    """The instance's inputs (max_headcount caps the site, to make a target unreachable)."""
    sites = SITES.format(extra_head=",max_headcount" if max_headcount is not None else "",
                         extra_row=f",{max_headcount}" if max_headcount is not None else "")
    files = dict(TINY)
    files.update({"queues.csv": QUEUES, "sites.csv": sites, "vendors.csv": None,
                  "scenario.toml": f'[plan]\nstart = "2027-01-04"\nweeks = {weeks}\n'
                                   '[solver]\ninteger_hires = false\n'})
    return load_inputs(write_folder(tmp_path / "data", files))


def confidence_forecast(weeks: int = WEEKS) -> pd.DataFrame:
    """Flat daily P10/P50/P90 per market (BANDS) for the plan's days."""
    days = pd.date_range("2027-01-04", periods=7 * weeks, freq="D")
    return pd.concat([pd.DataFrame({"market": m, "queue": "listing", "date": days,
                                    "p10": lo, "p50": mid, "p90": hi})
                      for m, (lo, mid, hi) in BANDS.items()], ignore_index=True)
