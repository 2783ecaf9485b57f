"""Long-lived objects leave the cyclic collector's walk; garbage is collected, not kept."""
from __future__ import annotations

import gc
import weakref

import pytest

from core.heap import freeze_long_lived_objects, stop_freezing_survivors


@pytest.fixture
def unfrozen():
    stop_freezing_survivors()
    gc.unfreeze()
    yield
    stop_freezing_survivors()
    gc.unfreeze()


class Node:
    def __init__(self) -> None:
        self.me = self


def walked(obj) -> bool:
    """Whether the collector still walks `obj` (frozen objects are no longer listed)."""
    return any(o is obj for o in gc.get_objects())


def test_what_lives_at_startup_is_frozen_and_a_garbage_cycle_is_collected_first(unfrozen):
    kept = Node()
    dropped = Node()
    gone = weakref.ref(dropped)
    del dropped

    freeze_long_lived_objects()

    assert gone() is None
    assert gc.get_freeze_count() > 0
    assert not walked(kept)


def test_what_survives_a_later_full_collection_is_frozen_and_later_garbage_cycles_are_collected(unfrozen):
    freeze_long_lived_objects()
    kept = Node()
    dropped = Node()
    gone = weakref.ref(dropped)
    del dropped
    assert walked(kept)

    gc.collect()

    assert gone() is None
    assert not walked(kept)


def test_a_younger_collection_freezes_nothing(unfrozen):
    freeze_long_lived_objects()
    kept = Node()
    gc.collect(0)
    assert walked(kept)
