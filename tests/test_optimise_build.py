"""The model matches the contract's section 4 line by line: one test per family.

Each test reads the coefficients PuLP holds for a named row and compares them with the
formula written out by hand for a small instance.
"""

from __future__ import annotations

import pytest

from devtools.synthetic import make_inputs, requirements_frame
from planning.inputs.scenario import SolverSettings
from planning.optimise.build import build_model, name
from planning.optimise.data import build_data

W0, W1, W2 = "2027-01-04", "2027-01-11", "2027-01-18"
ATTR = 0.04
SURV = (1 - ATTR) ** (12 / 52)


def _model(budget: float | None = None, integer: bool = True):
    inp = make_inputs(
        markets=[{"market": "ID", "language": "id", "min_inhouse_share": 0.3},
                 {"market": "MY", "language": "ms"}],
        queues=[{"queue": "listing"}, {"queue": "kyc", "inhouse_only": True}],
        sites=[{"site": "JK", "languages": "id;ms", "headcount": 10.0, "cost_per_fte_month": 5200.0,
                "hire_cost": 900.0, "attrition_month": ATTR, "max_headcount": 30.0,
                "max_starts_week": 3.0, "lead_weeks": 1, "ramp": (0.0, 0.5)}],
        vendors=[{"vendor": "BPO", "languages": "id", "price_per_fte_month": 2600.0,
                  "min_fte": 2.0, "max_fte": 9.0, "aht_factor": 1.25}],
        weeks=3, solver=SolverSettings(budget_per_quarter=budget, integer_hires=integer))
    req = requirements_frame(inp, {("ID", "listing"): [4.0, 5.0, 6.0], ("ID", "kyc"): 1.0,
                                   ("MY", "listing"): [0.0, 2.0, 2.0]})
    return build_model(build_data(inp, req))


def coeffs(model, family, *key):
    """{readable variable name: coefficient} and the right-hand side of a named row."""
    con = model.con[family][key]
    readable = {v.name: n for fam, vs in model.var.items() for k, v in vs.items()
                for n in [name(fam, *k)]}
    return {readable[v.name]: c for v, c in con.items()}, -con.constant, con.sense


def test_names_are_the_index():
    m = _model()
    assert name("starts", "JK", W0) == "starts[JK][2027-01-04]"
    assert set(m.var) == {"starts", "H", "F", "x", "short"}
    assert ("JK", "ID", "listing", W1) in m.var["x"]
    assert m.prob.get_constraint_by_name("cover_ID__listing__2027_01_04_") is m.con["cover"][("ID", "listing", W0)]


def test_starts_integer_zero_before_lead_time():
    m = _model()
    s0, s1 = m.var["starts"][("JK", W0)], m.var["starts"][("JK", W1)]
    assert (s0.lowBound, s0.upBound) == (0, 0)          # lead_weeks = 1
    assert (s1.lowBound, s1.upBound) == (0, None)
    assert s1.cat == "Integer"
    assert _model(integer=False).var["starts"][("JK", W1)].cat == "Continuous"


def test_headcount_balance():
    c, rhs, sense = coeffs(_model(), "headcount", "JK", W0)
    # H[0] = survival x headcount + starts[0]
    assert c == {"H[JK][2027-01-04]": 1, "starts[JK][2027-01-04]": -1}
    assert rhs == pytest.approx(SURV * 10) and sense == 0
    c, rhs, _ = coeffs(_model(), "headcount", "JK", W1)
    assert c == pytest.approx({"H[JK][2027-01-11]": 1, "H[JK][2027-01-04]": -SURV,
                               "starts[JK][2027-01-11]": -1})
    assert rhs == 0


def test_headcount_and_starts_caps():
    m = _model()
    c, rhs, sense = coeffs(m, "max_headcount", "JK", W2)
    assert c == {"H[JK][2027-01-18]": 1} and rhs == 30 and sense == -1
    c, rhs, sense = coeffs(m, "max_starts", "JK", W1)
    assert c == {"starts[JK][2027-01-11]": 1} and rhs == 3 and sense == -1
    assert ("JK", W0) not in m.con["max_starts"]     # starts are 0 there anyway


