"""While the flow runs, a fetched message is delivered without mode's four tasks; otherwise Faust's
own wait for delivery or suspension runs."""
from __future__ import annotations

import asyncio
import warnings

import pytest
from mode.services import WaitResults

from streams.draining import deliver_without_tasks


class FlowControl:
    def __init__(self) -> None:
        self.active = True

    def is_active(self) -> bool:
        return self.active


class FakeConsumer:
    """Faust's consumer: its wait_first wraps every argument in a task."""

    def __init__(self) -> None:
        self.suspend_flow = asyncio.Event()
        self.waited = 0

    async def wait_first(self, *coros, timeout=None) -> WaitResults:
        self.waited += 1
        tasks = [asyncio.ensure_future(c) for c in coros]
        done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        return WaitResults([c for c, t in zip(coros, tasks) if t in done], [t.result() for t in done], False)


class FakeApp:
    def __init__(self) -> None:
        self.flow_control = FlowControl()
        self._new_consumer = FakeConsumer


@pytest.fixture
def app_and_consumer():
    app = FakeApp()
    deliver_without_tasks(app)
    return app, app._new_consumer()


async def test_while_the_flow_runs_a_delivery_is_awaited_in_place_and_the_suspension_wait_is_never_started(app_and_consumer):
    _, consumer = app_and_consumer
    delivered = []

    async def deliver(message):
        delivered.append((message, asyncio.current_task()))
        return "ok"

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a never-awaited coroutine would warn
        result = await consumer.wait_first(deliver("m1"), consumer.suspend_flow.wait())
    assert delivered == [("m1", asyncio.current_task())]
    assert result.results == ["ok"] and not result.stopped
    assert consumer.waited == 0


async def test_a_failed_delivery_raises_to_the_fetch_loop_as_before(app_and_consumer):
    _, consumer = app_and_consumer

    async def deliver(message):
        raise RuntimeError("decode failed")

    with pytest.raises(RuntimeError, match="decode failed"):
        await consumer.wait_first(deliver("m1"), consumer.suspend_flow.wait())


async def test_while_the_flow_is_suspended_faust_waits_for_delivery_or_suspension(app_and_consumer):
    app, consumer = app_and_consumer
    consumer.suspend_flow.set()
    blocked = asyncio.Event()

    async def deliver(message):
        await blocked.wait()

    result = await consumer.wait_first(deliver("m1"), consumer.suspend_flow.wait())
    assert consumer.waited == 1 and not blocked.is_set() and len(result.done) == 1


async def test_when_flow_control_is_off_or_the_call_is_another_one_faust_waits_as_before(app_and_consumer):
    app, consumer = app_and_consumer

    async def deliver(message):
        return message

    app.flow_control.active = False
    await consumer.wait_first(deliver("m1"), consumer.suspend_flow.wait())
    app.flow_control.active = True
    await consumer.wait_first(deliver("m2"), asyncio.Event().wait())
    await consumer.wait_first(deliver("m3"), consumer.suspend_flow.wait(), timeout=1.0)
    assert consumer.waited == 3
