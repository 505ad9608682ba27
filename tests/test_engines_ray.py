"""The Ray engine (planning.engines.ray) on a local Ray instance: the same answers as local."""

from __future__ import annotations

import pytest
from engine_fixtures import assert_same_everywhere, check_map, ray_engine

pytestmark = pytest.mark.ray


@pytest.fixture(scope="module")
def engine():
    yield from ray_engine()


def test_map_keeps_order_and_sends_shared_arguments(engine):
    check_map(engine)


def test_same_answer_as_local(engine, tiny):
    assert_same_everywhere(engine, tiny)

