"""The scenario store on SQLite and on a real PostgreSQL: versions, status, transactions."""

from __future__ import annotations

import copy
import multiprocessing as mp
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from store_fixtures import FORECAST, PLAN, as_plan, fresh_pg_database, pg_server_url  # noqa: F401

from planning.inputs.loading import load_inputs
from planning.inputs.writers import inputs_to_texts
from planning.store import access as access_module
from planning.store import store as store_module
from planning.store.schema import SCHEMA_VERSION, SchemaTooNewError, events, scenarios
from planning.store.store import ScenarioStore, StoreError, database_url, parse_ref


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path):
    """An empty store: a SQLite file, or a fresh database on a PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    return fresh_pg_database(request.getfixturevalue("pg_server_url"))


@pytest.fixture
def inputs(tiny):
    return load_inputs(tiny(forecast__csv=FORECAST), stage="plan")


def test_save_load_round_trip_keeps_everything(url, inputs):
    import pandas as pd

    req = pd.DataFrame({"market": ["ID", "NA"], "queue": ["listing", "listing"],
                        "week": pd.to_datetime(["2027-01-04", "2027-01-04"]),
                        "required_fte": [10.75, float("nan")]})
    with ScenarioStore(url) as store:
        meta = store.save("base", inputs, as_plan(), author="ana", comment="first cut", requirements=req,
                          solver={"time_limit_s": 5.0})
        assert (meta.name, meta.version, meta.author, meta.status) == ("base", 1, "ana", "draft")
        got = store.load("base")
    assert got.meta == meta
    assert got.plan.to_json() == as_plan().to_json()
    assert inputs_to_texts(got.inputs) == inputs_to_texts(inputs)  # re-solvable years later
    assert got.settings["solver"]["time_limit_s"] == 5.0
    assert got.settings["solver"]["mip_gap"] == inputs.scenario.solver.mip_gap
    assert {"python", "pandas", "pulp", "highspy", "sqlalchemy"} <= set(got.settings["packages"])
    pd.testing.assert_frame_equal(got.requirements, req)
    assert got.forecast is None


def test_saving_a_name_again_adds_a_version(url, inputs):
    other = copy.deepcopy(PLAN) | {"total_cost": 1.0}
    with ScenarioStore(url) as store:
        store.save("base", inputs, as_plan(), author="ana")
        store.save("base", inputs, as_plan(other), author="bo")
        store.save("growth", inputs, as_plan(), author="ana")
        listed = store.list()
        assert list(zip(listed["name"], listed["version"], strict=True)) == [
            ("base", 1), ("base", 2), ("growth", 1)]
        assert listed["total_cost"].tolist() == pytest.approx([PLAN["total_cost"], 1.0,
                                                               PLAN["total_cost"]])
        assert listed.columns[:7].tolist() == ["name", "version", "created_at", "author", "status",
                                               "total_cost", "shortfall_fte_weeks"]
        assert store.load("base").meta.version == 2          # latest by default
        assert store.load("base", 1).plan.to_json() == as_plan().to_json()  # never overwritten
        assert store.load("base", 2).meta.author == "bo"


def test_status_moves_draft_submitted_approved_with_history(url, inputs):
    with ScenarioStore(url) as store:
        store.save("base", inputs, as_plan(), author="ana", comment="first cut")
        store.set_status("base", "submitted", comment="for the Q1 ask", author="ana")
        meta = store.set_status("base", "approved", comment="ok by finance", author="fin")
        assert (meta.status, meta.comment) == ("approved", "ok by finance")
        assert store.list()["status"].tolist() == ["approved"]
        hist = store.history("base")
    assert hist[["from_status", "to_status", "author", "comment"]].values.tolist() == [
        [None, "draft", "ana", "first cut"],
        ["draft", "submitted", "ana", "for the Q1 ask"],
        ["submitted", "approved", "fin", "ok by finance"]]


def test_disallowed_status_moves_are_clear_errors(url, inputs):
    with ScenarioStore(url) as store:
        store.save("base", inputs, as_plan())
        with pytest.raises(StoreError, match="base@1 is draft and cannot move to approved "
                                             r"\(next: submitted\)"):
            store.set_status("base", "approved", comment="skip review")
        store.set_status("base", "submitted", comment="x")
        store.set_status("base", "rejected", comment="too expensive")
        with pytest.raises(StoreError, match="rejected is final; save a new version"):
            store.set_status("base", "submitted", comment="again")
        with pytest.raises(StoreError, match="needs a comment"):
            store.set_status("base", "submitted", comment=" ")
        with pytest.raises(StoreError, match="expected one of submitted, approved, rejected"):
            store.set_status("base", "draft", comment="x")
        with pytest.raises(StoreError, match="no scenario named 'nope'; saved: base"):
            store.load("nope")
        with pytest.raises(StoreError, match="base has no version 7; saved versions: 1"):
            store.load("base", 7)
        assert store.history("base")["to_status"].tolist() == ["draft", "submitted", "rejected"]


def test_failure_mid_save_leaves_the_store_as_it_was(url, inputs, monkeypatch):
    with ScenarioStore(url) as store:
        store.save("base", inputs, as_plan())
        before = store.list()

        def boom(*args, **kwargs):
            raise RuntimeError("disk on fire")

        # the scenario row is inserted first, then this step fails: both must roll back
        monkeypatch.setattr(store_module, "_insert_event", boom)
        with pytest.raises(RuntimeError, match="disk on fire"):
            store.save("base", inputs, as_plan())
        with pytest.raises(RuntimeError, match="disk on fire"):
            store.save("new", inputs, as_plan())
        with pytest.raises(RuntimeError, match="disk on fire"):
            store.set_status("base", "submitted", comment="x")
        monkeypatch.undo()
        after = store.list()
        with store.engine.connect() as conn:
            n_rows = conn.execute(select(func.count()).select_from(scenarios)).scalar()
            n_events = conn.execute(select(func.count()).select_from(events)).scalar()
        assert after.equals(before) and n_rows == 1 and n_events == 1
        assert store.meta("base").status == "draft"
        assert store.save("base", inputs, as_plan()).version == 2  # and the store still works


def _save_in_child(url: str, texts: dict, i: int, barrier) -> None:
    from planning.inputs.writers import inputs_from_texts
    from planning.store.store import ScenarioStore

    inputs = inputs_from_texts(texts)
    barrier.wait(timeout=60)
    with ScenarioStore(url) as store:
        store.save("shared", inputs, as_plan(PLAN | {"total_cost": float(i)}), author=f"p{i}")


@pytest.mark.slow
def test_twenty_concurrent_saves_from_processes_all_land(url, inputs):
    ScenarioStore(url).close()  # schema created before the race (creation races are tested below)
    ctx = mp.get_context("fork")
    barrier = ctx.Barrier(20)
    texts = inputs_to_texts(inputs)
    procs = [ctx.Process(target=_save_in_child, args=(url, texts, i, barrier)) for i in range(20)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
    assert [p.exitcode for p in procs] == [0] * 20
    with ScenarioStore(url) as store:
        listed = store.list()
    assert sorted(listed["version"]) == list(range(1, 21))
    assert sorted(listed["total_cost"]) == [float(i) for i in range(20)]  # every save, once
    assert sorted(listed["author"]) == sorted(f"p{i}" for i in range(20))


def _open_in_child(url: str, barrier) -> None:
    from planning.store.store import ScenarioStore

    barrier.wait(timeout=60)
    ScenarioStore(url).close()


def test_schema_created_once_by_racing_first_users(url):
    ctx = mp.get_context("fork")
    barrier = ctx.Barrier(6)
    procs = [ctx.Process(target=_open_in_child, args=(url, barrier)) for _ in range(6)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=60)
    assert [p.exitcode for p in procs] == [0] * 6
    engine = create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT id, version FROM headcount_schema")).all() == [
            (1, SCHEMA_VERSION)]
        if url.startswith("sqlite"):
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(select(func.count()).select_from(scenarios)).scalar() == 0
    engine.dispose()


def test_a_newer_schema_is_refused(tmp_path):
    url = f"sqlite:///{tmp_path / 's.db'}"
    ScenarioStore(url).close()
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE headcount_schema SET version = 99"))
    engine.dispose()
    with pytest.raises(SchemaTooNewError, match=r"schema version 99.*knows versions up to 2"):
        ScenarioStore(url)


def test_default_location_and_env_variable(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("HEADCOUNT_DB", raising=False)
    assert database_url() == f"sqlite:///{tmp_path / '.headcount' / 'scenarios.db'}"
    assert (tmp_path / ".headcount").is_dir()
    monkeypatch.setenv("HEADCOUNT_DB", str(tmp_path / "x" / "my.db"))
    assert database_url() == f"sqlite:///{tmp_path / 'x' / 'my.db'}"
    monkeypatch.setenv("HEADCOUNT_DB", "postgresql+psycopg://u@db.example/plans")
    assert database_url() == "postgresql+psycopg://u@db.example/plans"
    assert database_url("sqlite:///:memory:") == "sqlite:///:memory:"


def test_names_and_references():
    assert parse_ref("base@3") == ("base", 3)
    assert parse_ref("Q1 plan") == ("Q1 plan", None)
    with pytest.raises(StoreError, match="whole number"):
        parse_ref("base@latest")


def test_bad_names_are_refused(tmp_path, inputs):
    with ScenarioStore(str(tmp_path / "s.db")) as store:
        for bad in ("", "  ", "a@b", "x" * 201):
            with pytest.raises(StoreError, match="expected 1 to 200 characters"):
                store.save(bad, inputs, as_plan())
        assert store.list().empty
        # text that looks like SQL or a formula is just a name
        weird = "x'); DROP TABLE scenarios; --"
        assert store.save(weird, inputs, as_plan()).name == weird
        assert store.names() == [weird]


def test_author_defaults_to_the_os_user(tmp_path, inputs, monkeypatch):
    monkeypatch.setattr(access_module, "who_am_i", lambda: "os-user")
    with ScenarioStore(str(tmp_path / "s.db")) as store:
        assert store.save("base", inputs, as_plan()).author == "os-user"
        assert store.save("base", inputs, as_plan(), author="app-login").author == "app-login"


def test_sqlite_file_path_from_env_is_created(tmp_path, monkeypatch, inputs):
    monkeypatch.setenv("HEADCOUNT_DB", str(tmp_path / "deep" / "er" / "s.db"))
    with ScenarioStore() as store:
        store.save("base", inputs, as_plan())
    assert Path(tmp_path / "deep" / "er" / "s.db").stat().st_size > 0


def test_nan_in_a_plan_is_stored_as_null(tmp_path, inputs):
    plan = PLAN | {"objective": float("nan"), "gap": float("inf")}
    with ScenarioStore(str(tmp_path / "s.db")) as store:
        store.save("base", inputs, as_plan(plan))
        got = store.load("base").plan.to_json()
    assert got["objective"] is None and got["gap"] is None
    assert got["total_cost"] == PLAN["total_cost"]


def test_set_changes_and_unsets_scenario_keys(tiny):
    from planning.errors import InputError
    from planning.store.settings import apply_settings

    base = load_inputs(tiny(forecast__csv=FORECAST,
                            scenario__toml='[plan]\nstart = "2027-01-04"\nweeks = 2\n'
                                           '[solver]\nbudget_per_quarter = 5000\n'))
    changed = apply_settings(base, ["levers.volume_multiplier=1.25", "solver.budget_per_quarter="])
    assert changed.scenario.levers.volume_multiplier == 1.25
    assert changed.scenario.solver.budget_per_quarter is None  # back to the default: no cap
    assert changed.scenario.plan == base.scenario.plan and changed.sites is base.sites
    with pytest.raises(InputError, match=r"plan\.start = 2027-01-05, must be a Monday"):
        apply_settings(base, ["plan.start=2027-01-05"])
    with pytest.raises(InputError, match=r"sites\.headcount, expected section\.key=value"):
        apply_settings(base, ["sites.headcount=3"])


def test_an_older_store_is_migrated_in_place_keeping_its_scenarios(tmp_path, inputs, monkeypatch):
    from planning.store import schema as store_schema

    url = f"sqlite:///{tmp_path / 's.db'}"
    with ScenarioStore(url) as store:
        store.save("base", inputs, as_plan())

    def v2(conn):  # a future migration: a new column
        conn.execute(text("ALTER TABLE scenarios ADD COLUMN team VARCHAR(50)"))

    monkeypatch.setitem(store_schema.MIGRATIONS, 3, v2)
    monkeypatch.setattr(store_schema, "SCHEMA_VERSION", 3)
    with ScenarioStore(url) as store:
        assert store.load("base").plan.to_json() == as_plan().to_json()
        with store.engine.connect() as conn:
            assert conn.execute(text("SELECT version FROM headcount_schema")).scalar() == 3
            assert conn.execute(text("SELECT name, team FROM scenarios")).all() == [("base", None)]
    with ScenarioStore(url) as store:  # migrated once only
        assert store.list()["name"].tolist() == ["base"]
