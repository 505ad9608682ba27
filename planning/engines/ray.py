"""The Ray engine: ``ray.remote`` tasks on an existing cluster or a local Ray instance.

Needs the ``ray`` extra (``pip install "headcount-planner[ray]"``); ``ray`` is imported only
when the engine is opened.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from planning.engines.base import EngineError, ordered_window

T = TypeVar("T")


def _ray() -> Any:
    try:
        import ray  # the optional ray extra, imported when the engine is opened
    except ImportError:
        raise EngineError("the Ray engine needs the ray extra: "
                          'pip install "headcount-planner[ray]"') from None
    return ray


class RayEngine:
    """Maps work over Ray: one remote task per item, shared arguments put once.

    started: True when this engine started the local Ray instance (shut down with it).
    """

    name = "ray"

    def __init__(self, started: bool) -> None:
        self.ray = ray = _ray()
        self.started = started
        self.workers = max(1, int(ray.cluster_resources().get("CPU", 1)))

    @classmethod
    def connect(cls, address: str | None = None, *, workers: int | None = None) -> RayEngine:
        """Connect to ``address`` (``ray://head:10001``, or ``auto``), or start a local Ray
        instance with ``workers`` CPUs (default: the cores, at most 4) and no dashboard.
        An already initialised Ray in this process is used as it is."""
        ray = _ray()
        if ray.is_initialized():
            return cls(started=False)
        env = {"env_vars": {"PYTHONPATH": os.environ["PYTHONPATH"]}} \
            if os.environ.get("PYTHONPATH") else None
        try:
            if address:
                ray.init(address=address, runtime_env=env, log_to_driver=False)
            else:
                ray.init(num_cpus=workers or min(4, os.cpu_count() or 1),
                         include_dashboard=False, runtime_env=env, log_to_driver=False)
        except (ConnectionError, TimeoutError, RuntimeError) as exc:
            raise EngineError(f"cannot start or reach Ray at {address or 'local'}: {exc}") from None
        return cls(started=True)

    def map(self, fn: Callable[..., T], items: list[Any], **shared: Any) -> list[T]:
        if not items:
            return []
        ray = self.ray
        remote = ray.remote(fn)
        kw = {k: ray.put(v) for k, v in shared.items()}
        return ray.get([remote.remote(item, **kw) for item in items])

    def imap(self, fn: Callable[..., T], items: Iterable[Any], *, window: int = 64,
             **shared: Any) -> Iterator[T]:
        ray = self.ray
        remote = ray.remote(fn)
        kw = {k: ray.put(v) for k, v in shared.items()}
        return ordered_window(lambda item: remote.remote(item, **kw), ray.get, items, window)

    def series_mapper(self) -> Callable[[Callable[[Any], T], list[Any]], list[T]]:
        return self.map

    def close(self) -> None:
        if self.started and self.ray.is_initialized():
            self.ray.shutdown()

    def __repr__(self) -> str:
        return f"RayEngine(workers={self.workers})"
