"""The delivery guard: a worker's consumer commits only offsets its agents processed.

Contract, per partition of an agent's topic (why each part: docs/adr/0001-delivery-guard.md):
- Every fetched message reaches its stream: Faust's read offsets are never remembered.
- After each seek to the committed offsets, a partition with nothing committed is sought to the
  start of its log, and processing resumes at the committed offset (`PartitionOrder.reset`).
- Only a message a stream took for processing (`tracked`) counts as acked; one it skipped is passed
  over: marked acked so that Faust leaves it uncommitted, and dropped from its unacked set.
- Nothing is committed past the first offset not known to be processed (a hole). A hole still open
  after `HOLE_PATIENCE` commit rounds is read again from its start; a message that is late rather
  than lost (queued in this generation, or not yet returned by aiokafka) gets `LATE_PATIENCE` times
  that; patience doubles after each read. A commit that ends after a seek to an older offset moves
  the next offset up to it.
- Seeks run in the consumer's own thread. Records retention removed unprocessed are skipped, with
  a warning.
The price is an occasional duplicate around a rebalance, which every handler absorbs by id.
"""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from faust.transport.drivers.aiokafka import Consumer
from faust.types import TP, AppT, Message

from streams.patches.background import in_background
from streams.patches.ordering import PartitionOrder

log = logging.getLogger(__name__)

HOLE_PATIENCE = 3
"""Commit rounds (about a second each) a hole may stay open before it is read again; then 6, 12..."""

LATE_PATIENCE = 10
"""How many times longer a message that is late, not lost, is given: a long backlog drains, but a
message the streams dropped after all must not stall its partition for good."""


class ForgetfulReadOffsets(dict[TP, int | None]):
    """Read offsets that are written as usual but read back as unknown, so none is skipped."""

    def __getitem__(self, key: TP) -> None:
        return None


class InFlight:
    """Per partition, the messages handed to the streams in this consumer generation, not yet acked.

    Each is queued or being processed. The streams skip (and ack) messages of an earlier generation,
    so those do not count, and all are forgotten whenever Faust empties the streams' queues.
    """

    def __init__(self, app: AppT) -> None:
        self._app = app
        self._messages: dict[TP, dict[int, Message]] = {}

    def holds(self, tp: TP, offset: int) -> bool:
        message = self._messages.get(tp, {}).get(offset)
        return message is not None and not message.acked and message.generation_id == self._app.consumer_generation_id

    def add(self, message: Message) -> None:
        self._messages.setdefault(message.tp, {})[message.offset] = message

    def discard(self, tp: TP, offset: int) -> None:
        self._messages.get(tp, {}).pop(offset, None)

    def settle(self, tp: TP, below: int) -> None:
        """Forget the messages below `below`, the first offset not known to be processed."""
        held = self._messages.get(tp)
        while held:
            first = next(iter(held))
            if first >= below:
                break
            del held[first]

    def forget(self, tp: TP | None = None) -> None:
        if tp is None:
            self._messages.clear()
        else:
            self._messages.pop(tp, None)


