"""The consumer guard that keeps Faust at least once: nothing committed past an unprocessed offset."""
from __future__ import annotations

import asyncio
from collections import defaultdict
from types import SimpleNamespace

import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.consumer.subscription_state import SubscriptionState
from faust import App
from faust.transport.conductor import Conductor
from faust.transport.drivers.aiokafka import AIOKafkaConsumerThread, Consumer
from faust.types import TP, Message as FaustMessage
from mode.utils.queues import FlowControlEvent

from streams.patches.delivery import DeliveryGuard, ForgetfulReadOffsets
from tests.support.contract import differences

HOURS = TP("t.volunteer-hours", 0)


class FakeConsumer:
    """Just the parts of a Faust consumer the guard touches, with Faust's own commit arithmetic."""

    def __init__(self, committed: int | None) -> None:
        self._read_offset = {}
        self._acked = defaultdict(list)
        self._committed_offset = defaultdict(lambda: None, {HOURS: committed} if committed else {})
        self.sought: dict = {}
        self.seeks: list[int] = []
        self._unacked_messages: set = set()
        self._thread = FakeConsumerThread(self)
        self.delivered: list = []
        self.assigned = {HOURS}
        self.end: int | None = None
        self.cancel_hand_over = False
        self.log_start = 0

    async def callback(self, message) -> None:
        if self.cancel_hand_over:
            raise asyncio.CancelledError
        self.delivered.append(message)

    def ack(self, message) -> bool:
        """Faust's: every message acked once counts as processed."""
        if message.acked:
            return False
        message.acked = True
        self._acked[message.tp].append(message.offset)
        return True

    def highwater(self, tp):
        assert tp in self.assigned, "Partition is not assigned"  # as aiokafka checks it
        return self.end

    def assignment(self):
        return set(self.assigned)

    async def perform_seek(self) -> None: ...

    async def earliest_offsets(self, *tps):
        return dict.fromkeys(tps, self.log_start)

    def _new_offset(self, tp):
        acked = sorted(self._acked[tp])
        if not acked:
            return None
        end = acked[0]
        while end + 1 in acked:
            end += 1
        self._acked[tp] = [o for o in acked if o > end]
        return end + 1


class FakeConsumerThread:
    """Faust's consumer thread: seeks must be called through it, never on the app's loop."""

    def __init__(self, consumer: FakeConsumer) -> None:
        self.consumer = consumer
        self._consumer = None
        """The aiokafka consumer: None until a test says where its position is."""

    def at_position(self, offset: int) -> None:
        """aiokafka's position for HOURS: the next offset it will return to Faust, in aiokafka's own
        subscription state."""
        self._consumer = SimpleNamespace(_subscription=asyncio.run(subscription_at(offset)))

    async def call_thread(self, fun, *args):
        return fun(*args)

    def seek(self, tp, offset) -> None:
        self.consumer.sought[tp] = offset
        self.consumer.seeks.append(offset)


async def subscription_at(offset: int) -> SubscriptionState:
    """aiokafka's subscription state with HOURS assigned and its position at `offset`."""
    state = SubscriptionState()
    state.assign_from_user({HOURS})
    state.seek(HOURS, offset)
    return state


class FakeFlow:
    """Faust's flow control: always flowing here."""

    def is_active(self) -> bool:
        return True

    def clear(self) -> None: ...


class FakeConductor:
    """Faust's conductor: acks count on the hours topic, not on changelogs."""

    def acks_enabled_for(self, topic: str) -> bool:
        return topic.endswith("hours")


class FakeApp:
    consumer_generation_id = 1

    def __init__(self) -> None:
        self.flow = FakeFlow()
        self.conductor = FakeConductor()

    @property
    def flow_control(self) -> FakeFlow:
        return self.flow

    @property
    def topics(self) -> FakeConductor:
        return self.conductor


