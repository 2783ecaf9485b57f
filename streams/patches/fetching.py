"""Changelog pauses reach aiokafka, so a worker's fetches never wait on records no stream will read.

Contract: when Faust pauses or resumes partitions of a table's changelog in its own books, the
same partitions (those still assigned) are paused or resumed in aiokafka too, in the consumer's own
thread, without waiting; Faust's livelock check skips a changelog partition while it is paused.
Stream partitions are left to Faust as before. Why: docs/adr/0003-fetch-pauses.md.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Literal

from aiokafka import TopicPartition
from faust.transport.drivers.aiokafka import AIOKafkaConsumerThread, Consumer
from faust.types import TP

from streams.patches.background import in_background


class ChangelogPauses:
    """Puts its own pause, resume and livelock check in one consumer's place."""

    def __init__(self, consumer: Consumer) -> None:
        self._consumer = consumer
        self._faust_pause: Callable[[Iterable[TP]], None] = consumer.pause_partitions
        self._faust_resume: Callable[[Iterable[TP]], None] = consumer.resume_partitions
        self._faust_verify: Callable[[float, TP], None] = consumer.verify_event_path

    def attach(self) -> None:
        consumer = self._consumer
        consumer.pause_partitions = self.pause_partitions  # type: ignore[method-assign]
        consumer.resume_partitions = self.resume_partitions  # type: ignore[method-assign]
        consumer.verify_event_path = self.verify_event_path  # type: ignore[method-assign]

    def pause_partitions(self, tps: Iterable[TP]) -> None:
        tps = set(tps)
        self._faust_pause(tps)
        self._mirror(tps, "pause")

    def resume_partitions(self, tps: Iterable[TP]) -> None:
        tps = set(tps)
        self._faust_resume(tps)
        self._mirror(tps, "resume")

    def verify_event_path(self, now: float, tp: TP) -> None:
        """Faust's livelock check, which would take a paused changelog for a fetcher that stopped."""
        consumer = self._consumer
        if not (consumer._is_changelog_tp(tp) and tp in consumer._paused_partitions):
            self._faust_verify(now, tp)

    def _mirror(self, tps: set[TP], method: Literal["pause", "resume"]) -> None:
        consumer = self._consumer
        changelogs = [TopicPartition(tp.topic, tp.partition) for tp in tps if consumer._is_changelog_tp(tp)]
        if changelogs:
            thread = consumer._thread
            in_background(thread.call_thread(_apply, thread, method, changelogs),
                          "could not pass a changelog pause on to aiokafka")


async def _apply(thread: AIOKafkaConsumerThread, method: Literal["pause", "resume"],
                 tps: list[TopicPartition]) -> None:
    """Pause or resume those of tps still assigned: aiokafka refuses any other."""
    kafka = thread._ensure_consumer()
    assigned = kafka.assignment()
    held = [tp for tp in tps if tp in assigned]
    if held:
        getattr(kafka, method)(*held)
