"""Shared test helpers: small input folders written from text, so each test reads like a file."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

TINY = {
    "markets.csv": """
        market,language,min_inhouse_share
        ID,id,0
        GB,en,0.3
    """,
    "queues.csv": """
        queue,kind,aht_minutes,tat_hours,sla_target,answer_seconds,patience_seconds,inhouse_only,automation_rate
        listing,deferrable,6,24,1,,,false,0.5
        live,realtime,3,,0.8,20,,false,0
    """,
    "sites.csv": """
        site,languages,headcount,cost_per_fte_month,max_headcount,lead_weeks,ramp
        Jakarta,id;en,10,1600,50,4,0;0.5
    """,
    "vendors.csv": """
        vendor,languages,price_per_fte_month,min_fte,max_fte,markets
        Manila,en,1900,0,20,GB
    """,
    "scenario.toml": """
        [plan]
        start = "2027-01-04"
        weeks = 2
    """,
}


def write_folder(folder: Path, files: dict[str, str]) -> Path:
    """Write each ``name: text`` (dedented) into ``folder``; a value of None deletes the file."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        path = folder / name
        if text is None:
            path.unlink(missing_ok=True)
        elif isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(textwrap.dedent(text).strip() + "\n", encoding="utf-8")
    return folder


def count_calls(monkeypatch: pytest.MonkeyPatch, owner: object, name: str) -> list[int]:
    """Replace ``owner.name`` by a wrapper that calls it and appends to the returned list:
    how tests see whether work was done again (a cache hit avoids it), never by timing."""
    calls: list[int] = []
    real = getattr(owner, name)

    def wrapped(*a, **kw):
        calls.append(1)
        return real(*a, **kw)

    monkeypatch.setattr(owner, name, wrapped)
    return calls


@pytest.fixture
def tiny(tmp_path: Path):
    """A function writing the tiny valid input set with some files replaced."""

    def make(**changes: str | bytes | None) -> Path:
        files = dict(TINY)
        files.update({k.replace("__", "."): v for k, v in changes.items()})
        return write_folder(tmp_path / "data", files)

    return make


@pytest.fixture(scope="session", autouse=True)
def _no_roles_file_of_the_user(tmp_path_factory):
    """Stores in tests follow the built-in access policy (every local user is owner), not a
    roles file in the developer's home; tests of roles write their own file."""
    import os

    empty = tmp_path_factory.mktemp("roles") / "roles.toml"
    empty.write_text("# built-in defaults\n", encoding="utf-8")
    old = os.environ.get("HEADCOUNT_ROLES")
    os.environ["HEADCOUNT_ROLES"] = str(empty)
    yield
    if old is None:
        os.environ.pop("HEADCOUNT_ROLES", None)
    else:
        os.environ["HEADCOUNT_ROLES"] = old


@pytest.fixture(scope="session", autouse=True)
def _isolated_caches(tmp_path_factory):
    """The forecast cache (CLI and app) lives under HEADCOUNT_CACHE: keep the suite's out of the user's home."""
    import os

    old = os.environ.get("HEADCOUNT_CACHE")
    os.environ["HEADCOUNT_CACHE"] = str(tmp_path_factory.mktemp("headcount-cache"))
    yield
    if old is None:
        os.environ.pop("HEADCOUNT_CACHE", None)
    else:
        os.environ["HEADCOUNT_CACHE"] = old
