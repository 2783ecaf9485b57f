"""Reads whole topics from the beginning and keeps following them: the base of every view.

No consumer group: each reader (API replica, worker directory) sees every partition, so views
scale out with the readers and rebuild from Kafka after a restart.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Collection

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError

from bus.clients import client_options
from core.settings import Settings

log = logging.getLogger(__name__)

OnRecord = Callable[[str, bytes | None, bytes | None], None]

FETCH_MAX_WAIT_MS = 500
"""How long the broker holds a fetch that finds nothing. A record ends the wait at once
(fetch_min_bytes is 1), so this sets only how often an idle reader asks again: each round
encodes and decodes every partition followed (~2 ms CPU for 64), so at 50 ms the API's single
consumer of old cost it 4% of a core while idle."""

CATCH_UP_POLL_S = 0.005

BULK_MIN_BYTES = 64 * 1024
"""A bulk topic's fetch waits for this much, or FETCH_MAX_WAIT_MS: logs nobody waits on (audit,
dead letters) arrive with every command, and fetched one by one they would cost a round each."""


class Tail:
    """Follows `topics` from offset zero, calling `on_record(topic, key, value)` in order per partition.

    Each topic has its own consumer (docs/adr/0012-consumer-per-topic.md). Topics in `bulk` are read up to FETCH_MAX_WAIT_MS late, in batches of BULK_MIN_BYTES.
    `ready` is set once everything present at start has been read: a view is complete then.
    """

    def __init__(self, settings: Settings, topics: list[str], on_record: OnRecord,
                 bulk: Collection[str] = ()) -> None:
        self._settings = settings
        self._topics = topics
        self._bulk = set(bulk)
        self._on_record = on_record
        self._consumers: dict[str, AIOKafkaConsumer] = {}
        self._offsets: AIOKafkaConsumer | None = None
        self._offsets_lock = asyncio.Lock()
        self._tasks: list[asyncio.Task] = []
        self._catching_up = len(topics)
        self.ready = asyncio.Event()
        if not topics:
            self.ready.set()

    async def start(self) -> None:
        await asyncio.gather(*(self._follow(topic) for topic in self._topics))

    async def _follow(self, topic: str) -> None:
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self._settings.kafka_bootstrap,
            group_id=None,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            fetch_max_wait_ms=FETCH_MAX_WAIT_MS,
            fetch_min_bytes=BULK_MIN_BYTES if topic in self._bulk else 1,
            **client_options(self._settings),
        )
        self._consumers[topic] = consumer
        await consumer.start()
        for _ in range(100):
            found = consumer.partitions_for_topic(topic)
            if found:
                break
            await consumer._client.force_metadata_update()
            await asyncio.sleep(0.1)
        else:
            raise RuntimeError(f"topic {topic} does not exist")
        partitions = [TopicPartition(topic, p) for p in sorted(found)]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        targets = await consumer.end_offsets(partitions)
        pending = {tp: end for tp, end in targets.items() if end > 0}
        self._tasks.append(asyncio.create_task(self._run(consumer, pending)))

    async def _run(self, consumer: AIOKafkaConsumer, pending: dict[TopicPartition, int]) -> None:
        if not pending:
            self._caught_up()
        while True:
            batches = await consumer.getmany(timeout_ms=200, max_records=2000)
            for tp, records in batches.items():
                for record in records:
                    try:
                        self._on_record(tp.topic, record.key, record.value)
                    except Exception:
                        log.exception("view could not apply %s[%d]@%d", tp.topic, tp.partition, record.offset)
            if pending:
                for tp in list(pending):
                    if await consumer.position(tp) >= pending[tp]:
                        del pending[tp]
                if not pending:
                    self._caught_up()

    async def catch_up(self, topic: str, timeout: float) -> bool:
        """Wait until every record on `topic` at this moment has been applied, so what another
        reader has already seen this one sees too; False if the broker did not say, or that took
        longer than `timeout`."""
        try:
            await asyncio.wait_for(self._reach_end(self._consumers[topic]), timeout)
        except (TimeoutError, KafkaError) as exc:
            log.warning("could not read %s to its end within %.0f s: %r", topic, timeout, exc)
            return False
        return True

    async def _reach_end(self, consumer: AIOKafkaConsumer) -> None:
        targets = await (await self._offsets_client()).end_offsets(list(consumer.assignment()))
        for tp, end in targets.items():
            # getmany moves the position and on_record applies its records with no await between.
            while await consumer.position(tp) < end:
                await asyncio.sleep(CATCH_UP_POLL_S)

    async def _offsets_client(self) -> AIOKafkaConsumer:
        """A client of its own for end offsets: on a reader's connection the request would wait
        behind that reader's long poll (up to FETCH_MAX_WAIT_MS), as a broker answers each
        connection's requests in order."""
        async with self._offsets_lock:
            if self._offsets is None:
                client = AIOKafkaConsumer(bootstrap_servers=self._settings.kafka_bootstrap, group_id=None,
                                          enable_auto_commit=False, **client_options(self._settings))
                try:
                    await client.start()
                except BaseException:
                    await client.stop()
                    raise
                self._offsets = client
        return self._offsets

    def _caught_up(self) -> None:
        self._catching_up -= 1
        if not self._catching_up:
            self.ready.set()

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            try:
                await task
            except (asyncio.CancelledError, Exception):
                pass
        for consumer in [*self._consumers.values(), *([self._offsets] if self._offsets else [])]:
            await consumer.stop()
