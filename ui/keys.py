"""Content keys for caching pipeline stages: equal inputs give equal keys, any change a new one.

Every table is hashed whole (``pd.util.hash_pandas_object`` over all rows, plus its columns
and dtypes), never sampled, so an edit in row 60,000 of ``volumes`` is a new key. A stage's
key leaves out only what it is known not to read, so changing shrinkage re-runs
requirements and the plan but not the forecast. The table digests and the forecasting
code's version are those of the disk cache (:mod:`planning.inputs.digest`,
:mod:`planning.forecast_cache`). No streamlit here.
"""

from __future__ import annotations

from planning.disk_cache import combine, frame_digest  # noqa: F401 (the pages' API)
from planning.forecast_cache import forecast_version
from planning.inputs.digest import InputsDigest, digest_inputs  # noqa: F401 (the pages' API)

#: What each stage does NOT read. Stages are keyed on every other table, so a table added to
#: the contract later is part of every key until it is listed here (safe, never stale).
NOT_FORECAST = ("markets", "queues", "market_queues", "intraday", "sites", "vendors",
                "vendor_surge", "requirements", "actual_queues", "actual_sites", "actual_vendors",
                "forecast_overrides")
FORECAST_SECTIONS = ("plan",)
NOT_REQUIREMENTS = ("sites", "vendors", "vendor_surge", "actual_sites", "actual_vendors")
REQUIREMENT_SECTIONS = ("plan", "workforce", "levers")


def forecast_key(d: InputsDigest) -> str:
    """Key of the forecast stage: history, events, series, horizon and the forecasting code."""
    return combine("forecast", d.all_but(NOT_FORECAST, FORECAST_SECTIONS), forecast_version())


def requirements_key(d: InputsDigest) -> str:
    """Key of the requirements stage: the forecast's key, forecast overrides, queue values,
    working-time settings and levers."""
    return combine("requirements", forecast_key(d), d.all_but(NOT_REQUIREMENTS, REQUIREMENT_SECTIONS))


def plan_key(d: InputsDigest, *, time_limit_s: float | None = None,
             mip_gap: float | None = None) -> str:
    """Key of the plan: every table (forecast overrides included) and every scenario section."""
    return combine("plan", requirements_key(d), d.full, time_limit_s, mip_gap)
