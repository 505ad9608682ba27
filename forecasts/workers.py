"""Mapping the per-series work over worker processes on this machine.

One pool per run, started after the parent has imported what every fit needs (statsforecast's
ETS costs about 1.4 CPU s to import: forked workers inherit it instead of each paying it), and
with the BLAS library held to one thread: the fits are small matrix products, for which
OpenBLAS's own threads cost 10-15x the work on a shared 2-core machine.

Other engines (Dask, Ray) map :func:`forecasts.one.forecast_one` themselves: anything with
the :data:`Mapper` signature can be handed to :func:`forecasts.forecast_with_backtest`.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Any, TypeVar

from threadpoolctl import threadpool_limits

from forecasts.models import preload

T = TypeVar("T")
R = TypeVar("R")
#: ``mapper(fn, tasks) -> [fn(task) for task in tasks]``, in order (e.g. over a cluster)
Mapper = Callable[[Callable[[Any], Any], Sequence[Any]], list]


def default_jobs(n_tasks: int) -> int:
    """2 workers (or fewer cores) when there are 8 series or more, else 1."""
    return min(2, os.cpu_count() or 1) if n_tasks >= 8 else 1


def start_method() -> str | None:
    """``fork`` from a single-threaded process (the CLI), else None: with other threads alive
    (the app runs stages in threads) a fork can copy a held lock and deadlock, and spawned
    workers would re-import the caller's main module, so the fits run in this process."""
    if threading.active_count() == 1 and "fork" in mp.get_all_start_methods():
        return "fork"
    return None


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """Hold BLAS (OpenBLAS, MKL) to one thread inside the block."""
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def _init_worker() -> None:
    threadpool_limits(limits=1, user_api="blas")


def map_local(fn: Callable[[T], R], tasks: Sequence[T], n_jobs: int | None = None, *,
              ets: bool = True) -> list[R]:
    """``[fn(t) for t in tasks]`` in ``n_jobs`` forked worker processes when worthwhile.

    n_jobs None: :func:`default_jobs`. Runs in this process (same results) where fork is
    unavailable or unsafe, or when the pool breaks. ets: the tasks fit ETS models (so the
    parent imports statsforecast once before forking).
    """
    n_jobs = default_jobs(len(tasks)) if n_jobs is None else n_jobs
    with one_blas_thread():
        method = start_method()
        if n_jobs > 1 and method is not None:
            if ets:
                preload()
            try:
                with ProcessPoolExecutor(n_jobs, mp_context=mp.get_context(method),
                                         initializer=_init_worker) as pool:
                    chunk = max(1, len(tasks) // (4 * n_jobs))
                    return list(pool.map(fn, tasks, chunksize=chunk))
            except (BrokenProcessPool, OSError):
                pass
        return [fn(t) for t in tasks]
