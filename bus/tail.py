"""Reads whole topics from the beginning and keeps following them: the base of every view.

No consumer group: each reader (API replica, worker directory) sees every partition, so views
scale out with the readers and rebuild from Kafka after a restart.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from aiokafka import AIOKafkaConsumer, TopicPartition

from bus.clients import client_options
from muster.settings import Settings

log = logging.getLogger(__name__)

OnRecord = Callable[[str, bytes | None, bytes | None], None]

FETCH_MAX_WAIT_MS = 500
"""How long the broker holds a fetch that finds nothing. A record ends the wait at once
(fetch_min_bytes is 1), so this sets only how often an idle reader asks again: each round
encodes and decodes every partition followed, ~2 ms CPU for the API's 64, so 50 ms cost an
idle API 4% of a core."""


class Tail:
    """Follows `topics` from offset zero, calling `on_record(topic, key, value)` in order per partition.

    `ready` is set once everything present at start has been read: a view is complete then.
    """

    def __init__(self, settings: Settings, topics: list[str], on_record: OnRecord) -> None:
        self._settings = settings
        self._topics = topics
        self._on_record = on_record
        self._consumer: AIOKafkaConsumer | None = None
        self._task: asyncio.Task | None = None
        self.ready = asyncio.Event()
        self.records = 0

    async def start(self) -> None:
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=self._settings.kafka_bootstrap,
            group_id=None,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            fetch_max_wait_ms=FETCH_MAX_WAIT_MS,
            **client_options(self._settings),
        )
        await self._consumer.start()
        partitions = []
        for topic in self._topics:
            for _ in range(100):
                found = self._consumer.partitions_for_topic(topic)
                if found:
                    break
                await self._consumer._client.force_metadata_update()
                await asyncio.sleep(0.1)
            else:
                raise RuntimeError(f"topic {topic} does not exist")
            partitions += [TopicPartition(topic, p) for p in sorted(found)]
        self._consumer.assign(partitions)
        await self._consumer.seek_to_beginning(*partitions)
        targets = await self._consumer.end_offsets(partitions)
        self._task = asyncio.create_task(self._run({tp: end for tp, end in targets.items() if end > 0}))

    async def _run(self, pending: dict[TopicPartition, int]) -> None:
        consumer = self._consumer
        assert consumer is not None
        if not pending:
            self.ready.set()
        while True:
            batches = await consumer.getmany(timeout_ms=200, max_records=2000)
            for tp, records in batches.items():
                for record in records:
                    try:
                        self._on_record(tp.topic, record.key, record.value)
                    except Exception:
                        log.exception("view could not apply %s[%d]@%d", tp.topic, tp.partition, record.offset)
                    self.records += 1
            if pending:
                for tp in list(pending):
                    if await consumer.position(tp) >= pending[tp]:
                        del pending[tp]
                if not pending:
                    self.ready.set()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):
                pass
        if self._consumer is not None:
            await self._consumer.stop()
