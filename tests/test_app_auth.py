"""Sign-in and roles in the app under AppTest: ``at.secrets`` holds an ``[auth]`` section (so
the app is in sign-in mode) and ``at.user`` is who is signed in; the roles file maps them.

The expected matrix is the issue's, written out here by hand: a planner saves and submits,
finance approves, rejects and exports, a viewer only looks; someone the roles file gives no
role sees nothing but a sign-out button; without ``[auth]`` the app is in local mode.
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest
from test_app import APP, env, frame_with, ok, small  # noqa: F401  (fixtures)

from planning.store.access import Actor
from planning.store.store import ScenarioStore

AUTH = {"auth": {"redirect_uri": "http://127.0.0.1:8501/oauth2callback",
                 "cookie_secret": "not-a-real-secret-but-long-enough",
                 "client_id": "headcount", "client_secret": "not-a-real-secret",
                 "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}}
ROLES = """
[users]
"pia@example.com" = "planner"
"vera@example.com" = "viewer"

[groups]
"finance" = "finance"

[sign_in]
default_role = "none"
"""


@pytest.fixture
def roles(small, env, tmp_path):  # noqa: F811
    file = tmp_path / "roles.toml"
    file.write_text(ROLES, encoding="utf-8")
    env.setenv("HEADCOUNT_ROLES", str(file))
    env.setenv("HEADCOUNT_DB", str(tmp_path / "scenarios.db"))  # a store of this test's own
    yield file


def signed_in(user: dict | None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets = dict(AUTH)
    at.user = {"is_logged_in": False} if user is None else {"is_logged_in": True, **user}
    return at


def sidebar_text(at: AppTest) -> str:
    return " ".join(m.value for m in at.sidebar.markdown)


def test_nobody_signed_in_sees_only_the_sign_in_screen(roles):
    at = ok(signed_in(None).run())
    assert [b.label for b in at.button] == ["Sign in"]
    assert [t.value for t in at.title] == ["Headcount planner"]
    assert not at.metric and not at.dataframe  # no plan, no data


def test_a_user_without_a_role_sees_only_sign_out(roles):
    at = ok(signed_in({"email": "eve@example.com", "groups": ["other"]}).run())
    assert any("no role is given to you" in e.value for e in at.error)
    assert [b.label for b in at.button] == ["Sign out"]
    assert not at.metric


def _scenarios(at: AppTest) -> AppTest:
    ok(at.run())
    ok(at.switch_page("app_pages/plan.py").run())
    return ok(at.switch_page("app_pages/scenarios.py").run())


def _save_as_owner(name: str, inputs_folder, submitted: bool = False) -> None:
    from planning.inputs.loading import load_inputs
    from planning.pipeline import run_plan

    inputs = load_inputs(inputs_folder, stage="plan")
    with ScenarioStore() as store:
        store.save(name, inputs, run_plan(inputs).plan, actor=Actor("setup", "owner"))
        if submitted:
            store.set_status(name, "submitted", comment="ready", actor=Actor("setup", "owner"))


def _moves(at: AppTest) -> list[str]:
    radios = [r for r in at.radio if r.key == "status_value"]
    return radios[0].options if radios else []


# the next steps offered follow the version's status (draft -> submitted -> approved or
# rejected) and the role, in the app's words
@pytest.mark.parametrize(("user", "role", "can_save", "draft_moves", "submitted_moves", "exports"), [
    ({"email": "pia@example.com"}, "planner", True, ["Submit for approval"], [], False),
    ({"email": "fay@example.com", "groups": ["finance"]}, "finance", False, [],
     ["Approve", "Reject"], True),
    ({"email": "vera@example.com"}, "viewer", False, [], [], False),
])
def test_role_matrix_in_the_app(roles, small, user, role, can_save, draft_moves,  # noqa: F811
                                submitted_moves, exports):
    _save_as_owner("a-submitted", small, submitted=True)
    _save_as_owner("b-draft", small)
    at = _scenarios(signed_in(user))
    assert f"**{user['email']}** · {role}" in sidebar_text(at)
    assert bool(at.get("text_input") and [w for w in at.text_input if w.key == "save_name"]) \
        == can_save
    assert at.selectbox(key="status_ref").value == "b-draft@1"
    assert _moves(at) == draft_moves
    trail = frame_with(at, "actor", "role", "via", "action", "outcome")
    assert trail["actor"].tolist() == ["setup"] and trail["action"].tolist() == ["save"]
    ok(at.selectbox(key="status_ref").set_value("a-submitted@1").run())
    assert _moves(at) == submitted_moves
    ok(at.switch_page("app_pages/inputs.py").run())
    edits = {b.key for b in at.button} & {"upload_load", "a_apply", "load_sample"}
    assert bool(edits) == can_save  # planners load and edit inputs; finance and viewers look
    ok(at.switch_page("app_pages/export.py").run())
    has_download = any(b.key == "export_workbook" for b in at.get("download_button"))
    assert has_download == exports
    if not exports:
        assert any(f"({role}) may not export" in i.value for i in at.info)


def test_planner_saves_and_submits_as_the_signed_in_identity(roles, small):  # noqa: F811
    at = _scenarios(signed_in({"email": "pia@example.com", "name": "Pia"}))
    at.text_input(key="save_name").set_value("base")
    ok(at.button(key="save_submit").click().run())
    at.radio(key="status_value").set_value("submitted")
    at.text_input(key="status_comment").set_value("for the Q1 ask")
    ok(at.button(key="status_submit").click().run())

    fin = _scenarios(signed_in({"email": "fay@example.com", "groups": ["finance"]}))
    fin.radio(key="status_value").set_value("approved")
    fin.text_input(key="status_comment").set_value("fits the budget")
    ok(fin.button(key="status_submit").click().run())
    with ScenarioStore() as store:
        trail = store.audit("base")
        assert store.meta("base").status == "approved"
    assert trail[["actor", "role", "via", "action"]].values.tolist() == [
        ["pia@example.com", "planner", "sign-in", "save"],
        ["pia@example.com", "planner", "sign-in", "submit"],
        ["fay@example.com", "finance", "sign-in", "approve"]]


def test_without_auth_the_app_is_in_local_mode(small, env, tmp_path):  # noqa: F811
    file = tmp_path / "roles.toml"
    file.write_text('[local]\ndefault_role = "planner"\n', encoding="utf-8")
    env.setenv("HEADCOUNT_ROLES", str(file))
    at = AppTest.from_file(APP, default_timeout=60)
    ok(at.run())
    assert "Local mode (no sign-in configured)" in [c.value for c in at.sidebar.caption]
    assert "planner" in sidebar_text(at) and "single user" in sidebar_text(at)
    assert not [b for b in at.button if b.label == "Sign in"]


def test_the_example_files_are_complete():
    """The shipped examples parse: the secrets example has every key st.login needs, the
    roles example is a valid policy."""
    import tomllib

    from planning.store.access import load_policy

    root = __import__("pathlib").Path(APP).parent
    auth = tomllib.loads((root / ".streamlit" / "secrets.toml.example").read_text())["auth"]
    assert {"redirect_uri", "cookie_secret", "client_id", "client_secret",
            "server_metadata_url"} <= set(auth)
    assert auth["redirect_uri"].endswith("/oauth2callback")
    policy = load_policy(root / "docs" / "roles.example.toml")
    assert policy.signed_in("x@example.com", {"groups": ["finance"]}).role == "finance"
