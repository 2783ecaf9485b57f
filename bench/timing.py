"""How the in-process sections time code: CPU time of this thread, with the collector paused."""
from __future__ import annotations

import gc
import time
from contextlib import contextmanager


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
