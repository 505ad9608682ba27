"""Every page of the Streamlit app under ``streamlit.testing.v1.AppTest``.

The sample's forecast and plan are computed once per test session into the app's shared
cache (the forecast is also kept on disk), so each page renders in well under a second.
The scenario store is a temporary SQLite file.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
TITLES = {"app_pages/inputs.py": "Inputs", "app_pages/forecast.py": "Forecast",
          "app_pages/requirements.py": "Requirements", "app_pages/plan.py": "Plan",
          "app_pages/scenarios.py": "Scenarios", "app_pages/export.py": "Export",
          "app_pages/kpis.py": "Plan versus actual"}
PAGES = list(TITLES)
WIDGETS = ["button", "checkbox", "toggle", "radio", "selectbox", "multiselect", "number_input",
           "text_input", "date_input", "data_editor", "file_uploader", "download_button"]


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    """HEADCOUNT_DB in a temporary folder, HEADCOUNT_DATA on the sample."""
    db = tmp_path_factory.mktemp("db") / "scenarios.db"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HEADCOUNT_DB", str(db))
        mp.setenv("HEADCOUNT_DATA", str(ROOT / "data" / "sample"))
        yield mp


@pytest.fixture(scope="module")
def warm(env):
    """The sample's forecast and baseline plan in the app's cache."""
    from planning.inputs.loading import load_inputs
    from ui.stages import warm_plan

    done = warm_plan(load_inputs(ROOT / "data" / "sample"))
    assert done.error is None, done.error
    return done.value


SMALL = {
    "markets.csv": "market,language,min_inhouse_share\nID,id,0\nGB,en,0.2\n",
    "queues.csv": "queue,kind,aht_minutes,tat_hours,sla_target,answer_seconds,inhouse_only,"
                  "automation_rate\nlisting,deferrable,6,24,1,,false,0.5\n"
                  "live,realtime,3,,0.8,20,false,0\n",
    "sites.csv": "site,languages,headcount,cost_per_fte_month,max_headcount,lead_weeks,ramp\n"
                 "Jakarta,id;en,20,1600,120,0,\n",
    "vendors.csv": "vendor,languages,price_per_fte_month,min_fte,max_fte,markets\n"
                   "Manila,en,1900,0,20,GB\n",
    "scenario.toml": '[plan]\nstart = "2027-01-04"\nweeks = 6\n',
}


@pytest.fixture
def small(env, tmp_path):
    """A small data set with its own forecast table (no forecasting, a plan in a second)."""
    days = pd.date_range("2027-01-04", periods=42)
    rows = [(m, q, d, base * (1 + 0.1 * (d.dayofweek == 0)))
            for m, q, base in (("ID", "listing", 2000.0), ("GB", "live", 600.0),
                               ("ID", "live", 300.0), ("GB", "listing", 800.0))
            for d in days]
    fc = pd.DataFrame(rows, columns=["market", "queue", "date", "p50"])
    fc["p10"], fc["p90"] = fc["p50"] * 0.9, fc["p50"] * 1.2
    fc["date"] = fc["date"].dt.strftime("%Y-%m-%d")
    folder = tmp_path / "small"
    folder.mkdir()
    for name, text in SMALL.items():
        (folder / name).write_text(text)
    fc.to_csv(folder / "forecast.csv", index=False)
    env.setenv("HEADCOUNT_DATA", str(folder))
    yield folder
    env.setenv("HEADCOUNT_DATA", str(ROOT / "data" / "sample"))


def app() -> AppTest:
    return AppTest.from_file(APP, default_timeout=60)


def ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


def frame_with(at: AppTest, *columns: str) -> pd.DataFrame:
    """The first dataframe on the page that has these columns."""
    for df in at.dataframe:
        value = df.value
        if set(columns) <= set(value.columns):
            return value
    raise AssertionError(f"no table with columns {columns}")


def widgets(at: AppTest) -> list:
    return [w for kind in WIDGETS for w in at.get(kind)]


def walk(node):
    """Every element under a block, in page order."""
    for child in getattr(node, "children", {}).values():
        yield child
        yield from walk(child)


@pytest.mark.slow
def test_app_opens_on_the_ask(warm):
    """The Plan page's first content after the title and the Re-plan row is the ask: its
    sentences, then its table, then the SLA confidence; charts come later, in tabs."""
    from planning.inputs.loading import load_inputs

    inputs = load_inputs(ROOT / "data" / "sample")
    at = ok(app().run())
    kinds = [type(e).__name__ for e in walk(at.main)
             if type(e).__name__ in ("Markdown", "Table", "Tab", "Dataframe")]
    assert kinds[:2] == ["Markdown", "Table"], kinds
    assert kinds.index("Table") < kinds.index("Tab")
    text = at.markdown[0].value
    plan = warm.plan
    # whole people: the sum of each quarter's starts rounded up, worked out from the plan's
    # weekly site table (not from the ask)
    hires = plan.sites.groupby(["site", "quarter"])["starts"].sum()
    people = sum(math.ceil(x - 1e-6) for x in hires)
    assert f"**Hire {people:,} people in-house**:" in text
    assert f"**The plan costs {plan.total_cost:,.0f} USD**:" in text
    table = at.table[0].value
    assert ("2027Q1", "cost, USD") in table.columns
    # requisitions: each site's first start in a quarter minus its lead time, as a date
    lead = inputs.sites.set_index("site")["lead_weeks"]
    starts = plan.sites[plan.sites["starts"] > 1e-6]
    first = starts.groupby(["site", "quarter"])["week"].min()
    for (site, quarter), week in first.items():
        due = week - pd.Timedelta(weeks=int(lead[site]))
        cell = table.loc[site, (quarter, "open requisitions by")]
        assert cell.startswith(f"{due.day} {due:%b %Y}"), (site, quarter, cell)
    cells = " ".join(str(v) for v in table.to_numpy().ravel())
    assert "None" not in cells and "nan" not in cells and "00:00:00" not in cells
    end = plan.sites.sort_values("week").groupby(["site", "quarter"])["headcount"].last()
    for (site, quarter), h in end.items():
        assert table.loc[site, (quarter, "headcount / FTE")] == f"{math.floor(h + 0.5):,}"
    assert "SLA confidence per market" in " ".join(m.value for m in at.markdown)
    sla = at.table[1].value
    assert list(sla.index) == ["2027Q1", "2027Q2"] and "BR" in sla.columns
    sidebar = " ".join(m.value for m in at.sidebar.markdown)
    assert "data/sample" in sidebar and "as loaded" in sidebar
    assert [t.label for t in at.tabs][:3] == ["Charts", "Why the plan looks like this",
                                              "SLA risk"]
    keys = [c.key for c in at.get("plotly_chart")]
    assert keys[:3] == ["plan_coverage", "plan_sites", "plan_cost"]
    # the SLA risk tab: the plan's risk heatmap and, as the sample plans to sla_confidence =
    # 0.9, the achieved probabilities against that target
    assert {"plan_risk_heatmap", "plan_confidence_heatmap"} <= set(keys)
    assert "Moderation staff per language (DSA transparency)" in [s.value for s in at.subheader]
    assert "Target confidence" in [m.label for m in at.metric]


@pytest.mark.slow
def test_every_page_renders_on_the_sample_with_keyed_widgets(warm):
    at = ok(app().run())
    for page in PAGES:
        ok(at.switch_page(page).run())
        assert at.title[0].value == TITLES[page]
        unkeyed = [(type(w).__name__, getattr(w, "label", "")) for w in widgets(at) if not w.key]
        assert not unkeyed, f"{page}: widgets without a key: {unkeyed}"
    at.switch_page("app_pages/forecast.py").run()
    assert len(at.get("plotly_chart")) == 1
    bt = frame_with(at, "market", "queue", "model", "wape", "mase", "chosen")
    assert bt["chosen"].sum() == 1  # one model chosen for the selected series


def test_every_page_renders_on_an_empty_data_set(tmp_path, env):
    env.setenv("HEADCOUNT_DATA", str(tmp_path))
    at = ok(app().run())
    assert any("No data set is loaded" in i.value for i in at.info)
    for page in PAGES:
        ok(at.switch_page(page).run())
        if page != "app_pages/inputs.py":
            assert any("No data set is loaded" in i.value for i in at.info), page
        assert not [w for w in widgets(at) if not w.key], page
    at.switch_page("app_pages/inputs.py").run()
    issues = frame_with(at, "table", "row", "column", "value", "expected")
    assert {"markets", "queues"} <= set(issues["table"])
    env.setenv("HEADCOUNT_DATA", str(ROOT / "data" / "sample"))


def test_bad_upload_shows_the_error_table_and_changes_nothing(small):
    at = ok(app().run()).switch_page("app_pages/inputs.py").run()
    before = at.session_state["hc_inputs"]
    bad = b"market,language,min_inhouse_share\nID,id,1.5\nTH,,0\n"
    at.file_uploader(key="upload_files").set_value(
        [("markets.csv", bad, "text/csv"), ("queues.csv", b"queue,kind\n", "text/csv")])
    ok(at.button(key="upload_load").click().run())
    issues = frame_with(at, "severity", "table", "row", "column", "value", "expected")
    share = issues[(issues["table"] == "markets") & (issues["column"] == "min_inhouse_share")]
    assert share["row"].tolist() == [2] and share["value"].tolist() == ["1.5"]
    assert (issues["table"] == "markets").any() and any("not loaded" in e.value for e in at.error)
    assert at.session_state["hc_inputs"] is before
    assert at.session_state["hc_label"] == str(small)


def _drivers(at: AppTest) -> pd.DataFrame:
    at.switch_page("app_pages/requirements.py").run()
    at.toggle(key="req_show_drivers").set_value(True).run()
    return frame_with(at, "week", "required_fte", "forecast_cases", "aht_minutes")


def test_shrinkage_and_an_override_flow_into_requirements(small):
    at = ok(app().run())
    before = _drivers(at)
    market, queue = at.selectbox(key="req_market").value, at.selectbox(key="req_queue").value

    at.switch_page("app_pages/inputs.py").run()
    at.number_input(key="a_shrinkage").set_value(35.0)
    ok(at.button(key="a_apply").click().run())
    after = _drivers(at)
    # required FTE divides by (1 - shrinkage) for every queue kind: x 0.70 / 0.65
    assert after["required_fte"].to_numpy() == pytest.approx(
        before["required_fte"].to_numpy() * 0.70 / 0.65, rel=1e-9)
    assert after["forecast_cases"].tolist() == before["forecast_cases"].tolist()

    at.switch_page("app_pages/forecast.py").run()
    at.selectbox(key="ov_market").set_value(market)
    at.selectbox(key="ov_queue").set_value(queue)
    at.date_input(key="ov_start").set_value(pd.Timestamp("2027-01-25").date())
    at.number_input(key="ov_pct").set_value(15.0)
    ok(at.button(key="ov_add").click().run())
    assert any("Override not added" in e.value and "reason" in e.value for e in at.error)
    at.text_input(key="ov_reason").set_value("policy launch")
    ok(at.button(key="ov_add").click().run())
    assert not at.error
    # the page draws the model's forecast beside the overridden one, and lists the override
    spec = at.get("plotly_chart")[0].proto.spec
    assert "P50 model (before overrides)" in spec and "P50 with overrides" in spec
    assert any("x1.15" in m.value and "policy launch" in m.value for m in at.markdown)
    bumped = _drivers(at)
    late = pd.to_datetime(bumped["week"]) >= "2027-01-25"
    assert late.sum() > 0 and (~late).sum() > 0
    assert bumped.loc[late, "forecast_cases"].to_numpy() == pytest.approx(
        after.loc[late, "forecast_cases"].to_numpy() * 1.15, rel=1e-9)
    assert bumped.loc[~late, "forecast_cases"].tolist() == after.loc[~late, "forecast_cases"].tolist()

    # saved with the plan, the override travels as the scenario's forecast_overrides table
    at.switch_page("app_pages/plan.py").run()
    ok(at.button(key="plan_run").click().run())
    at.switch_page("app_pages/scenarios.py").run()
    at.text_input(key="hc_author").set_value("Dana Lee")
    at.text_input(key="save_name").set_value("policy +15%")
    ok(at.button(key="save_submit").click().run())
    from planning.store.store import ScenarioStore

    with ScenarioStore() as store:
        saved = store.load("policy +15%")
    [row] = saved.inputs.forecast_overrides.to_dict("records")
    assert (row["market"], row["queue"], row["multiplier"], row["reason"]) == (
        market, queue, pytest.approx(1.15), "policy launch")
    plan_end = saved.inputs.plan_weeks()[-1] + pd.Timedelta(days=6)
    assert (row["start"], row["end"]) == (pd.Timestamp("2027-01-25"), plan_end)
    from planning.pipeline import forecast_table

    fc = forecast_table(saved.inputs).set_index(["market", "queue", "date"])["p50"]
    assert (market, queue) == ("GB", "listing")  # the small set's first series: 800 cases/day
    assert fc[("GB", "listing", pd.Timestamp("2027-01-24"))] == pytest.approx(800.0)
    assert fc[("GB", "listing", pd.Timestamp("2027-01-26"))] == pytest.approx(800.0 * 1.15)
    assert fc[("ID", "listing", pd.Timestamp("2027-01-26"))] == pytest.approx(2000.0)
    assert saved.inputs.scenario.workforce.shrinkage == pytest.approx(0.35)
    # the app's plan lists the override; the CLI re-plans the saved inputs to the same plan
    assert saved.plan.overrides["reason"].tolist() == ["policy launch"]
    from planning.cli.main import main
    from planning.inputs.writers import write_inputs
    from planning.optimise.result import PlanResult

    folder = write_inputs(saved.inputs, small.parent / "exported")
    out = small.parent / "cli_plan"
    assert main(["plan", str(folder), "--out", str(out), "--no-excel"]) == 0
    cli = PlanResult.from_json(json.loads((out / "plan.json").read_text()))
    assert cli.total_cost == pytest.approx(saved.plan.total_cost, rel=1e-6)
    assert cli.override_effects["required_fte"].tolist() == pytest.approx(
        saved.plan.override_effects["required_fte"].tolist(), rel=1e-9)


def test_replan_save_compare_and_approve(small):
    at = ok(app().run())
    first_cost = at.markdown[0].value
    at.switch_page("app_pages/inputs.py").run()
    at.number_input(key="a_shrinkage").set_value(35.0)
    ok(at.button(key="a_apply").click().run())
    at.switch_page("app_pages/plan.py").run()
    assert any("inputs changed" in w.value for w in at.warning)
    ok(at.button(key="plan_run").click().run(timeout=120))
    assert not any("inputs changed" in w.value for w in at.warning)
    assert at.markdown[0].value != first_cost

    at.switch_page("app_pages/scenarios.py").run()
    ok(at)
    table = frame_with(at, "metric")
    assert list(table.columns)[1:] == ["as loaded (baseline)", "current (this session)",
                                       "Δ current (this session)"]
    row = table.set_index("metric").loc["2027Q1 required FTE"]
    assert row["current (this session)"] == pytest.approx(
        row["as loaded (baseline)"] * 0.70 / 0.65, rel=1e-9)
    assert row["Δ current (this session)"] == pytest.approx(
        row["as loaded (baseline)"] * (0.70 / 0.65 - 1), rel=1e-9)
    ok(at.toggle(key="cmp_show_current (this session)").set_value(True).run())
    q = frame_with(at, "quarter", "required_fte_a", "required_fte_b")
    # both queue kinds' required FTE scale by 0.70 / 0.65 when shrinkage goes 30% -> 35%
    assert q["required_fte_b"].to_numpy() == pytest.approx(
        q["required_fte_a"].to_numpy() * 0.70 / 0.65, rel=1e-9)
    assert len(at.get("plotly_chart")) == 1  # the waterfall

    at.text_input(key="hc_author").set_value("Dana Lee")
    at.text_input(key="save_name").set_value("shrinkage 35")
    at.text_input(key="save_comment").set_value("what if shrinkage rises")
    ok(at.button(key="save_submit").click().run())
    saved = frame_with(at, "name", "version", "status")
    assert saved.loc[saved["name"] == "shrinkage 35", "status"].tolist() == ["draft"]
    at.selectbox(key="status_ref").set_value("shrinkage 35@1")
    at.radio(key="status_value").set_value("submitted")
    at.text_input(key="status_comment").set_value("for Q1 review")
    ok(at.button(key="status_submit").click().run())
    history = frame_with(at, "from_status", "to_status", "comment")
    assert history["to_status"].tolist()[-1] == "submitted"
    assert history["comment"].tolist()[-1] == "for Q1 review"

    at.switch_page("app_pages/export.py").run()
    ok(at)
    assert {b.key for b in at.get("download_button")} >= {"export_workbook", "export_zip",
                                                          "export_csv"}


def test_the_data_path_comes_from_headcount_data(env, tmp_path):
    from ui.session import default_data_path

    env.setenv("HEADCOUNT_DATA", str(tmp_path))
    assert default_data_path() == tmp_path
    env.delenv("HEADCOUNT_DATA")
    assert default_data_path() == ROOT / "data" / "sample"
    env.setenv("HEADCOUNT_DATA", "data/sample")
    assert default_data_path().resolve() == (ROOT / "data" / "sample").resolve()
    env.setenv("HEADCOUNT_DATA", str(ROOT / "data" / "sample"))
    assert os.environ["HEADCOUNT_DATA"].endswith("sample")


def test_table_edits_are_validated_on_apply(small):
    at = ok(app().run()).switch_page("app_pages/inputs.py").run()
    at.radio(key="edit_table").set_value("sites").run()
    before = at.session_state["hc_inputs"]
    at.session_state["edit_sites"] = {"edited_rows": {0: {"headcount": -5.0}},
                                      "added_rows": [], "deleted_rows": []}
    ok(at.button(key="apply_sites").click().run())
    issues = frame_with(at, "table", "row", "column", "value", "expected")
    assert issues[["table", "row", "column", "value"]].values.tolist() == [
        ["sites", 2, "headcount", "-5"]]
    assert at.session_state["hc_inputs"] is before

    at = ok(app().run()).switch_page("app_pages/inputs.py").run()
    at.radio(key="edit_table").set_value("sites").run()
    at.session_state["edit_sites"] = {
        "edited_rows": {0: {"headcount": 25.0}},
        "added_rows": [{"site": "Manila", "languages": "en", "headcount": 5.0,
                        "cost_per_fte_month": 1500.0, "lead_weeks": 1.0}],
        "deleted_rows": []}
    ok(at.button(key="apply_sites").click().run())
    sites = at.session_state["hc_inputs"].sites.set_index("site")
    assert sites.loc["Jakarta", "headcount"] == 25.0
    assert sites.loc["Manila", "languages"] == ("en",) and sites.loc["Manila", "lead_weeks"] == 1
    assert sites.loc["Jakarta", "languages"] == ("id", "en")  # untouched cells survive the trip


def test_a_plan_that_cannot_run_is_explained_not_a_crash(small):
    (small / "sites.csv").unlink()
    at = ok(app().run())
    issues = frame_with(at, "table", "row", "column", "value", "expected")
    assert issues["table"].tolist() == ["sites"]
    assert any("cannot run on these inputs" in e.value for e in at.error)
    for page in PAGES:
        ok(at.switch_page(page).run())


def test_a_failed_save_keeps_the_scenario_downloadable(small, monkeypatch):
    """A store that refuses the save (full disk, read-only) loses nothing: the page says so and
    offers the unsaved inputs and plan as a download."""
    import io
    import json
    import zipfile

    from planning.store.store import ScenarioStore, StoreError

    def refuse(self, *args, **kwargs):
        raise StoreError("The scenario store is read-only: nothing was saved.")

    monkeypatch.setattr(ScenarioStore, "save", refuse)
    at = ok(app().run())
    at.switch_page("app_pages/scenarios.py").run()
    at.text_input(key="hc_author").set_value("Dana Lee")
    at.text_input(key="save_name").set_value("will fail")
    ok(at.button(key="save_submit").click().run())
    assert any("read-only" in e.value and "download it" in e.value for e in at.error)
    button = at.get("download_button")
    assert [b.proto.label for b in button] == [
        "Download the unsaved scenario (inputs and plan.json, .zip)"]
    from planning.inputs.loading import load_inputs
    from planning.optimise import PlanResult, PlanStatus
    from planning.store.store import scenario_bundle

    inputs = load_inputs(small)
    plan = PlanResult(PlanStatus.OPTIMAL, message="kept")
    bundle = zipfile.ZipFile(io.BytesIO(scenario_bundle(inputs, plan)))
    assert {"markets.csv", "queues.csv", "scenario.toml", "plan.json"} <= set(bundle.namelist())
    assert json.loads(bundle.read("plan.json")) == plan.to_json()
    assert json.loads(bundle.read("plan.json"))["message"] == "kept"


def test_scenarios_saved_from_the_cli_and_the_app_appear_in_both(small, capsys):
    from planning.cli.main import main

    assert main(["scenario", "save", str(small), "--name", "from cli"]) == 0
    at = ok(app().run())
    at.switch_page("app_pages/scenarios.py").run()
    assert "from cli" in frame_with(at, "name", "version", "status")["name"].tolist()
    at.text_input(key="hc_author").set_value("Dana Lee")
    at.text_input(key="save_name").set_value("from app")
    ok(at.button(key="save_submit").click().run())
    capsys.readouterr()
    assert main(["scenario", "list"]) == 0
    listed = capsys.readouterr().out
    assert "from cli" in listed and "from app" in listed
