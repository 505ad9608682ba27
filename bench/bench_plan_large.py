"""Scale benchmark: the 200-market x 20-queue history loaded and planned end to end by the CLI.

    nice -n 19 .venv/bin/python bench/bench_plan_large.py --folder /tmp/large --out /tmp/large_out

Makes the input folder with :func:`devtools.panel.large_input_folder` (4,000 daily series of 3
years, a 13-week plan, solver time limit 600 s and gap 1e-3 in its scenario.toml) unless it
exists, then runs ``headcount plan FOLDER --out OUT`` as a child process with an empty forecast
cache of its own (so the forecast is made, stored in the cache, and read by nothing else), and
follows the child's process tree as bench/bench_scale.py does: wall s, CPU s of the tree, peak
summed resident MiB and peak summed proportional MiB (PSS: pages the forecaster's forked
workers share with the CLI process count once). Extra arguments after ``--`` go to ``headcount plan``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_scale import measure  # noqa: E402
from devtools.panel import large_input_folder  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--folder", type=Path, default=None,
                    help="input folder (made if missing; default: a temporary folder)")
    ap.add_argument("--out", type=Path, default=None,
                    help="headcount plan --out (default: a temporary folder)")
    ap.add_argument("--markets", type=int, default=200)
    ap.add_argument("--queues", type=int, default=20)
    ap.add_argument("--log-every", type=float, default=30.0,
                    help="seconds between lines of the memory timeline (stderr)")
    ap.add_argument("plan_args", nargs="*", help="more arguments for headcount plan (after --)")
    a = ap.parse_args()
    scratch = tempfile.TemporaryDirectory(prefix="hc_large_")
    a.folder = a.folder or Path(scratch.name) / "in"
    a.out = a.out or Path(scratch.name) / "out"
    print(f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores, "
          f"load average before {os.getloadavg()[0]:.1f}", flush=True)
    if not (a.folder / "volumes.csv").exists():
        t0 = time.perf_counter()
        large_input_folder(a.folder, markets=a.markets, queues=a.queues)
        print(f"made {a.folder} in {time.perf_counter() - t0:.0f} s "
              f"(volumes.csv {(a.folder / 'volumes.csv').stat().st_size / 2**20:.0f} MiB)",
              flush=True)
    with tempfile.TemporaryDirectory(prefix="hc_cache_") as cache:
        os.environ["HEADCOUNT_CACHE"] = cache
        cmd = [sys.executable, "-m", "planning.cli", "plan", str(a.folder), "--out", str(a.out),
               *a.plan_args]
        code, out, wall, cpu, peak, peak_pss = measure(cmd, log_every=a.log_every)
    print(out)
    print(f"exit={code} wall_s={wall:.1f} cpu_s={cpu:.1f} peak_rss_mib={peak:.0f} "
          f"peak_pss_mib={peak_pss:.0f} load_after={os.getloadavg()[0]:.1f}")
    scratch.cleanup()
    sys.exit(code)


if __name__ == "__main__":
    main()
