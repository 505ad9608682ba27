"""The staffing optimiser (a MIP over HiGHS through PuLP), in separate steps:

data (tables -> index sets and parameters) -> build (PuLP problem with named variables and
constraints) -> solve (HiGHS; typed status) -> extract (tidy tables) -> explain (shortfall
reasons, binding limits, marginal costs) -> ask (the quarterly headcount ask). ``result``
holds :class:`PlanResult`, the one type a plan travels as, and its file plan.json.
See docs/optimiser.md for the model.
"""

from planning.optimise.result import PlanResult, plan_json_text, write_plan_json
from planning.optimise.run import optimise
from planning.optimise.solve import PlanStatus

__all__ = ["PlanResult", "PlanStatus", "optimise", "plan_json_text", "write_plan_json"]
