"""Plan versus actual: actuals tables, KPIs and their traffic lights, the variance split, re-plan.

``tables`` reads the actual_* inputs and the plan's tables; ``kpis`` and ``score`` compute and
grade KPIs; ``variance`` splits the requirement gap into volume, automation, AHT and
productivity (exact Shapley); ``replan`` re-plans from the latest actuals with commitments.
"""
