"""Time as Muster's rules see it: passed in, never read inside them."""
from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]
"""Returns the current time, timezone-aware. Workers and the API are given one by the composition
root; tests give their own."""


def system_clock() -> datetime:
    """The wall clock, in UTC."""
    return datetime.now(UTC)
