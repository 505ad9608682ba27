"""A tiny optimised plan with overtime and vendor surge used, over two quarters, whose costs
are worked out by hand (shared by the cost tests of plan.json, the comparison and the
workbook)."""

from __future__ import annotations

from datetime import date

from devtools.synthetic import make_inputs, requirements_frame
from planning.optimise import optimise

# An optimised plan with overtime and surge used, over two quarters (weeks 2027-03-15, -22,
# -29 in Q1, 04-05 in Q2). Site JK: 50 people at 5200/month = 1200 per FTE-week, serves ID
# only; overtime up to 10% at 1.5 x = 1800 per FTE-week; a hire costs 20,000. Vendor BPO:
# 2600/month = 600 per FTE-week, serves MY only; surge up to 8 FTE in week 03-22 at
# 1.5 x 600 = 900. Shortfall penalty 10 x 1200 = 12,000.
# ID needs 50, 55, 50, 50: overtime 5 in week 03-22 (9,000) beats hiring and shortfall.
# MY needs 4, 12, 4, 4: contract 4 FTE for Q1 (4 x 600 x 3 = 7,200) and 8 surge in week
# 03-22 (7,200; a Q1 contract FTE would cost 1,800), contract 4 FTE for Q2 (2,400).
Q1_COST = 50 * 1200 * 3 + 9_000 + 7_200 + 7_200      # sites, overtime, contract, surge
Q2_COST = 50 * 1200 * 1 + 2_400


def overtime_and_surge_plan(surge: bool = True):
    """(inputs, PlanResult); surge=False drops the vendor_surge row (then MY's week-03-22 peak
    is contracted for the whole of Q1: 12 x 600 x 3 = 21,600)."""
    inp = make_inputs(markets=[{"market": "ID", "language": "id"}, {"market": "MY", "language": "ms"}],
                      queues=[{"queue": "listing"}], start=date(2027, 3, 15), weeks=4,
                      sites=[{"site": "JK", "languages": "id", "headcount": 50.0,
                              "cost_per_fte_month": 5200.0, "hire_cost": 20_000.0,
                              "overtime_max_share": 0.1, "overtime_premium": 1.5}],
                      vendors=[{"vendor": "BPO", "languages": "ms", "price_per_fte_month": 2600.0}],
                      vendor_surge=[{"vendor": "BPO", "week": "2027-03-22", "max_fte": 8.0}] if surge
                      else None)
    req = requirements_frame(inp, {("ID", "listing"): [50.0, 55.0, 50.0, 50.0],
                                   ("MY", "listing"): [4.0, 12.0, 4.0, 4.0]})
    return inp, optimise(inp, req)
