"""Pipeline stages run in a background thread with a shared, content-keyed cache.

The page script starts a stage with :meth:`Jobs.submit` and polls the returned future so it
can show a progress bar and the elapsed time while the solver or the forecaster works. The
cache is process-wide (all sessions share it) and least-recently-used: results are keyed
by :mod:`ui.keys`, so a hit is always for identical inputs. A run already under way for a
key is joined, never started twice. Forecasts can also be kept on disk (``persist``), keyed
on the input content and the forecasting code, so a restart does not re-forecast the sample.
Cached results are shared: callers must not modify them. No streamlit here.
"""

from __future__ import annotations

import os
import pickle
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Done:
    """A stage's result (or the exception it raised) and the wall-clock seconds it took
    (0 when read from disk). Failures are cached too, so a bad input is not re-run on every
    page switch; they are never persisted."""

    value: Any
    seconds: float
    from_disk: bool = False
    error: BaseException | None = None


def cache_dir() -> Path:
    """Where persisted results go: ``HEADCOUNT_CACHE``, else ``~/.cache/headcount-planner``."""
    return Path(os.environ.get("HEADCOUNT_CACHE") or "~/.cache/headcount-planner").expanduser()


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

    def submit(self, stage: str, key: str, fn: Callable[[], Any], *,
               persist: bool = False) -> Future:
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
            fut = self._pool.submit(self._run, k, fn, persist)
            self._running[k] = fut
            self._started[k] = time.monotonic()
            return fut

    def _run(self, k: tuple[str, str], fn: Callable[[], Any], persist: bool) -> Done:
        try:
            done = _read_disk(k) if persist else None
            if done is None:
                t0 = time.perf_counter()
                try:
                    done = Done(fn(), time.perf_counter() - t0)
                except Exception as exc:
                    done = Done(None, time.perf_counter() - t0, error=exc)
                if persist and done.error is None:
                    _write_disk(k, done.value)
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


def _path(k: tuple[str, str]) -> Path:
    return cache_dir() / f"{k[0]}-{k[1]}.pkl"


def _read_disk(k: tuple[str, str]) -> Done | None:
    path = _path(k)
    try:
        with path.open("rb") as fh:
            return Done(pickle.load(fh), 0.0, from_disk=True)
    except FileNotFoundError:
        return None
    except Exception:  # a damaged or outdated cache file is only a cache miss
        path.unlink(missing_ok=True)
        return None


def _write_disk(k: tuple[str, str], value: Any) -> None:
    path = _path(k)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        with tmp.open("wb") as fh:
            pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(path)
        _prune(path.parent, k[0])
    except OSError:
        pass  # a read-only home only costs a re-forecast after a restart


def _prune(folder: Path, stage: str, keep: int = 8) -> None:
    """Keep the ``keep`` newest files of a stage (older keys belong to old inputs or code)."""
    files = sorted(folder.glob(f"{stage}-*.pkl"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in files[keep:]:
        old.unlink(missing_ok=True)


#: the process-wide instance the app uses
JOBS = Jobs()
