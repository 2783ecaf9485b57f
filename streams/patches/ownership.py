"""The ownership guard: a worker that was frozen past its session acts on no partition it lost.

Contract: a watchdog task ticks every `TICK_S`; a gap between ticks longer than 0.9 of the session
timeout marks the worker as thawed from a freeze (SIGSTOP, VM pause, long GC). Before its next event
an agent then waits for the rebalance that follows (or for the session timeout to pass without one)
and processes only events of partitions the worker still owns. Without it a thawed worker would go
on processing the events in its buffers with the table state it had, and its changelog writes would
overwrite the newer state of the partition's new owner.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any

from faust.types import AppT, EventT

log = logging.getLogger(__name__)


class OwnershipGuard:
    """Notices a freeze of its worker and, after one, which events it may still process."""

    TICK_S = 0.25

    def __init__(self, app: AppT, session_timeout_s: float) -> None:
        self.app = app
        self.threshold_s = session_timeout_s * 0.9
        """A freeze shorter than the session cannot have cost the partitions; a loaded box stalls
        its loop for seconds without being a zombie."""
        self.session_timeout_s = session_timeout_s
        self.last_tick: float | None = None
        self.thawed_after: float | None = None
        """Set by whichever notices a freeze first, the watchdog or an agent; cleared by settle."""
        self.pauses = 0

    async def watch(self) -> None:
        """The watchdog: runs as an app task for as long as the worker does."""
        loop = asyncio.get_running_loop()
        while True:
            self.frozen()
            self.last_tick = loop.time()
            await asyncio.sleep(self.TICK_S)

    def frozen(self) -> bool:
        """Whether a freeze was noticed and not yet settled."""
        if self.last_tick is not None and self.thawed_after is None:
            gap = asyncio.get_running_loop().time() - self.last_tick
            if gap > self.threshold_s:
                self.thawed_after = gap
        return self.thawed_after is not None

    async def settle(self) -> None:
        """Wait until group membership after a freeze is known: a rebalance, or none in time."""
        self.pauses += 1
        loop = asyncio.get_running_loop()
        before = self.app.rebalancing_count
        log.warning("this worker was frozen for %.1f s; checking it still owns its partitions", self.thawed_after)
        deadline = loop.time() + self.session_timeout_s
        while loop.time() < deadline and self.app.rebalancing_count == before and not self.app.rebalancing:
            await asyncio.sleep(self.TICK_S)
        while self.app.rebalancing:
            await asyncio.sleep(self.TICK_S)
        self.last_tick = loop.time()
        self.thawed_after = None

    def owns(self, event: EventT[Any]) -> bool:
        """Whether the event's partition is assigned to this worker now."""
        return event.message.tp in self.app.consumer.assignment()