def guarded(committed: int | None) -> FakeConsumer:
    """A consumer with the delivery guard attached, right after its seek to `committed`."""
    consumer = FakeConsumer(committed)
    consumer.app = FakeApp()
    consumer.guard = DeliveryGuard(consumer.app)
    consumer.guard.attach(consumer)
    asyncio.run(consumer.perform_seek())
    consumer.seeks.clear()
    return consumer


def stalled_rounds(consumer: FakeConsumer, n: int) -> None:
    """n commit rounds in which offset 300 is acked but the hole's start is not."""
    async def rounds() -> None:
        for _ in range(n):
            consumer._acked[HOURS] = [300]
            consumer._new_offset(HOURS)
            await asyncio.sleep(0)

    asyncio.run(rounds())


class Message:
    def __init__(self, offset: int, generation: int) -> None:
        self.tp, self.topic, self.offset, self.generation_id, self.acked = HOURS, HOURS.topic, offset, generation, False
        self.tracked = False
        """Set by a stream that takes the message for processing; one it skips stays untracked."""


def hand_over(consumer: FakeConsumer, *offsets: int, generation: int = 1) -> list[Message]:
    messages = [Message(offset, generation) for offset in offsets]

    async def deliver() -> None:
        for message in messages:
            await consumer.callback(message)

    asyncio.run(deliver())
    return messages


def test_read_offsets_are_never_remembered_so_no_gap_is_assumed():
    offsets = ForgetfulReadOffsets()
    offsets[HOURS] = 41
    assert offsets[HOURS] is None


def test_nothing_is_committed_past_a_hole_left_by_a_skipped_event():
    consumer = guarded(committed=241)
    consumer._acked[HOURS] = [256, 257]
    assert consumer._new_offset(HOURS) is None
    consumer._acked[HOURS] = [241, 242, 243]
    assert consumer._new_offset(HOURS) == 244


def test_the_hole_is_remembered_even_when_faust_forgets_its_committed_offset():
    consumer = guarded(committed=75)
    consumer._committed_offset.clear()
    consumer._acked[HOURS] = [522]
    assert consumer._new_offset(HOURS) is None


def test_a_partition_with_nothing_committed_is_read_from_its_beginning():
    consumer = guarded(committed=None)
    assert consumer.sought == {HOURS: 0}
    consumer._acked[HOURS] = [5, 6]
    assert consumer._new_offset(HOURS) is None
    consumer._acked[HOURS] = [0, 1, 2]
    assert consumer._new_offset(HOURS) == 3


def test_a_hole_that_stays_open_is_read_again_with_growing_patience():
    consumer = guarded(committed=241)
    stalled_rounds(consumer, 12)
    assert consumer.seeks == [241, 241, 241]


def test_a_message_handed_to_the_streams_and_still_queued_is_given_ten_times_the_patience():
    consumer = guarded(committed=241)
    hand_over(consumer, *range(241, 260))
    stalled_rounds(consumer, 29)
    assert consumer.seeks == []
    assert [m.offset for m in consumer.delivered] == list(range(241, 260))
    stalled_rounds(consumer, 1)
    assert consumer.seeks == [241]


def test_a_message_fetched_in_an_earlier_generation_may_be_skipped_so_is_read_again():
    consumer = guarded(committed=241)
    consumer.app.consumer_generation_id = 2
    hand_over(consumer, *range(241, 260), generation=1)
    stalled_rounds(consumer, 3)
    assert consumer.seeks == [241]


def test_a_message_handed_over_before_a_new_generation_may_have_been_skipped_so_is_read_again():
    consumer = guarded(committed=241)
    hand_over(consumer, *range(241, 260))
    consumer.app.consumer_generation_id = 2
    stalled_rounds(consumer, 3)
    assert consumer.seeks == [241]


def test_offsets_dropped_before_the_hand_over_resumed_are_a_hole():
    consumer = guarded(committed=241)
    hand_over(consumer, 250, 251, 252)
    stalled_rounds(consumer, 3)
    assert consumer.seeks == [241]


