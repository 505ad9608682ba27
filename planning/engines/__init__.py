"""Where independent pieces of work run: in this process, on Dask or on Ray.

The pipeline has three kinds of work that are independent per item and are mapped through
an engine: the forecast's per-series backtest and fit, the SLA risk simulation's paths per
(market, queue), and the cost-vs-risk frontier's re-plans per quantile. Each is a pure
module-level function; an engine only decides where it runs. The answer does not depend on
the engine: every item carries its own inputs and its own random seed.

- ``local`` (default, nothing extra to install): the forecast fits in the forecaster's own
  worker processes (:mod:`forecasts`), everything else in this process.
- ``dask``: ``dask.distributed`` futures (``Client.map``) on an existing cluster
  (``--cluster tcp://scheduler:8786``) or on a ``LocalCluster`` started for the run.
- ``ray``: ``ray.remote`` tasks on an existing cluster (``--cluster ray://head:10001``) or
  on a local Ray instance started for the run.

Code asks for the engine in force with :func:`current_engine`; a front end sets one for a
block with :func:`use_engine` (the CLI from ``--engine``/``--cluster`` or
``HEADCOUNT_ENGINE``/``HEADCOUNT_CLUSTER``). Workers of an existing cluster must have the
same version of headcount-planner installed (the functions are sent by reference).
"""

from __future__ import annotations

import contextlib
import contextvars
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from planning.engines.base import Engine, EngineError, LocalEngine, ordered_window
from planning.engines.dask import DaskEngine
from planning.engines.ray import RayEngine

__all__ = [
    "ENGINES",
    "DaskEngine",
    "Engine",
    "EngineError",
    "LocalEngine",
    "RayEngine",
    "current_engine",
    "engine_settings",
    "map_items",
    "open_engine",
    "ordered_window",
    "use_engine",
]

#: engine names accepted by ``--engine`` and ``HEADCOUNT_ENGINE``
ENGINES = ("local", "dask", "ray")

_CURRENT: contextvars.ContextVar[Engine | None] = contextvars.ContextVar("engine", default=None)


def current_engine() -> Engine:
    """The engine set by the innermost :func:`use_engine` block, else the local engine."""
    engine = _CURRENT.get()
    return engine if engine is not None else LocalEngine()


@contextlib.contextmanager
def use_engine(engine: Engine) -> Iterator[Engine]:
    """Run a block with ``engine`` as :func:`current_engine`."""
    token = _CURRENT.set(engine)
    try:
        yield engine
    finally:
        _CURRENT.reset(token)


def engine_settings(name: str | None = None, cluster: str | None = None,
                    env: Mapping[str, str] | None = None) -> tuple[str, str | None]:
    """The engine name and cluster address in force: arguments, else ``HEADCOUNT_ENGINE`` /
    ``HEADCOUNT_CLUSTER``, else ``local``. Raises EngineError on a name or address that
    cannot work (a ``ray://`` address for Dask, a cluster for the local engine)."""
    env = os.environ if env is None else env
    name = (name or env.get("HEADCOUNT_ENGINE") or "local").strip().lower()
    cluster = cluster or env.get("HEADCOUNT_CLUSTER") or None
    if name not in ENGINES:
        raise EngineError(f"engine {name!r} is unknown: choose one of {', '.join(ENGINES)} "
                          "(--engine or HEADCOUNT_ENGINE)")
    if cluster is not None:
        cluster = cluster.strip()
        if name == "local":
            raise EngineError(f"--cluster {cluster} needs --engine dask or --engine ray")
        if name == "dask" and cluster.startswith("ray://"):
            raise EngineError(f"--cluster {cluster} is a Ray address: use --engine ray")
        if name == "ray" and not (cluster.startswith("ray://") or cluster == "auto"
                                  or ":" in cluster):
            raise EngineError(f"--cluster {cluster}: a Ray address looks like ray://head:10001")
    return name, cluster


@contextlib.contextmanager
def open_engine(name: str | None = None, cluster: str | None = None, *,
                workers: int | None = None) -> Iterator[Engine]:
    """Connect to (or start) the engine, make it current for the block, and close it after.

    name, cluster: as :func:`engine_settings`. workers: processes of a cluster started here
    (default: the machine's cores, at most 4); ignored for an existing cluster.
    """
    name, cluster = engine_settings(name, cluster)
    engine: Engine
    if name == "local":
        engine = LocalEngine()
    elif name == "dask":
        engine = DaskEngine.connect(cluster, workers=workers)
    else:
        engine = RayEngine.connect(cluster, workers=workers)
    try:
        with use_engine(engine):
            yield engine
    finally:
        engine.close()


def map_items(fn: Callable[..., Any], items: Iterable[Any], **shared: Any) -> list[Any]:
    """``[fn(item, **shared) for item in items]`` on the current engine, in order."""
    return current_engine().map(fn, list(items), **shared)
