"""The scenario store: named, versioned plans with their full inputs, in a SQL database.

``ScenarioStore()`` opens the database named by ``HEADCOUNT_DB`` (a file path for SQLite, or
any SQLAlchemy URL such as ``postgresql+psycopg://user@host/db``), by default the SQLite file
``~/.headcount/scenarios.db``. The schema is created on first use and migrated by version
(:mod:`planning.store.schema`).

Saving a name that exists adds a version; nothing is ever overwritten. Every write is one
transaction: concurrent saves from several processes all land with distinct versions, and a
failure half-way leaves the store as it was. A saved scenario keeps the inputs exactly as
:func:`planning.inputs.writers.inputs_to_texts` writes them, so the plan can be re-solved later.
Status moves draft -> submitted -> approved or rejected, each move with a comment.

Every write names its :class:`~planning.store.access.Actor` and is checked against the
actor's role (:mod:`planning.store.access`) before anything is written: a planner saves and
submits, finance approves, rejects and exports, a viewer only reads. A caller that passes
no actor (the CLI) acts as ``author`` (default the OS user) under the roles file's
``[local]`` policy. Every save, status move and export, and every refused attempt, is kept
in the audit trail (:meth:`ScenarioStore.audit`).
"""

from __future__ import annotations

import json
import math
import os
import random
import sqlite3
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
from sqlalchemy import (
    Connection,
    Engine,
    create_engine,
    event,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError

from planning.inputs.tables import Inputs
from planning.inputs.writers import inputs_from_texts, inputs_to_texts, inputs_zip, table_to_csv
from planning.optimise.result import PlanResult, plan_json_text
from planning.store.access import (
    STATUS_ACTION,
    VIA_CLI,
    AccessDeniedError,
    AccessPolicy,
    Actor,
    load_policy,
)
from planning.store.errors import StoreError
from planning.store.schema import audit, events, migrate, scenarios
from planning.store.settings import package_versions

DEFAULT_DB = Path("~/.headcount/scenarios.db")
STATUSES = ("draft", "submitted", "approved", "rejected")
#: allowed status moves; approved and rejected are final (save a new version to rework)
TRANSITIONS: dict[str, tuple[str, ...]] = {"draft": ("submitted",),
                                           "submitted": ("approved", "rejected")}
_RETRIES = 60
T = TypeVar("T")


@dataclass(frozen=True)
class ScenarioMeta:
    """Who saved which version when, and where it stands.

    created_at: time of saving, UTC. status: draft, submitted, approved or rejected;
    comment: the comment of the latest status move (or of the save).
    """

    name: str
    version: int
    created_at: datetime
    author: str
    status: str
    comment: str | None = None

    @property
    def label(self) -> str:
        """``name@version``."""
        return f"{self.name}@{self.version}"


@dataclass(frozen=True)
class StoredScenario:
    """A saved scenario read back: its inputs (validated again), its plan and tables.

    settings: {"solver": solver settings used, "packages": package versions at saving}.
    requirements, forecast: the tables behind the plan when they were saved, else None.
    """

    meta: ScenarioMeta
    inputs: Inputs
    plan: PlanResult
    settings: dict[str, Any] = field(default_factory=dict)
    requirements: pd.DataFrame | None = None
    forecast: pd.DataFrame | None = None

    @property
    def label(self) -> str:
        return self.meta.label


def database_url(url: str | None = None) -> str:
    """The SQLAlchemy URL: ``url``, else ``HEADCOUNT_DB``, else the default SQLite file.

    A value without ``://`` is a file path for SQLite; its folder is created. A PostgreSQL
    URL without a driver (``postgresql://...``) uses psycopg 3, the driver of the
    ``postgres`` extra.
    """
    value = url or os.environ.get("HEADCOUNT_DB") or str(DEFAULT_DB)
    for bare in ("postgresql://", "postgres://"):
        if value.startswith(bare):
            return "postgresql+psycopg://" + value[len(bare):]
    if "://" in value:
        return value
    path = Path(value).expanduser().resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def parse_ref(ref: str) -> tuple[str, int | None]:
    """``"name@3"`` -> ("name", 3); ``"name"`` -> ("name", None) for the latest version."""
    name, sep, version = ref.rpartition("@")
    if not sep:
        return ref.strip(), None
    if not version.strip().isdigit():
        raise StoreError(f"{ref!r}: the version after @ must be a whole number, e.g. {name}@2")
    return name.strip(), int(version)


def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > 200 or "@" in name:
        raise StoreError(f"scenario name {name!r}: expected 1 to 200 characters without '@' "
                         "(name@2 means version 2 of name)")
    return name


def _json_safe(obj: Any) -> Any:
    """NaN and infinities (not JSON) become null, as in plan.json."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_json_safe(v) for v in obj]
    return obj


def _pack(obj: Any) -> bytes:
    text = json.dumps(_json_safe(obj), allow_nan=False, default=str)
    return zlib.compress(text.encode("utf-8"), 6)


def _unpack(blob: bytes | None) -> Any:
    return None if blob is None else json.loads(zlib.decompress(blob).decode("utf-8"))


def _frame_to_blob(frame: pd.DataFrame | None) -> bytes | None:
    if frame is None:
        return None

    return _pack(table_to_csv(frame))


def _frame_from_blob(blob: bytes | None) -> pd.DataFrame | None:
    text = _unpack(blob)
    if text is None:
        return None
    # only a blank cell is missing: a market called NA (Namibia) stays "NA"
    frame = pd.read_csv(StringIO(text), keep_default_na=False, na_values=[""])
    for col in ("week", "date"):
        if col in frame.columns:
            frame[col] = pd.to_datetime(frame[col])
    return frame


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _transient(exc: DBAPIError) -> bool:
    """A lock, a version race or a schema-creation race that a retry resolves."""
    if isinstance(exc, IntegrityError):
        return "version" in str(exc.orig).lower() or "unique" in str(exc.orig).lower()
    msg = str(getattr(exc, "orig", exc)).lower()
    return any(w in msg for w in ("locked", "busy", "deadlock", "serializ", "already exists"))


_FAULTS = {
    "readonly": "the database is read-only (check the file's and its folder's permissions)",
    "read-only": "the database is read-only (check the file's and its folder's permissions)",
    "disk is full": "the disk is full (or a file-size limit was reached): free some space",
    "disk i/o error": "the disk could not be written (disk I/O error; is it full or failing?)",
    "unable to open": "the database file cannot be opened or created (check the path and "
                      "permissions)",
    "no space": "the disk is full: free some space",
    "permission denied": "permission denied (check the file's and its folder's permissions)",
    "malformed": "the database file is damaged (restore it from a backup)",
    "not a database": "the file is not a scenario database",
}


def _missing_driver(url: str, exc: ImportError) -> str:
    from sqlalchemy.engine import make_url

    where = make_url(url).render_as_string(hide_password=True)
    module = exc.name or str(exc)
    if url.startswith("postgresql"):
        return (f"the scenario store {where} is a PostgreSQL database, but its driver "
                f"({module}) is not installed: install it with "
                f"pip install \"headcount-planner[postgres]\" (URLs postgresql+psycopg://...)")
    return (f"the scenario store {where} needs the database driver {module}, which is not "
            "installed")


def _storage_fault(exc: DBAPIError) -> bool:
    msg = str(getattr(exc, "orig", exc)).lower()
    return any(k in msg for k in _FAULTS)


def _storage_message(exc: DBAPIError, url: str) -> str:
    """Words for a storage fault: where the store is and what to do; nothing was saved."""
    msg = str(getattr(exc, "orig", exc)).lower()
    why = next(v for k, v in _FAULTS.items() if k in msg)
    where = url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else (
        make_url(url).render_as_string(hide_password=True))
    return (f"the scenario store {where} could not be written: {why}. Nothing was saved; "
            "the store is as it was.")


class ScenarioStore:
    """Saved scenarios in a SQL database (SQLite by default, PostgreSQL by URL)."""

    def __init__(self, url: str | None = None, *, policy: AccessPolicy | None = None) -> None:
        self.policy = policy if policy is not None else load_policy()
        try:
            self.url = database_url(url)
        except OSError as exc:
            raise StoreError(f"cannot create the folder of the scenario store {url!r}: "
                             f"{exc.strerror or exc}") from exc
        try:
            self.engine: Engine = _engine(self.url)
        except ImportError as exc:  # the database's driver is not installed
            raise StoreError(_missing_driver(self.url, exc)) from exc
        self._retry(self._migrate)

    # -- plumbing ---------------------------------------------------------------------------
    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()

    def __enter__(self) -> ScenarioStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _migrate(self) -> None:
        with self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":  # one migrating process at a time
                conn.execute(text("SELECT pg_advisory_xact_lock(7313380)"))
            migrate(conn)

    def _retry(self, work: Callable[[], T]) -> T:
        for attempt in range(_RETRIES):
            try:
                return work()
            except DBAPIError as exc:
                if _transient(exc) and attempt < _RETRIES - 1:
                    time.sleep(random.uniform(0.01, 0.05) * (1 + min(attempt, 10)))
                    continue
                if isinstance(exc, IntegrityError) or not _storage_fault(exc):
                    raise
                raise StoreError(_storage_message(exc, self.url)) from exc
        raise AssertionError("unreachable")

    @contextmanager
    def _transaction(self) -> Iterator[Connection]:
        with self.engine.begin() as conn:
            yield conn

    # -- access -----------------------------------------------------------------------------
    def actor(self, actor: Actor | None = None, author: str | None = None,
              via: str = VIA_CLI) -> Actor:
        """``actor`` when given (then ``author`` must be None or its name), else ``author``
        under the local policy (default the OS user)."""
        if actor is None:
            return self.policy.local(author, via)
        if author is not None and author.strip() and author.strip() != actor.name:
            raise AccessDeniedError(f"{actor.name} cannot record {author.strip()!r} as the author: "
                               "the author is the signed-in identity. Nothing was changed.")
        return actor

    def _allow(self, who: Actor, action: str, name: str | None, version: int | None) -> None:
        """Check the role; a refusal is kept in the audit trail (when the store can be
        written) and raised."""
        try:
            who.require(action, f"scenario {name}" if name else "")
        except AccessDeniedError as exc:
            self._log_refusal(who, action, name, version, str(exc))
            raise

    def _log_refusal(self, who: Actor, action: str, name: str | None, version: int | None,
                     why: str) -> None:
        try:
            with self._transaction() as conn:
                _insert_audit(conn, datetime.now(UTC), who, action, name, version, "refused",
                              why)
        except DBAPIError:  # a read-only or locked store: the refusal itself still stands
            pass

    # -- writing ----------------------------------------------------------------------------
    def save(self, name: str, inputs: Inputs, plan: PlanResult, *,
             author: str | None = None, actor: Actor | None = None, comment: str | None = None,
             requirements: pd.DataFrame | None = None, forecast: pd.DataFrame | None = None,
             solver: dict[str, Any] | None = None) -> ScenarioMeta:
        """Save a new version of ``name`` (version 1 when new) as a draft, authored by
        ``actor`` (see :meth:`actor`); the role must allow ``save``.

        solver: the solver settings actually used when they differ from the scenario's
        (e.g. a time limit given on the command line). The plan is kept as its plan.json.
        """
        name = _check_name(name)
        who = self.actor(actor, author)
        self._allow(who, "save", name, None)
        author = who.name
        plan_json = plan.to_json()
        settings = {"solver": {**inputs.scenario.to_dict()["solver"], **(solver or {})},
                    "packages": package_versions()}
        row = {
            "name": name, "author": author, "status": "draft", "comment": comment,
            "plan_status": plan_json.get("status"),
            "total_cost": _float(plan_json.get("total_cost")),
            "shortfall_fte_weeks": _float(plan_json.get("shortfall_fte_weeks")),
            "settings": json.dumps(settings, default=str),
            "inputs": _pack(inputs_to_texts(inputs)),
            "plan": _pack(plan_json),
            "requirements": _frame_to_blob(requirements),
            "forecast": _frame_to_blob(forecast),
        }

        def attempt() -> ScenarioMeta:
            now = datetime.now(UTC)
            with self._transaction() as conn:
                latest = conn.execute(select(func.max(scenarios.c.version))
                                      .where(scenarios.c.name == name)).scalar()
                version = int(latest or 0) + 1
                new_id = conn.execute(insert(scenarios).values(
                    **row, version=version, created_at=now)).inserted_primary_key[0]
                _insert_event(conn, new_id, now, author, None, "draft", comment)
                _insert_audit(conn, now, who, "save", name, version, "done", comment)
            return ScenarioMeta(name, version, now, author, "draft", comment)

        return self._retry(attempt)

    def set_status(self, name: str, status: str, *, comment: str, author: str | None = None,
                   actor: Actor | None = None, version: int | None = None) -> ScenarioMeta:
        """Move a version (the latest by default) to a new status, with a comment, as
        ``actor``: submitting needs the ``submit`` action, approving ``approve``, rejecting
        ``reject``."""
        if status not in STATUSES[1:]:
            raise StoreError(f"status {status!r}: expected one of submitted, approved, rejected")
        who = self.actor(actor, author)
        self._allow(who, STATUS_ACTION[status], name, version)
        if not (comment or "").strip():
            raise StoreError("a status change needs a comment (--comment \"...\")")
        author = who.name

        def attempt() -> ScenarioMeta:
            now = datetime.now(UTC)
            with self._transaction() as conn:
                row = _find(conn, name, version)
                allowed = TRANSITIONS.get(row.status, ())
                if status not in allowed:
                    nxt = (" (next: " + " or ".join(allowed) + ")") if allowed else (
                        f": {row.status} is final; save a new version to rework it")
                    raise StoreError(f"{row.name}@{row.version} is {row.status} and cannot move to "
                                     f"{status}{nxt}")
                conn.execute(update(scenarios).where(scenarios.c.id == row.id)
                             .values(status=status, comment=comment))
                _insert_event(conn, row.id, now, author, row.status, status, comment)
                _insert_audit(conn, now, who, STATUS_ACTION[status], row.name, row.version,
                              "done", comment)
                return ScenarioMeta(row.name, row.version, _utc(row.created_at), row.author,
                                    status, comment)

        return self._retry(attempt)

    def record_export(self, name: str, version: int | None = None, *,
                      actor: Actor | None = None, author: str | None = None,
                      what: str = "workbook") -> ScenarioMeta:
        """Check that ``actor`` may export the version (the latest by default) and keep the
        export in the audit trail; call before writing the file. Returns the version's meta."""
        who = self.actor(actor, author)
        self._allow(who, "export", name, version)

        def attempt() -> ScenarioMeta:
            with self._transaction() as conn:
                row = _find(conn, name, version)
                _insert_audit(conn, datetime.now(UTC), who, "export", row.name, row.version,
                              "done", what)
            return ScenarioMeta(row.name, row.version, _utc(row.created_at), row.author,
                                row.status, row.comment)

        return self._retry(attempt)

    # -- reading ----------------------------------------------------------------------------
    def audit(self, name: str | None = None) -> pd.DataFrame:
        """The audit trail, oldest first: at (UTC), actor, role, via, action, scenario,
        version, outcome (done or refused), detail; only ``name``'s rows when given."""
        cols = ["at", "actor", "role", "via", "action", "scenario", "version", "outcome",
                "detail"]
        query = select(*[audit.c[c] for c in cols]).order_by(audit.c.at, audit.c.id)
        if name is not None:
            query = query.where(audit.c.scenario == _check_name(name))
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        frame = pd.DataFrame([tuple(r) for r in rows], columns=cols)
        frame["at"] = pd.to_datetime([_utc(t) for t in frame["at"]], utc=True)
        return frame.astype({"version": "Int64"})

    def list(self) -> pd.DataFrame:
        """Every saved version: name, version, created_at (UTC), author, status, total_cost,
        shortfall_fte_weeks, plan_status, comment; ordered by name and version."""
        cols = ["name", "version", "created_at", "author", "status", "total_cost",
                "shortfall_fte_weeks", "plan_status", "comment"]
        with self.engine.connect() as conn:
            rows = conn.execute(select(*[scenarios.c[c] for c in cols])
                                .order_by(scenarios.c.name, scenarios.c.version)).all()
        frame = pd.DataFrame([tuple(r) for r in rows], columns=cols)
        frame["created_at"] = pd.to_datetime([_utc(t) for t in frame["created_at"]], utc=True)
        return frame.astype({"version": "int64", "total_cost": "float64",
                             "shortfall_fte_weeks": "float64"})

    def names(self) -> list[str]:
        """Names of the saved scenarios."""
        with self.engine.connect() as conn:
            return list(conn.execute(select(scenarios.c.name).distinct()
                                     .order_by(scenarios.c.name)).scalars())

    def meta(self, name: str, version: int | None = None) -> ScenarioMeta:
        """Who, when and status of one version (the latest by default)."""
        with self.engine.connect() as conn:
            row = _find(conn, name, version)
        return ScenarioMeta(row.name, row.version, _utc(row.created_at), row.author, row.status,
                            row.comment)

    def load(self, name: str, version: int | None = None) -> StoredScenario:
        """One version (the latest by default) with its inputs validated again."""

        with self.engine.connect() as conn:
            row = _find(conn, name, version, full=True)
        meta = ScenarioMeta(row.name, row.version, _utc(row.created_at), row.author, row.status,
                            row.comment)
        inputs = inputs_from_texts(_unpack(row.inputs), source=f"scenario {meta.label}")
        return StoredScenario(meta, inputs, PlanResult.from_json(_unpack(row.plan)),
                              json.loads(row.settings),
                              _frame_from_blob(row.requirements), _frame_from_blob(row.forecast))

    def history(self, name: str) -> pd.DataFrame:
        """Every save and status move of ``name``: version, at (UTC), author, from_status,
        to_status, comment; oldest first."""
        cols = ["version", "at", "author", "from_status", "to_status", "comment"]
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(scenarios.c.version, events.c.at, events.c.author, events.c.from_status,
                       events.c.to_status, events.c.comment)
                .join(scenarios, scenarios.c.id == events.c.scenario_id)
                .where(scenarios.c.name == _check_name(name))
                .order_by(events.c.at, events.c.id)).all()
        if not rows:
            raise StoreError(self._unknown(name))
        frame = pd.DataFrame([tuple(r) for r in rows], columns=cols)
        frame["at"] = pd.to_datetime([_utc(t) for t in frame["at"]], utc=True)
        return frame

    def _unknown(self, name: str) -> str:
        known = self.names()
        hint = ("; saved: " + ", ".join(known[:10])) if known else "; the store is empty"
        return f"no scenario named {name!r}{hint}"


