"""Required FTE per market, queue and week: deadline workload and Erlang C/A queueing.

``compute`` applies the contract's section 3 to a forecast; ``queueing`` holds the Erlang B/C/A
numerics (stable to 10,000 Erlangs) that realtime staffing and the risk simulation share.
"""

from planning.requirements.compute import compute_requirements, quantile_column

__all__ = ["compute_requirements", "quantile_column"]