def test_a_rebalance_forgets_what_was_handed_over_before_it():
    consumer = guarded(committed=241)
    hand_over(consumer, 240, 241)
    stalled_rounds(consumer, 3)
    assert consumer.seeks == []
    asyncio.run(consumer.perform_seek())
    stalled_rounds(consumer, 3)
    assert consumer.seeks == [241]


def test_a_message_already_acked_is_no_longer_in_flight_so_a_hole_at_it_is_read_again():
    consumer = guarded(committed=241)
    first, *_ = hand_over(consumer, 241, 242)
    first.acked = True
    stalled_rounds(consumer, 3)
    assert consumer.seeks == [241]


def test_a_message_whose_hand_over_was_cancelled_is_not_in_flight():
    consumer = guarded(committed=241)
    consumer.cancel_hand_over = True
    try:
        hand_over(consumer, 241)
    except asyncio.CancelledError:
        pass  # as Faust cancels a hand-over when its flow stops
    else:
        raise AssertionError("the cancellation was swallowed")
    stalled_rounds(consumer, 3)
    assert consumer.seeks == [241]


def delivered_when_read_again(handed: range, rounds: int, fetched_again: range) -> list[int]:
    """Offsets the streams get when `handed` wait unprocessed for `rounds` commit rounds, after
    which the partition is read again from 241 and `fetched_again` arrive."""
    consumer = guarded(committed=241)
    hand_over(consumer, *handed)
    stalled_rounds(consumer, rounds)
    assert consumer.seeks == [241]
    hand_over(consumer, *fetched_again)
    return [m.offset for m in consumer.delivered]


def test_a_message_still_late_after_ten_times_the_patience_is_read_again_with_all_behind_it():
    assert delivered_when_read_again(range(241, 250), 30, range(241, 252)) == [*range(241, 250), *range(241, 252)]


def test_messages_faust_emptied_from_the_queues_when_its_flow_resumed_are_a_hole_not_late():
    consumer = guarded(committed=241)
    hand_over(consumer, *range(241, 250))
    consumer.app.flow_control.clear()
    stalled_rounds(consumer, 3)
    assert consumer.seeks == [241]


def test_a_hole_read_again_hands_every_copy_over_again_in_order():
    assert delivered_when_read_again(range(242, 250), 3, range(241, 250)) == [*range(242, 250), *range(241, 250)]


def test_a_record_aiokafka_has_not_returned_yet_is_late_not_lost():
    """Faust hands every partition over through one loop; behind a full queue of another agent, the
    next record of this partition is not even fetched yet."""
    consumer = guarded(committed=241)
    consumer.end = 260
    consumer._thread.at_position(241)
    assert commit_rounds(consumer, 29) == [None] * 29
    assert consumer.seeks == []
    commit_rounds(consumer, 1)
    assert consumer.seeks == [241]


def test_a_record_aiokafka_returned_but_no_stream_got_is_a_hole():
    consumer = guarded(committed=241)
    consumer.end = 260
    consumer._thread.at_position(250)
    commit_rounds(consumer, 3)
    assert consumer.seeks == [241]


def commit_rounds(consumer: FakeConsumer, n: int) -> list[int | None]:
    """n commit rounds with nothing acked, as the guard sees them; what each would commit."""
    async def rounds() -> list[int | None]:
        out = []
        for _ in range(n):
            out.append(consumer._new_offset(HOURS))
            await asyncio.sleep(0)
        return out

    return asyncio.run(rounds())


def test_a_dropped_tail_is_read_again_from_where_processing_stopped():
    consumer = guarded(committed=241)
    consumer.end = 260
    assert commit_rounds(consumer, 3) == [None, None, None]
    assert consumer.seeks == [241]


def test_a_commit_round_during_a_rebalance_that_took_the_partition_commits_nothing_and_survives():
    consumer = guarded(committed=241)
    consumer.end = 260
    consumer.assigned = set()
    assert commit_rounds(consumer, 3) == [None, None, None]
    assert consumer.seeks == []


