"""Roles enforced by the store itself: whoever calls it (app, CLI, a script), a write the
caller's role does not allow is refused, nothing is written, and the refusal is audited.

The expected matrix below is the issue's wording, written out by hand (not read from
planning/store/access.py): planner edits, saves, submits; finance approves, rejects,
exports; viewer views; owner (single-user local mode) does everything.
"""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from store_fixtures import FORECAST, as_plan, fresh_pg_database, pg_server_url  # noqa: F401

from planning.cli.main import main
from planning.inputs.loading import load_inputs
from planning.store import access as access_module
from planning.store import schema as store_schema
from planning.store.access import (
    AccessDeniedError,
    AccessPolicy,
    Actor,
    PolicyError,
    load_policy,
    policy_from_dict,
)
from planning.store.store import ScenarioStore, StoreError

#: (role, action) -> allowed, from the issue's text
MATRIX = {
    "planner": {"save": True, "submit": True, "approve": False, "reject": False, "export": False},
    "finance": {"save": False, "submit": False, "approve": True, "reject": True, "export": True},
    "viewer": {"save": False, "submit": False, "approve": False, "reject": False, "export": False},
    "owner": {"save": True, "submit": True, "approve": True, "reject": True, "export": True},
}


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    return fresh_pg_database(request.getfixturevalue("pg_server_url"))


@pytest.fixture
def inputs(tiny):
    return load_inputs(tiny(forecast__csv=FORECAST), stage="plan")


def _attempt(store: ScenarioStore, who: Actor, action: str, inputs) -> None:
    """Do ``action`` on a fresh scenario brought (by the owner) to where it is possible."""
    owner = Actor("setup", "owner")
    name = f"{who.role}-{action}"
    if action == "save":
        store.save(name, inputs, as_plan(), actor=who)
        return
    store.save(name, inputs, as_plan(), actor=owner)
    if action in ("approve", "reject"):
        store.set_status(name, "submitted", comment="ready", actor=owner)
    if action == "export":
        store.record_export(name, actor=who)
        return
    status = {"submit": "submitted", "approve": "approved", "reject": "rejected"}[action]
    store.set_status(name, status, comment="decided", actor=who)


def test_every_role_may_do_exactly_its_actions_on_sqlite(tmp_path, inputs):
    with ScenarioStore(f"sqlite:///{tmp_path / 's.db'}") as store:
        for role, actions in MATRIX.items():
            for action, allowed in actions.items():
                who = Actor(f"{role}@example.com", role, "sign-in")
                if allowed:
                    _attempt(store, who, action, inputs)
                else:
                    with pytest.raises(AccessDeniedError, match=rf"may not {action}"):
                        _attempt(store, who, action, inputs)
        trail = store.audit()
    refused = trail[trail["outcome"] == "refused"]
    expected_refusals = sorted((r, a) for r, acts in MATRIX.items() for a, ok in acts.items()
                               if not ok)
    assert sorted(zip(refused["role"], refused["action"], strict=True)) == expected_refusals


def test_a_viewer_writes_nothing_on_sqlite_and_postgresql(url, inputs):
    viewer = Actor("vera@example.com", "viewer", "sign-in")
    with ScenarioStore(url) as store:
        with pytest.raises(AccessDeniedError, match=r"vera@example.com \(viewer\) may not save"):
            store.save("base", inputs, as_plan(), actor=viewer)
        assert store.list().empty
        store.save("base", inputs, as_plan(), actor=Actor("pia@example.com", "planner", "sign-in"))
        with pytest.raises(AccessDeniedError, match="may not submit"):
            store.set_status("base", "submitted", comment="sneaky", actor=viewer)
        with pytest.raises(AccessDeniedError, match="may not export"):
            store.record_export("base", actor=viewer)
        assert store.meta("base").status == "draft"
        assert store.history("base")["to_status"].tolist() == ["draft"]
        trail = store.audit("base")
    assert trail[["actor", "role", "action", "outcome"]].values.tolist() == [
        ["vera@example.com", "viewer", "save", "refused"],
        ["pia@example.com", "planner", "save", "done"],
        ["vera@example.com", "viewer", "submit", "refused"],
        ["vera@example.com", "viewer", "export", "refused"],
    ]


