"""Keeps what lives long out of the cyclic garbage collector's way.

A full collection walks every object it tracks while every request and event in flight waits.
What survives one is long-lived state (snapshots, indexes, connections), freed by reference
counting when it is replaced; so it is frozen, and each full collection walks only what came
since the last. The price: a reference cycle among frozen objects that later becomes garbage is
never collected. Why and what it saved: docs/adr/0009-frozen-heap.md.
"""
from __future__ import annotations

import gc


def freeze_long_lived_objects() -> None:
    """Collect what is garbage already, freeze every object alive now (modules, the gazetteer,
    Faust's machinery, the views rebuilt at start), and from now on freeze the survivors of each
    full collection. Call it once the process has started."""
    gc.collect()
    gc.freeze()
    if _freeze_survivors not in gc.callbacks:
        gc.callbacks.append(_freeze_survivors)


def stop_freezing_survivors() -> None:
    """Undo the callback (for tests): frozen objects stay frozen until `gc.unfreeze()`."""
    if _freeze_survivors in gc.callbacks:
        gc.callbacks.remove(_freeze_survivors)


def _freeze_survivors(phase: str, info: dict[str, int]) -> None:
    if phase == "stop" and info["generation"] == 2:
        gc.freeze()
