"""Benchmark: the optimiser against raw HiGHS on the same model, synthetic instances.

Instances from :func:`devtools.synthetic.synthetic` (seed 1): markets in 10 languages x 6
queues x weeks, 4 sites (attrition, lead time, ramp, headcount and starts caps), 4 vendors
(caps, market lists, slower handling), in-house-only queues and in-house floors; the
scenario's solver defaults (gap 1e-4, time limit 60 s for the whole solve).

For each size and mode (``mip``: whole-number hires, the default; ``lp``: integer_hires
off), three child processes, so that each peak memory is its own:

- ``mps``: builds the model and writes it as MPS through HiGHS (not timed);
- ``project``: :func:`planning.optimise.optimise` end to end, with its phases: build
  (tables -> PuLP model), transfer (PuLP -> HiGHS), LP relaxation, repair (rounded hires),
  MIP (or LP), explanations, and the rest (tables, reasons, the ask);
- ``raw``: highspy alone reads the MPS file and solves it with the same options.

CPU seconds (all threads of the process) hold under load; wall seconds and the load
average are printed beside them. Targets (issue 15): the whole run within 3x raw HiGHS at
50x52 in ``lp`` mode; at 200x104 a plan with a gap within 150 s.

Run: ``python bench/bench_optimise.py [--modes mip,lp] [MxW ...]`` (default 12x26 50x52;
the record in docs/benchmarks.md adds 100x104 200x104, run under ``nice -n 19``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_SIZES = ("12x26", "50x52")


def _instance(markets: int, weeks: int, mode: str):
    from devtools.synthetic import synthetic
    from planning.inputs.scenario import SolverSettings

    return synthetic(n_markets=markets, n_weeks=weeks,
                     solver=SolverSettings(integer_hires=mode == "mip"))


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def child_mps(markets: int, weeks: int, mode: str, path: str) -> dict:
    from planning.optimise.build import build_model
    from planning.optimise.data import build_data
    from planning.optimise.highs import load

    inputs, req = _instance(markets, weeks, mode)
    model = build_model(build_data(inputs, req))
    solver = load(model, mip=mode == "mip")
    solver.highs.writeModel(path)
    h = solver.highs
    return {"columns": h.getNumCol(), "rows": h.getNumRow(), "nonzeros": h.getNumNz()}


def child_raw(path: str, time_limit: float, gap: float) -> dict:
    """Read the MPS file and solve it (a MIP: its LP relaxation alone first, timed apart);
    cpu_s and wall_s: reading plus the model's own solve."""
    from planning.optimise.highs import new_highs

    cpu, wall = time.process_time(), time.perf_counter()
    h = new_highs()
    h.readModel(path)
    read_cpu, read = time.process_time() - cpu, time.perf_counter() - wall
    h.setOptionValue("time_limit", time_limit)
    h.setOptionValue("mip_rel_gap", gap)
    relax = {}
    if any(int(t) for t in h.getLp().integrality_):
        c, w = time.process_time(), time.perf_counter()
        h.setOptionValue("solve_relaxation", True)
        h.run()
        relax = {"relax_cpu_s": time.process_time() - c, "relax_wall_s": time.perf_counter() - w}
        h.setOptionValue("solve_relaxation", False)
        h.clearSolver()
    cpu, wall = time.process_time(), time.perf_counter()
    h.run()
    info = h.getInfo()
    return {**relax, "read_s": read, "cpu_s": read_cpu + time.process_time() - cpu,
            "wall_s": read + time.perf_counter() - wall,
            "status": h.modelStatusToString(h.getModelStatus()),
            "objective": info.objective_function_value if info.primal_solution_status == 2 else None,
            "gap": info.mip_gap, "peak_mib": _peak_mib()}


def child_project(markets: int, weeks: int, mode: str, time_limit: float | None = None) -> dict:
    from planning.optimise import run as run_module

    inputs, req = _instance(markets, weeks, mode)
    seen: dict = {}
    real_solve, real_explain = run_module.solve, run_module.explain_plan

    def solve(*a, **k):
        c = time.process_time()
        out = real_solve(*a, **k)
        seen["solve"], seen["solve_cpu_s"] = out, time.process_time() - c
        return out

    def explain(*a, **k):
        t, c = time.perf_counter(), time.process_time()
        out = real_explain(*a, **k)
        seen["explain_s"], seen["explain"] = time.perf_counter() - t, out
        seen["explain_cpu_s"] = time.process_time() - c
        return out

    run_module.solve, run_module.explain_plan = solve, explain
    cpu, wall = time.process_time(), time.perf_counter()
    r = run_module.optimise(inputs, req, time_limit_s=time_limit)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    out = seen["solve"]
    why = seen.get("explain")
    return {"cpu_s": cpu, "wall_s": wall, "build_s": r.build_seconds, "phases": out.phases,
            "solve_s": out.seconds, "explain_s": seen.get("explain_s", 0.0),
            "solve_cpu_s": seen["solve_cpu_s"], "explain_cpu_s": seen.get("explain_cpu_s", 0.0),
            "resolved": why.resolved if why else 0, "skipped": why.skipped if why else 0,
            "status": r.status.value, "objective": r.objective, "gap": r.gap,
            "bound": out.bound, "repaired": out.repaired, "message": r.message,
            "peak_mib": _peak_mib()}


