"""The consumer guard that keeps Faust at least once: nothing committed past an unprocessed offset."""
from __future__ import annotations

import asyncio
from collections import defaultdict
from types import SimpleNamespace

import pytest
from aiokafka.errors import ConsumerStoppedError
from faust.types import TP

from streams.delivery import deliver_every_fetch

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
        self.fetched: list = []
        """What each getmany round returns: a list of messages, or an exception to raise."""
        self._stopped = asyncio.Event()
        self.suspend_flow = asyncio.Event()
        self._commit_every = 1000
        self._n_acked = 0
        self.raced = 0
        self.consumer_stopped_errors = (ConsumerStoppedError,)

    async def callback(self, message) -> None:
        self.delivered.append(message)

    async def getmany(self, timeout: float):
        if not self.fetched:
            self._stopped.set()
            return
        batch = self.fetched.pop(0)
        if isinstance(batch, BaseException):
            raise batch
        for message in batch:
            yield message.tp, message

    async def commit(self) -> None: ...

    async def wait_first(self, *coros):
        """Faust's race (mode's Service.wait_first): the first to finish wins, the rest are cancelled."""
        self.raced += 1
        tasks = [asyncio.ensure_future(c) for c in coros]
        done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()

    def highwater(self, tp):
        assert tp in self.assigned, "Partition is not assigned"  # as aiokafka checks it
        return self.end

    def assignment(self):
        return set(self.assigned)

    async def perform_seek(self) -> None: ...

    async def earliest_offsets(self, *tps):
        return {tp: 0 for tp in tps}

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
        state = SimpleNamespace(has_valid_position=True, position=offset)
        assignment = SimpleNamespace(state_value=lambda tp: state if tp == HOURS else None)
        self._consumer = SimpleNamespace(_subscription=SimpleNamespace(
            subscription=SimpleNamespace(assignment=assignment)))

    async def call_thread(self, fun, *args):
        return fun(*args)

    def seek(self, tp, offset) -> None:
        self.consumer.sought[tp] = offset
        self.consumer.seeks.append(offset)


class FakeApp:
    consumer_generation_id = 1
    should_stop = False

    def __init__(self, consumer: FakeConsumer) -> None:
        self._new_consumer = lambda: consumer
        self.flow_control = type("Flow", (), {"is_active": staticmethod(lambda: True)})()
        self.topics = type("Topics", (), {"acks_enabled_for": staticmethod(lambda topic: topic.endswith("hours"))})()


def guarded(committed: int | None) -> FakeConsumer:
    app = FakeApp(FakeConsumer(committed))
    deliver_every_fetch(app)
    consumer = app._new_consumer()
    consumer.app = app
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


def message(offset: int, generation: int = 1):
    return type("Message", (), {"tp": HOURS, "offset": offset, "generation_id": generation})()


def hand_over(consumer: FakeConsumer, *offsets: int, generation: int = 1) -> None:
    async def deliver() -> None:
        for offset in offsets:
            await consumer.callback(message(offset, generation))

    asyncio.run(deliver())


def drain(consumer: FakeConsumer, *rounds) -> None:
    """Faust's fetcher running the consumer's hand-over loop over these getmany rounds."""
    consumer.fetched = list(rounds)
    fetcher = type("Fetcher", (), {"_stopped": asyncio.Event()})()
    asyncio.run(asyncio.wait_for(consumer._drain_messages(fetcher), 5))


def test_a_message_fetched_again_after_a_seek_back_reaches_its_stream_rather_than_counting_as_read():
    consumer = guarded(committed=40)
    drain(consumer, [message(50), message(51)], [message(40), message(41)], [message(90)])
    assert [m.offset for m in consumer.delivered] == [50, 51, 40, 41, 90]


def test_while_the_flow_runs_each_message_is_handed_over_without_racing_a_suspension():
    consumer = guarded(committed=40)
    drain(consumer, [message(o) for o in range(40, 45)])
    assert [m.offset for m in consumer.delivered] == [40, 41, 42, 43, 44]
    assert consumer.raced == 0


def test_once_the_flow_is_suspended_a_hand_over_that_would_block_gives_way():
    consumer = guarded(committed=40)
    consumer.suspend_flow.set()
    blocked = asyncio.Event()

    async def never_room(message) -> None:
        await blocked.wait()

    consumer.callback = never_room
    drain(consumer, [message(40), message(41)])
    assert consumer.raced == 2


def test_a_consumer_stopped_under_the_loop_ends_it_quietly_only_when_the_app_is_stopping():
    consumer = guarded(committed=40)
    consumer.app.should_stop = True
    drain(consumer, [message(40)], ConsumerStoppedError())
    assert [m.offset for m in consumer.delivered] == [40]
    consumer.app.should_stop = False
    consumer._stopped.clear()
    with pytest.raises(ConsumerStoppedError):
        drain(consumer, ConsumerStoppedError())


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


def test_reading_again_forgets_what_was_handed_over_before_the_seek():
    consumer = guarded(committed=241)
    hand_over(consumer, 240, 241)
    stalled_rounds(consumer, 3)
    assert consumer.seeks == []
    asyncio.run(consumer.perform_seek())
    stalled_rounds(consumer, 3)
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


def test_a_partition_whose_next_record_aiokafka_has_yet_to_return_is_no_hole_however_long_it_waits():
    consumer = guarded(committed=241)
    consumer.end = 900
    consumer._thread.at_position(241)
    assert commit_rounds(consumer, 30) == [None] * 30
    assert consumer.seeks == []
    consumer._thread.at_position(250)
    commit_rounds(consumer, 3)
    assert consumer.seeks == [241], "once aiokafka has returned it, a record that never arrived is a hole"


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
