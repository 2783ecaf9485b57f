"""Keeps Faust's delivery at least once across rebalances: no offset is committed unprocessed.

faust-streaming 0.15 can commit offsets its agents never processed, around a rebalance; a worker
restart lost volunteer-hour entries that way. Three holes, and what closes each:
- It remembers the last offset read per partition and, when a fetched message lies further ahead,
  records the offsets between as a "gap" that it commits as if processed. A message fetched before
  the seek to the committed offset can arrive just after it. So read offsets are forgotten: every
  fetched message reaches its stream, and a gap is never assumed.
- Events fetched while a rebalance is under way are skipped, to be fetched again after the seek to
  the committed offset; a partition with nothing committed yet was not sought at all. It is sought
  to its beginning.
- It checks that what it commits starts where the last commit ended only while it knows that
  offset, and it forgets it when a rebalance begins, just before committing what is acked. So the
  next offset to process is kept here, set at every seek, and nothing is committed past a hole.
  The reverse happens too: a commit round that outlasts a seek sets Faust's offset past the one
  kept here, after which Faust drops acks below it; the one kept here then moves up to it.
- A batch it drops or skips while its flow pauses is fetched again only if a seek follows; when
  none does, a hole stays open. One that outlasts a few commit rounds is read again from its start;
  one whose message was fetched in this generation and waits in a stream's queue, after ten times
  as many.
Seeks go through the consumer's own thread: aiokafka's fetcher runs there and breaks when its
positions move under it from another loop. The price is an occasional duplicate around a
rebalance, which every handler absorbs by id.
"""
from __future__ import annotations

import logging
from typing import Any

from streams.runtime import in_background

log = logging.getLogger(__name__)

HOLE_PATIENCE = 3
"""Commit rounds (about a second each) a hole may stay open before it is read again; then 6, 12..."""

QUEUED_PATIENCE = 10
"""How many times longer a hole whose message waits in a stream's queue is given: a long backlog
drains, but a message the streams dropped after all must not stall its partition for good."""


class ForgetfulReadOffsets(dict):
    """Read offsets that are written as usual but read back as unknown, so none is skipped."""

    def __getitem__(self, key: Any) -> None:
        return None


class HandedOver:
    """Per partition, the unbroken run of offsets handed to the streams since the last seek.

    A message in that run, fetched in the current consumer generation, is queued or being
    processed: the streams skip messages fetched in an earlier generation, so it is no hole.
    """

    def __init__(self, app) -> None:
        self._app = app
        self._runs: dict[Any, tuple[int, int, int]] = {}

    def handed(self, tp, offset: int, generation: int) -> None:
        run = self._runs.get(tp)
        if run is not None and run[0] == generation and run[1] <= offset <= run[2] + 1:
            self._runs[tp] = (generation, run[1], max(run[2], offset))
        else:
            self._runs[tp] = (generation, offset, offset)

    def in_flight(self, tp, offset: int) -> bool:
        run = self._runs.get(tp)
        return run is not None and run[0] == self._app.consumer_generation_id and run[1] <= offset <= run[2]

    def forget(self, tp) -> None:
        self._runs.pop(tp, None)


def deliver_every_fetch(app) -> None:
    """Make the app's consumer, once it exists, commit only offsets its agents processed."""
    make_consumer = app._new_consumer

    def new_consumer():
        consumer = make_consumer()
        consumer._read_offset = ForgetfulReadOffsets()
        following: dict[Any, int] = {}
        """Per partition of an agent's topic: the first offset not known to be processed."""
        holes: dict[Any, tuple[int, int]] = {}
        """Per partition: the offset a hole starts at, and for how many commit rounds it has."""
        handed = HandedOver(app)
        seek_to_committed = consumer.perform_seek
        new_offset = consumer._new_offset
        deliver = consumer.callback

        async def callback(message) -> None:
            handed.handed(message.tp, message.offset, message.generation_id)
            await deliver(message)

        async def seek(tp, offset: int) -> None:
            handed.forget(tp)
            await consumer._thread.call_thread(consumer._thread.seek, tp, offset)

        async def perform_seek() -> None:
            await seek_to_committed()
            ours = [tp for tp in consumer.assignment() if app.topics.acks_enabled_for(tp.topic)]
            fresh = [tp for tp in ours if not consumer._committed_offset.get(tp)]
            earliest = await consumer.earliest_offsets(*fresh) if fresh else {}
            for tp in ours:
                handed.forget(tp)
            for tp in fresh:
                await seek(tp, earliest.get(tp) or 0)
            for tp in ours:
                following[tp] = consumer._committed_offset.get(tp) or earliest.get(tp) or 0

        def read_again(tp, start: int) -> None:
            since, rounds = holes.get(tp, (start, 0))
            rounds = rounds + 1 if since == start else 1
            holes[tp] = (start, rounds)
            # Patience doubles each time: what was read again may wait behind a long buffer.
            patience = HOLE_PATIENCE * (QUEUED_PATIENCE if handed.in_flight(tp, start) else 1)
            waited = rounds // patience
            due = rounds % patience == 0 and waited & (waited - 1) == 0
            if due and app.flow_control.is_active() and tp in consumer.assignment():
                log.warning("%s[%d]@%d was never processed; reading it again", tp.topic, tp.partition, start)
                in_background(seek(tp, start), "reading a partition again failed")

        def committable(tp) -> int | None:
            start = following.get(tp)
            acked = consumer._acked.get(tp)
            if start is None:
                return None
            committed = consumer._committed_offset.get(tp)
            if committed is not None and committed > start:
                # A commit round that began before a seek can end after it, and Faust then takes
                # its offsets as committed, whatever the broker said. It drops acks below that
                # offset, so a hole there would never close. Everything below it was processed:
                # here, before the seek, or by the worker that committed it.
                log.warning("%s[%d]: a commit that outlasted a seek took it to %d; going on from there, not %d",
                            tp.topic, tp.partition, committed, start)
                following[tp] = start = committed
            if not acked:
                # Nothing acked and nothing under way, yet the log goes further: a dropped tail.
                end = _highwater(consumer, tp)
                if end is not None and end > start and not any(m.tp == tp for m in consumer._unacked_messages):
                    read_again(tp, start)
                return None
            if min(acked) > start:
                read_again(tp, start)
                return None
            holes.pop(tp, None)
            offset = new_offset(tp)
            if offset is not None:
                following[tp] = max(start, offset)
            return offset

        consumer.callback = callback
        consumer.perform_seek = perform_seek
        consumer._new_offset = committable
        return consumer

    app._new_consumer = new_consumer


def _highwater(consumer, tp) -> int | None:
    """The partition's end, or None once it is no longer assigned: a commit round can run while a
    rebalance takes the partition away, and aiokafka asserts the assignment (a worker crashed on it
    after a broker restart)."""
    if tp not in consumer.assignment():
        return None
    try:
        return consumer.highwater(tp)
    except AssertionError:  # revoked between the two calls, in the consumer's thread
        return None
