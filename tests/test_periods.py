"""Weeks and quarters: counted on the calendar by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from planning.periods import mondays_in_quarter, plan_weeks, quarter_label, quarter_labels


@pytest.mark.parametrize("label, mondays", [
    ("2027Q1", 13),  # 1 Jan 2027 is a Friday: Mondays 4 Jan .. 29 Mar
    ("2024Q3", 14),  # 1 Jul 2024 is a Monday: 1 Jul .. 30 Sep, 92 days
    ("2024Q1", 13),  # leap year: 1 Jan 2024 is a Monday, 91 days: 1 Jan .. 25 Mar
    ("2026Q4", 13),  # 1 Oct 2026 is a Thursday: 5 Oct .. 28 Dec
])
def test_mondays_in_a_quarter(label, mondays):
    assert mondays_in_quarter(label) == mondays


def test_weeks_belong_to_the_quarter_of_their_monday():
    weeks = plan_weeks(pd.Timestamp("2027-03-22"), 3)  # 22 Mar, 29 Mar, 5 Apr
    assert quarter_labels(weeks).tolist() == ["2027Q1", "2027Q1", "2027Q2"]
    assert quarter_label(weeks[2]) == "2027Q2"
