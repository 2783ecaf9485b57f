"""Lets a busy worker gather its writes into fewer produce requests, and a quiet one send at once.

With no linger, each record a worker writes (a reply, a snapshot on a changelog) leaves in the next
produce request as soon as the one before it is answered. A referral's round trip at 50 a second
needs exactly that. Under a backlog the same habit sends one small request after another, and the
broker and the worker pay for each one. Draining 10,000 mixed commands with two workers, five runs
each way in turns, a 3 ms linger gave 2,480 events/s against 2,327 (median), at 0.48 against 0.53
CPU ms per event in the workers (the broker's: 0.15-0.16 against 0.18-0.19 in the two pairs
where it was read); one worker, whose single request in flight already gathers what it writes
meanwhile, drained as fast either way. So the producer lingers only while the worker is busy:
every TICK_S the worker reads how many records Faust's monitor has counted as sent, and lingers
`busy_linger_ms` while their rate is at or above `busy_records_per_s`, not at all otherwise.
"""
from __future__ import annotations

import asyncio
import logging

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


def linger_when_busy(app, linger_ms: float, busy_records_per_s: float) -> None:
    """Run a BusyLinger over the app's producer as an app task; linger_ms 0 leaves it alone."""
    if linger_ms <= 0:
        return
    linger = BusyLinger(linger_ms, busy_records_per_s)

    @app.task
    async def adjust_linger() -> None:
        await keep_adjusting(app, linger)


async def keep_adjusting(app, linger: BusyLinger) -> None:
    """Each TICK_S, set the linger of the batches the producer starts from now on."""
    loop = asyncio.get_running_loop()
    while True:
        await asyncio.sleep(TICK_S)
        accumulator = getattr(app.producer._producer, "_message_accumulator", None)
        if accumulator is None:
            continue
        if not hasattr(accumulator, "_linger_time"):
            log.warning("this aiokafka has no linger to adjust; the producer keeps its own")
            return
        wanted = linger.linger_after(loop.time(), app.monitor.messages_sent)
        if wanted is not None:
            accumulator._linger_time = wanted
