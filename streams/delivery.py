"""Keeps Faust's delivery at least once across rebalances: no offset is committed unprocessed.

faust-streaming 0.15 can commit offsets its agents never processed, around a rebalance; a worker
restart lost volunteer-hour entries that way. Five holes, and what closes each:
- It remembers the last offset read per partition and, when a fetched message lies further ahead,
  records the offsets between as a "gap" that it commits as if processed. A message fetched before
  the seek to the committed offset can arrive just after it. So read offsets are forgotten: every
  fetched message reaches its stream, and a gap is never assumed.
- Events fetched while a rebalance is under way are skipped, to be fetched again after the seek to
  the committed offset; a partition with nothing committed yet was not sought at all. It is sought
  to its beginning.
- Its streams ack the messages they skip (while the flow pauses, or of an earlier generation) as if
  processed, so a commit could pass one that is never fetched again. Only a message a stream took
  for processing (Faust marks it tracked) counts as acked here; a skipped one is a hole.
- It checks that what it commits starts where the last commit ended only while it knows that
  offset, and it forgets it when a rebalance begins, just before committing what is acked. So the
  next offset to process is kept here, set at every seek, and nothing is committed past a hole.
  The reverse happens too: a commit round that outlasts a seek sets Faust's offset past the one
  kept here, after which Faust drops acks below it; the one kept here then moves up to it.
- A batch it drops or skips while its flow pauses is fetched again only if a seek follows; when
  none does, a hole stays open. One that outlasts a few commit rounds is read again from its start.
  A message that is only late is no hole: one handed to the streams in this generation and not yet
  acked waits in a queue, and one aiokafka has not returned yet waits behind a full queue of another
  agent (Faust hands every partition over through one loop). Reading those again threw the backlog
  away and queued it twice, which on a loaded box fed itself until the workers fell minutes behind.
  They get ten times the patience. Faust also empties the queues each time its flow resumes, several
  times in one recovery, within one generation: what was queued then is lost, and a hole again.
  Records behind a hole must not be processed before it: the agents take each partition in order
  (streams/ordering.py), and one that sees a record arrive ahead of its next has it read again here
  at once, without waiting for the commit rounds.
Seeks go through the consumer's own thread: aiokafka's fetcher runs there and breaks when its
positions move under it from another loop. The price is an occasional duplicate around a
rebalance, which every handler absorbs by id.
"""
from __future__ import annotations

import logging
from typing import Any

from streams.ordering import PartitionOrder, keep_in_order
from streams.runtime import in_background

log = logging.getLogger(__name__)

HOLE_PATIENCE = 3
"""Commit rounds (about a second each) a hole may stay open before it is read again; then 6, 12..."""

LATE_PATIENCE = 10
"""How many times longer a message that is late, not lost, is given: a long backlog drains, but a
message the streams dropped after all must not stall its partition for good."""


class ForgetfulReadOffsets(dict):
    """Read offsets that are written as usual but read back as unknown, so none is skipped."""

    def __getitem__(self, key: Any) -> None:
        return None