def test_the_author_is_the_signed_in_identity(tmp_path, inputs):
    pia = Actor("pia@example.com", "planner", "sign-in")
    fin = Actor("fred@example.com", "finance", "sign-in")
    with ScenarioStore(str(tmp_path / "s.db")) as store:
        with pytest.raises(AccessDeniedError, match="the author is the signed-in identity"):
            store.save("base", inputs, as_plan(), actor=pia, author="someone else")
        assert store.save("base", inputs, as_plan(), actor=pia, comment="v1").author == "pia@example.com"
        store.set_status("base", "submitted", comment="for Q1", actor=pia)
        store.set_status("base", "approved", comment="fits the budget", actor=fin)
        hist = store.history("base")
        trail = store.audit("base")
    assert hist["author"].tolist() == ["pia@example.com", "pia@example.com", "fred@example.com"]
    assert trail[["actor", "role", "via", "action", "version", "detail"]].values.tolist() == [
        ["pia@example.com", "planner", "sign-in", "save", 1, "v1"],
        ["pia@example.com", "planner", "sign-in", "submit", 1, "for Q1"],
        ["fred@example.com", "finance", "sign-in", "approve", 1, "fits the budget"],
    ]
    assert trail["at"].is_monotonic_increasing


def test_roles_of_users_and_groups_from_the_file(tmp_path):
    file = tmp_path / "roles.toml"
    file.write_text("""\ufeff
[users]
"Alice@Example.com" = "planner"

[groups]
"ts-planning" = "planner"
"finance" = "finance"

[sign_in]
groups_claim = "roles"
default_role = "none"
""", encoding="utf-8")
    policy = load_policy(file)
    assert policy.signed_in("alice@example.com").role == "planner"  # e-mail case ignored
    assert policy.signed_in("bob@example.com", {"roles": ["finance", "ts-planning"]}).role == "planner"
    assert policy.signed_in("carl@example.com", {"roles": "finance"}).role == "finance"
    assert policy.signed_in("dora@example.com", {"roles": ["other"]}) is None  # no access
    assert policy.signed_in("dora@example.com", {"groups": ["finance"]}) is None  # other claim


@pytest.mark.parametrize(("text", "match"), [
    ('[users]\n"a" = "admin"\n', r"users.a = 'admin', expected a role"),
    ('[local]\nidentity = "anyone"\n', r"local.identity = 'anyone'"),
    ('[locale]\nidentity = "os-user"\n', r"unknown section \[locale\]"),
    ('[sign_in]\ndefault = "viewer"\n', r"unknown key sign_in.default"),
    ("[users\n", "is not valid TOML"),
])
def test_a_bad_roles_file_is_refused_naming_the_key(tmp_path, text, match):
    file = tmp_path / "roles.toml"
    file.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError, match=match):
        load_policy(file)


def test_local_policy_records_the_os_user_when_asked(monkeypatch):
    monkeypatch.setattr(access_module, "who_am_i", lambda: "olga")
    trusting = policy_from_dict({"users": {"fin": "finance"}})
    assert trusting.local("fin") == Actor("fin", "finance", "cli")
    assert trusting.local() == Actor("olga", "owner", "cli")
    strict = policy_from_dict({"users": {"olga": "planner"},
                               "local": {"identity": "os-user", "default_role": "viewer"}})
    assert strict.local() == Actor("olga", "planner", "cli")
    with pytest.raises(AccessDeniedError, match="records the operating-system user 'olga'"):
        strict.local("fin")
    assert policy_from_dict({"local": {"default_role": "viewer"}}).local("x").role == "viewer"


def _v1_store(url: str, inputs) -> None:
    """A store as version 1 of the schema wrote it: one scenario saved and submitted."""
    saved = dict(store_schema.MIGRATIONS)
    try:
        store_schema.MIGRATIONS.pop(2)
        store_schema.SCHEMA_VERSION = 1
        engine = create_engine(url)
        with engine.begin() as conn:
            store_schema.migrate(conn)
        engine.dispose()
    finally:
        store_schema.MIGRATIONS.clear()
        store_schema.MIGRATIONS.update(saved)
        store_schema.SCHEMA_VERSION = max(saved)
    # rows as the version-1 program wrote them (no audit table yet)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO scenarios (name, version, created_at, author, status, comment, settings, "
            "inputs, plan) VALUES ('old', 1, '2026-01-05 09:00:00', 'ana', 'submitted', 'go', "
            "'{}', :i, :p)"), {"i": b"x", "p": b"x"})
        conn.execute(text(
            "INSERT INTO scenario_events (scenario_id, at, author, from_status, to_status, comment)"
            " VALUES (1, '2026-01-05 09:00:00', 'ana', NULL, 'draft', 'first'),"
            " (1, '2026-01-06 10:00:00', 'ben', 'draft', 'submitted', 'go')"))
    engine.dispose()


