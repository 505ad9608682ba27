"""Property-based tests (Hypothesis) of validation and of the maths.

Validation: whatever a user types in a cell, or whatever bytes a file holds, loading either
gives the value the text means or an error naming table, row and column; never another
exception. Maths: Erlang C service level never falls when an agent is added; deferrable
requirements scale linearly with volume; a plan always covers requirement minus its reported
shortfall.
"""

from __future__ import annotations

import math
import re
import textwrap

import numpy as np
import pandas as pd
import pytest
from conftest import TINY
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from devtools.synthetic import make_inputs, requirements_frame
from planning.errors import InputError
from planning.inputs.uploads import inputs_from_upload
from planning.inputs.writers import inputs_from_texts
from planning.optimise import PlanStatus, optimise
from planning.requirements.compute import compute_requirements
from planning.requirements.queueing import erlang_c, service_level

BASE = {name: textwrap.dedent(text).strip() + "\n" for name, text in TINY.items()}
FAST = settings(max_examples=40, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def _with_volume(cell: str) -> dict[str, str]:
    return {**BASE, "volumes.csv": f"market,queue,date,cases\nID,listing,2026-12-28,{cell}\n"}


_PLAIN = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")


def _python_number(text: str) -> float | None:
    """What the cell means by an independent reading: a plain decimal number (ASCII digits,
    no ``_`` separators, no hex) that is finite, >= 0 and within the 1e9 a day limit."""
    if not _PLAIN.fullmatch(text.strip()):
        return None
    x = float(text.strip())
    return x if math.isfinite(x) and 0 <= x <= 1e9 else None


cells = st.one_of(
    st.text(max_size=12).filter(lambda s: "," not in s and "\n" not in s and "\r" not in s
                                and '"' not in s),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-10**12, 10**12).map(str),
)


@FAST
@given(cells)
@example("1_000")
@example("\u0661\u0662")  # Arabic-Indic digits: Python's float reads them, a CSV must not
@example("\uff11\uff12")  # full-width digits
@example("0x10")
@example("1e400")
@example("-1e-300")
@example("2e9")
@example(" 7.5 ")
def test_any_cases_cell_loads_as_its_number_or_names_row_and_column(cell):
    expected = _python_number(cell)
    assume(not cell.strip().startswith("#"))  # a leading # makes the line a comment
    try:
        inputs = inputs_from_texts(_with_volume(cell))
    except InputError as exc:
        assert expected is None or cell.strip() == "", cell
        errors = exc.errors
        assert errors and all(i.table == "volumes" and i.column == "cases" for i in errors), [
            i.message() for i in errors]
        assert errors[0].row == 2 if cell.strip() else errors[0].row in (2, None)
        return
    assert expected is not None, cell
    assert inputs.volumes["cases"].item() == pytest.approx(expected, rel=1e-12)


dates = st.one_of(st.dates(min_value=pd.Timestamp("1900-01-01").date(),
                           max_value=pd.Timestamp("2200-12-31").date()).map(str),
                  st.from_regex(r"\A\d{1,4}-\d{1,2}-\d{1,2}\Z"),
                  st.text(alphabet="0123456789-/. T:", max_size=12))


@FAST
@given(dates)
def test_any_date_cell_is_that_day_or_an_error_naming_it(text):
    assume(text.strip() and not text.strip().startswith("#"))
    files = {**BASE, "volumes.csv": f"market,queue,date,cases\nID,listing,{text},1\n"}
    try:
        day = pd.Timestamp(pd.to_datetime(text.strip(), format="%Y-%m-%d"))
        ok = len(text.strip()) == 10
    except (ValueError, OverflowError):
        ok = False
    try:
        inputs = inputs_from_texts(files)
    except InputError as exc:
        assert not ok, (text, [i.message() for i in exc.errors])
        assert any(i.table == "volumes" and i.row == 2 and i.column == "date" for i in exc.errors)
        return
    assert ok, text
    assert inputs.volumes["date"].item() == day


@FAST
@given(st.binary(max_size=400), st.sampled_from(["markets.csv", "queues.csv", "sites.csv",
                                                 "volumes.csv", "scenario.toml"]))
def test_any_bytes_in_any_file_give_inputs_or_input_error(data, name):
    try:
        inputs_from_texts({**BASE, name: data})
    except InputError as exc:
        assert exc.errors and all(i.expected for i in exc.errors)


