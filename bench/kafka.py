"""Plain aiokafka helpers for the benchmarks: topics, fast produce, reads with timestamps, groups."""
from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError


@dataclass(frozen=True)
class Rec:
    topic: str
    partition: int
    offset: int
    timestamp_ms: int
    key: bytes | None
    value: bytes | None


async def create_topics(bootstrap: str, names: Iterable[str], partitions: int) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [NewTopic(n, partitions, 1) for n in names if n not in existing]
        if missing:
            try:
                await admin.create_topics(missing)
            except TopicAlreadyExistsError:
                pass
    finally:
        await admin.close()


async def produce(bootstrap: str, records: Sequence[tuple[str, bytes | None, bytes]], *,
                  partition_of: dict[int, int] | None = None, linger_ms: int = 20) -> float:
    """Send every (topic, key, value) and wait for all acks; returns the seconds it took."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=linger_ms,
                                max_batch_size=512 * 1024, max_request_size=4 * 1024 * 1024)
    await producer.start()
    try:
        started = time.monotonic()
        futures = []
        for i, (topic, key, value) in enumerate(records):
            partition = partition_of.get(i) if partition_of else None
            futures.append(await producer.send(topic, key=key, value=value, partition=partition))
        await asyncio.gather(*futures)
        return time.monotonic() - started
    finally:
        await producer.stop()


async def partitions_of(consumer: AIOKafkaConsumer, topic: str) -> list[TopicPartition]:
    for _ in range(100):
        found = consumer.partitions_for_topic(topic)
        if found:
            return [TopicPartition(topic, p) for p in sorted(found)]
        await consumer._client.force_metadata_update()
        await asyncio.sleep(0.1)
    raise RuntimeError(f"topic {topic} does not exist")


async def end_offsets(bootstrap: str, topics: Iterable[str]) -> dict[TopicPartition, int]:
    async with Watch(bootstrap) as watch:
        return await watch.end_offsets(topics)


async def read(bootstrap: str, topics: Iterable[str],
               start: dict[TopicPartition, int] | None = None) -> list[Rec]:
    """Every record of `topics` from `start` (or the beginning) up to their ends now."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                                auto_offset_reset="earliest", max_partition_fetch_bytes=8 * 1024 * 1024,
                                fetch_max_bytes=64 * 1024 * 1024)
    await consumer.start()
    try:
        tps = [tp for topic in topics for tp in await partitions_of(consumer, topic)]
        consumer.assign(tps)
        ends = await consumer.end_offsets(tps)
        for tp in tps:
            consumer.seek(tp, (start or {}).get(tp, 0))
        out: list[Rec] = []
        pending = {tp for tp in tps if ends[tp] > (start or {}).get(tp, 0)}
        while pending:
            batches = await consumer.getmany(timeout_ms=500, max_records=10000)
            for tp, records in batches.items():
                out.extend(Rec(tp.topic, tp.partition, r.offset, r.timestamp, r.key, r.value) for r in records)
            for tp in list(pending):
                if await consumer.position(tp) >= ends[tp]:
                    pending.discard(tp)
        return out
    finally:
        await consumer.stop()


async def group_members(bootstrap: str, group: str) -> tuple[str, int, int]:
    """(state, members, members with an assignment) of a classic consumer group."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        described = await admin.describe_consumer_groups([group])
        for response in described:
            for g in response.groups:
                state, members = g[2], g[5]
                assigned = sum(1 for m in members if len(m[-1] or b"") > 8)
                return state, len(members), assigned
        return "Unknown", 0, 0
    finally:
        await admin.close()


async def wait_group(bootstrap: str, group: str, members: int, deadline_s: float = 90) -> None:
    end = time.monotonic() + deadline_s
    last: tuple[str, int, int] | str | None = None
    while time.monotonic() < end:
        try:
            last = await group_members(bootstrap, group)
            if last[0] == "Stable" and last[1] == members and last[2] == members:
                return
        except Exception as exc:  # the group may not exist yet
            last = repr(exc)
        await asyncio.sleep(0.5)
    raise RuntimeError(f"group {group} not stable with {members} members after {deadline_s} s: {last}")


class Watch:
    """A consumer, and an admin client once group lag is asked, kept open while a drain is watched.

    A client that starts afresh reads the metadata of every topic on the broker: polling with
    fresh clients cost this process 465 CPU ms a poll on a broker holding 2,400 topics, CPU
    taken from the processes being measured. Partitions are looked up once per topic.
    """

    def __init__(self, bootstrap: str) -> None:
        self.bootstrap = bootstrap
        self.consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False)
        self.admin: AIOKafkaAdminClient | None = None
        self._partitions: dict[str, list[TopicPartition]] = {}

    async def __aenter__(self) -> Watch:
        await self.consumer.start()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.consumer.stop()
        if self.admin is not None:
            await self.admin.close()

    async def end_offsets(self, topics: Iterable[str]) -> dict[TopicPartition, int]:
        tps = []
        for topic in topics:
            if topic not in self._partitions:
                self._partitions[topic] = await partitions_of(self.consumer, topic)
            tps += self._partitions[topic]
        return await self.consumer.end_offsets(tps)

    async def lag(self, group: str, topics: Iterable[str]) -> int:
        """Records of `topics` not yet committed by `group`."""
        if self.admin is None:
            self.admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap)
            await self.admin.start()
        committed = await self.admin.list_consumer_group_offsets(group)
        ends = await self.end_offsets(topics)
        return sum(end - (committed[tp].offset if tp in committed and committed[tp].offset >= 0 else 0)
                   for tp, end in ends.items())


async def delete_topics(bootstrap: str, prefixes: list[str]) -> int:
    """Delete every topic whose name starts with one of `prefixes` (a run's uuid prefixes)."""
    if not prefixes:
        return 0
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        doomed = [t for t in await admin.list_topics() if t.startswith(tuple(prefixes))]
        for i in range(0, len(doomed), 100):
            await admin.delete_topics(doomed[i:i + 100])
        return len(doomed)
    finally:
        await admin.close()
