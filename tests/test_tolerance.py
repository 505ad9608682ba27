"""The golden-file comparison fails on real changes and passes on last-digit noise."""

from __future__ import annotations

import json

import pytest
from tolerance import assert_same_json, assert_same_text


def test_last_digit_noise_passes():
    assert_same_json(json.dumps({"a": [1.0000000000000002, "x"], "b": None}),
                     json.dumps({"a": [1.0, "x"], "b": None}))
    assert_same_text("c1: 3.0000000000000004 x + 2 y >= 7\n", "c1: 3 x + 2 y >= 7\n")


@pytest.mark.parametrize("got, want", [
    ({"a": 1.001}, {"a": 1.0}),             # a number that moved
    ({"a": 1.0, "b": 2}, {"a": 1.0}),       # an added key
    ({"b": 2, "a": 1}, {"a": 1, "b": 2}),   # key order (plan.json is written in a fixed order)
    ({"a": "x"}, {"a": "y"}),               # text
    ({"a": [1, 2]}, {"a": [1]}),            # a row more
    ({"a": None}, {"a": 0.0}),              # null against a number
    ({"a": True}, {"a": 1}),                # a boolean is not a number
])
def test_real_changes_fail(got, want):
    with pytest.raises(AssertionError):
        assert_same_json(json.dumps(got), json.dumps(want))


@pytest.mark.parametrize("got, want", [
    ("c1: 3 x + 2 y >= 7.01", "c1: 3 x + 2 y >= 7"),
    ("c1: 3 x + 2 z >= 7", "c1: 3 x + 2 y >= 7"),
    ("c1: 3 x >= 7\nc2: y <= 1", "c1: 3 x >= 7"),
])
def test_real_text_changes_fail(got, want):
    with pytest.raises(AssertionError):
        assert_same_text(got, want)
