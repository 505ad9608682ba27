"""Content keys for caching pipeline stages: equal inputs give equal keys, any change a new one.

Every table is hashed whole (``pd.util.hash_pandas_object`` over all rows, plus its columns
and dtypes), never sampled, so an edit in row 60,000 of ``volumes`` is a new key. A stage's
key leaves out only what it is known not to read, so changing shrinkage re-runs
requirements and the plan but not the forecast. No streamlit here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from planning.inputs.schema import TABLES
from planning.inputs.tables import Inputs

#: What each stage does NOT read. Stages are keyed on every other table, so a table added to
#: the contract later is part of every key until it is listed here (safe, never stale).
NOT_FORECAST = ("markets", "queues", "market_queues", "intraday", "sites", "vendors",
                "vendor_surge", "requirements", "actual_queues", "actual_sites", "actual_vendors")
FORECAST_SECTIONS = ("plan",)
NOT_REQUIREMENTS = ("sites", "vendors", "vendor_surge", "actual_sites", "actual_vendors")
REQUIREMENT_SECTIONS = ("plan", "workforce", "levers")

_ROOT = Path(__file__).resolve().parent.parent
#: source files whose code decides the forecast (part of the forecast's disk-cache key)
FORECAST_CODE = ("forecasts", "planning/forecast_stage.py", "planning/pipeline.py",
                 "planning/periods.py")


def _hasher() -> hashlib._Hash:
    return hashlib.blake2b(digest_size=16)


def frame_digest(frame: pd.DataFrame | None) -> str:
    """Hex digest of a whole table: column names, dtypes and every cell (index included)."""
    if frame is None:
        return "none"
    h = _hasher()
    h.update(repr([str(c) for c in frame.columns]).encode())
    h.update(repr([str(t) for t in frame.dtypes]).encode())
    h.update(str(len(frame)).encode())
    if len(frame.columns):
        h.update(pd.util.hash_pandas_object(frame, index=True).values.tobytes())
    return h.hexdigest()


def combine(*parts: object) -> str:
    """One digest of several parts (strings, numbers, tuples; hashed through ``repr``)."""
    h = _hasher()
    for part in parts:
        h.update(repr(part).encode())
        h.update(b"\x00")
    return h.hexdigest()


@dataclass(frozen=True)
class InputsDigest:
    """Digests of every table and scenario section of one :class:`Inputs`."""

    tables: tuple[tuple[str, str], ...]
    sections: tuple[tuple[str, str], ...]

    def part(self, tables: Iterable[str], sections: Iterable[str]) -> str:
        t, s = dict(self.tables), dict(self.sections)
        return combine(tuple((n, t[n]) for n in tables), tuple((n, s[n]) for n in sections))

    def all_but(self, excluded: Iterable[str], sections: Iterable[str]) -> str:
        """Key of every table not in ``excluded``, and the given scenario sections."""
        skip = set(excluded)
        return self.part([n for n, _ in self.tables if n not in skip], sections)

    @property
    def full(self) -> str:
        """Key of the whole inputs."""
        return combine(self.tables, self.sections)


def digest_inputs(inputs: Inputs) -> InputsDigest:
    """Hash every table of the inputs whole, and each scenario section."""
    tables = tuple((name, frame_digest(inputs.table(name))) for name in TABLES)
    sections = tuple((name, combine(sorted(values.items())))
                     for name, values in inputs.scenario.to_dict().items())
    return InputsDigest(tables, sections)


_CODE_VERSION: str | None = None


def code_version(paths: Iterable[str] = FORECAST_CODE, root: Path = _ROOT) -> str:
    """Digest of the source of the forecasting code (files, or every .py under folders)."""
    h = _hasher()
    for rel in paths:
        p = root / rel
        files = sorted(p.rglob("*.py")) if p.is_dir() else [p]
        for f in files:
            if f.exists():
                h.update(str(f.relative_to(root)).encode())
                h.update(f.read_bytes())
    return h.hexdigest()


def forecast_code_version() -> str:
    """:func:`code_version` of the forecasting code, computed once per process."""
    global _CODE_VERSION
    if _CODE_VERSION is None:
        _CODE_VERSION = code_version()
    return _CODE_VERSION


def forecast_key(d: InputsDigest) -> str:
    """Key of the forecast stage: history, events, series, horizon and the forecasting code."""
    return combine("forecast", d.all_but(NOT_FORECAST, FORECAST_SECTIONS), forecast_code_version())


def requirements_key(d: InputsDigest, overrides: tuple = ()) -> str:
    """Key of the requirements stage: the forecast's key, manual overrides, queue values,
    working-time settings and levers."""
    return combine("requirements", forecast_key(d), overrides,
                   d.all_but(NOT_REQUIREMENTS, REQUIREMENT_SECTIONS))


def plan_key(d: InputsDigest, overrides: tuple = (), *, time_limit_s: float | None = None,
             mip_gap: float | None = None) -> str:
    """Key of the plan: every table, every scenario section, and the overrides."""
    return combine("plan", requirements_key(d, overrides), d.full, time_limit_s, mip_gap)