def test_a_version_1_store_gets_its_history_as_audit_trail(tmp_path, inputs):
    url = f"sqlite:///{tmp_path / 'v1.db'}"
    _v1_store(url, inputs)
    with ScenarioStore(url) as store:
        trail = store.audit("old")
        with store.engine.connect() as conn:
            assert conn.execute(text("SELECT version FROM headcount_schema")).scalar() == 2
        store.set_status("old", "approved", comment="ok", actor=Actor("fin", "finance"))
        after = store.audit("old")
    assert trail[["actor", "role", "via", "action", "outcome", "detail"]].values.tolist() == [
        ["ana", None, "migrated", "save", "done", "first"],
        ["ben", None, "migrated", "submit", "done", "go"],
    ]
    assert after["action"].tolist() == ["save", "submit", "approve"]


# -- the same rules through the command line ------------------------------------------------
@pytest.fixture
def cli_env(tmp_path, monkeypatch):
    """A store and a roles file whose local default role is set per test."""
    monkeypatch.setenv("HEADCOUNT_DB", str(tmp_path / "store.db"))
    roles = tmp_path / "roles.toml"
    monkeypatch.setenv("HEADCOUNT_ROLES", str(roles))

    def policy(default_role: str, users: str = "") -> None:
        roles.write_text(f"[users]\n{users}\n[local]\ndefault_role = \"{default_role}\"\n",
                         encoding="utf-8")

    return policy


def test_the_cli_refuses_a_viewer_before_planning(tiny, cli_env, capsys):
    cli_env("viewer")
    data = tiny(forecast__csv=FORECAST)
    assert main(["scenario", "save", str(data), "--name", "base"]) == 2
    err = capsys.readouterr().err
    assert "(viewer) may not save scenario base" in err and "Traceback" not in err
    with ScenarioStore() as store:
        assert store.list().empty


def test_the_cli_applies_roles_to_status_and_export(tiny, cli_env, tmp_path, capsys):
    cli_env("viewer", '"pia" = "planner"\n"fred" = "finance"')
    data = tiny(forecast__csv=FORECAST)
    assert main(["scenario", "save", str(data), "--name", "base", "--author", "pia"]) == 0
    assert main(["scenario", "status", "base", "submitted", "--comment", "go",
                 "--author", "pia"]) == 0
    assert main(["scenario", "status", "base", "approved", "--comment", "self-approve",
                 "--author", "pia"]) == 2
    assert "pia (planner) may not approve scenario base" in capsys.readouterr().err
    out = tmp_path / "base.xlsx"
    assert main(["scenario", "export", "base", "--out", str(out), "--author", "pia"]) == 2
    assert not out.exists()
    assert main(["scenario", "status", "base", "approved", "--comment", "ok",
                 "--author", "fred"]) == 0
    assert main(["scenario", "export", "base", "--out", str(out), "--author", "fred"]) == 0
    assert out.exists()
    capsys.readouterr()
    assert main(["scenario", "show", "base"]) == 0
    shown = capsys.readouterr().out.split("Audit trail of base")[1]
    with ScenarioStore() as store:
        trail = store.audit("base")
    assert trail[["actor", "role", "via", "action", "outcome"]].values.tolist() == [
        ["pia", "planner", "cli", "save", "done"], ["pia", "planner", "cli", "submit", "done"],
        ["pia", "planner", "cli", "approve", "refused"],
        ["pia", "planner", "cli", "export", "refused"],
        ["fred", "finance", "cli", "approve", "done"], ["fred", "finance", "cli", "export", "done"]]
    lines = shown.splitlines()[2:]
    assert len(lines) == 6
    for line, rec in zip(lines, trail.itertuples(), strict=True):  # what `show` prints
        assert f"{rec.at:%Y-%m-%d %H:%M:%S}" in line and rec.action in line and rec.outcome in line
        assert line.split()[2:4] == [rec.actor, rec.role]


def test_a_bad_roles_file_stops_the_cli_with_its_name(tiny, cli_env, tmp_path, capsys):
    (tmp_path / "roles.toml").write_text('[users]\n"x" = "boss"\n', encoding="utf-8")
    assert main(["scenario", "list"]) == 2
    err = capsys.readouterr().err
    assert "roles.toml: users.x = 'boss', expected a role" in err


def test_store_error_is_the_base_of_access_errors():
    assert issubclass(AccessDeniedError, StoreError) and issubclass(PolicyError, StoreError)
    assert AccessPolicy().local("x").role == "owner"  # no roles file: single-user local mode
