"""The app's figures show the pipeline's numbers: sums checked against hand-computed values."""

from __future__ import annotations

import pandas as pd
import pytest

from ui import charts

W1, W2 = pd.Timestamp("2027-01-04"), pd.Timestamp("2027-01-11")


def _trace(fig, name):
    return next(t for t in fig.data if t.name == name)


def test_coverage_stacks_inhouse_vendor_shortfall_against_required():
    req = pd.DataFrame({"market": ["ID", "ID", "GB", "ID"], "queue": ["a", "b", "a", "a"],
                        "week": [W1, W1, W1, W2], "required_fte": [10.0, 5.0, 4.0, 12.0]})
    alloc = pd.DataFrame({"pool": ["Jakarta", "Manila", "Jakarta", "Manila"],
                          "pool_type": ["site", "vendor", "site", "vendor"],
                          "market": ["ID", "ID", "GB", "ID"], "queue": ["a", "b", "a", "a"],
                          "week": [W1, W1, W1, W2], "fte": [9.0, 5.0, 4.0, 2.0]})
    short = pd.DataFrame({"market": ["ID", "ID"], "queue": ["a", "a"], "week": [W1, W2],
                          "fte": [1.0, 10.0]})
    all_m = charts.coverage_figure(req, alloc, short)
    assert list(_trace(all_m, "required FTE").y) == [19.0, 12.0]
    assert list(_trace(all_m, "in-house FTE").y) == [13.0, 0.0]
    assert list(_trace(all_m, "vendor FTE").y) == [5.0, 2.0]
    assert list(_trace(all_m, "shortfall").y) == [1.0, 10.0]
    gb = charts.coverage_figure(req, alloc, short, "GB")
    assert list(_trace(gb, "required FTE").y) == [4.0]
    assert list(_trace(gb, "in-house FTE").y) == [4.0]
    assert list(_trace(gb, "shortfall").y) == [0.0]


def test_cost_by_quarter_and_source():
    sites = pd.DataFrame({"site": ["A", "A", "B"], "quarter": ["Q1", "Q1", "Q2"],
                          "cost": [100.0, 50.0, 70.0]})
    vendors = pd.DataFrame({"vendor": ["V"], "quarter": ["Q2"], "cost": [30.0]})
    fig = charts.cost_figure(sites, vendors)
    assert list(_trace(fig, "A").y) == [150.0] and list(_trace(fig, "A").x) == ["Q1"]
    assert list(_trace(fig, "V").y) == [30.0] and list(_trace(fig, "V").x) == ["Q2"]


def test_requirements_heatmap_sums_over_queues():
    req = pd.DataFrame({"market": ["ID", "ID", "GB"], "queue": ["a", "b", "a"],
                        "week": [W1, W1, W1], "required_fte": [1.5, 2.0, 4.0]})
    fig = charts.requirements_heatmap(req, "market")
    assert list(fig.data[0].y) == ["ID", "GB"]
    assert [row[0] for row in fig.data[0].z] == [3.5, 4.0]


def test_waterfall_levels_and_axis_reach_every_bar():
    steps = pd.DataFrame({"label": ["A", "site", "vendor", "B"],
                          "value": [1000.0, 120.0, -20.0, 1100.0],
                          "kind": ["absolute", "relative", "relative", "total"]})
    assert charts._waterfall_levels(steps) == [1000.0, 1000.0, 1120.0, 1120.0, 1100.0, 1100.0]
    lo, hi = charts.waterfall_figure(steps, "t").layout.yaxis.range
    assert lo < 1000.0 and hi > 1120.0


def test_forecast_figure_marks_events_inside_the_shown_range_only():
    days = pd.date_range("2026-12-01", periods=40)
    hist = pd.DataFrame({"date": days[:34], "cases": 100.0})
    fc = pd.DataFrame({"date": days[34:], "p10": 90.0, "p50": 100.0, "p90": 120.0})
    events = pd.DataFrame({"date": pd.to_datetime(["2025-11-11", "2026-12-12", "2027-01-05"]),
                           "name": ["11.11", "12.12", "new year sale"]})
    fig = charts.forecast_figure(hist, fc, events, "t", history_days=365)
    marks = _trace(fig, "events")
    assert list(pd.to_datetime(marks.x)) == list(pd.to_datetime(["2026-12-12", "2027-01-05"]))
    assert list(marks.text) == ["12.12", "new year sale"]
    assert list(_trace(fig, "P10–P90").y) == [90.0] * 6
    assert max(marks.y) == pytest.approx(120.0 * 1.05)
