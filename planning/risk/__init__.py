"""How likely a plan is to meet its SLAs, and what more confidence costs.

``simulate`` runs the Monte Carlo over forecast uncertainty (``paths`` draws demand and AHT,
``backlog`` serves deferrable work FIFO, ``realtime`` realtime intervals); ``frontier`` re-plans
at several quantiles for the cost-vs-risk frontier; ``compliance`` reports FTE per language and
EU market.
"""

from planning.risk.simulate import RiskResult, RiskSettings, simulate_risk

__all__ = ["RiskResult", "RiskSettings", "simulate_risk"]
