"""Main-job benchmark: ``headcount plan data/sample`` cold and warm, stage by stage.

    .venv/bin/python bench/bench_plan.py                 # cold, 2 warm runs, then the commands
    .venv/bin/python bench/bench_plan.py --warm 3 --no-excel --no-commands
    .venv/bin/python bench/bench_plan.py --commands      # the other commands only, warm

Each run is the real command in a fresh process (``python -m planning.cli plan DATA``), with
a bootstrap that wraps the stage functions the command calls and records, per stage, CPU
seconds (user + system of the process and of its reaped children: the forecast's worker
processes) and wall seconds. Stages are exclusive: a stage nested in another (explanations
inside the optimiser) is not counted twice. Stages: load (read and check the inputs),
forecast (through the disk cache), requirements, confidence (the SLA-confidence
calibration of ``[plan] sla_confidence``, its own solves and simulations included, through
the disk cache), solve (model build, HiGHS, read-back), explanations (duals and re-solves),
risk (the plan's SLA risk, 2,000 paths, through the disk cache), workbook (plan.xlsx);
``other`` is the rest of the command (imports, CSV and JSON output). The cold run uses an
empty cache (a fresh ``HEADCOUNT_CACHE``); warm runs reuse it. Target: a warm run with the
workbook under 20 s and at least 3x faster than the cold one.

The commands (``--commands`` alone, or after the main job unless ``--no-commands``): after
one warm-up (``headcount plan``, which fills the cache), ``requirements``, ``risk``,
``compliance`` and ``kpis`` one after the other, then six ``scenario save`` at once into one
store; wall seconds and CPU seconds of each. Targets: each command under 10 s warm, the six
saves under 30 s wall.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STAGES = ("load", "forecast", "requirements", "confidence", "solve", "explanations",
          "risk", "workbook", "other")

#: run in the child: wrap the stages, run the command, print the timings as JSON
BOOT = r"""
import json, resource, sys, time
T0 = time.perf_counter()

def cpu():
    return sum(resource.getrusage(w).ru_utime + resource.getrusage(w).ru_stime
               for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))

times, stack = {}, []

def wrap(module, name, stage):
    real = getattr(module, name)
    def timed(*a, **kw):
        stack.append([0.0, 0.0])
        c0, w0 = cpu(), time.perf_counter()
        try:
            return real(*a, **kw)
        finally:
            c, w = cpu() - c0, time.perf_counter() - w0
            inner = stack.pop()
            t = times.setdefault(stage, [0.0, 0.0])
            t[0] += c - inner[0]
            t[1] += w - inner[1]
            if stack:
                stack[-1][0] += c
                stack[-1][1] += w
    setattr(module, name, timed)

import planning.cli.plan as cli_plan
import planning.optimise.run as opt_run
import planning.pipeline as pipeline
wrap(cli_plan, "load_inputs", "load")
wrap(pipeline, "forecast_result", "forecast")
if hasattr(cli_plan, "forecast_result"):  # the command calls it itself, before run_plan
    wrap(cli_plan, "forecast_result", "forecast")
wrap(pipeline, "requirements_table", "requirements")
if hasattr(pipeline, "plan_to_confidence"):
    wrap(pipeline, "plan_to_confidence", "confidence")
wrap(pipeline, "optimise", "solve")
wrap(opt_run, "explain_plan", "explanations")
wrap(cli_plan, "write_workbook", "workbook")
if hasattr(cli_plan, "plan_risk"):
    wrap(cli_plan, "plan_risk", "risk")
from planning.cli.main import main
code = main(sys.argv[1:])
total_cpu, total_wall = cpu(), time.perf_counter() - T0
times["other"] = [total_cpu - sum(c for c, _ in times.values()),
                  total_wall - sum(w for _, w in times.values())]
print("BENCH " + json.dumps({"code": code, "cpu": total_cpu, "wall": total_wall,
                             "stages": times}), file=sys.stderr)
