"""Unit conversions of the contract, defined once.

Costs per month become costs per week by ``x 12 / 52``; a monthly attrition ``a`` becomes a
weekly survival ``(1 - a) ** (12 / 52)``, and a weekly survival ``s`` the monthly attrition
``1 - s ** (52 / 12)``. Each function takes a number or a pandas/numpy array alike.
"""

from __future__ import annotations

from typing import TypeVar

#: a number, or a pandas Series / numpy array of numbers
Num = TypeVar("Num")

#: Largest multiplier, uplift, factor or premium taken anywhere (levers, events, vendors,
#: surge, overtime, forecast overrides): x100 is beyond any real what-if or sale day, and
#: larger values (a percentage typed as a factor) make realtime staffing run for hours.
MAX_MULTIPLIER = 100.0

WEEKS_PER_MONTH = 52.0 / 12.0
"""Weeks in an average month (52 weeks / 12 months)."""

#: ``12/52`` as Excel formula text: ``=cell*12/52`` is the cell's per-week amount
EXCEL_MONTH_TO_WEEK = "12/52"


def weekly_from_monthly(per_month: Num) -> Num:
    """A per-month amount (cost, price; currency per month) as per week: ``x 12 / 52``."""
    return per_month / WEEKS_PER_MONTH


def weekly_survival(attrition_month: Num) -> Num:
    """Share of staff still there after one week (0-1), from a monthly attrition rate (0-1)."""
    return (1.0 - attrition_month) ** (1.0 / WEEKS_PER_MONTH)


def monthly_attrition(weekly_survival_rate: Num) -> Num:
    """A monthly attrition rate (0-1) from a weekly survival rate (0-1); inverse of
    :func:`weekly_survival`."""
    return 1.0 - weekly_survival_rate ** WEEKS_PER_MONTH


def excel_weekly(per_month: Num) -> Num:
    """``per_month*12/52`` evaluated as Excel evaluates that formula text (left to right), so
    a cached cell value is exactly what Excel computes from :data:`EXCEL_MONTH_TO_WEEK`."""
    return per_month * 12 / 52
