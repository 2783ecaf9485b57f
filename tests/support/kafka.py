"""Plain aiokafka clients for tests: read a topic to its end, put records on a topic."""
from __future__ import annotations

import asyncio

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient


def read_all(env: dict, name: str) -> list[tuple[bytes | None, bytes | None, int, int]]:
    """Every record now on the topic `name` of this test's prefix: (key, value, partition, offset)."""
    return read_topic(env, env["MUSTER_TOPIC_PREFIX"] + name)


def read_topic(env: dict, topic: str) -> list[tuple[bytes | None, bytes | None, int, int]]:
    async def read():
        consumer = AIOKafkaConsumer(bootstrap_servers=env["MUSTER_KAFKA_BOOTSTRAP"], group_id=None,
                                    enable_auto_commit=False, auto_offset_reset="earliest")
        await consumer.start()
        try:
            partitions = []
            for _ in range(50):
                partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
                if partitions:
                    break
                await consumer._client.force_metadata_update()
                await asyncio.sleep(0.1)
            if not partitions:
                return []
            consumer.assign(partitions)
            await consumer.seek_to_beginning(*partitions)
            ends = await consumer.end_offsets(partitions)
            records = []
            while any([await consumer.position(tp) < end for tp, end in ends.items()]):
                for tp, batch in (await consumer.getmany(timeout_ms=500)).items():
                    records += [(r.key, r.value, tp.partition, r.offset) for r in batch]
            return records
        finally:
            await consumer.stop()

    return asyncio.run(read())


def latest(env: dict, name: str, model) -> dict[str, object]:
    """The last value per key on a compacted state topic, decoded as `model`."""
    found = {}
    for key, value, _, _ in read_all(env, name):
        if key is not None:
            found[key.decode()] = None if value is None else model.model_validate_json(value)
    return {k: v for k, v in found.items() if v is not None}


def produce(env: dict, name: str, records: list[tuple[bytes | None, bytes]]) -> None:
    async def send():
        producer = AIOKafkaProducer(bootstrap_servers=env["MUSTER_KAFKA_BOOTSTRAP"], acks="all", linger_ms=5)
        await producer.start()
        try:
            futures = [await producer.send(env["MUSTER_TOPIC_PREFIX"] + name, key=k, value=v) for k, v in records]
            await asyncio.gather(*futures)
        finally:
            await producer.stop()

    asyncio.run(send())


def topics_of(env: dict) -> list[str]:
    """Every topic of this test's prefix, and Faust's own (named by the app id)."""
    async def names():
        admin = AIOKafkaAdminClient(bootstrap_servers=env["MUSTER_KAFKA_BOOTSTRAP"])
        await admin.start()
        try:
            return [t for t in await admin.list_topics() if t.startswith(env["MUSTER_TOPIC_PREFIX"]) or t.startswith(env["MUSTER_APP_ID"])]
        finally:
            await admin.close()

    return asyncio.run(names())
