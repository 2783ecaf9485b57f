"""Hands each fetched message to the streams without four asyncio tasks per message.

Faust's fetch loop waits for each message's delivery, or for the flow's suspension when a
rebalance begins, through mode's `wait_first`: it wraps both, and the consumer's stop and crash
events, in four tasks and an `asyncio.wait`, for every message. In `muster bench` (a) that cost a
worker about a quarter of its CPU per event. While the flow runs, a delivery does not wait on
flow control, so it is awaited directly. One that still blocks (a stream's buffer or the
producer's full) completes after a rebalance that begins meanwhile, and the streams skip it as
fetched in an earlier generation, as they skip any such message. While the flow is suspended,
Faust's own `wait_first` runs.
"""
from __future__ import annotations

from mode.services import WaitResults


def deliver_without_tasks(app) -> None:
    """Make the app's consumer, once it exists, await each delivery directly while the flow runs."""
    make_consumer = app._new_consumer

    def new_consumer():
        consumer = make_consumer()
        wait_first = consumer.wait_first
        suspended = consumer.suspend_flow

        async def deliver_or_suspend(*coros, timeout=None) -> WaitResults:
            if (timeout is None and len(coros) == 2 and _waits_on(coros[1], suspended)
                    and not suspended.is_set() and app.flow_control.is_active()):
                delivery, suspension = coros
                suspension.close()
                return WaitResults([delivery], [await delivery], False)
            return await wait_first(*coros, timeout=timeout)

        consumer.wait_first = deliver_or_suspend
        return consumer

    app._new_consumer = new_consumer


def _waits_on(coro, event) -> bool:
    """Whether coro is `event.wait()`, not yet started: the fetch loop's second argument."""
    frame = getattr(coro, "cr_frame", None)
    return frame is not None and frame.f_code is type(event).wait.__code__ and frame.f_locals.get("self") is event
