"""Keeps a worker's fetches from stalling on changelog records no stream will read.

Faust pauses a partition only in its own books: its streams stop asking for it, but aiokafka
goes on fetching it. A table's changelog partition is paused that way whenever no recovery
reads it, so each of the worker's own state writes comes back in a fetch nobody consumes. While
such records wait, aiokafka sends no fetch to that broker for up to 100 ms (its prefetch
backoff), for every partition: referrals timed hop by hop waited 100 ms in the worker at the
first write to each changelog partition, most of their p99. So a pause or resume of a changelog
partition is also made in aiokafka, in the consumer's own thread. Faust's livelock check, which
runs every few seconds, would then read each such partition as a fetcher that stopped and log an
error for it; it skips them.
"""
from __future__ import annotations

from aiokafka import TopicPartition

from streams.runtime import in_background


def pause_changelogs_in_aiokafka(app) -> None:
    """Make the app's consumer, once it exists, pass its changelog pauses on to aiokafka."""
    make_consumer = app._new_consumer

    def new_consumer():
        consumer = make_consumer()
        pause, resume, verify = consumer.pause_partitions, consumer.resume_partitions, consumer.verify_event_path
        thread = consumer._thread

        def mirrored(tps, method: str) -> None:
            changelogs = [TopicPartition(tp.topic, tp.partition) for tp in tps if consumer._is_changelog_tp(tp)]
            if changelogs:
                in_background(thread.call_thread(_apply, thread, method, changelogs),
                              "could not pass a changelog pause on to aiokafka")

        def pause_partitions(tps) -> None:
            tps = set(tps)
            pause(tps)
            mirrored(tps, "pause")

        def resume_partitions(tps) -> None:
            tps = set(tps)
            resume(tps)
            mirrored(tps, "resume")

        def verify_event_path(now: float, tp) -> None:
            if not (consumer._is_changelog_tp(tp) and tp in consumer._paused_partitions):
                verify(now, tp)

        consumer.pause_partitions = pause_partitions
        consumer.resume_partitions = resume_partitions
        consumer.verify_event_path = verify_event_path
        return consumer

    app._new_consumer = new_consumer


async def _apply(thread, method: str, tps: list[TopicPartition]) -> None:
    """Pause or resume those of tps still assigned: aiokafka refuses any other."""
    kafka = thread._ensure_consumer()
    assigned = kafka.assignment()
    held = [tp for tp in tps if tp in assigned]
    if held:
        getattr(kafka, method)(*held)
