"""How the in-process sections time code: CPU time of this thread, with the collector paused."""
from __future__ import annotations

import gc
import time
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from typing import TypeVar

B = TypeVar("B")


def clock() -> float:
    """CPU seconds of this thread: on a shared box, time spent descheduled is not the code's."""
    return time.thread_time()


@contextmanager
def collector_paused():
    """The cyclic collector is off while code is timed, as in timeit: this process holds the
    other sections' data, and a full pass (60-100 ms here) stalls every request in flight, or is
    charged to whichever search ran, Muster's or the baseline's. One landed in a 10k-shelter
    search once: 150 queries averaged 800 µs instead of 220."""
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def in_turns(methods: Sequence[Callable[[B], list]], blocks: Sequence[B]) -> tuple[list[list], list[float]]:
    """What each method answers for every block, and its CPU seconds. The methods take turns block
    by block, each going first in turn, so that a burst of load on the shared box falls on all of
    them alike and none always meets the caches another left; one run each, so that no method
    gets a kinder statistic than another."""
    found: list[list] = [[] for _ in methods]
    spent = [0.0] * len(methods)
    for b, block in enumerate(blocks):
        for j in range(len(methods)):
            m = (b + j) % len(methods)
            t = clock()
            found[m] += methods[m](block)
            spent[m] += clock() - t
    return found, spent
