"""Content keys for caching pipeline stages: equal inputs give equal keys, any change a new one.

Every table is hashed whole (``pd.util.hash_pandas_object`` over all rows, plus its columns
and dtypes), never sampled, so an edit in row 60,000 of ``volumes`` is a new key. A stage's
key leaves out only what it is known not to read, so changing shrinkage re-runs
requirements and the plan but not the forecast. The table digests and the forecasting
code's version are those of the disk cache (:mod:`planning.forecast_cache`). No streamlit
here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from planning.forecast_cache import code_version, combine, frame_digest
from planning.inputs.schema import TABLES
from planning.inputs.tables import Inputs

#: What each stage does NOT read. Stages are keyed on every other table, so a table added to
#: the contract later is part of every key until it is listed here (safe, never stale).
NOT_FORECAST = ("markets", "queues", "market_queues", "intraday", "sites", "vendors",
                "vendor_surge", "requirements", "actual_queues", "actual_sites", "actual_vendors",
                "forecast_overrides")
FORECAST_SECTIONS = ("plan",)
NOT_REQUIREMENTS = ("sites", "vendors", "vendor_surge", "actual_sites", "actual_vendors")
REQUIREMENT_SECTIONS = ("plan", "workforce", "levers")


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


def forecast_key(d: InputsDigest) -> str:
    """Key of the forecast stage: history, events, series, horizon and the forecasting code."""
    return combine("forecast", d.all_but(NOT_FORECAST, FORECAST_SECTIONS), code_version())


def requirements_key(d: InputsDigest) -> str:
    """Key of the requirements stage: the forecast's key, forecast overrides, queue values,
    working-time settings and levers."""
    return combine("requirements", forecast_key(d), d.all_but(NOT_REQUIREMENTS, REQUIREMENT_SECTIONS))


def plan_key(d: InputsDigest, *, time_limit_s: float | None = None,
             mip_gap: float | None = None) -> str:
    """Key of the plan: every table (forecast overrides included) and every scenario section."""
    return combine("plan", requirements_key(d), d.full, time_limit_s, mip_gap)
