"""Scale benchmark: a large synthetic panel forecast end to end on an engine, with memory.

    .venv/bin/python bench/bench_scale.py --series 500 --engine local
    .venv/bin/python bench/bench_scale.py --series 500 --engine dask --workers 4
    nice -n 19 .venv/bin/python bench/bench_scale.py --series 10000 --engine dask --workers 2

The panel (devtools/panel.py: daily series of 3 years copied from the sample's shapes with
their own level, trend and noise) is made and forecast in chunks of ``--chunk`` series:
backtest, model choice and a 182-day P10/P50/P90 forecast per series, the fits mapped over
the engine. Each chunk's forecast is appended to ``--out`` (CSV) and dropped, and only the
chosen model's backtest row per series is kept, so memory holds one chunk, not the panel.
(Cross-series pooling -- uplifts of unseen events, interval errors of short series -- is
within a chunk; the synthetic series are all 3 years long, so it does not come into play.)

Memory: the run is a child process, followed from outside: the peak of the summed resident
memory of it and every process under it (the forecaster's worker processes, a
LocalCluster's nanny and worker processes), sampled every 0.2 s with psutil. CPU: user +
system seconds of the child and every descendant it waited for (getrusage of children:
the forecaster's workers, a LocalCluster's nannies and workers).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pandas as pd
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import forecasts  # noqa: E402
from devtools.panel import panel_chunks  # noqa: E402
from planning.engines import open_engine  # noqa: E402


def _tree_cpu(root: psutil.Process, tree: list[psutil.Process]) -> float:
    """User + system CPU s so far of ``root``, its reaped children and its live descendants."""
    cpu = 0.0
    for p in tree:
        try:
            t = p.cpu_times()
        except psutil.Error:
            continue
        cpu += t.user + t.system
        if p is root:
            cpu += t.children_user + t.children_system
    return cpu


def _pss(p: psutil.Process) -> int:
    """Proportional set size in bytes (/proc/PID/smaps_rollup): a page shared by n
    processes counts 1/n in each, so forked workers' inherited pages count once in a sum."""
    try:
        with open(f"/proc/{p.pid}/smaps_rollup", encoding="ascii") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def measure(cmd: list[str], every: float = 0.2,
            log_every: float | None = None) -> tuple[int, str, float, float, float, float]:
    """Run ``cmd`` and follow its process tree: (exit code, its stdout, wall s, CPU s of
    the whole tree, peak summed resident MiB, peak summed proportional MiB). Measured from
    outside, so the measured process keeps a single thread (the forecaster forks its
    workers only then). Summed resident memory counts the pages forked workers share with
    their parent once per process; the proportional figure (PSS, sampled about once a
    second) splits each shared page between its sharers, so it is what the tree really
    occupies.

    Each progress line the child writes to stderr is echoed with the wall s, the tree's CPU s
    and the peak and current resident MiB so far, so a run stopped part way still has figures
    (and a peak that grows with the panel would show); with ``log_every`` a line of the same
    figures every that many seconds too (a timeline of the memory)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    # stdout to a file, not a pipe: a child that prints more than a pipe holds (a whole
    # `headcount plan`) would block on it while this loop waits for the child to end
    with tempfile.TemporaryFile(mode="w+") as stdout:
        proc = subprocess.Popen(cmd, stdout=stdout, stderr=subprocess.PIPE, text=True)
        root = psutil.Process(proc.pid)
        state = {"peak": 0, "rss": 0, "cpu": 0.0, "pss": 0, "peak_pss": 0}
        next_pss = 0.0

        def follow() -> None:
            for line in proc.stderr:
                print(f"{line.rstrip()} | wall {time.perf_counter() - t0:.0f} s, CPU so far "
                      f"{state['cpu']:.0f} s, rss {state['rss'] / 2**20:.0f} MiB, peak so far "
                      f"{state['peak'] / 2**20:.0f} MiB, pss {state['pss'] / 2**20:.0f} MiB, "
                      f"peak pss {state['peak_pss'] / 2**20:.0f} MiB, "
                      f"load {os.getloadavg()[0]:.1f}",
                      file=sys.stderr, flush=True)

        echo = threading.Thread(target=follow, daemon=True)
        echo.start()
        next_log = log_every
        while proc.poll() is None:
            rss = 0
            try:
                tree = [root, *root.children(recursive=True)]
            except psutil.Error:
                tree = []
            for p in tree:
                try:
                    rss += p.memory_info().rss
                except psutil.Error:
                    continue
            state["cpu"] = max(state["cpu"], _tree_cpu(root, tree))
            state["rss"] = rss
            state["peak"] = max(state["peak"], rss)
            if time.perf_counter() - t0 >= next_pss:
                next_pss += 1.0
                state["pss"] = sum(_pss(p) for p in tree)
                state["peak_pss"] = max(state["peak_pss"], state["pss"])
            if next_log is not None and time.perf_counter() - t0 >= next_log:
                next_log += log_every
                print(f"  at {time.perf_counter() - t0:.0f} s: CPU so far {state['cpu']:.0f} s, "
                      f"rss {rss / 2**20:.0f} MiB, peak so far {state['peak'] / 2**20:.0f} MiB, "
                      f"pss {state['pss'] / 2**20:.0f} MiB, peak pss "
                      f"{state['peak_pss'] / 2**20:.0f} MiB",
                      file=sys.stderr, flush=True)
            time.sleep(every)
        stdout.seek(0)
        out = stdout.read()
    echo.join(timeout=5)
    wall = time.perf_counter() - t0
    # CPU of the child and every descendant it waited for (worker processes, nannies)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return proc.returncode, out, wall, cpu, state["peak"] / 2**20, state["peak_pss"] / 2**20


def run(series: int, engine_name: str, workers: int, chunk: int, horizon: int,
        out: Path | None) -> dict:
    """The measured part (in a child process): forecast the panel chunk by chunk."""
    chosen = []
    t0 = time.perf_counter()
    with open_engine(engine_name, workers=workers) as engine:
        t_engine = time.perf_counter() - t0
        mapper = engine.series_mapper()
        for k, hist in enumerate(panel_chunks(series, chunk=chunk)):
            res = forecasts.forecast_with_backtest(hist, horizon, mapper=mapper,
                                                   n_jobs=workers if mapper is None else 1)
            if out is not None:
                res.forecast.to_csv(out, mode="a" if k else "w", header=not k, index=False)
            bt = res.backtest
            chosen.append(bt[bt["chosen"]][["unique_id", "model", "wape", "coverage_80"]])
            print(f"  {min((k + 1) * chunk, series)} series, {time.perf_counter() - t0:.0f} s",
                  file=sys.stderr, flush=True)
    c = pd.concat(chosen, ignore_index=True)
    return {"engine_start_s": t_engine, "median_wape": float(c["wape"].median()),
            "coverage_80": float(c["coverage_80"].mean())}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--series", type=int, default=500)
    ap.add_argument("--engine", choices=["local", "dask", "ray"], default="local")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--chunk", type=int, default=500)
    ap.add_argument("--horizon", type=int, default=182)
    ap.add_argument("--out", type=Path, default=None, help="append the forecasts to this CSV")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        print(json.dumps(run(a.series, a.engine, a.workers, a.chunk, a.horizon, a.out)))
        return
    print(f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores, "
          f"load average before {os.getloadavg()[0]:.1f}", flush=True)
    code, out, wall, cpu, peak, peak_pss = measure([sys.executable, __file__, "--child", *sys.argv[1:]])
    if code:
        sys.exit(code)
    r = json.loads(out.strip().splitlines()[-1])
    r = {"series": a.series, "engine": a.engine, "workers": a.workers, "chunk": a.chunk,
         "wall_s": wall, "cpu_s": cpu, "peak_rss_mib": peak, "peak_pss_mib": peak_pss,
         "wall_s_per_series": (wall - r["engine_start_s"]) / a.series,
         "cpu_s_per_series": cpu / a.series, **r, "load_after": os.getloadavg()[0]}
    print(" ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in r.items()))


if __name__ == "__main__":
    main()