def test_site_capacity_with_ramp():
    c, rhs, sense = coeffs(_model(), "site_capacity", "JK", W2)
    # sum x <= H[2] - (1 - 0) starts[2] - (1 - 0.5) x survival x starts[1]: last week's
    # starts are deducted only as far as they are still there (spec section 4, revised)
    survival = (1 - ATTR) ** (12 / 52)
    assert c == pytest.approx({
        "x[JK][ID][listing][2027-01-18]": 1, "x[JK][ID][kyc][2027-01-18]": 1,
        "x[JK][MY][listing][2027-01-18]": 1, "H[JK][2027-01-18]": -1,
        "starts[JK][2027-01-18]": 1.0, "starts[JK][2027-01-11]": 0.5 * survival})
    assert rhs == 0 and sense == -1


def test_vendor_bounds_and_capacity():
    m = _model()
    c, rhs, sense = coeffs(m, "vendor_min", "BPO", "2027Q1")
    assert c == {"F[BPO][2027Q1]": 1} and rhs == 2 and sense == 1
    c, rhs, sense = coeffs(m, "vendor_max", "BPO", "2027Q1")
    assert c == {"F[BPO][2027Q1]": 1} and rhs == 9 and sense == -1
    c, rhs, sense = coeffs(m, "vendor_capacity", "BPO", W1)
    # sum x <= F / aht_factor; the vendor sees ID listing only (kyc is in-house only,
    # MY is in a language it does not review)
    assert c == pytest.approx({"x[BPO][ID][listing][2027-01-11]": 1, "F[BPO][2027Q1]": -1 / 1.25})
    assert rhs == 0 and sense == -1


def test_coverage():
    m = _model()
    c, rhs, sense = coeffs(m, "cover", "ID", "listing", W1)
    assert c == {"x[JK][ID][listing][2027-01-11]": 1, "x[BPO][ID][listing][2027-01-11]": 1,
                 "short[ID][listing][2027-01-11]": 1}
    assert rhs == 5 and sense == 0   # written as "=": no allocation beyond the need
    c, _, _ = coeffs(m, "cover", "ID", "kyc", W1)
    assert set(c) == {"x[JK][ID][kyc][2027-01-11]", "short[ID][kyc][2027-01-11]"}
    assert ("MY", "listing", W0) not in m.con["cover"]   # nothing required that week


def test_inhouse_floor():
    c, rhs, sense = coeffs(_model(), "inhouse_floor", "ID", W0)
    # sum_s x - 0.3 x sum_p x >= 0
    assert c == pytest.approx({"x[JK][ID][listing][2027-01-04]": 0.7, "x[JK][ID][kyc][2027-01-04]": 0.7,
                               "x[BPO][ID][listing][2027-01-04]": -0.3})
    assert rhs == 0 and sense == 1
    assert ("MY", W1) not in _model().con["inhouse_floor"]    # MY has no floor


def test_budget_with_overrun_slack():
    m = _model(budget=130_000.0)
    c, rhs, sense = coeffs(m, "budget", "2027Q1")
    wk = 5200 * 12 / 52
    expect = {f"H[JK][{w}]": wk for w in (W0, W1, W2)}
    expect |= {f"starts[JK][{w}]": 900.0 for w in (W0, W1, W2)}
    expect |= {"F[BPO][2027Q1]": 2600 * 12 / 52 * 3, "overrun[2027Q1]": -1}
    assert c == pytest.approx(expect)
    # 3 planned weeks of a 13-Monday quarter: the budget is pro-rated
    assert rhs == pytest.approx(130_000 * 3 / 13) and sense == -1


def test_objective():
    m = _model()
    wk, vwk = 5200 * 12 / 52, 2600 * 12 / 52
    obj = {v.name: c for v, c in m.prob.objective.items()}
    assert obj[m.var["H"][("JK", W1)].name] == pytest.approx(wk)
    assert obj[m.var["starts"][("JK", W1)].name] == pytest.approx(900)
    assert obj[m.var["F"][("BPO", "2027Q1")].name] == pytest.approx(vwk * 3)   # 3 planned weeks
    # default penalty: 10 x the highest weekly FTE cost (site 1200 > vendor 600)
    assert obj[m.var["short"][("ID", "kyc", W0)].name] == pytest.approx(10 * wk)
    assert m.var["x"][("JK", "ID", "kyc", W0)].name not in obj
