"""Benchmark: the finance workbook of the sample plan (target: under 3 s).

Uses the outputs of ``headcount plan data/sample`` (plan.json, requirements.csv, forecast.csv)
from ``--plan-dir``, or makes them first in a temporary folder (``headcount plan data/sample
--no-excel``, a minute or two when the forecast is not cached). Then builds the workbook
``--repeat`` times without the volumes history (the default) and with it, and reports CPU
seconds (``time.process_time``, which holds under load), wall seconds, cells, file size and
the machine's load average. Prints a Markdown block for docs/benchmarks.md ("Workbook").

Usage: ``.venv/bin/python bench/bench_workbook.py [--plan-dir plan_out] [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from planning.inputs.loading import load_inputs  # noqa: E402
from planning.optimise import PlanResult  # noqa: E402
from planning.reports.workbook import workbook_bytes  # noqa: E402

SAMPLE = ROOT / "data" / "sample"
TARGET_S = 3.0


def plan_outputs(plan_dir: Path | None) -> Path:
    """A folder with plan.json, requirements.csv and forecast.csv of the sample."""
    if plan_dir is not None:
        return plan_dir
    out = Path(tempfile.mkdtemp(prefix="bench-workbook-"))
    subprocess.run([sys.executable, "-m", "planning.cli", "plan", str(SAMPLE), "--out", str(out),
                    "--no-excel"], check=True, cwd=ROOT, timeout=1800,
                   stdout=subprocess.DEVNULL)
    return out


def cells(raw: bytes) -> int:
    """Number of cells in the workbook (``<c `` elements of its sheets)."""
    with zipfile.ZipFile(io.BytesIO(raw)) as zf:
        return sum(zf.read(n).count(b"<c ") for n in zf.namelist()
                   if n.startswith("xl/worksheets/sheet"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--plan-dir", type=Path, default=None)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    folder = plan_outputs(args.plan_dir)
    inputs = load_inputs(SAMPLE, stage="plan")
    plan = PlanResult.from_json(json.loads((folder / "plan.json").read_text()))
    req = pd.read_csv(folder / "requirements.csv", parse_dates=["week"])
    forecast = pd.read_csv(folder / "forecast.csv", parse_dates=["date"])
    rows = []
    for history in (False, True):
        cpu, wall, raw = [], [], b""
        for _ in range(args.repeat):
            c0, w0 = time.process_time(), time.perf_counter()
            raw = workbook_bytes(inputs, plan, requirements=req, forecast=forecast,
                                 history=history)
            cpu.append(time.process_time() - c0)
            wall.append(time.perf_counter() - w0)
        rows.append((history, min(cpu), min(wall), cells(raw), len(raw)))
    load = os.getloadavg()
    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}; {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; load average "
          f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (1/5/15 min).")
    print(f"Command: `python bench/bench_workbook.py --repeat {args.repeat}` "
          "(best of the repeats)\n")
    print("| workbook | CPU s | wall s | cells | size |")
    print("|---|---|---|---|---|")
    for history, c, w, n, size in rows:
        label = "with the volumes history" if history else "default (forecast instead of history)"
        print(f"| {label} | {c:.2f} | {w:.2f} | {n:,} | {size / 1e6:.2f} MB |")
    print(f"\nTarget: under {TARGET_S:g} s for the default workbook: "
          + ("met" if rows[0][1] < TARGET_S else "NOT met") + " (CPU seconds).")


if __name__ == "__main__":
    main()
