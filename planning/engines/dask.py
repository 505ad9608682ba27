"""The Dask engine: ``dask.distributed`` futures on an existing or a local cluster.

Needs the ``dask`` extra (``pip install "headcount-planner[dask]"``); ``distributed`` is
imported only when the engine is opened.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from planning.engines.base import EngineError, ordered_window

T = TypeVar("T")


def _distributed() -> Any:
    try:
        import distributed  # the optional dask extra, imported when the engine is opened
    except ImportError:
        raise EngineError("the Dask engine needs the dask extra: "
                          'pip install "headcount-planner[dask]"') from None
    return distributed


class DaskEngine:
    """Maps work over a Dask cluster with ``Client.map`` / ``Client.submit``.

    client: a connected ``distributed.Client``; cluster: the LocalCluster started for this
    engine (closed with it), or None for an existing cluster (left running).
    """

    name = "dask"

    def __init__(self, client: Any, cluster: Any = None) -> None:
        self.client = client
        self.cluster = cluster
        self.workers = max(1, len(client.scheduler_info().get("workers", {})))

    @classmethod
    def connect(cls, address: str | None = None, *, workers: int | None = None,
                processes: bool = True) -> DaskEngine:
        """Connect to the scheduler at ``address`` (``tcp://host:8786``), or start a
        LocalCluster of ``workers`` single-threaded worker processes (default: the cores,
        at most 4) with no dashboard and a free port."""
        dd = _distributed()
        if address:
            try:
                return cls(dd.Client(address, timeout="20s"))
            except (OSError, TimeoutError) as exc:
                raise EngineError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
        n = workers or min(4, os.cpu_count() or 1)
        cluster = dd.LocalCluster(n_workers=n, threads_per_worker=1, processes=processes,
                                  dashboard_address=None, scheduler_port=0)
        return cls(dd.Client(cluster), cluster)

    def _shared(self, shared: dict[str, Any]) -> dict[str, Any]:
        # sent to the workers once; every task gets the same future
        return {k: self.client.scatter(v, hash=False) for k, v in shared.items()}

    def map(self, fn: Callable[..., T], items: list[Any], **shared: Any) -> list[T]:
        if not items:
            return []
        futures = self.client.map(fn, items, pure=False, **self._shared(shared))
        return self.client.gather(futures)

    def imap(self, fn: Callable[..., T], items: Iterable[Any], *, window: int = 64,
             **shared: Any) -> Iterator[T]:
        kw = self._shared(shared)
        return ordered_window(lambda item: self.client.submit(fn, item, pure=False, **kw),
                              lambda fut: fut.result(), items, window)

    def series_mapper(self) -> Callable[[Callable[[Any], T], list[Any]], list[T]]:
        return self.map

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()

    def __repr__(self) -> str:
        return f"DaskEngine({self.client.scheduler.address}, workers={self.workers})"