def test_a_commit_that_ends_after_a_seek_to_an_older_offset_does_not_hold_the_partition_forever(caplog):
    """Seen after a broker restart: Faust took offset 260 as committed (a commit round that began
    before the seek to 199 ended after it) and then dropped the acks of 199..259 as old."""
    consumer = guarded(committed=199)
    consumer._committed_offset[HOURS] = 260
    for _ in range(3 * 4):
        consumer._acked[HOURS] = [260, 261]
        assert consumer._new_offset(HOURS) == 262
    assert consumer.seeks == []
    assert [r.getMessage() for r in caplog.records] == [
        "t.volunteer-hours[0]: a commit that outlasted a seek took it to 260; going on from there, not 199"]
    consumer._acked[HOURS] = [263]
    assert consumer._new_offset(HOURS) is None, "a hole above the commit is still a hole"


def arriving(consumer: FakeConsumer, *offsets: int) -> list[int]:
    """The offsets of HOURS an agent of the guarded consumer's app processes, of those arriving."""
    async def process() -> list[int]:
        taken = []
        for offset in offsets:
            message = Message(offset, 1)
            consumer._unacked_messages.add(message)
            if consumer.guard.order.takes(message):
                taken.append(offset)
            else:
                assert message.acked and message not in consumer._unacked_messages, "passed over, so never committed"
        await asyncio.sleep(0)
        return taken

    return asyncio.run(process())


def test_records_arriving_ahead_of_the_committed_offset_are_read_again_from_it_at_once():
    consumer = guarded(committed=241)
    assert arriving(consumer, 243, 244) == []
    assert consumer.seeks == [241]
    assert arriving(consumer, 241, 242, 243) == [241, 242, 243]


def test_a_seek_to_the_committed_offsets_resumes_processing_there():
    consumer = guarded(committed=241)
    assert arriving(consumer, 241, 242, 243) == [241, 242, 243]
    asyncio.run(consumer.perform_seek())
    assert arriving(consumer, 241, 242) == [241, 242]


def test_a_hole_read_again_is_processed_again_from_its_start_and_nothing_behind_it_first():
    consumer = guarded(committed=241)
    assert arriving(consumer, 241) == [241]
    stalled_rounds(consumer, 3)
    assert consumer.seeks == [241]
    assert arriving(consumer, 250, 241, 242) == [241, 242]


def test_records_retention_removed_unprocessed_are_gone_so_processing_and_commits_go_on_after_them(caplog):
    consumer = guarded(committed=241)
    consumer.log_start = 300
    assert arriving(consumer, 300, 301) == []
    assert consumer.seeks == [241]  # aiokafka then finds 241 out of range and reads on from 300
    assert arriving(consumer, 300, 301) == [300, 301]
    consumer._acked[HOURS] = [300, 301]
    assert consumer._new_offset(HOURS) == 302
    assert "t.volunteer-hours[0]@241..299 are no longer in the log; going on from 300" in caplog.messages


def test_a_message_its_stream_skipped_is_not_counted_as_acked_so_no_commit_passes_it():
    consumer = guarded(committed=241)
    skipped, taken = Message(241, 1), Message(242, 1)
    taken.tracked = True
    assert consumer.ack(skipped) is False and skipped.acked
    assert consumer.ack(taken) is True
    assert consumer._new_offset(HOURS) is None
    stalled_rounds(consumer, 3)
    assert consumer.seeks == [241]


@pytest.mark.parametrize("fake, real", [
    (FakeConsumer(241), Consumer),
    (FakeConsumerThread(FakeConsumer(241)), AIOKafkaConsumerThread),
    (FakeApp(), App),
    (FakeFlow(), FlowControlEvent),
    (FakeConductor(), Conductor),
    (Message(241, 1), FaustMessage),
    (SimpleNamespace(_subscription=None), AIOKafkaConsumer),
], ids=["consumer", "thread", "app", "flow", "conductor", "message", "aiokafka"])
def test_each_fake_has_the_names_and_kinds_of_the_faust_or_aiokafka_class_it_stands_for(fake, real):
    assert differences(fake, real) == []
