"""Unit conversions of the contract, defined once.

Costs per month become costs per week by ``x 12 / 52``; a monthly attrition ``a`` becomes a
weekly survival ``(1 - a) ** (12 / 52)``.
"""

from __future__ import annotations

WEEKS_PER_MONTH = 52.0 / 12.0
"""Weeks in an average month (52 weeks / 12 months)."""


def weekly_from_monthly(per_month: float):
    """A per-month amount (cost, price) as a per-week amount: ``x 12 / 52``."""
    return per_month / WEEKS_PER_MONTH


def weekly_survival(attrition_month: float):
    """Share of staff still there after one week, from a monthly attrition rate."""
    return (1.0 - attrition_month) ** (1.0 / WEEKS_PER_MONTH)


def monthly_attrition(weekly_survival_rate: float):
    """A monthly attrition rate from a weekly survival rate (inverse of weekly_survival)."""
    return 1.0 - weekly_survival_rate ** WEEKS_PER_MONTH