"""


def run_once(data: Path, out: Path, cache: Path, no_excel: bool) -> dict:
    """One ``headcount plan`` in a fresh process; the timings it reported, plus the wall
    clock seen from outside (interpreter start included)."""
    env = dict(os.environ, HEADCOUNT_CACHE=str(cache), PYTHONPATH=str(ROOT))
    args = [sys.executable, "-c", BOOT, "plan", str(data), "--out", str(out)]
    if no_excel:
        args.append("--no-excel")
    t0 = time.perf_counter()
    proc = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=1800)
    outside = time.perf_counter() - t0
    line = next((x for x in proc.stderr.splitlines() if x.startswith("BENCH ")), None)
    if proc.returncode != 0 or line is None:
        raise SystemExit(f"headcount plan failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    res = json.loads(line[6:])
    res["outside_wall"] = outside
    res["load_avg"] = os.getloadavg()[0]
    return res


def table(runs: list[tuple[str, dict]]) -> str:
    head = "| stage | " + " | ".join(f"{name}: CPU s / wall s" for name, _ in runs) + " |"
    lines = [head, "|---|" + "---|" * len(runs)]
    for stage in STAGES:
        if not any(stage in r["stages"] for _, r in runs):
            continue
        cells = [("{:.2f} / {:.2f}".format(*r["stages"][stage]) if stage in r["stages"]
                  else "-") for _, r in runs]
        lines.append(f"| {stage} | " + " | ".join(cells) + " |")
    lines.append("| **whole command** | " + " | ".join(
        f"**{r['cpu']:.2f} / {r['outside_wall']:.2f}**" for _, r in runs) + " |")
    lines.append("| load average (1 min) after | " + " | ".join(
        f"{r['load_avg']:.1f}" for _, r in runs) + " |")
    return "\n".join(lines)


def children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def commands(data: Path) -> None:
    """The other commands that forecast, warm; then six concurrent scenario saves."""
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, HEADCOUNT_CACHE=str(Path(tmp) / "cache"), PYTHONPATH=str(ROOT),
                   HEADCOUNT_DB=str(Path(tmp) / "scenarios.db"))
        cli = [sys.executable, "-m", "planning.cli"]

        def timed(*argv: str) -> tuple[float, float]:
            c0, t0 = children_cpu(), time.perf_counter()
            proc = subprocess.run([*cli, *argv], cwd=tmp, env=env, capture_output=True,
                                  text=True, timeout=1800)
            if proc.returncode != 0:
                raise SystemExit(f"{' '.join(argv)} failed:\n{proc.stderr[-3000:]}")
            return time.perf_counter() - t0, children_cpu() - c0

        warm_up = timed("plan", str(data), "--out", "warmup")
        print(f"warm-up (`headcount plan {data.name}`, fills the cache): {warm_up[0]:.1f} s "
              f"wall, {warm_up[1]:.1f} CPU s; load average after {os.getloadavg()[0]:.1f}")
        print("| command (warm) | wall s | CPU s | load average after |")
        print("|---|---|---|---|")
        for argv in (("requirements", str(data), "--out", "r.csv"),
                     ("risk", str(data), "--out", "risk.csv"),
                     ("compliance", str(data), "--out", "c.csv"),
                     ("kpis", str(data), "--out", "k.xlsx")):
            wall, cpu = timed(*argv)
            print(f"| `headcount {argv[0]} {data.name}` | {wall:.1f} | {cpu:.1f} | "
                  f"{os.getloadavg()[0]:.1f} |")
        c0, t0 = children_cpu(), time.perf_counter()
        procs = [subprocess.Popen([*cli, "scenario", "save", str(data), "--name", f"s{i}"],
                                  cwd=tmp, env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True) for i in range(6)]
        errors = [p.communicate(timeout=1800)[1] for p in procs]
        wall, cpu = time.perf_counter() - t0, children_cpu() - c0
        failed = [e[-500:] for p, e in zip(procs, errors, strict=True) if p.returncode != 0]
        print(f"six concurrent `headcount scenario save {data.name}`: {wall:.1f} s wall, "
              f"{cpu:.1f} CPU s in all, {len(failed)} failed; load average after "
              f"{os.getloadavg()[0]:.1f} (targets: each command < 10 s, six saves < 30 s)")
        for e in failed:
            print(e)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=str(ROOT / "data" / "sample"))
    ap.add_argument("--warm", type=int, default=2, help="warm runs after the cold one")
    ap.add_argument("--no-excel", action="store_true", help="skip the workbook")
    ap.add_argument("--commands", action="store_true",
                    help="only time the other commands warm and six concurrent scenario saves")
    ap.add_argument("--no-commands", action="store_true",
                    help="only the main job (cold and warm plans)")
    args = ap.parse_args()
    print(f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, load average before "
          f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    if args.commands:
        commands(Path(args.data).resolve())
        return
    with tempfile.TemporaryDirectory() as tmp:
        cache, out = Path(tmp) / "cache", Path(tmp) / "out"
        runs = [("cold", run_once(Path(args.data), out, cache, args.no_excel))]
        for i in range(args.warm):
            runs.append((f"warm {i + 1}", run_once(Path(args.data), out, cache, args.no_excel)))
    print(table(runs))
    cold = runs[0][1]["outside_wall"]
    warm = min(r["outside_wall"] for _, r in runs[1:]) if len(runs) > 1 else float("nan")
    cold_cpu = runs[0][1]["cpu"]
    warm_cpu = min(r["cpu"] for _, r in runs[1:]) if len(runs) > 1 else float("nan")
    print(f"cold {cold:.1f} s wall / {cold_cpu:.1f} CPU s; best warm {warm:.1f} s wall / "
          f"{warm_cpu:.1f} CPU s: {cold / warm:.1f}x faster in wall, {cold_cpu / warm_cpu:.1f}x "
          f"in CPU (target: warm < 20 s with the workbook, >= 3x)")
    if not args.no_commands:
        commands(Path(args.data).resolve())


if __name__ == "__main__":
    main()
