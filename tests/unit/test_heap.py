"""Startup objects leave the cyclic collector's walk; garbage made before is collected, not kept."""
from __future__ import annotations

import gc
import weakref

import pytest

from muster.heap import freeze_startup_objects


@pytest.fixture
def unfrozen():
    gc.unfreeze()
    yield
    gc.unfreeze()


class Node:
    def __init__(self) -> None:
        self.me = self


def test_what_lives_at_startup_is_frozen_and_a_garbage_cycle_is_collected_first(unfrozen):
    kept = Node()
    dropped = Node()
    gone = weakref.ref(dropped)
    del dropped

    freeze_startup_objects()

    assert gone() is None
    assert gc.get_freeze_count() > 0
    assert not any(obj is kept for obj in gc.get_objects())  # frozen objects are no longer walked