def _child(*args: str) -> dict:
    run = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True,
                         text=True, timeout=1800, env={**os.environ, "PYTHONPATH": str(ROOT)})
    if run.returncode != 0:
        raise RuntimeError(f"child {args} failed: {run.stderr[-2000:]}")
    return json.loads(run.stdout.strip().splitlines()[-1])


def _fmt(x: float) -> str:
    return f"{x:7.2f}"


def bench(size: str, mode: str, time_limit: float | None = None) -> None:
    m, w = (int(x) for x in size.split("x"))
    from planning.inputs.scenario import SolverSettings

    limit, gap = time_limit or SolverSettings().time_limit_s, SolverSettings().mip_gap
    with tempfile.TemporaryDirectory() as tmp:
        mps = str(Path(tmp) / f"model_{size}_{mode}.mps")
        shape = _child("mps", str(m), str(w), mode, mps)
        load0 = os.getloadavg()[0]
        proj = _child("project", str(m), str(w), mode, str(limit))
        raw = _child("raw", mps, str(limit), str(gap))
        load1 = os.getloadavg()[0]
    ph = proj["phases"]
    solve_phase = ph.get("mip", 0.0) + ph.get("lp", 0.0)
    gap_txt = "-" if proj["gap"] is None else f"{100 * proj['gap']:.3f}%"
    raw_gap = "-" if mode == "lp" else f"{100 * raw['gap']:.3f}%"
    print(f"{size:>8} {mode:>3} | {shape['columns']:>7,} cols {shape['rows']:>7,} rows | "
          f"project: build {_fmt(proj['build_s'])} transfer {_fmt(ph.get('transfer', 0))} "
          f"relax {_fmt(ph.get('relaxation', 0))} repair {_fmt(ph.get('repair', 0))} "
          f"{'MIP' if mode == 'mip' else 'LP '} {_fmt(solve_phase)} explain {_fmt(proj['explain_s'])} "
          f"({proj['resolved']} re-solves, {proj['skipped']} left) | CPU: solve "
          f"{_fmt(proj['solve_cpu_s'])} explain {_fmt(proj['explain_cpu_s'])} | total wall {_fmt(proj['wall_s'])} "
          f"CPU {_fmt(proj['cpu_s'])} | {proj['status']} gap {gap_txt} "
          f"{'(repaired)' if proj['repaired'] else ''}| peak {proj['peak_mib']:6.0f} MiB")
    relax = (f"LP relaxation alone CPU {_fmt(raw['relax_cpu_s'])} wall {_fmt(raw['relax_wall_s'])}; "
             if "relax_cpu_s" in raw else "")
    print(f"{'':>12} | raw HiGHS (MPS): read {_fmt(raw['read_s'])} {relax}total wall {_fmt(raw['wall_s'])} "
          f"CPU {_fmt(raw['cpu_s'])} | {raw['status']} gap {raw_gap} | peak {raw['peak_mib']:6.0f} MiB "
          f"| project/raw CPU {proj['cpu_s'] / max(raw['cpu_s'], 1e-9):.2f}x "
          f"| load {load0:.1f} -> {load1:.1f}", flush=True)


def main(argv: list[str]) -> None:
    if argv and argv[0] == "--child":
        kind, rest = argv[1], argv[2:]
        if kind == "mps":
            out = child_mps(int(rest[0]), int(rest[1]), rest[2], rest[3])
        elif kind == "raw":
            out = child_raw(rest[0], float(rest[1]), float(rest[2]))
        else:
            out = child_project(int(rest[0]), int(rest[1]), rest[2],
                                float(rest[3]) if len(rest) > 3 else None)
        print(json.dumps(out))
        return
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("sizes", nargs="*", default=list(DEFAULT_SIZES), help="MxW, e.g. 50x52")
    p.add_argument("--modes", default="mip,lp", help="comma list of mip, lp")
    p.add_argument("--time-limit", type=float, default=None,
                   help="solver time limit in s (default: the scenario default, 60)")
    args = p.parse_args(argv)
    print(f"bench_optimise: {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} CPUs, "
          f"load {os.getloadavg()[0]:.1f}, time limit {args.time_limit or 'default'}; "
          f"seconds are wall unless marked CPU")
    for size in args.sizes:
        for mode in args.modes.split(","):
            bench(size, mode, args.time_limit)


if __name__ == "__main__":
    main(sys.argv[1:])
