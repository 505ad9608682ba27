"""The Ray engine (planning.engines.ray) on a local Ray instance: the same answers as local."""

from __future__ import annotations

import pytest
from engine_fixtures import assert_same_everywhere, ray_engine  # noqa: F401 (fixture)

pytestmark = pytest.mark.ray


def test_map_keeps_order_and_sends_shared_arguments(ray_engine):
    assert ray_engine.map(_scaled, [3, 1, 2], factor=10) == [30, 10, 20]
    assert list(ray_engine.imap(_scaled, iter(range(7)), window=2, factor=2)) == \
        [0, 2, 4, 6, 8, 10, 12]
    assert ray_engine.workers == 2


def test_same_answer_as_local(ray_engine, tiny):
    assert_same_everywhere(ray_engine, tiny)


def _scaled(x: int, factor: int) -> int:
    return x * factor
