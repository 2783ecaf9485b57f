"""Changelog pauses reach aiokafka, so its fetcher never waits on records no stream will read."""
from __future__ import annotations

import asyncio

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from faust.transport.drivers.aiokafka import AIOKafkaConsumerThread, Consumer
from faust.types import TP

from streams.patches.fetching import ChangelogPauses
from tests.support.contract import differences

STATE = TP("t.referral-state", 3)
COMMANDS = TP("t.referrals", 3)
GONE = TP("t.shelter-state", 1)


class FakeKafkaConsumer:
    """aiokafka's consumer: pausing a partition it does not hold is an error there."""

    def __init__(self) -> None:
        self.assigned = {TopicPartition(*STATE), TopicPartition(*COMMANDS)}
        self.paused: set[TopicPartition] = set()

    def assignment(self):
        return set(self.assigned)

    def pause(self, *tps) -> None:
        assert set(tps) <= self.assigned, "not assigned"
        self.paused.update(tps)

    def resume(self, *tps) -> None:
        assert set(tps) <= self.assigned, "not assigned"
        self.paused.difference_update(tps)


class FakeThread:
    def __init__(self) -> None:
        self.kafka = FakeKafkaConsumer()
        self.calls = 0

    def _ensure_consumer(self) -> FakeKafkaConsumer:
        return self.kafka

    async def call_thread(self, fun, *args):
        self.calls += 1
        return await fun(*args)


class FakeConsumer:
    """Faust's consumer: its own pause is bookkeeping only."""

    def __init__(self) -> None:
        self._thread = FakeThread()
        self._paused_partitions: set = set()
        self.checked: list = []

    def pause_partitions(self, tps) -> None:
        self._paused_partitions.update(tps)

    def resume_partitions(self, tps) -> None:
        self._paused_partitions.difference_update(tps)

    def verify_event_path(self, now: float, tp) -> None:
        """Faust's livelock check: an error for each partition aiokafka has not fetched."""
        self.checked.append(tp)

    def _is_changelog_tp(self, tp) -> bool:
        return tp.topic.endswith("-state")


def mirrored() -> FakeConsumer:
    consumer = FakeConsumer()
    ChangelogPauses(consumer).attach()
    return consumer


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_pausing_a_changelog_partition_pauses_it_in_aiokafka_too():
    consumer = mirrored()
    consumer.pause_partitions([STATE, COMMANDS])
    await settle()
    assert consumer._paused_partitions == {STATE, COMMANDS}
    assert consumer._thread.kafka.paused == {TopicPartition(*STATE)}


async def test_resuming_a_changelog_for_recovery_resumes_it_in_aiokafka():
    consumer = mirrored()
    consumer.pause_partitions([STATE])
    await settle()
    consumer.resume_partitions([STATE])
    await settle()
    assert consumer._thread.kafka.paused == set()
    assert consumer._paused_partitions == set()


async def test_stream_partitions_and_partitions_no_longer_held_are_left_to_faust():
    consumer = mirrored()
    consumer.pause_partitions([COMMANDS])
    await settle()
    assert consumer._thread.calls == 0
    consumer.pause_partitions([GONE, STATE])
    await settle()
    assert consumer._thread.kafka.paused == {TopicPartition(*STATE)}


async def test_the_livelock_check_skips_changelog_partitions_paused_in_aiokafka_but_not_others():
    consumer = mirrored()
    consumer.pause_partitions([STATE, COMMANDS])
    for tp in (STATE, COMMANDS):
        consumer.verify_event_path(0.0, tp)
    assert consumer.checked == [COMMANDS]
    consumer.resume_partitions([STATE])
    consumer.verify_event_path(0.0, STATE)
    assert consumer.checked == [COMMANDS, STATE]


@pytest.mark.parametrize("fake, real", [
    (FakeConsumer(), Consumer),
    (FakeThread(), AIOKafkaConsumerThread),
    (FakeKafkaConsumer(), AIOKafkaConsumer),
], ids=["consumer", "thread", "aiokafka"])
def test_each_fake_has_the_names_and_kinds_of_the_faust_or_aiokafka_class_it_stands_for(fake, real):
    assert differences(fake, real) == []
