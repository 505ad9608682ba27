"""PlanResult, the one plan type: plan.json written from a solved plan reads back to the same
plan and writes the same document again; a plan read back offers the tables a solved one does."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from devtools.synthetic import make_inputs, requirements_frame
from planning.optimise import PlanResult, PlanStatus, optimise, plan_json_text, write_plan_json

ID = [{"market": "ID", "language": "id"}]
QUEUES = [{"queue": "listing"}, {"queue": "csam", "max_exposure_share": 0.5}]
W2 = "2027-01-18"


@pytest.fixture(scope="module")
def levers_on() -> PlanResult:
    """A plan with overtime, vendor surge and a wellness limit all used (4 weeks, one site
    at 1200 per FTE-week, a vendor at 600, a peak of +10 FTE in week 2)."""
    inp = make_inputs(
        markets=ID, queues=QUEUES, weeks=4,
        sites=[{"site": "JK", "languages": "id", "headcount": 50.0, "cost_per_fte_month": 5200.0,
                "hire_cost": 20_000.0, "overtime_max_share": 0.1, "overtime_premium": 1.5}],
        vendors=[{"vendor": "BPO", "languages": "id", "price_per_fte_month": 2600.0,
                  "max_fte": 0.0}],
        vendor_surge=[{"vendor": "BPO", "week": W2, "max_fte": 3.0}])
    r = optimise(inp, requirements_frame(inp, {("ID", "listing"): [40.0, 40.0, 55.0, 40.0],
                                               ("ID", "csam"): 5.0}))
    assert r.status is PlanStatus.OPTIMAL
    return r


def test_a_plan_with_every_option_on_round_trips(levers_on, tmp_path):
    doc = levers_on.to_json()
    assert {"overtime", "surge", "vendor_surge", "exposure"} <= set(doc)  # all options present
    assert doc["overtime"]["fte_weeks"] > 0 and doc["surge"]["fte_weeks"] > 0
    back = PlanResult.from_json(doc)
    assert back.to_json() == doc
    # the file itself, byte for byte, after a trip through the disk
    path = write_plan_json(levers_on, tmp_path / "out" / "plan.json")
    again = PlanResult.from_json(json.loads(path.read_text()))
    assert plan_json_text(again) == path.read_text()


def test_a_plan_read_back_has_the_solved_plans_tables(levers_on):
    back = PlanResult.from_json(levers_on.to_json())
    for key in ("sites", "vendors", "allocation", "shortfall", "quarterly"):
        pd.testing.assert_frame_equal(back.table(key), levers_on.table(key), check_dtype=False)
    assert back.sites["week"].dtype == "datetime64[ns]"
    assert back.ask_sites["requisitions_open_by"].dtype == "datetime64[ns]"
    assert back.overtime_totals == levers_on.overtime_totals
    assert back.surge_totals == levers_on.surge_totals
    assert (back.status, back.total_cost, back.penalty) == (
        levers_on.status, levers_on.total_cost, levers_on.penalty)


def test_whole_numbers_beside_gaps_write_back_as_whole_numbers():
    doc = PlanResult(PlanStatus.OPTIMAL).to_json() | {
        "budget": [{"quarter": "2027Q1", "budget": 5000, "cost": 4000.5, "overrun": None},
                   {"quarter": "2027Q2", "budget": None, "cost": 3, "overrun": 0}]}
    text = json.dumps(doc, indent=1)
    assert json.dumps(PlanResult.from_json(doc).to_json(), indent=1) == text
    assert '"budget": 5000,' in text  # not 5000.0


def test_a_wellness_limit_without_rows_keeps_its_key():
    doc = PlanResult(PlanStatus.OPTIMAL).to_json() | {"exposure": []}
    assert PlanResult.from_json(doc).to_json() == doc
    assert "exposure" not in PlanResult.from_json(PlanResult(PlanStatus.OPTIMAL).to_json()).to_json()


def test_a_plan_without_solution_round_trips_with_empty_contract_tables():
    doc = PlanResult(PlanStatus.ERROR, message="HiGHS failed", penalty=12_000.0).to_json()
    back = PlanResult.from_json(doc)
    assert back.to_json() == doc and not back.ok and back.message == "HiGHS failed"
    assert list(back.allocation.columns) == ["pool", "market", "queue", "week", "fte"]
    assert back.allocation["week"].dtype == "datetime64[ns]"


def test_non_finite_numbers_are_null():
    doc = PlanResult(PlanStatus.OPTIMAL, objective=float("nan"), gap=float("inf")).to_json()
    assert doc["objective"] is None and doc["gap"] is None
    json.dumps(doc, allow_nan=False)  # valid JSON


@pytest.mark.parametrize("doc, words", [
    ([], "expected a JSON object with a status"),
    ({"total_cost": 1.0}, "expected a JSON object with a status"),
    ({"status": "done"}, "status 'done': expected one of optimal, time_limit, error"),
    ({"status": "optimal", "sites": {"site": "JK"}}, "must be a list of objects"),
])
def test_what_is_not_a_plan_is_refused_in_words(doc, words):
    with pytest.raises(ValueError, match=words):
        PlanResult.from_json(doc)