def _insert_event(conn: Connection, scenario_id: int, at: datetime, author: str,
                  from_status: str | None, to_status: str, comment: str | None) -> None:
    conn.execute(insert(events).values(scenario_id=scenario_id, at=at, author=author,
                                       from_status=from_status, to_status=to_status,
                                       comment=comment))


def _insert_audit(conn: Connection, at: datetime, who: Actor, action: str, name: str | None,
                  version: int | None, outcome: str, detail: str | None) -> None:
    conn.execute(insert(audit).values(at=at, actor=who.name, role=who.role, via=who.via,
                                      action=action, scenario=name, version=version,
                                      outcome=outcome, detail=detail))


def _find(conn: Connection, name: str, version: int | None, *, full: bool = False) -> Any:
    name = _check_name(name)
    cols = list(scenarios.c) if full else [c for c in scenarios.c if c.name not in (
        "inputs", "plan", "requirements", "forecast")]
    query = select(*cols).where(scenarios.c.name == name)
    if version is None:
        query = query.order_by(scenarios.c.version.desc()).limit(1)
    else:
        query = query.where(scenarios.c.version == int(version))
    row = conn.execute(query).first()
    if row is None:
        versions = list(conn.execute(select(scenarios.c.version).where(scenarios.c.name == name)
                                     .order_by(scenarios.c.version)).scalars())
        if versions:
            raise StoreError(f"{name} has no version {version}; saved versions: "
                             + ", ".join(map(str, versions)))
        known = list(conn.execute(select(scenarios.c.name).distinct().order_by(scenarios.c.name)
                                  .limit(10)).scalars())
        hint = ("; saved: " + ", ".join(known)) if known else "; the store is empty"
        raise StoreError(f"no scenario named {name!r}{hint}")
    return row


def _float(x: Any) -> float | None:
    try:
        return None if x is None else float(x)
    except (TypeError, ValueError):
        return None


def _engine(url: str) -> Engine:
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    engine = create_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # SQLAlchemy's "begin" hook below issues BEGIN
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA busy_timeout = 30000")
        cur.execute("PRAGMA foreign_keys = ON")
        for _ in range(_RETRIES):
            try:
                cur.execute("PRAGMA journal_mode = WAL")
                break
            except sqlite3.OperationalError as exc:  # database is locked
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
                time.sleep(random.uniform(0.01, 0.1))
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")  # take the write lock first: no lost versions

    return engine


def scenario_bundle(inputs: Inputs, plan: PlanResult) -> bytes:
    """A scenario as one .zip: its inputs (contract CSVs + scenario.toml) and plan.json.

    What the app offers when the store refuses a save, so nothing is lost.
    """
    return inputs_zip(inputs, {"plan.json": plan_json_text(plan)})
