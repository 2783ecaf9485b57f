"""bus.tail.Tail against the real broker: complete at start, then following, one reader per topic."""
from __future__ import annotations

import asyncio
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager

import pytest

from bus.tail import Tail
from bus.topics import AUDIT, SHELTER_STATE, ensure_topics
from tests.support.kafka import produce
from tests.support.poll import until_async

pytestmark = pytest.mark.broker


@pytest.fixture(scope="module")
async def settings(settings_for):
    settings = settings_for()
    await ensure_topics(settings, (SHELTER_STATE, AUDIT))
    return settings


@asynccontextmanager
async def following(settings, topics: list[str], on_record, **kwargs):
    """A started Tail once ready (every record present at its start applied); stopped afterwards."""
    tail = Tail(settings, topics, on_record, **kwargs)
    await tail.start()
    try:
        await asyncio.wait_for(tail.ready.wait(), 30)
        yield tail
    finally:
        await tail.stop()


async def test_ready_waits_for_every_record_present_at_start_on_every_topic_bulk_or_not(settings, muster_env):
    await asyncio.to_thread(produce, muster_env, SHELTER_STATE.name, [(f"s{i}".encode(), b"%d" % i) for i in range(50)])
    await asyncio.to_thread(produce, muster_env, AUDIT.name, [(f"a{i}".encode(), b"x") for i in range(30)])
    seen: list[tuple[str, bytes | None, bytes | None]] = []
    async with following(settings, [settings.topic(SHELTER_STATE.name), settings.topic(AUDIT.name)],
                         lambda topic, key, value: seen.append((topic, key, value)), bulk=[settings.topic(AUDIT.name)]):
        assert Counter(topic for topic, _, _ in seen) == {settings.topic(SHELTER_STATE.name): 50, settings.topic(AUDIT.name): 30}


async def test_records_on_one_topic_arrive_in_partition_order_while_another_topic_stays_quiet(settings, muster_env):
    seen: list[tuple[str, bytes | None, bytes | None]] = []
    shelters = settings.topic(SHELTER_STATE.name)
    async with following(settings, [shelters, settings.topic(AUDIT.name)], lambda *record: seen.append(record)):
        seen.clear()
        await asyncio.to_thread(produce, muster_env, SHELTER_STATE.name, [(b"same-key", b"%d" % i) for i in range(20)])

        async def all_in():
            return len(seen) >= 20 or None

        await until_async(all_in, deadline_s=30, what="20 shelter records")
        assert [value for _, key, value in seen if key == b"same-key"] == [b"%d" % i for i in range(20)]
        assert {topic for topic, _, _ in seen} == {shelters}


async def test_a_few_records_on_a_bulk_topic_arrive_after_the_fetch_wait_without_more_traffic(settings, muster_env):
    audit = settings.topic(AUDIT.name)
    seen: list[bytes | None] = []
    async with following(settings, [audit], lambda topic, key, value: seen.append(key), bulk=[audit]):
        seen.clear()
        await asyncio.to_thread(produce, muster_env, AUDIT.name, [(b"late-1", b"x"), (b"late-2", b"y")])

        async def both():
            return sorted(seen) == [b"late-1", b"late-2"] or None

        await until_async(both, deadline_s=10, what="two audit records, fetched in bulk")


async def test_catch_up_returns_once_every_record_already_on_the_topic_is_applied(settings, muster_env):
    shelters = settings.topic(SHELTER_STATE.name)
    seen: list[tuple[str, bytes | None, bytes | None]] = []
    async with following(settings, [shelters], lambda *record: seen.append(record)) as tail:
        with ThreadPoolExecutor(1) as thread:  # blocking this loop, so the tail reads none of it meanwhile
            thread.submit(produce, muster_env, SHELTER_STATE.name, [(f"c{i}".encode(), b"late") for i in range(200)]).result()
        assert await tail.catch_up(shelters, 30)
        assert sum(1 for _, _, value in seen if value == b"late") == 200


async def test_catch_up_gives_up_after_its_timeout_when_the_reader_cannot_reach_the_end(settings, muster_env):
    shelters = settings.topic(SHELTER_STATE.name)
    async with following(settings, [shelters], lambda *record: None) as tail:
        consumer = tail._consumers[shelters]
        consumer.pause(*consumer.assignment())
        await asyncio.to_thread(produce, muster_env, SHELTER_STATE.name, [(b"stuck", b"x")])
        assert not await tail.catch_up(shelters, 0.5)
        consumer.resume(*consumer.assignment())
        assert await tail.catch_up(shelters, 30)
