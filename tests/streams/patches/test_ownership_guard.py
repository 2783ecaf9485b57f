"""A worker that was frozen past its session must not act on partitions it may have lost."""
from __future__ import annotations

import asyncio
from types import SimpleNamespace

from streams.patches.ownership import OwnershipGuard


class FakeApp:
    """The three things the guard reads from a Faust app."""

    def __init__(self, assigned) -> None:
        self.rebalancing = False
        self.rebalancing_count = 0
        self.assigned = set(assigned)
        self.consumer = SimpleNamespace(assignment=lambda: self.assigned)


def event_on(tp):
    return SimpleNamespace(message=SimpleNamespace(tp=tp))


async def test_a_gap_in_the_watchdog_ticks_is_noticed_and_remembered():
    guard = OwnershipGuard(FakeApp({"p0"}), session_timeout_s=2)
    loop = asyncio.get_running_loop()
    guard.last_tick = loop.time()
    assert not guard.frozen()
    guard.last_tick = loop.time() - 5
    assert guard.frozen()
    guard.last_tick = loop.time()
    assert guard.frozen(), "a watchdog tick after the thaw must not hide the freeze"


async def test_after_a_freeze_the_agent_waits_for_the_rebalance_and_then_keeps_only_its_partitions():
    app = FakeApp({"p0", "p1"})
    guard = OwnershipGuard(app, session_timeout_s=2)
    guard.last_tick = asyncio.get_running_loop().time() - 5
    assert guard.frozen()

    async def rebalance():
        await asyncio.sleep(0.3)
        app.rebalancing, app.rebalancing_count = True, 1
        await asyncio.sleep(0.3)
        app.assigned = {"p1"}
        app.rebalancing = False

    settling = asyncio.create_task(guard.settle())
    await rebalance()
    await asyncio.wait_for(settling, 3)
    assert not guard.frozen()
    assert not guard.owns(event_on("p0")) and guard.owns(event_on("p1"))


async def test_with_no_rebalance_after_a_freeze_the_session_is_trusted_after_its_timeout():
    app = FakeApp({"p0"})
    guard = OwnershipGuard(app, session_timeout_s=1)
    guard.last_tick = asyncio.get_running_loop().time() - 5
    assert guard.frozen()
    await asyncio.wait_for(guard.settle(), 3)
    assert not guard.frozen() and guard.owns(event_on("p0"))