@settings(max_examples=30, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_as_a_workbook_give_input_error(data):
    with pytest.raises(InputError) as info:
        inputs_from_upload([("inputs.xlsx", b"PK\x03\x04" + data)])
    assert info.value.errors[0].table in ("inputs.xlsx", "markets", "queues", "scenario")


# -- queueing ----------------------------------------------------------------------------------
@settings(max_examples=200, deadline=None)
@given(load=st.floats(0.01, 5000), extra=st.integers(0, 400),
       aht=st.floats(10, 3600), answer=st.floats(0, 600))
def test_more_agents_never_lower_the_service_level(load, extra, aht, answer):
    n = math.floor(load) + extra
    sl_n, sl_more = service_level(load, n, aht, answer), service_level(load, n + 1, aht, answer)
    assert 0.0 <= sl_n <= 1.0 and 0.0 <= sl_more <= 1.0
    assert sl_more >= sl_n - 1e-12
    assert erlang_c(load, n + 1) <= erlang_c(load, n) + 1e-12


# -- requirements ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def planning_inputs():
    from planning.inputs.writers import inputs_from_texts as load

    return load({**BASE, "scenario.toml": '[plan]\nstart = "2027-01-04"\nweeks = 3\n'})


@settings(FAST, max_examples=20)
@given(daily=st.lists(st.floats(0, 1e6), min_size=21, max_size=21),
       k=st.floats(0.01, 100), tat=st.sampled_from([1.0, 24.0, 30.0, 48.0, 100.0, 168.0, 400.0]),
       sla=st.sampled_from([np.nan, 0.8, 0.95, 1.0]))
def test_deferrable_requirements_scale_linearly_with_volume(planning_inputs, daily, k, tat, sla):
    import dataclasses

    q = planning_inputs.queues.copy()
    q.loc[q["queue"] == "listing", ["tat_hours", "sla_target"]] = [tat, sla]
    inputs = dataclasses.replace(planning_inputs, queues=q)
    days = pd.date_range("2027-01-04", periods=21)
    fc = pd.DataFrame({"market": "ID", "queue": "listing", "date": days, "p50": daily})
    base = compute_requirements(inputs, fc).set_index("week")["required_fte"]
    scaled = compute_requirements(inputs, fc.assign(p50=fc["p50"] * k)).set_index("week")[
        "required_fte"]
    assert len(base) == 3
    np.testing.assert_allclose(scaled.to_numpy(), k * base.to_numpy(), rtol=1e-9, atol=1e-9)


# -- the plan ----------------------------------------------------------------------------------
@settings(max_examples=25, deadline=None)
@given(req=st.lists(st.floats(0, 60), min_size=6, max_size=6),
       headcount=st.floats(0, 40), max_head=st.one_of(st.none(), st.floats(40, 80)),
       lead=st.integers(0, 3), vendor_max=st.one_of(st.none(), st.floats(0, 30)),
       share=st.floats(0, 1), budget=st.one_of(st.none(), st.floats(1e4, 1e6)))
def test_the_plan_covers_requirement_minus_reported_shortfall(req, headcount, max_head, lead,
                                                              vendor_max, share, budget):
    from planning.inputs.scenario import SolverSettings

    inp = make_inputs(
        markets=[{"market": "ID", "language": "id", "min_inhouse_share": share},
                 {"market": "GB", "language": "en"}],
        queues=[{"queue": "l"}],
        sites=[{"site": "J", "languages": "id;en", "headcount": headcount,
                "cost_per_fte_month": 1600.0, "max_headcount": max_head or np.nan,
                "lead_weeks": lead, "ramp": (0.0, 0.5), "attrition_month": 0.02}],
        vendors=[{"vendor": "V", "languages": "en;id", "price_per_fte_month": 1900.0,
                  "max_fte": np.nan if vendor_max is None else vendor_max}],
        weeks=3, solver=SolverSettings(budget_per_quarter=budget))
    requirements = requirements_frame(inp, {("ID", "l"): req[:3], ("GB", "l"): req[3:]})
    r = optimise(inp, requirements, explain=False)
    assert r.status is PlanStatus.OPTIMAL
    key = ["market", "queue", "week"]
    alloc = r.allocation.groupby(key)["fte"].sum() if len(r.allocation) else pd.Series(dtype=float)
    short = r.shortfall.groupby(key)["fte"].sum() if len(r.shortfall) else pd.Series(dtype=float)
    for row in requirements.itertuples(index=False):
        k = (row.market, row.queue, pd.Timestamp(row.week))
        assert alloc.get(k, 0.0) + short.get(k, 0.0) >= row.required_fte - 1e-6, (k, row)
    assert r.shortfall_fte_weeks == pytest.approx(float(short.sum()), abs=1e-5)
