"""The Scenarios and Inputs pages as finance and a planner use them, under AppTest in local
mode (no sign-in): authors are the names people give, status moves follow the workflow in
the app's words, settings differences read as words, solver settings sit behind Advanced."""

from __future__ import annotations

import getpass

from test_app import app, env, frame_with, ok, small  # noqa: F401  (fixtures)

from planning.store.store import ScenarioStore


def _moves(at) -> list[str]:
    radios = [r for r in at.radio if r.key == "status_value"]
    return radios[0].options if radios else []


def _scenarios():
    at = ok(app().run())  # the Plan page solves the small set
    return ok(at.switch_page("app_pages/scenarios.py").run())


def test_the_author_is_the_name_given_and_moves_follow_the_workflow(small):  # noqa: F811
    at = _scenarios()
    at.text_input(key="save_name").set_value("base")
    ok(at.button(key="save_submit").click().run())
    assert any("Give your name" in e.value for e in at.error)
    with ScenarioStore() as store:
        assert "base" not in store.names()  # nothing saved without an author

    at.text_input(key="hc_author").set_value("Dana Lee")
    at.text_input(key="save_name").set_value("base")
    ok(at.button(key="save_submit").click().run())
    with ScenarioStore() as store:
        meta = store.meta("base")
    assert meta.author == "Dana Lee" != getpass.getuser()  # never the server's OS user
    sidebar = " ".join(m.value for m in at.sidebar.markdown)
    assert "**base@1** · draft" in sidebar and "Dana Lee" in sidebar

    assert _moves(at) == ["Submit for approval"]
    ok(at.button(key="status_submit").click().run())  # no comment: refused, in words
    assert any("Add a comment" in e.value for e in at.error)
    assert not any("--comment" in e.value for e in at.error)
    at.text_input(key="status_comment").set_value("for the Q1 review")
    ok(at.button(key="status_submit").click().run())
    assert _moves(at) == ["Approve", "Reject"]
    assert "**base@1** · submitted" in " ".join(m.value for m in at.sidebar.markdown)
    at.radio(key="status_value").set_value("approved")
    at.text_input(key="status_comment").set_value("fits the budget")
    ok(at.button(key="status_submit").click().run())
    assert _moves(at) == []
    assert any("approved, and final" in m.value for m in at.markdown)
    history = frame_with(at, "from_status", "to_status", "author")
    assert history["to_status"].tolist() == ["draft", "submitted", "approved"]
    assert set(history["author"]) == {"Dana Lee"}

    # the Plan page says what changed against the approved version once the inputs differ
    at.switch_page("app_pages/inputs.py").run()
    at.number_input(key="a_shrinkage").set_value(33.0)  # not 35: test_app plans that one
    ok(at.button(key="a_apply").click().run())
    ok(at.switch_page("app_pages/plan.py").run())
    ok(at.button(key="plan_run").click().run())
    changed = [e for e in at.expander if e.label.startswith("What changed against")]
    assert len(changed) == 1
    said = [m.value for m in changed[0].markdown] + [c.value for c in changed[0].caption]
    assert any("Shrinkage: 30% -> 33%" in x for x in said)


def test_the_comparison_names_settings_in_words_and_keeps_saved_names(small):  # noqa: F811
    at = _scenarios()
    at.text_input(key="hc_author").set_value("Dana Lee")
    at.text_input(key="save_name").set_value("base")
    ok(at.button(key="save_submit").click().run())
    at.selectbox(key="load_ref").set_value("base@1")
    ok(at.button(key="load_submit").click().run())
    at.switch_page("app_pages/inputs.py").run()
    at.number_input(key="a_budget").set_value(17_000_000.0)
    ok(at.button(key="a_apply").click().run())
    ok(at.switch_page("app_pages/plan.py").run())
    ok(at.button(key="plan_run").click().run())
    ok(at.switch_page("app_pages/scenarios.py").run())
    assert at.multiselect(key="cmp_pick").value == ["base@1", "base@1 + changes"]
    text = " ".join(m.value for m in at.markdown)
    assert "Budget per quarter: none -> 17,000,000 USD" in text


def test_business_assumptions_first_solver_settings_behind_advanced(small):  # noqa: F811
    at = ok(app().run()).switch_page("app_pages/inputs.py").run()
    ok(at)
    advanced = [e for e in at.expander if e.label.startswith("Advanced")]
    assert len(advanced) == 1
    inside = {w.key for w in advanced[0].number_input} | {w.key for w in advanced[0].checkbox}
    assert inside == {"a_time_limit", "a_mip_gap", "a_integer"}
    assert at.number_input(key="a_shrinkage").value == 30.0  # a share shown as a percentage
    assert at.number_input(key="a_quantile").value == 50.0
    assert at.number_input(key="a_budget").label.startswith("Budget per quarter, USD")
    at.text_input(key="a_currency").set_value("EUR")
    ok(at.button(key="a_apply").click().run())
    assert at.session_state["hc_inputs"].scenario.plan.currency == "EUR"
    assert at.number_input(key="a_budget").label.startswith("Budget per quarter, EUR")
