"""Sign-in for real: an OpenID provider (``oidc-provider-mock``, a real OIDC server on a free
loopback port) and ``streamlit run app.py`` configured for it through a secrets file with an
``[auth]`` section; Playwright in Debian's chromium signs in through the provider's own
authorisation form as a planner (saves and submits a scenario) and as finance (approves it).
The store then holds both identities, their roles and how they came in.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from test_app import SMALL
from test_browser_app import CHROMIUM, FLAGS, goto_page, settle, shot, start_server

from planning.store.store import ScenarioStore

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(600)]

ROLES = """
[users]
"fay@example.com" = "finance"

[groups]
"ts-planning" = "planner"

[sign_in]
default_role = "viewer"
"""


@pytest.fixture(scope="module")
def oidc() -> Iterator[str]:
    """The provider's base URL; Pia is in the planners' group, Fay is named in the roles file."""
    import oidc_provider_mock

    users = [oidc_provider_mock.User(sub="pia", claims={"email": "pia@example.com", "name": "Pia",
                                                        "groups": ["ts-planning"]}),
             oidc_provider_mock.User(sub="fay", claims={"email": "fay@example.com", "name": "Fay"})]
    with oidc_provider_mock.run_server_in_thread(port=0, user_claims=users) as server:
        host, port = server.server_address[:2]
        assert host.startswith("127."), host  # loopback only
        yield f"http://127.0.0.1:{port}"


def _small_data(folder: Path) -> Path:
    import pandas as pd

    folder.mkdir(parents=True, exist_ok=True)
    for name, text in SMALL.items():
        (folder / name).write_text(text)
    days = pd.date_range("2027-01-04", periods=42).strftime("%Y-%m-%d")
    rows = [f"{m},{q},{d},{n}" for m, q, n in (("ID", "listing", 2000), ("GB", "live", 600))
            for d in days]
    (folder / "forecast.csv").write_text("market,queue,date,p50\n" + "\n".join(rows) + "\n")
    return folder


@pytest.fixture(scope="module")
def app(oidc, tmp_path_factory) -> Iterator[tuple[str, Path]]:
    """The app in sign-in mode on a small data set; yields its URL and its store's path."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make test` (it installs Debian's chromium)")
    tmp = tmp_path_factory.mktemp("auth-app")
    secrets = tmp / "secrets.toml"
    secrets.write_text(f"""[auth]
redirect_uri = "http://127.0.0.1:{{port}}/oauth2callback"
cookie_secret = "test-only-cookie-secret-0123456789abcdef"
client_id = "headcount-planner"
client_secret = "test-only-client-secret"
server_metadata_url = "{oidc}/.well-known/openid-configuration"
""", encoding="utf-8")
    roles = tmp / "roles.toml"
    roles.write_text(ROLES, encoding="utf-8")
    db = tmp / "scenarios.db"
    env = {"STREAMLIT_SECRETS_FILES": str(secrets), "HEADCOUNT_ROLES": str(roles),
           "HEADCOUNT_DB": str(db), "HEADCOUNT_DATA": str(_small_data(tmp / "data"))}
    with start_server(env) as url:
        yield url, db


@contextmanager
def browser() -> Iterator[object]:
    """A Playwright browser in Debian's chromium; each user gets a context of their own."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        try:
            yield b
        finally:
            b.close()


def sign_in(b, url: str, sub: str):
    """Open the app, press Sign in, authorise ``sub`` on the provider's form, come back."""
    page = b.new_context(viewport={"width": 1400, "height": 1400}).new_page()
    page.goto(url)
    settle(page, 60)
    assert page.locator("[data-testid='stSidebarNav']").count() == 0  # nothing before sign-in
    page.get_by_role("button", name="Sign in").click()
    page.get_by_placeholder("sub").wait_for(timeout=30_000)  # the provider's own page
    assert page.url.startswith("http://127.0.0.1:") and "/oauth2/authorize" in page.url
    page.get_by_placeholder("sub").fill(sub)
    page.get_by_role("button", name="Authorize").click()
    page.locator("[data-testid='stSidebarNav']").wait_for(timeout=60_000)
    settle(page, 120)
    return page


def test_planner_and_finance_sign_in_through_a_real_provider(app):
    url, db = app
    with browser() as b:
        pia = sign_in(b, url, "pia")
        sidebar = pia.locator("[data-testid='stSidebar']").inner_text()
        assert "pia@example.com" in sidebar and "planner" in sidebar
        goto_page(pia, "Plan")
        goto_page(pia, "Scenarios")
        pia.get_by_role("textbox", name="Name").fill("base")
        pia.get_by_role("button", name="Save scenario").click()
        settle(pia)
        pia.get_by_text("Saved base@1 as a draft.").wait_for()
        assert pia.get_by_text("approved", exact=True).count() == 0  # planners cannot approve
        pia.get_by_role("textbox", name="Comment (required)").fill("for the Q1 ask")
        pia.get_by_role("button", name="Change status").click()
        settle(pia)
        pia.get_by_text("base@1 is now submitted.").wait_for()
        shot(pia, "auth-01-planner.png")
        goto_page(pia, "Export")
        pia.get_by_text("(planner) may not export").wait_for()

        fay = sign_in(b, url, "fay")
        sidebar = fay.locator("[data-testid='stSidebar']").inner_text()
        assert "fay@example.com" in sidebar and "finance" in sidebar
        goto_page(fay, "Scenarios")
        assert fay.get_by_role("button", name="Save scenario").count() == 0
        fay.get_by_text("Approve", exact=True).click()
        fay.get_by_role("textbox", name="Comment (required)").fill("fits the budget")
        fay.get_by_role("button", name="Change status").click()
        settle(fay)
        fay.get_by_text("base@1 is now approved.").wait_for()
        shot(fay, "auth-02-finance.png")

    with ScenarioStore(str(db)) as store:
        trail = store.audit("base")
        assert store.meta("base").author == "pia@example.com"
    assert trail[["actor", "role", "via", "action", "outcome"]].values.tolist() == [
        ["pia@example.com", "planner", "sign-in", "save", "done"],
        ["pia@example.com", "planner", "sign-in", "submit", "done"],
        ["fay@example.com", "finance", "sign-in", "approve", "done"]]
