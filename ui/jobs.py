"""Pipeline stages run in a background thread with a shared, content-keyed cache.

The page script starts a stage with :meth:`Jobs.submit` and polls the returned future so it
can show a progress bar and the elapsed time while the solver or the forecaster works. The
cache is process-wide (all sessions share it) and least-recently-used: results are keyed
by :mod:`ui.keys`, so a hit is always for identical inputs. A run already under way for a
key is joined, never started twice. Forecasts are also kept on disk, by the forecast stage
itself (:mod:`planning.forecast_cache`, shared with the CLI), so a restart does not
re-forecast the sample. Cached results are shared: callers must not modify them. No
streamlit here.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Done:
    """A stage's result (or the exception it raised) and the wall-clock seconds it took.
    Failures are cached too, so a bad input is not re-run on every page switch."""

    value: Any
    seconds: float
    error: BaseException | None = None


class Jobs:
    """A keyed cache of stage results, least-recently-used first out, at most ``max_entries``
    per stage; runs in the background, at most ``workers`` at once."""

    def __init__(self, max_entries: int = 16, workers: int = 2) -> None:
        self.max_entries = max_entries
        self._done: OrderedDict[tuple[str, str], Done] = OrderedDict()
        self._running: dict[tuple[str, str], Future] = {}
        self._started: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="stage")

    def get(self, stage: str, key: str) -> Done | None:
        """The cached result, or None."""
        with self._lock:
            hit = self._done.get((stage, key))
            if hit is not None:
                self._done.move_to_end((stage, key))
            return hit

    def started_at(self, stage: str, key: str) -> float | None:
        """``time.monotonic()`` when a running job started, or None."""
        with self._lock:
            return self._started.get((stage, key))

    def submit(self, stage: str, key: str, fn: Callable[[], Any]) -> Future:
        """A future of :class:`Done`: finished at once on a cache hit, else a (joined) run."""
        k = (stage, key)
        with self._lock:
            if k in self._done:
                self._done.move_to_end(k)
                fut: Future = Future()
                fut.set_result(self._done[k])
                return fut
            if k in self._running:
                return self._running[k]
            fut = self._pool.submit(self._run, k, fn)
            self._running[k] = fut
            self._started[k] = time.monotonic()
            return fut

    def _run(self, k: tuple[str, str], fn: Callable[[], Any]) -> Done:
        try:
            t0 = time.perf_counter()
            try:
                done = Done(fn(), time.perf_counter() - t0)
            except Exception as exc:
                done = Done(None, time.perf_counter() - t0, error=exc)
            with self._lock:
                self._done[k] = done
                self._done.move_to_end(k)
                same = [key for key in self._done if key[0] == k[0]]
                for key in same[:max(0, len(same) - self.max_entries)]:
                    del self._done[key]
            return done
        finally:
            with self._lock:
                self._running.pop(k, None)
                self._started.pop(k, None)

    def forget(self, stage: str, key: str) -> None:
        """Drop one cached result (e.g. a failure the user wants to retry)."""
        with self._lock:
            self._done.pop((stage, key), None)

    def clear(self) -> None:
        """Forget every cached result (running jobs finish and are cached)."""
        with self._lock:
            self._done.clear()


#: the process-wide instance the app uses
JOBS = Jobs()
