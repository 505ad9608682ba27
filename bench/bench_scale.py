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

Memory: the peak of the summed resident memory of this process and every process under it
(the forecaster's worker processes, a LocalCluster's nanny and worker processes), sampled
every 0.2 s with psutil. CPU: user + system seconds of the same process tree.
"""

from __future__ import annotations

import argparse
import os
import sys
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


class TreeMeter:
    """Peak resident memory and CPU seconds of this process and its descendants."""

    def __init__(self, every: float = 0.2) -> None:
        self.peak_rss = 0
        self.cpu: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(every,), daemon=True)

    def _sample(self) -> None:
        me = psutil.Process()
        rss = 0
        for p in [me, *me.children(recursive=True)]:
            try:
                rss += p.memory_info().rss
                t = p.cpu_times()
                self.cpu[p.pid] = t.user + t.system
            except psutil.Error:
                continue
        self.peak_rss = max(self.peak_rss, rss)

    def _run(self, every: float) -> None:
        while not self._stop.wait(every):
            self._sample()

    def __enter__(self) -> TreeMeter:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._sample()
        self._stop.set()
        self._thread.join()

    @property
    def cpu_seconds(self) -> float:
        return sum(self.cpu.values())


def run(series: int, engine_name: str, workers: int, chunk: int, horizon: int,
        out: Path | None) -> dict:
    chosen = []
    t0 = time.perf_counter()
    with TreeMeter() as meter, open_engine(engine_name, workers=workers) as engine:
        t_engine = time.perf_counter() - t0
        mapper = engine.series_mapper()
        for k, hist in enumerate(panel_chunks(series, chunk=chunk)):
            res = forecasts.forecast_with_backtest(hist, horizon, mapper=mapper,
                                                   n_jobs=workers if mapper is None else 1)
            if out is not None:
                res.forecast.to_csv(out, mode="a" if k else "w", header=not k, index=False)
            bt = res.backtest
            chosen.append(bt[bt["chosen"]][["unique_id", "model", "wape", "coverage_80"]])
            done = min((k + 1) * chunk, series)
            print(f"  {done} series, {time.perf_counter() - t0:.0f} s, peak "
                  f"{meter.peak_rss / 2**20:.0f} MiB", file=sys.stderr, flush=True)
    wall = time.perf_counter() - t0
    c = pd.concat(chosen, ignore_index=True)
    return {"series": series, "engine": engine_name, "workers": workers, "chunk": chunk,
            "wall_s": wall, "engine_start_s": t_engine, "cpu_s": meter.cpu_seconds,
            "wall_s_per_series": (wall - t_engine) / series,
            "cpu_s_per_series": meter.cpu_seconds / series,
            "peak_rss_mib": meter.peak_rss / 2**20, "median_wape": float(c["wape"].median()),
            "coverage_80": float(c["coverage_80"].mean()),
            "load_after": os.getloadavg()[0]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--series", type=int, default=500)
    ap.add_argument("--engine", choices=["local", "dask", "ray"], default="local")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--chunk", type=int, default=500)
    ap.add_argument("--horizon", type=int, default=182)
    ap.add_argument("--out", type=Path, default=None, help="append the forecasts to this CSV")
    a = ap.parse_args()
    print(f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores, "
          f"load average before {os.getloadavg()[0]:.1f}")
    r = run(a.series, a.engine, a.workers, a.chunk, a.horizon, a.out)
    print(" ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in r.items()))


if __name__ == "__main__":
    main()
