"""Benchmark: plans to an SLA confidence against the cheapest uniform-quantile plan with the
same guarantee (planning.risk.confidence_frontier), on ``data/sample`` and a synthetic
50-market set (devtools.synthetic.synthetic_forecast: 50 markets x 6 deferrable queues,
26 weeks, the synthetic pools with their caps).

Per data set: the forecast is given (the sample's is made once first; its time is printed),
then a plain plan (P50 requirements + MIP, no explanations) is timed, and for p = 0.8, 0.9,
0.95 the targeted plan (calibration on 2000 paths + MIP solves, no explanations) and the
uniform plan beside it. Printed per p: costs, the saving in %, the lowest probability over
promised cells on the planner's paths and in an independent risk run (seed 0, 2000 paths,
planning.risk.simulate), shortfall, the targeted plan's time and its ratio to the plain plan.
Targets: the targeted plan cheaper than the uniform one at every p where both exist; at most
5x the plain plan's time.
The synthetic set is run twice: with the pools' limits (they bind once safety is added) and
without them (no headcount or vendor caps, hiring pace or lead time: every plan can be
staffed, so the targeted and the uniform plan differ only in what they buy).
Run: ``nice -n 19 python bench/bench_sla.py [--sample-only | --unlimited-only]``.
"""

from __future__ import annotations

import dataclasses
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from devtools.synthetic import synthetic_forecast
from planning.disk_cache import DiskCache, use_cache
from planning.inputs.loading import load_inputs
from planning.optimise import optimise
from planning.pipeline import forecast_table
from planning.requirements.compute import compute_requirements
from planning.risk.confidence import ConfidenceSettings, promise_check
from planning.risk.confidence_frontier import targeted_and_uniform
from planning.risk.simulate import RiskSettings, simulate_risk

DATA = Path(__file__).resolve().parents[1] / "data" / "sample"
TARGETS = (0.8, 0.9, 0.95)


def timed(fn):
    """(result, wall seconds, CPU seconds of this process: the better guide when other jobs
    share the cores)."""
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - t0, time.process_time() - c0


def run(label: str, inputs, forecast) -> None:
    plain_inputs = dataclasses.replace(inputs, scenario=inputs.scenario.replace(
        "plan", quantile=0.5, sla_confidence=None))
    plain, w_plain, c_plain = timed(lambda: optimise(
        plain_inputs, compute_requirements(plain_inputs, forecast), explain=False))
    print(f"\n{label}: plain P50 plan cost {plain.total_cost:,.0f}, shortfall "
          f"{plain.shortfall_fte_weeks:,.1f} FTE-weeks, wall {w_plain:.1f} s, CPU {c_plain:.1f} s "
          "(requirements + MIP)", flush=True)
    print("| p | targeted cost | uniform quantile | uniform cost | saving % | min P promised "
          "(planner / independent) | uniform min P | cells promised | shortfall targeted / "
          "uniform (FTE-weeks) | targeted wall / CPU (s) | x plain (CPU) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for p in TARGETS:
        tp, _uni, row = targeted_and_uniform(p, inputs=inputs, forecast=forecast,
                                             base=ConfidenceSettings(p))
        risk = simulate_risk(inputs, forecast, tp.plan.allocation, RiskSettings(paths=2000, seed=0))
        check = promise_check(risk.summary, tp.cells, p)
        indep = check.loc[check["promised"], "p_meet_sla"].min()
        same = bool(row.get("uniform_same_guarantee"))
        saving = f"{row['saving_pct']:.2f}" if same else "n/a (not the same guarantee)"
        print(f"| {p:g} | {row['total_cost']:,.0f} | P{100 * row['uniform_quantile']:.1f} | "
              f"{row.get('uniform_total_cost', float('nan')):,.0f} | {saving} | "
              f"{row['p_min_promised']:.3f} / {indep:.3f} | "
              f"{row.get('uniform_p_min_promised', float('nan')):.3f} | "
              f"{row['cells_promised']} of {len(tp.cells)} | {row['shortfall_fte_weeks']:,.1f} / "
              f"{row.get('uniform_shortfall_fte_weeks', float('nan')):,.1f} | "
              f"{row['seconds']:.1f} / {row['cpu_seconds']:.1f} | "
              f"{row['cpu_seconds'] / c_plain:.1f} |", flush=True)


def main(argv: list[str]) -> None:
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}, "
          f"{time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC")
    if "--unlimited-only" in argv:
        inputs, fc = synthetic_forecast(n_markets=50, n_weeks=26, caps=False)
        run("synthetic 50 markets, no pool limits", inputs, fc)
        return
    sample = load_inputs(DATA, stage="plan")
    with use_cache(DiskCache()):  # the CLI's forecast cache: a re-run skips the forecast
        forecast, t_fc, _ = timed(lambda: forecast_table(sample))
    print(f"sample forecast: wall {t_fc:.1f} s (from the forecast cache when it holds it)")
    run("data/sample (12 markets, 63 series, 26 weeks)", sample, forecast)
    if "--sample-only" in argv:
        return
    inputs, fc = synthetic_forecast(n_markets=50, n_weeks=26)
    run("synthetic 50 markets x 6 queues, 26 weeks", inputs, fc)
    inputs, fc = synthetic_forecast(n_markets=50, n_weeks=26, caps=False)
    run("synthetic 50 markets, no pool limits", inputs, fc)


if __name__ == "__main__":
    main(sys.argv[1:])