class DeliveryGuard:
    """Guards the delivery of one app's consumer; `order` is the partition order its agents keep.

    Made before the consumer exists (the agents are given `order` when they are wired) and attached
    to the consumer by `attach` as soon as Faust makes it. Until then `read_from` answers False.
    """

    _consumer: Consumer | None = None
    _seek_to_committed: Callable[[], Awaitable[None]]
    _faust_new_offset: Callable[[TP], int | None]
    _deliver: Callable[[Message], Awaitable[Any]]
    _faust_ack: Callable[[Message], bool]
    _clear_queues: Callable[[], None]
    _acks_enabled_for: Callable[[str], bool]
    """Whether a topic is an agent's (not a changelog read in recovery)."""

    def __init__(self, app: AppT) -> None:
        self._app = app
        self.order = PartitionOrder(self.read_from, self.pass_over)
        self._following: dict[TP, int] = {}
        """Per partition of an agent's topic: the first offset not known to be processed."""
        self._holes: dict[TP, tuple[int, int]] = {}
        """Per partition: the offset a hole starts at, and for how many commit rounds it has."""
        self._in_flight = InFlight(app)

    def attach(self, consumer: Consumer) -> None:
        """Put this guard in the consumer's place for reading, handing over, acking, seeking and
        committing, and in the flow control's for emptying the queues. Call it once per consumer,
        before it starts."""
        app = self._app
        self._consumer = consumer
        self._following.clear()
        self._holes.clear()
        self._in_flight.forget()
        self._seek_to_committed = consumer.perform_seek
        self._faust_new_offset = consumer._new_offset
        self._deliver = consumer.callback
        self._faust_ack = consumer.ack
        self._clear_queues = app.flow_control.clear
        self._acks_enabled_for = app.topics.acks_enabled_for
        consumer._read_offset = ForgetfulReadOffsets()
        consumer.callback = self.callback
        consumer.ack = self.ack  # type: ignore[method-assign]
        app.flow_control.clear = self.clear  # type: ignore[method-assign]
        consumer.perform_seek = self.perform_seek  # type: ignore[method-assign]
        consumer._new_offset = self.committable  # type: ignore[method-assign]

    @property
    def consumer(self) -> Consumer:
        if self._consumer is None:
            raise RuntimeError("the delivery guard is not attached to a consumer yet")
        return self._consumer

    async def callback(self, message: Message) -> None:
        """Faust's hand-over of a fetched message to its streams, counting it in flight meanwhile."""
        if self._acks_enabled_for(message.topic):
            self._in_flight.add(message)
        try:
            await self._deliver(message)
        except BaseException:  # cancelled when the flow stops: the streams never got it
            self._in_flight.discard(message.tp, message.offset)
            raise

    def clear(self) -> None:
        """Faust empties the streams' queues whenever its flow resumes, several times a recovery."""
        self._in_flight.forget()
        self._clear_queues()

    def ack(self, message: Message) -> bool:
        """Faust's ack, for a message its stream processed; one it skipped is passed over."""
        if not message.tracked and self._acks_enabled_for(message.topic):
            self.pass_over(message)
            return False
        return self._faust_ack(message)

    def pass_over(self, message: Message) -> None:
        """Keep Faust from counting `message` as processed when its stream moves on."""
        message.acked = True
        self.consumer._unacked_messages.discard(message)

    def read_from(self, tp: TP, offset: int) -> bool:
        """Start reading `tp` again from `offset`; False while the flow is paused, the partition is
        elsewhere, or no consumer is attached yet."""
        consumer = self._consumer
        if consumer is None or not (self._app.flow_control.is_active() and tp in consumer.assignment()):
            return False
        in_background(self._read_again_from(tp, offset), "reading a partition again failed")
        return True

    async def _seek(self, tp: TP, offset: int) -> None:
        thread = self.consumer._thread
        # mode types call_thread for coroutine functions, but its queue awaits only what is awaitable.
        await thread.call_thread(thread.seek, tp, offset)  # type: ignore[arg-type]

    async def _read_again_from(self, tp: TP, offset: int) -> None:
        await self._seek(tp, offset)  # first: the broker may not answer what follows for a while
        first = (await self.consumer.earliest_offsets(tp)).get(tp) or 0
        if first > offset:
            # Retention removed them unprocessed (the workers were down longer than it keeps);
            # aiokafka, finding the offset out of range, reads on from the log's start.
            log.warning("%s[%d]@%d..%d are no longer in the log; going on from %d",
                        tp.topic, tp.partition, offset, first - 1, first)
            self._following[tp] = max(self._following.get(tp, first), first)
            self.order.restart(tp, first)

    async def perform_seek(self) -> None:
        """Faust's seek to the committed offsets after a rebalance, then to the log's start where
        nothing is committed; processing resumes there."""
        consumer = self.consumer
        await self._seek_to_committed()
        self._in_flight.forget()
        ours = [tp for tp in consumer.assignment() if self._acks_enabled_for(tp.topic)]
        fresh = [tp for tp in ours if not consumer._committed_offset.get(tp)]
        earliest = await consumer.earliest_offsets(*fresh) if fresh else {}
        for tp in fresh:
            await self._seek(tp, earliest.get(tp) or 0)
        for tp in ours:
            self._following[tp] = consumer._committed_offset.get(tp) or earliest.get(tp) or 0
        self.order.reset({tp: self._following[tp] for tp in ours})

    def _read_again(self, tp: TP, start: int) -> None:
        since, rounds = self._holes.get(tp, (start, 0))
        rounds = rounds + 1 if since == start else 1
        self._holes[tp] = (start, rounds)
        late = self._in_flight.holds(tp, start) or _not_yet_returned(self.consumer, tp, start)
        # Patience doubles each time: what was read again may wait behind a long buffer.
        patience = HOLE_PATIENCE * (LATE_PATIENCE if late else 1)
        waited = rounds // patience
        due = rounds % patience == 0 and waited & (waited - 1) == 0
        if due and self.read_from(tp, start):
            log.warning("%s[%d]@%d was %s; reading it again", tp.topic, tp.partition, start,
                        f"not processed after {rounds} commit rounds" if late else "never processed")
            self._in_flight.forget(tp)
            self.order.restart(tp, start)

    def committable(self, tp: TP) -> int | None:
        """Faust's offset to commit for `tp` in this commit round, or None: never past a hole."""
        consumer = self.consumer
        start = self._following.get(tp)
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
            self._following[tp] = start = committed
        if not acked:
            # Nothing acked and nothing under way, yet the log goes further: a dropped tail.
            end = _highwater(consumer, tp)
            if end is not None and end > start and not any(m.tp == tp for m in consumer._unacked_messages):
                self._read_again(tp, start)
            return None
        if min(acked) > start:
            self._read_again(tp, start)
            return None
        self._holes.pop(tp, None)
        self._in_flight.settle(tp, start)
        offset = self._faust_new_offset(tp)
        if offset is not None:
            self._following[tp] = max(start, offset)
        return offset


def _not_yet_returned(consumer: Consumer, tp: TP, offset: int) -> bool:
    """Whether aiokafka has yet to return the record at `offset` to Faust: its position, the next
    offset it will return, has not passed it. A record dropped after aiokafka returned it lies below
    the position, so a real hole is still found."""
    kafka = consumer._thread._consumer
    subscription = kafka._subscription.subscription if kafka is not None else None
    if subscription is None or subscription.assignment is None or tp not in consumer.assignment():
        return False
    state = subscription.assignment.state_value(tp)
    return state is not None and state.has_valid_position and state.position <= offset


def _highwater(consumer: Consumer, tp: TP) -> int | None:
    """The partition's end, or None once it is no longer assigned: a commit round can run while a
    rebalance takes the partition away, and aiokafka asserts the assignment (a worker crashed on it
    after a broker restart)."""
    if tp not in consumer.assignment():
        return None
    try:
        return consumer.highwater(tp)
    except AssertionError:  # revoked between the two calls, in the consumer's thread
        return None
