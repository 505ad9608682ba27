"""The engine interface and the local engine (this process, nothing extra installed)."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol, TypeVar

T = TypeVar("T")


class EngineError(ValueError):
    """An engine setting cannot be used (unknown name, extra not installed, bad address)."""


class Engine(Protocol):
    """Runs a pure function over independent items and returns the results in item order.

    ``shared`` keyword arguments are the same for every item (the plan's inputs, the
    forecast); a distributed engine sends them to the workers once, not once per item.
    """

    name: str
    #: worker processes the engine runs on (for reports and benchmarks)
    workers: int

    def map(self, fn: Callable[..., T], items: list[Any], **shared: Any) -> list[T]:
        """``[fn(item, **shared) for item in items]``, run where the engine runs work."""
        ...

    def imap(self, fn: Callable[..., T], items: Iterable[Any], *, window: int = 64,
             **shared: Any) -> Iterator[T]:
        """Results in item order, with at most ``window`` items in flight: items are read
        from ``items`` lazily and results handed on as they are ready, so memory holds a
        window of items, not all of them (long panels are streamed this way)."""
        ...

    def series_mapper(self) -> Callable[[Callable[[Any], T], list[Any]], list[T]] | None:
        """The map the forecaster uses for its per-series fits; None: its own processes."""
        ...

    def close(self) -> None:
        """Release what the engine started (a local cluster); an existing one stays up."""
        ...


class LocalEngine:
    """Everything in this process; the forecaster uses its own worker processes."""

    name = "local"
    workers = 1

    def map(self, fn: Callable[..., T], items: list[Any], **shared: Any) -> list[T]:
        return [fn(item, **shared) for item in items]

    def imap(self, fn: Callable[..., T], items: Iterable[Any], *, window: int = 64,
             **shared: Any) -> Iterator[T]:
        return (fn(item, **shared) for item in items)

    def series_mapper(self) -> None:
        return None

    def close(self) -> None:
        return None

    def __repr__(self) -> str:
        return "LocalEngine()"


def ordered_window(submit: Callable[[Any], Any], result: Callable[[Any], T],
                   items: Iterable[Any], window: int) -> Iterator[T]:
    """Submit items lazily with at most ``window`` pending, and yield their results in order.

    submit(item) -> a handle (a Dask future, a Ray object ref); result(handle) -> its value
    (blocking). The engine schedules the work; this only bounds how much is in flight.
    """
    if window < 1:
        raise ValueError(f"window must be >= 1, got {window}")
    pending: deque = deque()
    for item in items:
        pending.append(submit(item))
        if len(pending) >= window:
            yield result(pending.popleft())
    while pending:
        yield result(pending.popleft())
