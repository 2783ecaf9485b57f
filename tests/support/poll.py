"""Waiting with deadlines instead of sleeps."""
from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


def until(check: Callable[[], T], deadline_s: float = 30, every_s: float = 0.1, what: str = "condition") -> T:
    """Call `check` until it returns something truthy; fail with `what` after the deadline."""
    end = time.monotonic() + deadline_s
    last: T | None = None
    while time.monotonic() < end:
        last = check()
        if last:
            return last
        time.sleep(every_s)
    raise AssertionError(f"timed out after {deadline_s:.0f} s waiting for {what}; last saw {last!r}")


async def until_async(check: Callable[[], Awaitable[T]], deadline_s: float = 30, every_s: float = 0.1,
                      what: str = "condition") -> T:
    end = time.monotonic() + deadline_s
    last: T | None = None
    while time.monotonic() < end:
        last = await check()
        if last:
            return last
        await asyncio.sleep(every_s)
    raise AssertionError(f"timed out after {deadline_s:.0f} s waiting for {what}; last saw {last!r}")