class InFlight:
    """Per partition, the messages handed to the streams in this consumer generation, not yet acked.

    Each is queued or being processed. The streams skip (and ack) messages of an earlier generation,
    so those do not count, and all are forgotten whenever Faust empties the streams' queues.
    """

    def __init__(self, app) -> None:
        self._app = app
        self._messages: dict[Any, dict[int, Any]] = {}

    def holds(self, tp, offset: int) -> bool:
        message = self._messages.get(tp, {}).get(offset)
        return message is not None and not message.acked and message.generation_id == self._app.consumer_generation_id

    def add(self, message) -> None:
        self._messages.setdefault(message.tp, {})[message.offset] = message

    def discard(self, tp, offset: int) -> None:
        self._messages.get(tp, {}).pop(offset, None)

    def settle(self, tp, below: int) -> None:
        """Forget the messages below `below`, the first offset not known to be processed."""
        held = self._messages.get(tp)
        while held:
            first = next(iter(held))
            if first >= below:
                break
            del held[first]

    def forget(self, tp=None) -> None:
        if tp is None:
            self._messages.clear()
        else:
            self._messages.pop(tp, None)


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
        in_flight = InFlight(app)
        seek_to_committed = consumer.perform_seek
        new_offset = consumer._new_offset
        deliver = consumer.callback
        ack = consumer.ack
        acks_enabled_for = app.topics.acks_enabled_for
        clear_queues = app.flow_control.clear

        async def callback(message) -> None:
            if acks_enabled_for(message.topic):  # not a changelog read in recovery
                in_flight.add(message)
            try:
                await deliver(message)
            except BaseException:  # cancelled when the flow stops: the streams never got it
                in_flight.discard(message.tp, message.offset)
                raise

        def clear() -> None:
            """Faust empties the streams' queues whenever its flow resumes, several times a recovery."""
            in_flight.forget()
            clear_queues()

        async def seek(tp, offset: int) -> None:
            await consumer._thread.call_thread(consumer._thread.seek, tp, offset)

        async def read_again_from(tp, offset: int) -> None:
            await seek(tp, offset)  # first: the broker may not answer what follows for a while
            first = (await consumer.earliest_offsets(tp)).get(tp) or 0
            if first > offset:
                # Retention removed them unprocessed (the workers were down longer than it keeps);
                # aiokafka, finding the offset out of range, reads on from the log's start.
                log.warning("%s[%d]@%d..%d are no longer in the log; going on from %d",
                            tp.topic, tp.partition, offset, first - 1, first)
                following[tp] = max(following.get(tp, first), first)
                order.restart(tp, first)

        def read_from(tp, offset: int) -> bool:
            if not (app.flow_control.is_active() and tp in consumer.assignment()):
                return False
            in_background(read_again_from(tp, offset), "reading a partition again failed")
            return True

        def pass_over(message) -> None:
            message.acked = True  # so Faust's ack, when its stream moves on, leaves it uncommitted
            consumer._unacked_messages.discard(message)

        def ack_processed(message) -> bool:
            if not message.tracked and acks_enabled_for(message.topic):  # skipped by its stream
                pass_over(message)
                return False
            return ack(message)

        order = PartitionOrder(read_from, pass_over)
        keep_in_order(app, order)

        async def perform_seek() -> None:
            await seek_to_committed()
            in_flight.forget()
            ours = [tp for tp in consumer.assignment() if acks_enabled_for(tp.topic)]
            fresh = [tp for tp in ours if not consumer._committed_offset.get(tp)]
            earliest = await consumer.earliest_offsets(*fresh) if fresh else {}
            for tp in fresh:
                await seek(tp, earliest.get(tp) or 0)
            for tp in ours:
                following[tp] = consumer._committed_offset.get(tp) or earliest.get(tp) or 0
            order.reset({tp: following[tp] for tp in ours})

        def read_again(tp, start: int) -> None:
            since, rounds = holes.get(tp, (start, 0))
            rounds = rounds + 1 if since == start else 1
            holes[tp] = (start, rounds)
            late = in_flight.holds(tp, start) or _not_yet_returned(consumer, tp, start)
            # Patience doubles each time: what was read again may wait behind a long buffer.
            patience = HOLE_PATIENCE * (LATE_PATIENCE if late else 1)
            waited = rounds // patience
            due = rounds % patience == 0 and waited & (waited - 1) == 0
            if due and read_from(tp, start):
                log.warning("%s[%d]@%d was %s; reading it again", tp.topic, tp.partition, start,
                            f"not processed after {rounds} commit rounds" if late else "never processed")
                in_flight.forget(tp)
                order.restart(tp, start)

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
            in_flight.settle(tp, start)
            offset = new_offset(tp)
            if offset is not None:
                following[tp] = max(start, offset)
            return offset

        consumer.callback = callback
        consumer.ack = ack_processed
        app.flow_control.clear = clear
        consumer.perform_seek = perform_seek
        consumer._new_offset = committable
        return consumer

    app._new_consumer = new_consumer


def _not_yet_returned(consumer, tp, offset: int) -> bool:
    """Whether aiokafka has yet to return the record at `offset` to Faust: its position, the next
    offset it will return, has not passed it. A record dropped after aiokafka returned it lies below
    the position, so a real hole is still found."""
    kafka = consumer._thread._consumer
    subscription = kafka._subscription.subscription if kafka is not None else None
    if subscription is None or subscription.assignment is None or tp not in consumer.assignment():
        return False
    state = subscription.assignment.state_value(tp)
    return state is not None and state.has_valid_position and state.position <= offset


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
