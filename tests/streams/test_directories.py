"""A worker's directories read a state topic to its end before answering from it what another
reader (the API) may already have seen: an incident called unknown, the partners an alert reaches."""
from __future__ import annotations

from bus import topics
from handlers.incidents import decide, geometry_of
from muster.settings import Settings
from streams.directories import Directories
from tests.unit.handlers.test_incidents import NOON, declaration
from tests.unit.handlers.test_partners import registered


class LaggingTail:
    """Holds back each topic's records until asked to catch up on it, as a reader behind the API's would."""

    def __init__(self, directories: Directories, records: dict[topics.TopicSpec, list[tuple[bytes, bytes]]]) -> None:
        settings = directories.settings
        self.directories, self.catch_ups = directories, []
        self.records = {settings.topic(spec.name): held for spec, held in records.items()}

    async def catch_up(self, topic: str, timeout: float) -> bool:
        self.catch_ups.append(topic)
        for key, value in self.records.pop(topic, []):
            self.directories._on_record(topic, key, value)
        return True


def directories_with(records: dict[topics.TopicSpec, list[tuple[bytes, bytes]]]) -> tuple[Directories, LaggingTail]:
    directories = Directories(Settings(topic_prefix="unit."))
    tail = LaggingTail(directories, records)
    directories._tail = tail
    return directories, tail


async def test_an_incident_the_api_has_seen_is_found_after_catching_up():
    incident, _ = decide(None, declaration(), NOON)
    directories, tail = directories_with({topics.INCIDENT_STATE: [(incident.id.encode(), incident.model_dump_json().encode())]})
    assert directories.incidents.statuses.get(incident.id) is None
    assert await directories.incident_status(incident.id) == "active"
    assert await directories.incident_status(incident.id) == "active" and tail.catch_ups == ["unit.incident-state"]


async def test_an_incident_nobody_declared_stays_unknown_after_catching_up():
    directories, tail = directories_with({})
    assert await directories.incident_status("nowhere") is None and tail.catch_ups == ["unit.incident-state"]


async def test_an_alert_reaches_a_partner_registered_a_moment_before_the_declaration():
    partner = registered()
    directories, tail = directories_with({topics.PARTNER_STATE: [(partner.id.encode(), partner.model_dump_json().encode())]})
    area, _ = geometry_of(declaration().area)
    assert directories.partners.in_reach(area, 50) == []
    assert [p.partner_id for p in await directories.partners_in_reach(area, 50)] == [partner.id]
    assert tail.catch_ups == ["unit.partner-state"]

