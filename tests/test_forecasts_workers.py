"""Worker processes: the same results in or out of process, one BLAS thread inside fits."""

from __future__ import annotations

import threading

from threadpoolctl import threadpool_info

from forecasts.workers import default_jobs, map_local, start_method


def blas_threads(_: int) -> int:
    return max((p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"),
               default=1)


def test_default_jobs_follow_the_number_of_series() -> None:
    assert default_jobs(7) == 1
    assert default_jobs(8) in (1, 2)  # 2 on a machine with 2 cores or more


def test_fits_run_with_one_blas_thread_in_and_out_of_process() -> None:
    assert map_local(blas_threads, [1, 2, 3], n_jobs=1, ets=False) == [1, 1, 1]
    assert map_local(blas_threads, list(range(8)), n_jobs=2, ets=False) == [1] * 8


def test_no_fork_while_other_threads_run() -> None:
    stop = threading.Event()
    t = threading.Thread(target=stop.wait)
    t.start()
    try:
        assert start_method() is None
    finally:
        stop.set()
        t.join()
