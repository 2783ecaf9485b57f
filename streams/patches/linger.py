"""The busy linger: a worker's producer gathers its writes while it is busy, and sends at once while not.

Contract: every `TICK_S` the worker reads how many records Faust's monitor has counted as sent; while
their rate is at or above `busy_records_per_s` the aiokafka producer's batches linger `linger_ms`,
otherwise not at all. A `linger_ms` of 0 leaves the producer alone; an aiokafka without the linger
setting is left alone with a warning. Why: docs/adr/0004-busy-linger.md.
"""
from __future__ import annotations

import asyncio
import logging
from typing import cast

from faust.transport.drivers.aiokafka import Producer
from faust.types import AppT

log = logging.getLogger(__name__)

TICK_S = 0.1


class BusyLinger:
    """How long the producer lingers, from the count of records sent so far."""

    def __init__(self, linger_ms: float, busy_records_per_s: float) -> None:
        self.linger_s = linger_ms / 1000.0
        self.busy_records_per_s = busy_records_per_s
        self._last: tuple[float, int] | None = None

    def linger_after(self, now: float, sent: int) -> float | None:
        """Seconds to linger from now on; None until two readings give a rate."""
        last, self._last = self._last, (now, sent)
        if last is None or now <= last[0]:
            return None
        rate = (sent - last[1]) / (now - last[0])
        return self.linger_s if rate >= self.busy_records_per_s else 0.0


def linger_when_busy(app: AppT, linger_ms: float, busy_records_per_s: float) -> None:
    """Run a BusyLinger over the app's producer as an app task; linger_ms 0 leaves it alone."""
    if linger_ms <= 0:
        return
    linger = BusyLinger(linger_ms, busy_records_per_s)

    async def adjust_linger() -> None:
        await keep_adjusting(app, linger)

    app.task(adjust_linger)


async def keep_adjusting(app: AppT, linger: BusyLinger) -> None:
    """Each TICK_S, set the linger of the batches the producer starts from now on."""
    loop = asyncio.get_running_loop()
    while True:
        await asyncio.sleep(TICK_S)
        accumulator = getattr(cast(Producer, app.producer)._producer, "_message_accumulator", None)
        if accumulator is None:
            continue
        if not hasattr(accumulator, "_linger_time"):
            log.warning("this aiokafka has no linger to adjust; the producer keeps its own")
            return
        wanted = linger.linger_after(loop.time(), app.monitor.messages_sent)
        if wanted is not None:
            accumulator._linger_time = wanted
