"""Weeks and quarters of a plan.

Week t starts on the Monday ``start + 7t``. A week belongs to the calendar quarter of its
Monday (vendor contracts and budgets are per calendar quarter).
"""

from __future__ import annotations

from datetime import date

import pandas as pd


def plan_weeks(start: date | pd.Timestamp, weeks: int) -> pd.DatetimeIndex:
    """Mondays of weeks 0..weeks-1."""
    return pd.date_range(pd.Timestamp(start), periods=weeks, freq="7D")


def plan_days(start: date | pd.Timestamp, weeks: int) -> pd.DatetimeIndex:
    """Every day of the plan."""
    return pd.date_range(pd.Timestamp(start), periods=7 * weeks, freq="D")


def week_of(days: pd.Series | pd.DatetimeIndex) -> pd.Series | pd.DatetimeIndex:
    """The Monday of each day's ISO week."""
    days = pd.to_datetime(days)
    if isinstance(days, pd.Series):
        return (days - pd.to_timedelta(days.dt.weekday, unit="D")).dt.normalize()
    return (days - pd.to_timedelta(days.weekday, unit="D")).normalize()


def quarter_label(day: date | pd.Timestamp) -> str:
    """Calendar quarter of a day, like ``2027Q1``."""
    ts = pd.Timestamp(day)
    return f"{ts.year}Q{ts.quarter}"


def quarter_labels(days: pd.Series | pd.DatetimeIndex) -> pd.Series:
    """Calendar quarter labels of many days."""
    days = pd.Series(pd.to_datetime(days))
    return days.dt.year.astype(str) + "Q" + days.dt.quarter.astype(str)


def mondays_in_quarter(label: str) -> int:
    """Number of Mondays in a calendar quarter like ``2027Q1`` (13 or 14): the weeks a
    quarterly budget is spread over."""
    year, q = int(label[:4]), int(label[-1])
    start = pd.Timestamp(year=year, month=3 * q - 2, day=1)
    end = start + pd.offsets.QuarterEnd(0)
    days = pd.date_range(start, end, freq="D")
    return int((days.weekday == 0).sum())
