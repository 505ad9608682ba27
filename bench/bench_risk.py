"""Benchmark: SLA risk Monte Carlo and the cost-vs-risk frontier on ``data/sample``.

Times (wall clock): the forecast and plan it starts from (not part of the target), then
``simulate_risk`` of the P50 plan at 500, 1000 and 2000 paths per series (12 markets x up to
6 queues = 63 series, 26 weeks, realtime live_stream in 7 markets with Erlang A), and the
frontier end to end (one forecast with every quantile, five plans P50..P95 solved without
explanations, five simulations at 1000 paths). Targets: 2000 paths in seconds (< 30 s on
2 shared cores); the frontier in a few minutes.
Run: ``python bench/bench_risk.py [--no-frontier]``.
"""

from __future__ import annotations

import dataclasses
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from planning.inputs.loading import load_inputs
from planning.pipeline import run_plan
from planning.risk.frontier import FRONTIER_QUANTILES, cost_risk_frontier, frontier_forecast
from planning.risk.simulate import RiskSettings, simulate_risk

DATA = Path(__file__).resolve().parents[1] / "data" / "sample"


def clock(label: str, fn):
    """Run fn; print wall-clock and CPU seconds of this process (other jobs share the cores)."""
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    print(f"{label:<48} wall {time.perf_counter() - t0:7.1f} s   cpu {time.process_time() - c0:7.1f} s",
          flush=True)
    return out


def main(argv: list[str]) -> None:
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}, "
          f"{time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC")
    loaded = clock("load data/sample", lambda: load_inputs(DATA))
    # the sample plans to sla_confidence = 0.9; this benchmark is about the P50 plan
    inputs = dataclasses.replace(loaded, scenario=loaded.scenario.replace("plan", sla_confidence=None))
    forecast = clock("forecast (p10 p50 p70 p80 p90 p95)",
                     lambda: frontier_forecast(inputs, FRONTIER_QUANTILES))
    run = clock("plan at P50 (with explanations)", lambda: run_plan(inputs, forecast=forecast))
    for paths in (500, 1000, 2000):
        risk = clock(f"simulate_risk, {paths} paths per series",
                     lambda p=paths: simulate_risk(inputs, forecast, run.plan.allocation,
                                                   RiskSettings(paths=p)))
    overall = risk.overall.set_index("quarter")["p_meet_weighted"]
    print("P50 plan, cases-weighted P(meet SLA): "
          + ", ".join(f"{q} {p:.0%}" for q, p in overall.items()))
    if "--no-frontier" in argv:
        return
    front = clock("frontier P50..P95 (forecast given), 1000 paths",
                  lambda: cost_risk_frontier(inputs, forecast=forecast,
                                             settings=RiskSettings(paths=1000)))
    for r in front.points.itertuples():
        print(f"  P{round(r.quantile * 100)}: cost {r.total_cost:,.0f}, P(meet) "
              f"{r.p_meet_weighted:.0%}, solve {r.solve_seconds:.1f} s, risk {r.risk_seconds:.1f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
