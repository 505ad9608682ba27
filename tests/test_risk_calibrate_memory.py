"""The calibration's paths within a memory budget (planning.risk.series.SeriesStore and the
Calibrator's searches in groups): the same paths, levels, probabilities, step counts and
plan as with every series' paths held at once."""

from __future__ import annotations

import numpy as np
import pandas as pd
from confidence_fixtures import QUEUES, SITES, confidence_forecast
from conftest import TINY, write_folder

from planning.inputs.loading import load_inputs
from planning.risk.calibrate import Calibrator, required_share
from planning.risk.confidence import ConfidenceSettings, plan_to_confidence
from planning.risk.series import SeriesStore, daily_frame, draw_one, series_rows

PATHS = 300
WEEKS = 26  # two quarters: the second is searched from the first's carried backlog


def confidence_inputs(tmp_path, weeks: int = WEEKS):
    """The SLA-confidence fixture (tests/confidence_fixtures.py) with two more queues: a
    deferrable one with a 2-day deadline and a realtime one."""
    queues = QUEUES.rstrip() + """
    review,deferrable,9,48,0.9,,,false,0
    live,realtime,3,,0.8,20,,false,0
"""
    files = {**TINY, "queues.csv": queues, "vendors.csv": None,
             "sites.csv": SITES.format(extra_head="", extra_row=""),
             "scenario.toml": f'[plan]\nstart = "2027-01-04"\nweeks = {weeks}\n'
                              '[solver]\ninteger_hires = false\n'}
    return load_inputs(write_folder(tmp_path / "data", files))


def forecast() -> pd.DataFrame:
    """The fixture's two listing cells and two more with other bands and queues."""
    fc = confidence_forecast(WEEKS)
    more = [fc[fc["market"] == "GB"].assign(queue="live", p10=900.0, p50=1000.0, p90=1300.0),
            fc[fc["market"] == "ID"].assign(queue="review", p10=70.0, p50=80.0, p90=85.0)]
    return pd.concat([fc, *more], ignore_index=True)


def calibrator(inputs, memory_mb: float | None = None) -> Calibrator:
    extra = {} if memory_mb is None else {"memory_mb": memory_mb}
    return Calibrator(inputs, forecast(), paths=PATHS, seed=5, correlation=0.9, aht_cv=0.05,
                      **extra)


def test_a_series_drawn_again_is_the_same(tmp_path):
    inputs = confidence_inputs(tmp_path, weeks=WEEKS)
    daily, _ = daily_frame(inputs, forecast())
    store = SeriesStore(inputs, daily, PATHS, 5, 0.9, 0.05, memory_mb=1e-6)
    assert store.fitting() == 1 and len(store) == 4
    assert store.series_bytes == 3 * 8 * PATHS * 7 * WEEKS
    cells = list(store)
    assert cells == sorted(cells)
    assert ("GB", "live") in store and ("ID", "live") not in store
    assert not store._kept  # asking whether a cell exists draws nothing
    first = store[cells[0]].cases.copy()
    for c in cells[1:]:
        store[c]
    assert list(store._kept) == [cells[-1]]  # the budget keeps one series
    np.testing.assert_array_equal(store[cells[0]].cases, first)
    # ... which is the series drawn directly from its generator
    rows, planned = series_rows(inputs, daily)[0]
    direct = draw_one(inputs, rows, planned, PATHS, 5, 0.9, 0.05)
    np.testing.assert_array_equal(direct.cases, first)
    np.testing.assert_array_equal(direct.aht_day, store[cells[0]].aht_day)


def test_grouped_search_equals_the_search_of_every_cell_at_once(tmp_path):
    inputs = confidence_inputs(tmp_path, weeks=WEEKS)
    whole, small = calibrator(inputs), calibrator(inputs, memory_mb=1e-6)
    assert whole.series.fitting() >= 4 and small.series.fitting() == 1
    need = required_share(0.9, PATHS, 1.0)
    cells = sorted(whole.series)
    a, b = whole.calibrate(cells, need), small.calibrate(cells, need)
    assert a.steps == b.steps
    for c in cells:
        np.testing.assert_array_equal(a.level[c], b.level[c])
        np.testing.assert_array_equal(a.p[c], b.p[c])
        np.testing.assert_array_equal(a.reachable[c], b.reachable[c])
    # an informative case: the cells' levels differ, so their searches do
    assert len({tuple(a.level[c]) for c in cells}) == len(cells)
    # a re-calibration from floors with caps, as the planner's feedback round runs it
    start = {c: a.level[c] + 0.1 for c in cells[:3]}
    caps = {c: np.full(WEEKS, 3.0) for c in cells[:3]}
    ra = whole.calibrate(cells[:3], need, start=start, limits=caps)
    rb = small.calibrate(cells[:3], need, start=start, limits=caps)
    assert ra.steps == rb.steps
    for c in cells[:3]:
        np.testing.assert_array_equal(ra.level[c], rb.level[c])
        np.testing.assert_array_equal(ra.reachable[c], rb.reachable[c])
    assert whole.calibrate([], need).steps == small.calibrate([], need).steps == 2


def test_plan_to_confidence_within_a_small_budget_is_the_same_plan(tmp_path):
    inputs = confidence_inputs(tmp_path, weeks=WEEKS)
    settings = ConfidenceSettings(0.9, paths=PATHS, seed=5)
    a = plan_to_confidence(inputs, forecast(), settings, explain=False,
                           calibrator=calibrator(inputs))
    b = plan_to_confidence(inputs, forecast(), settings, explain=False,
                           calibrator=calibrator(inputs, memory_mb=1e-6))
    assert a.plan.ok and (a.rounds, a.simulations) == (b.rounds, b.simulations)
    pd.testing.assert_frame_equal(a.cells, b.cells, check_exact=True)
    pd.testing.assert_frame_equal(a.requirements, b.requirements, check_exact=True)
    pd.testing.assert_frame_equal(a.plan.allocation, b.plan.allocation, check_exact=True)
