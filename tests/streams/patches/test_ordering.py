"""Each partition's records are processed in offset order: one that arrives ahead of the next is
passed over and the partition read again from the next, so a lost record is never applied after
the records behind it."""
from __future__ import annotations

from types import SimpleNamespace

from faust.types import TP

from bus import topics
from core.settings import Settings
from handlers.incidents import Incident, UpdateIncident
from streams import incidents
from streams.patches.ordering import ASK_AGAIN_S, PartitionOrder
from streams.worker import build_worker
from tests.support.clock import NOON
from tests.support.incidents import declaration

HOURS = TP("t.volunteer-hours", 0)


class Recorder:
    """An order over HOURS from 241, with what it passed over and where it asked to read again."""

    def __init__(self, can_read: bool = True) -> None:
        self.now = 0.0
        self.asked: list[int] = []
        self.passed: list[int] = []
        self.can_read = can_read
        self.order = PartitionOrder(self.read_from, lambda message: self.passed.append(message.offset),
                                    clock=lambda: self.now)
        self.order.reset({HOURS: 241})

    def read_from(self, tp, offset: int) -> bool:
        if self.can_read:
            self.asked.append(offset)
        return self.can_read

    def taken(self, *offsets: int, tp=HOURS) -> list[int]:
        return [o for o in offsets if self.order.takes(SimpleNamespace(tp=tp, offset=o))]


def test_records_behind_a_lost_one_are_passed_over_and_the_partition_read_again_from_it_once():
    order = Recorder()
    assert order.taken(241, 243, 244, 245) == [241]
    assert order.passed == [243, 244, 245]
    assert order.asked == [242]
    assert order.taken(242, 243, 244) == [242, 243, 244]


def test_a_copy_of_a_record_already_processed_is_passed_over_without_reading_again():
    order = Recorder()
    assert order.taken(241, 242, 241, 242, 243) == [241, 242, 243]
    assert order.passed == [241, 242]
    assert order.asked == []


def test_a_read_again_that_brought_nothing_is_asked_again_after_a_while():
    order = Recorder()
    order.taken(243)
    order.now += ASK_AGAIN_S - 0.1
    order.taken(244)
    assert order.asked == [241]
    order.now += 0.2
    order.taken(245)
    assert order.asked == [241, 241]


def test_a_read_that_could_not_start_is_asked_for_again_at_the_next_record_ahead():
    order = Recorder(can_read=False)
    order.taken(243)
    order.can_read = True
    order.taken(244)
    assert order.asked == [241]


def test_a_partition_read_again_from_an_earlier_offset_is_processed_again_from_there():
    order = Recorder()
    order.taken(241, 242, 243)
    order.order.restart(HOURS, 241)
    assert order.taken(244, 241, 242) == [241, 242]
    assert order.asked == [241]


def test_a_partition_without_a_known_start_is_taken_as_it_comes():
    order = Recorder()
    elsewhere = TP("t.volunteer-hours", 1)
    assert order.taken(7, 5, tp=elsewhere) == [7, 5]
    assert order.passed == []


def incident_update(n: int, title: str, severity: str) -> UpdateIncident:
    return UpdateIncident(id="ice-storm-orillia", update_id=f"u-{n}", title=title, severity=severity)


async def test_an_incident_update_lost_on_the_way_and_read_again_does_not_overwrite_the_newer_one(worker_for):
    """The fault test saw an incident end with its older title: the newer update was applied, the
    lost older one arrived when its partition was read again, and the newer one's copy was skipped
    as a duplicate."""
    asked: list[int] = []
    order = PartitionOrder(lambda tp, offset: asked.append(offset) is None, lambda message: None)
    worker = worker_for(incidents, lambda: NOON, order=order)
    storm = declaration()
    older, newer = incident_update(1, "Older", "severe"), incident_update(2, "Newer", "extreme")
    order.reset({TP(worker.settings.topic(topics.INCIDENTS.name), 0): 0})

    async with worker.agent.test_context() as test:
        for offset, command in [(0, storm), (2, newer), (1, older), (2, newer)]:  # 1 lost, then read again
            test.sent_offset = offset
            await test.put(command.model_dump_json().encode(), key=storm.id.encode(), partition=0)

    incident = Incident.model_validate_json(worker.table[storm.id.encode()])
    assert (incident.title, incident.severity, incident.applied_updates) == ("Newer", "extreme", ["u-1", "u-2"])
    assert asked == [1]


def test_each_agent_reads_topics_no_other_agent_reads_so_each_partition_has_one_order(tmp_path):
    app = build_worker(Settings(data_dir=tmp_path, topic_prefix="t."), lambda: NOON)
    sources = [topic for agent in app.agents.values() for topic in agent.channel.topics]
    assert len(app.agents) == 7
    assert sorted(sources) == sorted(set(sources))
