"""A worker's directory reads incident states to their end before calling an incident unknown."""
from __future__ import annotations

from bus import topics
from handlers.incidents import decide
from muster.settings import Settings
from streams.directories import Directories
from tests.unit.handlers.test_incidents import NOON, declaration


class LaggingTail:
    """Holds back the incident states until asked to catch up, as a reader behind the API's would."""

    def __init__(self, directories: Directories, records: list[tuple[bytes, bytes]]) -> None:
        self.directories, self.records, self.catch_ups = directories, records, 0

    async def catch_up(self, topic: str, timeout: float) -> bool:
        self.catch_ups += 1
        assert topic == self.directories.settings.topic(topics.INCIDENT_STATE.name)
        for key, value in self.records:
            self.directories._on_record(topic, key, value)
        self.records = []
        return True


def directories_with(records: list[tuple[bytes, bytes]]) -> tuple[Directories, LaggingTail]:
    directories = Directories(Settings(topic_prefix="unit."))
    tail = LaggingTail(directories, records)
    directories._tail = tail
    return directories, tail


async def test_an_incident_the_api_has_seen_is_found_after_catching_up():
    incident, _ = decide(None, declaration(), NOON)
    directories, tail = directories_with([(incident.id.encode(), incident.model_dump_json().encode())])
    assert directories.incidents.statuses.get(incident.id) is None
    assert await directories.incident_status(incident.id) == "active"
    assert await directories.incident_status(incident.id) == "active" and tail.catch_ups == 1


async def test_an_incident_nobody_declared_stays_unknown_after_catching_up():
    directories, tail = directories_with([])
    assert await directories.incident_status("nowhere") is None and tail.catch_ups == 1

