"""Forecast overrides as an input table: application rules, checks and effects (by hand)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from planning.overrides import (
    apply_overrides,
    describe,
    override_effects,
    override_issues,
    overrides_frame,
)
from planning.periods import plan_days, quarter_labels

DAYS = plan_days(pd.Timestamp("2027-01-04"), 2)


def _forecast() -> pd.DataFrame:
    days = pd.date_range("2027-01-04", periods=4)
    rows = [(m, q, d) for m in ("ID", "TH") for q in ("listing", "live") for d in days]
    f = pd.DataFrame(rows, columns=["market", "queue", "date"])
    f["p10"], f["p50"], f["p90"], f["model"] = 80.0, 100.0, 130.0, "ETS"
    return f


def row(market="ID", queue="listing", start="2027-01-06", end="2027-01-07", **kw):
    return {"market": market, "queue": queue, "start": start, "end": end, "reason": "r", **kw}


def test_a_multiplier_scales_every_quantile_of_matching_days_only():
    f = _forecast()
    out = apply_overrides(f, overrides_frame([row(multiplier=1.15)]))
    hit = (out["market"] == "ID") & (out["queue"] == "listing") & (out["date"] >= "2027-01-06")
    assert hit.sum() == 2
    assert out.loc[hit, ["p10", "p50", "p90"]].values == pytest.approx(
        np.array([[92.0, 115.0, 149.5]] * 2))
    assert (out.loc[~hit, ["p10", "p50", "p90"]].values == [80.0, 100.0, 130.0]).all()
    assert (out["model"] == "ETS").all()
    assert f["p50"].eq(100.0).all()  # the input is left alone


def test_broad_rows_apply_first_and_specific_ones_on_top():
    table = overrides_frame([
        row("TH", "", "2027-01-05", "2027-01-07", multiplier=1.2),      # every TH queue
        row("*", "", "2027-01-04", "2027-01-05", multiplier=0.9),       # every market
        row("TH", "live", "2027-01-05", "2027-01-05", cases_per_day=50.0),  # absolute wins
    ])
    got = apply_overrides(_forecast(), table).set_index(["market", "queue", "date"])["p50"]
    day = pd.Timestamp
    assert got[("ID", "live", day("2027-01-04"))] == pytest.approx(90.0)
    assert got[("ID", "live", day("2027-01-06"))] == pytest.approx(100.0)
    assert got[("TH", "listing", day("2027-01-05"))] == pytest.approx(100.0 * 0.9 * 1.2)
    assert got[("TH", "listing", day("2027-01-07"))] == pytest.approx(120.0)
    assert got[("TH", "live", day("2027-01-05"))] == pytest.approx(50.0)
    assert got[("TH", "live", day("2027-01-06"))] == pytest.approx(120.0)


def test_an_absolute_value_keeps_the_models_relative_band():
    out = apply_overrides(_forecast(), overrides_frame([row(cases_per_day=2000.0)]))
    hit = out[(out["market"] == "ID") & (out["queue"] == "listing") & (out["date"] >= "2027-01-06")]
    # model band 80/100/130 is 0.8 / 1 / 1.3 of P50
    assert hit[["p10", "p50", "p90"]].values == pytest.approx(np.array([[1600.0, 2000.0, 2600.0]] * 2))


def test_an_absolute_value_with_its_own_band_places_other_quantiles_within_it():
    f = _forecast().assign(p80=120.0)  # the model's P80 is 2/3 of the way from P50 to P90
    out = apply_overrides(f, overrides_frame([row(cases_per_day=2000.0, p10=1500.0, p90=2900.0)]))
    hit = out[(out["market"] == "ID") & (out["queue"] == "listing") & (out["date"] >= "2027-01-06")]
    assert hit[["p10", "p50", "p80", "p90"]].values == pytest.approx(
        np.array([[1500.0, 2000.0, 2000.0 + 900.0 * 2 / 3, 2900.0]] * 2))


def test_a_zero_model_day_gets_a_zero_width_band():
    f = _forecast()
    f.loc[:, ["p10", "p50", "p90"]] = 0.0
    out = apply_overrides(f, overrides_frame([row(cases_per_day=40.0)]))
    hit = out[(out["market"] == "ID") & (out["queue"] == "listing") & (out["date"] >= "2027-01-06")]
    assert hit[["p10", "p50", "p90"]].values == pytest.approx(np.full((2, 3), 40.0))


def issues_of(*rows_):
    table = overrides_frame(rows_)
    return override_issues(table, np.arange(2, 2 + len(table)), DAYS,
                           markets={"ID", "TH"}, queues={"listing", "live"})


def test_a_good_table_has_no_issues():
    assert issues_of(row(multiplier=1.3), row(queue="live", cases_per_day=5.0, p10=4.0)) == []


@pytest.mark.parametrize("bad, column, words", [
    (row(), "multiplier", "exactly one of"),
    (row(multiplier=1.1, cases_per_day=3.0), "multiplier", "exactly one of"),
    (row(queue="", cases_per_day=3.0), "queue", "must name a queue"),
    (row(multiplier=1.1, p10=1.0), "p10", "only with cases_per_day"),
    (row(cases_per_day=3.0, p90=2.0), "p90", "p10 <= cases_per_day"),
    (row(end="2027-01-05", multiplier=1.1), "end", "before start"),
    (row(end="2027-02-01", multiplier=1.1), "end", "inside the plan, 2027-01-04 to 2027-01-17"),
    (row(market="BR", multiplier=1.1), "market", "not in the markets table"),
    (row(queue="chat", multiplier=1.1), "queue", "not in the queues table"),
    (row(market="*", queue="live", multiplier=1.1), "queue", "must be blank"),
])
def test_bad_rows_are_named(bad, column, words):
    found = issues_of(bad)
    assert any(i.column == column and words in i.message() and i.row == 2 for i in found), found


def test_overlapping_rows_of_the_same_reach_are_refused_with_both_rows():
    found = issues_of(row(multiplier=1.1), row(start="2027-01-07", end="2027-01-09", multiplier=2.0))
    assert [(i.row, i.column) for i in found] == [(3, "start")]
    assert "overlaps row 2" in found[0].message()
    # different reach (market-wide vs one queue) may overlap: the specific row applies on top
    assert issues_of(row(multiplier=1.1), row(queue="", multiplier=2.0)) == []


def test_effects_are_what_the_plan_needs_without_each_override():
    f = _forecast()
    table = overrides_frame([row(multiplier=1.5), row("TH", "", "2027-01-04", "2027-01-04",
                                                       multiplier=2.0, reason="sale")])

    def requirements(fc: pd.DataFrame) -> pd.DataFrame:
        # one FTE per 100 P50 cases a week, weeks starting Monday 2027-01-04
        w = fc.assign(week=pd.Timestamp("2027-01-04"))
        return w.groupby(["market", "queue", "week"], as_index=False)["p50"].sum().assign(
            required_fte=lambda d: d["p50"] / 100.0)

    eff = override_effects(table, f, requirements, "p50", quarter_labels)
    # row 0: ID listing, 2 days x 100 x 0.5 = 100 more cases = 1 FTE more in that week
    # row 1: TH every queue, one day x 100 more in each of 2 queues = 200 cases, 2 FTE
    assert eff[["override", "market", "quarter", "cases", "required_fte"]].values.tolist() == [
        [0, "ID", "2027Q1", 100.0, 1.0], [1, "TH", "2027Q1", 200.0, 2.0]]
    assert eff["reason"].tolist() == ["r", "sale"]


def test_days_count_in_the_quarter_of_their_plan_week():
    # the week of Monday 2027-03-29 ends on Sunday 2027-04-04: all of it is 2027Q1, as in
    # the plan's quarterly table
    days = pd.date_range("2027-03-29", periods=7)
    f = pd.DataFrame({"market": "ID", "queue": "listing", "date": days, "p50": 100.0})
    table = overrides_frame([row(start="2027-03-29", end="2027-04-04", multiplier=2.0)])

    def requirements(fc):
        return fc.assign(week=pd.Timestamp("2027-03-29")).groupby(
            ["market", "queue", "week"], as_index=False)["p50"].sum().assign(
            required_fte=lambda d: d["p50"] / 100.0)

    eff = override_effects(table, f, requirements, "p50", quarter_labels)
    assert eff[["quarter", "cases", "required_fte"]].values.tolist() == [["2027Q1", 700.0, 7.0]]


def test_describe_says_what_and_why():
    t = overrides_frame([row("BR", "listing_review", "2027-03-01", "2027-06-27", multiplier=1.3,
                             reason="policy launch")])
    assert describe(next(t.itertuples())) == (
        "BR / listing_review x1.3 from 2027-03-01 to 2027-06-27 (policy launch)")


def _tiny_with_forecast(tiny, overrides: str | None):
    days = pd.date_range("2027-01-04", periods=14).strftime("%Y-%m-%d")
    lines = ["market,queue,date,p10,p50,p90"] + [
        f"{m},{q},{d},800,1000,1300" for m in ("ID", "GB") for q in ("listing", "live") for d in days]
    return tiny(forecast__csv="\n".join(lines), forecast_overrides__csv=overrides)


def test_an_override_changes_requirements_by_the_amount_worked_out_by_hand(tiny):
    from planning.inputs.loading import load_inputs
    from planning.pipeline import requirements_table

    csv = """
        market,queue,start,end,multiplier,reason,author
        ID,listing,2027-01-11,2027-01-17,1.3,policy launch,Ana
    """
    base = requirements_table(load_inputs(_tiny_with_forecast(tiny, None)))
    over = requirements_table(load_inputs(_tiny_with_forecast(tiny, csv)))
    key = ["market", "queue", "week"]
    diff = over.set_index(key)["required_fte"] - base.set_index(key)["required_fte"]
    # ID listing: 1000 cases x (1 - 0.5 automation) x 6 min / 60 = 50 h a day, a 1-day deadline
    # on a flat week needs the week's average: 7 x 50 / (40 x 0.7 x 0.85) = 14.7059 FTE; x1.3
    # in week 2 only
    assert base.set_index(key).loc[("ID", "listing", pd.Timestamp("2027-01-04")),
                                   "required_fte"] == pytest.approx(350 / 23.8)
    assert diff.loc[("ID", "listing", pd.Timestamp("2027-01-11"))] == pytest.approx(0.3 * 350 / 23.8)
    assert (diff.drop(("ID", "listing", pd.Timestamp("2027-01-11"))).abs() < 1e-12).all()


def test_a_bad_override_row_is_named_when_loading(tiny):
    from planning.errors import InputError
    from planning.inputs.loading import load_inputs

    csv = """
        market,queue,start,end,multiplier,reason
        ID,listing,2027-01-11,2027-03-01,1.3,too long
    """
    with pytest.raises(InputError) as err:
        load_inputs(_tiny_with_forecast(tiny, csv))
    [issue] = err.value.issues
    assert (issue.table, issue.row, issue.column) == ("forecast_overrides", 2, "end")
    assert "inside the plan, 2027-01-04 to 2027-01-17" in issue.message()


def test_the_plan_lists_each_override_with_its_effect_and_round_trips(tiny):
    from planning.inputs.loading import load_inputs
    from planning.optimise.result import PlanResult
    from planning.pipeline import run_plan

    csv = """
        market,queue,start,end,multiplier,reason,author
        ID,listing,2027-01-11,2027-01-17,1.3,policy launch,Ana
    """
    run = run_plan(load_inputs(_tiny_with_forecast(tiny, csv)))
    plan = run.plan
    assert plan.overrides[["override", "market", "queue", "reason", "author"]].values.tolist() == [
        [0, "ID", "listing", "policy launch", "Ana"]]
    [eff] = plan.override_effects.to_dict("records")
    # 7 days x 1000 P50 cases x 0.3; 4.41 FTE more in week 2 of 2 = 2.21 FTE a week on average
    assert (eff["market"], eff["quarter"]) == ("ID", "2027Q1")
    assert eff["cases"] == pytest.approx(2100.0)
    assert eff["required_fte"] == pytest.approx(0.3 * 350 / 23.8 / 2)
    q = plan.quarterly.set_index(["market", "quarter"]).loc[("ID", "2027Q1")]
    per_fte_week = q["cost"] / ((q["inhouse_fte"] + q["vendor_fte"]) * 2)
    assert eff["cost"] == pytest.approx(eff["required_fte"] * 2 * per_fte_week)
    doc = plan.to_json()
    assert doc["overrides"]["rows"][0]["start"] == "2027-01-11"
    assert PlanResult.from_json(doc).to_json() == doc
    # without overrides plan.json has no overrides key (plans without them are unchanged)
    assert "overrides" not in run_plan(load_inputs(_tiny_with_forecast(tiny, None))).plan.to_json()


def test_the_workbook_lists_each_override_with_its_effect(tiny):
    import io

    from planning.inputs.loading import load_inputs
    from planning.pipeline import run_plan
    from planning.reports.workbook import workbook_bytes

    csv = """
        market,queue,start,end,multiplier,reason,author
        ID,listing,2027-01-11,2027-01-17,1.3,policy launch,Ana
    """
    inputs = load_inputs(_tiny_with_forecast(tiny, csv))
    run = run_plan(inputs)
    data = workbook_bytes(inputs, run.plan, requirements=run.requirements, forecast=run.forecast)
    sheets = pd.read_excel(io.BytesIO(data), sheet_name=None, header=None)
    text = sheets["Override effects"].astype(str).to_string()
    assert "ID / listing x1.3 from 2027-01-11 to 2027-01-17 (policy launch) — Ana" in text
    eff = pd.read_excel(io.BytesIO(data), sheet_name="Override effects", skiprows=6)
    assert eff["required_fte"].tolist() == pytest.approx([0.3 * 350 / 23.8 / 2])
    assert eff["cases"].tolist() == pytest.approx([2100.0])
    # the table itself is an input sheet: the workbook reads back with the same override
    book = tiny().parent / "plan.xlsx"
    book.write_bytes(data)
    back = load_inputs(book).forecast_overrides
    pd.testing.assert_frame_equal(back.reset_index(drop=True),
                                  inputs.forecast_overrides.reset_index(drop=True))


def test_the_scenario_diff_names_added_removed_and_changed_overrides_with_their_cost(tiny):
    from planning.inputs.loading import load_inputs
    from planning.pipeline import run_plan
    from planning.reports.compare import compare_plans

    def side(label, csv):
        inputs = load_inputs(_tiny_with_forecast(tiny, csv))
        return label, run_plan(inputs).plan, inputs

    none = side("base", None)
    up30 = side("policy", """
        market,queue,start,end,multiplier,reason,author
        ID,listing,2027-01-11,2027-01-17,1.3,policy launch,Ana
    """)
    up50 = side("bigger", """
        market,queue,start,end,multiplier,reason,author
        ID,listing,2027-01-11,2027-01-17,1.5,policy launch,Ana
    """)
    added = compare_plans(none, up30)
    [row] = added.overrides.to_dict("records")
    q = up30[1].quarterly.set_index(["market", "quarter"]).loc[("ID", "2027Q1")]
    per_fte_week = q["cost"] / ((q["inhouse_fte"] + q["vendor_fte"]) * 2)
    assert row["change"] == "added" and row["a"] == ""
    assert row["cost_effect"] == pytest.approx(0.3 * 350 / 23.8 / 2 * 2 * per_fte_week)
    assert any(line.startswith("Forecast override added: ID / listing x1.3 from 2027-01-11")
               and "by Ana" in line and "(cost +" in line for line in added.explain())
    assert not any(line.startswith("forecast_overrides:") for line in added.explain())
    assert compare_plans(up30, none).overrides["change"].tolist() == ["removed"]
    changed = compare_plans(up30, up50).overrides.to_dict("records")
    assert [(r["change"], r["a"][:20], r["b"][:20]) for r in changed] == [
        ("changed", "ID / listing x1.3 fr", "ID / listing x1.5 fr")]
    assert changed[0]["cost_effect"] > 0
    assert compare_plans(up30, up30).overrides.empty
