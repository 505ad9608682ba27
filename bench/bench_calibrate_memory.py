"""Benchmark: memory of the SLA-confidence calibration against its paths budget.

    nice -n 19 .venv/bin/python bench/bench_calibrate_memory.py --markets 50 --memory-mb 256 100000

The instance is :func:`devtools.synthetic.synthetic_forecast` (``--markets`` x 6 deferrable
queues, a ``--weeks`` plan, its daily P10/P50/P90 forecast). For each ``--memory-mb`` a child
process draws the calibration paths (``--paths`` per cell, seed 7919, correlation 0.9, AHT CV
0.05: :class:`planning.risk.calibrate.Calibrator`) and calibrates every cell to p = 0.9 (one
standard error of margin), followed from outside as bench/bench_scale.py does: wall s, CPU s,
peak resident and proportional MiB. A budget above ``cells x 3 x paths x days x 8`` bytes
holds every path at once (as before the budget existed). Printed per budget: the figures, the
simulation count and a digest of every cell's levels and probabilities, which must be the
same for every budget.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_scale import measure  # noqa: E402
from devtools.synthetic import synthetic_forecast  # noqa: E402
from planning.risk.calibrate import CALIBRATION_SEED, Calibrator, required_share  # noqa: E402


def child(markets: int, weeks: int, paths: int, memory_mb: float) -> dict:
    """Calibrate every cell (in this process) and describe the result."""
    inputs, forecast = synthetic_forecast(n_markets=markets, n_weeks=weeks)
    t0 = time.perf_counter()
    cal = Calibrator(inputs, forecast, paths=paths, seed=CALIBRATION_SEED, correlation=0.9,
                     aht_cv=0.05, memory_mb=memory_mb)
    cells = sorted(cal.series)
    out = cal.calibrate(cells, required_share(0.9, paths, 1.0))
    digest = hashlib.sha256()
    for c in cells:
        digest.update(out.level[c].tobytes() + out.p[c].tobytes() + out.reachable[c].tobytes())
    return {"cells": len(cells), "series_mib": cal.series.series_bytes / 2**20,
            "group": min(len(cells), cal.series.fitting()), "steps": out.steps,
            "seconds": time.perf_counter() - t0, "digest": digest.hexdigest()[:16]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--markets", type=int, default=50)
    ap.add_argument("--weeks", type=int, default=13)
    ap.add_argument("--paths", type=int, default=2000)
    ap.add_argument("--memory-mb", type=float, nargs="+", default=[256.0, 100000.0])
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        print(json.dumps(child(a.markets, a.weeks, a.paths, a.memory_mb[0])))
        return
    print(f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores, "
          f"load average before {os.getloadavg()[0]:.1f}", flush=True)
    digests = set()
    for mb in a.memory_mb:
        cmd = [sys.executable, __file__, "--child", "--markets", str(a.markets), "--weeks",
               str(a.weeks), "--paths", str(a.paths), "--memory-mb", str(mb)]
        code, out, wall, cpu, peak, peak_pss = measure(cmd)
        if code:
            sys.exit(code)
        r = json.loads(out.strip().splitlines()[-1])
        digests.add(r["digest"])
        print(f"memory_mb={mb:g} cells={r['cells']} group={r['group']} "
              f"series_mib={r['series_mib']:.1f} steps={r['steps']} digest={r['digest']} "
              f"wall_s={wall:.1f} cpu_s={cpu:.1f} peak_rss_mib={peak:.0f} "
              f"peak_pss_mib={peak_pss:.0f} load={os.getloadavg()[0]:.1f}", flush=True)
    print(f"same levels and probabilities for every budget: {len(digests) == 1}")


if __name__ == "__main__":
    main()
