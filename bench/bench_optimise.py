"""Benchmark: build and solve the staffing MIP on synthetic instances of growing size.

Instances from :func:`devtools.synthetic.synthetic` (seed 1): markets in 10
languages x 6 queues x weeks, 4 sites (attrition, lead time, ramp, headcount and starts
caps), 4 vendors (caps, market lists, slower handling), in-house-only queues and in-house
floors. Times the build (data + PuLP model), the MIP solve (HiGHS, the scenario defaults:
gap 1e-4, limit 60 s) and the explanations (two LPs and their warm re-solves).
Target: the sample-sized instance (12 markets x 26 weeks) well within 60 s.
Also times ``data/sample``. Run: ``python bench/bench_optimise.py [sample] [MxW ...]``,
e.g. ``sample 12x26 50x52`` (the default).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from devtools.synthetic import synthetic
from planning.optimise.build import build_model
from planning.optimise.data import build_data
from planning.optimise.explain import binding_limits, explanation_lps, marginal_costs
from planning.optimise.solve import solve

SIZES = ((12, 26), (50, 52))


def sample_instance():
    """data/sample with requirements from the pipeline (or, without the forecast stage,
    from each weekday's mean of the last four weeks of history)."""
    import pandas as pd

    from planning.inputs.loading import load_inputs
    from planning.periods import plan_days
    from planning.requirements.compute import compute_requirements

    inputs = load_inputs(Path(__file__).resolve().parents[1] / "data" / "sample")
    try:
        from planning.pipeline import requirements_table

        return inputs, requirements_table(inputs), "pipeline forecast"
    except ImportError:
        v = inputs.volumes
        last = v[v["date"] > v["date"].max() - pd.Timedelta(days=28)].assign(wd=lambda f: f["date"].dt.weekday)
        mean = last.groupby(["market", "queue", "wd"], as_index=False)["cases"].mean()
        days = pd.DataFrame({"date": plan_days(inputs.scenario.plan.start, inputs.scenario.plan.weeks)})
        days["wd"] = days["date"].dt.weekday
        fc = mean.merge(days, on="wd").drop(columns="wd").rename(columns={"cases": "p50"})
        return inputs, compute_requirements(inputs, fc), "4-week weekday-mean forecast"


def run(n_markets: int, n_weeks: int, instance=None) -> None:
    inputs, req = instance or synthetic(n_markets=n_markets, n_weeks=n_weeks)
    t0 = time.perf_counter()
    data = build_data(inputs, req)
    model = build_model(data)
    build_s = time.perf_counter() - t0
    cols, rows = len(model.prob.variables()), len(model.prob.constraints())
    out = solve(model, time_limit_s=data.time_limit_s, mip_gap=data.mip_gap, seed=data.seed)
    t1 = time.perf_counter()
    lps = explanation_lps(model)
    binding_limits(model, lps)
    marginal_costs(model, lps)
    explain_s = time.perf_counter() - t1
    gap = "-" if out.gap is None else f"{100 * out.gap:.4f}%"
    print(f"{n_markets:>3} markets x {n_weeks:>3} weeks: {cols:>7,} columns {rows:>7,} rows | "
          f"build {build_s:6.2f} s | MIP {out.seconds:6.2f} s {out.status.value} gap {gap} | "
          f"explain {explain_s:6.2f} s | load {os.getloadavg()[0]:.1f}")


def main(argv: list[str]) -> None:
    for arg in argv or ["sample"] + [f"{m}x{w}" for m, w in SIZES]:
        if arg == "sample":
            inputs, req, how = sample_instance()
            print(f"data/sample ({how}):")
            run(req["market"].nunique(), inputs.scenario.plan.weeks, (inputs, req))
        else:
            m, w = (int(x) for x in arg.split("x"))
            print("synthetic:")
            run(m, w)


if __name__ == "__main__":
    main(sys.argv[1:])
