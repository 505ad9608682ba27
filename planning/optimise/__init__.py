"""The staffing optimiser (a MIP over HiGHS through PuLP), in separate steps:

data (tables -> index sets and parameters) -> build (PuLP problem with named variables and
constraints) -> solve (HiGHS; typed status) -> extract (tidy tables) -> explain (shortfall
reasons, binding limits, marginal costs) -> ask (the quarterly headcount ask).
See docs/optimiser.md for the model.
"""

from planning.optimise.output import plan_to_json, write_plan_json
from planning.optimise.run import PlanResult, optimise
from planning.optimise.solve import PlanStatus

__all__ = ["PlanResult", "PlanStatus", "optimise", "plan_to_json", "write_plan_json"]
