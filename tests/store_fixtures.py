"""Fixtures of the scenario-store tests: small inputs and plans, and a real PostgreSQL server.

PostgreSQL: ``HEADCOUNT_TEST_PG_URL`` (a SQLAlchemy URL of a server the tests may create
databases on) when set; else a throw-away server started from Debian's postgresql binaries
(``/usr/lib/postgresql/*/bin``) in a temporary folder on a free loopback port; else the
PostgreSQL tests skip, saying why.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path
from typing import Any

import pytest

from planning.optimise import PlanResult

FORECAST = "market,queue,date,p50\n" + "\n".join(
    f"{m},listing,2027-01-{d:02d},{n}" for m, n in (("ID", 400), ("GB", 100)) for d in range(4, 18))

#: a hand-made plan.json for the tiny inputs (2 weeks of 2027Q1): Jakarta 10 then 12 heads
#: (2 starts in week 2), vendor Manila 5 FTE. Costs by the contract's formulas:
#: site-week = headcount x 1600 x 12/52 + starts x 0 (no hire_cost); vendor = 5 x 1900 x 12/52 x 2.
SITE_WEEK_1 = 10 * 1600 * 12 / 52
SITE_WEEK_2 = 12 * 1600 * 12 / 52
VENDOR_Q1 = 5 * 1900 * 12 / 52 * 2
PLAN = {
    "status": "optimal",
    "objective": SITE_WEEK_1 + SITE_WEEK_2 + VENDOR_Q1 + 1000.0 * 1.5,
    "total_cost": SITE_WEEK_1 + SITE_WEEK_2 + VENDOR_Q1,
    "shortfall_fte_weeks": 1.5,
    "sites": [
        {"site": "Jakarta", "week": "2027-01-04", "headcount": 10.0, "starts": 0.0,
         "productive_fte": 10.0, "cost": SITE_WEEK_1},
        {"site": "Jakarta", "week": "2027-01-11", "headcount": 12.0, "starts": 2.0,
         "productive_fte": 10.0, "cost": SITE_WEEK_2},
    ],
    "vendors": [{"vendor": "Manila", "quarter": "2027Q1", "fte": 5.0, "cost": VENDOR_Q1}],
    "allocation": [
        {"pool": "Jakarta", "market": "ID", "queue": "listing", "week": "2027-01-04", "fte": 10.0},
        {"pool": "Jakarta", "market": "ID", "queue": "listing", "week": "2027-01-11", "fte": 10.0},
        {"pool": "Manila", "market": "GB", "queue": "listing", "week": "2027-01-04", "fte": 5.0},
        {"pool": "Manila", "market": "GB", "queue": "listing", "week": "2027-01-11", "fte": 5.0},
    ],
    "shortfall": [
        {"market": "ID", "queue": "listing", "week": "2027-01-04", "fte": 0.5,
         "reason": "hiring lead time"},
        {"market": "ID", "queue": "listing", "week": "2027-01-11", "fte": 1.0,
         "reason": "hiring lead time"},
    ],
    "quarterly": [
        {"quarter": "2027Q1", "market": "GB", "required_fte": 5.0, "inhouse_fte": 0.0,
         "vendor_fte": 5.0, "shortfall_fte": 0.0},
        {"quarter": "2027Q1", "market": "ID", "required_fte": 10.75, "inhouse_fte": 10.0,
         "vendor_fte": 0.0, "shortfall_fte": 0.75},
    ],
    "shortfall_penalty": 1000.0,
}


def as_plan(doc: dict[str, Any] | None = None) -> PlanResult:
    """A plan.json object (by default :data:`PLAN`) as the plan type the library takes."""
    return PlanResult.from_json(PLAN if doc is None else doc)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


class LocalPostgres:
    """A PostgreSQL server in a temporary folder (run as user postgres when we are root)."""

    def __init__(self, bindir: Path) -> None:
        self.bindir, self.port = bindir, _free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="headcount-pg-"))
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self.data = self.dir / "data"

    def _run(self, *cmd: str) -> None:
        subprocess.run([*self.as_user, *cmd], check=True, capture_output=True, timeout=120)

    def start(self) -> str:
        self._run(str(self.bindir / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres",
                  "-E", "UTF8", "--no-locale")
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.dir / "log"),
                  "-w", "-t", "60", "-o",
                  f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off",
                  "start")
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def stop(self) -> None:
        if self.data.exists():
            subprocess.run([*self.as_user, str(self.bindir / "pg_ctl"), "-D", str(self.data),
                            "-m", "immediate", "stop"], capture_output=True, timeout=120)
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_server_url():
    """A PostgreSQL server URL (admin database), or skip with the reason."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip("psycopg is not installed (pip install -e '.[test]')")
    given = os.environ.get("HEADCOUNT_TEST_PG_URL")
    if given:
        yield given
        return
    bindir = _pg_bin()
    if bindir is None:
        pytest.skip("no PostgreSQL: set HEADCOUNT_TEST_PG_URL or apt-get install postgresql")
    server = None
    try:
        server = LocalPostgres(bindir)  # as root: needs the postgres user
        url = server.start()
    except (subprocess.SubprocessError, OSError, LookupError) as exc:
        if server is not None:
            server.stop()
        pytest.skip(f"could not start a local PostgreSQL from {bindir}: {exc}")
    yield url
    server.stop()


def fresh_pg_database(server_url: str) -> str:
    """Create an empty database on the server; returns its SQLAlchemy URL."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = "headcount_test_" + uuid.uuid4().hex[:12]
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)
