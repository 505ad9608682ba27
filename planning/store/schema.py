"""The scenario store's tables and their migrations (a version table, no Alembic).

Schema version 1:

- ``headcount_schema``: one row, the schema version the database is at;
- ``scenarios``: one row per saved version of a named scenario, unique on (name, version);
  the full inputs, the plan, the requirements and forecast are zlib-compressed JSON/CSV;
- ``scenario_events``: the status history (saved as draft, submitted, approved, rejected)
  with who, when and the comment.

Version 2 adds ``audit_log``: who (identity, role, how they reached the store) did what
(save, submit, approve, reject, export), to which version, when, and whether it was done or
refused. Migrating a version-1 store copies its status history into it (role unknown,
``via`` = ``migrated``).

A newer program adds migration functions to :data:`MIGRATIONS`; an older program refuses
a database whose schema is newer than it knows.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    insert,
    select,
    update,
)

metadata = MetaData()

schema_info = Table(
    "headcount_schema", metadata,
    Column("id", Integer, primary_key=True),
    Column("version", Integer, nullable=False),
)

scenarios = Table(
    "scenarios", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("author", String(200), nullable=False),
    Column("status", String(20), nullable=False),
    Column("comment", Text, nullable=True),
    Column("plan_status", String(20), nullable=True),
    Column("total_cost", Float, nullable=True),
    Column("shortfall_fte_weeks", Float, nullable=True),
    Column("settings", Text, nullable=False),          # JSON: solver settings, package versions
    Column("inputs", LargeBinary, nullable=False),     # zlib JSON {"<table>.csv": text, ...}
    Column("plan", LargeBinary, nullable=False),       # zlib plan.json
    Column("requirements", LargeBinary, nullable=True),  # zlib CSV
    Column("forecast", LargeBinary, nullable=True),      # zlib CSV
    UniqueConstraint("name", "version", name="uq_scenarios_name_version"),
)

events = Table(
    "scenario_events", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("scenario_id", Integer, ForeignKey("scenarios.id"), nullable=False, index=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("author", String(200), nullable=False),
    Column("from_status", String(20), nullable=True),
    Column("to_status", String(20), nullable=False),
    Column("comment", Text, nullable=True),
)


audit = Table(
    "audit_log", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("role", String(20), nullable=True),           # None: recorded before roles existed
    Column("via", String(40), nullable=True),            # sign-in, cli, app (local mode), migrated
    Column("action", String(20), nullable=False),        # save, submit, approve, reject, export
    Column("scenario", String(200), nullable=True, index=True),
    Column("version", Integer, nullable=True),
    Column("outcome", String(10), nullable=False),       # done or refused
    Column("detail", Text, nullable=True),
)

#: the audit action of each status a history row moved to
EVENT_ACTION = {"draft": "save", "submitted": "submit", "approved": "approve",
                "rejected": "reject"}


def _v1(conn: Connection) -> None:
    metadata.create_all(conn, tables=[scenarios, events])


def _v2(conn: Connection) -> None:
    """The audit trail, seeded with the status history already in the store."""
    metadata.create_all(conn, tables=[audit])
    rows = conn.execute(
        select(events.c.at, events.c.author, events.c.to_status, events.c.comment,
               scenarios.c.name, scenarios.c.version)
        .join(scenarios, scenarios.c.id == events.c.scenario_id)
        .order_by(events.c.at, events.c.id)).all()
    if rows:
        conn.execute(insert(audit), [
            {"at": r.at, "actor": r.author, "role": None, "via": "migrated",
             "action": EVENT_ACTION.get(r.to_status, r.to_status), "scenario": r.name,
             "version": r.version, "outcome": "done", "detail": r.comment} for r in rows])


#: migration to version k (k = 1, 2, ...), run in order inside one transaction
MIGRATIONS: dict[int, Callable[[Connection], None]] = {1: _v1, 2: _v2}
SCHEMA_VERSION = max(MIGRATIONS)


class SchemaTooNewError(RuntimeError):
    """The database was written by a newer headcount-planner."""


def current_version(conn: Connection) -> int:
    """The schema version recorded in the database (0 when the store is new)."""
    metadata.create_all(conn, tables=[schema_info])
    row = conn.execute(select(schema_info.c.version).where(schema_info.c.id == 1)).first()
    return 0 if row is None else int(row[0])


def migrate(conn: Connection) -> int:
    """Bring the schema up to :data:`SCHEMA_VERSION` inside the caller's transaction."""
    have = current_version(conn)
    if have > SCHEMA_VERSION:
        raise SchemaTooNewError(
            f"the scenario store has schema version {have}, but this headcount-planner knows "
            f"versions up to {SCHEMA_VERSION}: upgrade headcount-planner to open it")
    for version in range(have + 1, SCHEMA_VERSION + 1):
        MIGRATIONS[version](conn)
    if have == 0:
        conn.execute(insert(schema_info).values(id=1, version=SCHEMA_VERSION))
    elif have < SCHEMA_VERSION:
        conn.execute(update(schema_info).where(schema_info.c.id == 1).values(version=SCHEMA_VERSION))
    return SCHEMA_VERSION
