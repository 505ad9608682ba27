"""A second method: small random instances solved by enumerating every hiring plan.

One site, one vendor, one market and queue, 4 weeks in one quarter. For each vector of
whole starts the best vendor level is one of the breakpoints of the (convex, piecewise
linear) cost in F, so enumeration finds the true optimum without a solver.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from devtools.synthetic import make_inputs, requirements_frame
from planning.inputs.scenario import SolverSettings
from planning.optimise import PlanStatus, optimise

WEEKS = 4
MAX_STARTS = 6


def _instance(seed: int):
    rng = np.random.default_rng(seed)
    site = {"site": "S", "languages": "id", "headcount": float(rng.integers(0, 6)),
            "cost_per_fte_month": float(rng.integers(3, 8) * 1000),
            "hire_cost": float(rng.integers(0, 3) * 1000),
            "attrition_month": float(rng.choice([0.0, 0.05, 0.2])),
            "lead_weeks": int(rng.integers(0, 2)),
            "ramp": [(), (0.5,), (0.0, 0.5)][int(rng.integers(0, 3))],
            "max_headcount": float(rng.choice([np.nan, 9.0])),
            "max_starts_week": float(rng.choice([np.nan, 3.0]))}
    vendor = {"vendor": "V", "languages": "id", "price_per_fte_month": float(rng.integers(2, 9) * 1000),
              "min_fte": float(rng.choice([0.0, 1.0])), "max_fte": float(rng.choice([2.0, 4.0])),
              "aht_factor": float(rng.choice([1.0, 1.3]))}
    req = [float(x) for x in rng.integers(0, 10, WEEKS)]
    return site, vendor, req


def _brute_force(site, vendor, req, penalty):
    s = (1 - site["attrition_month"]) ** (12 / 52)
    c, h = site["cost_per_fte_month"] * 12 / 52, site["hire_cost"]
    p = vendor["price_per_fte_month"] * 12 / 52
    lo, hi, aht = vendor["min_fte"], vendor["max_fte"], vendor["aht_factor"]
    cap_h = site["max_headcount"]
    cap_s = site["max_starts_week"]
    lead, ramp = site["lead_weeks"], site["ramp"]
    best = np.inf
    choices = [range(MAX_STARTS + 1) if t >= lead else [0] for t in range(WEEKS)]
    for starts in itertools.product(*choices):
        if not np.isnan(cap_s) and max(starts) > cap_s:
            continue
        heads, cap, prev, ok = [], [], site["headcount"], True
        for t in range(WEEKS):
            prev = s * prev + starts[t]
            loss = sum((1 - r) * s**k * starts[t - k] for k, r in enumerate(ramp) if t - k >= 0)
            if (not np.isnan(cap_h) and prev > cap_h + 1e-9) or prev - loss < -1e-9:
                ok = False
                break
            heads.append(prev)
            cap.append(prev - loss)
        if not ok:
            continue
        fixed = sum(c * hh + h * n for hh, n in zip(heads, starts, strict=True))
        cands = {lo, hi} | {min(hi, max(lo, aht * (r - k))) for r, k in zip(req, cap, strict=True)}
        for f in cands:
            short = sum(max(0.0, r - k - f / aht) for r, k in zip(req, cap, strict=True))
            best = min(best, fixed + p * WEEKS * f + penalty * short)
    return best


@pytest.mark.parametrize("seed", range(12))
def test_optimum_equals_enumeration(seed):
    site, vendor, req = _instance(seed)
    penalty = 20_000.0
    inp = make_inputs(markets=[{"market": "ID", "language": "id"}], queues=[{"queue": "l"}],
                      sites=[site], vendors=[vendor], weeks=WEEKS,
                      solver=SolverSettings(shortfall_penalty=penalty, mip_gap=0.0))
    r = optimise(inp, requirements_frame(inp, {("ID", "l"): req}), explain=False)
    assert r.status is PlanStatus.OPTIMAL
    assert max(r.sites["starts"]) <= MAX_STARTS  # enumeration range covers the plan
    assert r.objective == pytest.approx(_brute_force(site, vendor, req, penalty), rel=1e-7)
