"""The scenario store: versioned scenarios with their inputs, plan and status, in SQL.

``store`` is the API (SQLite by default, PostgreSQL by URL, through SQLAlchemy); ``schema`` the
tables and migrations; ``settings`` applies `--set section.key=value` overrides and records versions.
"""

from planning.store.store import ScenarioMeta, ScenarioStore, StoreError, database_url, parse_ref

__all__ = ["ScenarioMeta", "ScenarioStore", "StoreError", "database_url", "parse_ref"]
