"""A worker's directory reads incident states to their end before calling an incident unknown."""
from __future__ import annotations

from bus import topics
from core.settings import Settings
from handlers.incidents import decide
from streams.directories import Directories
from tests.support.agents import LaggingTail
from tests.support.clock import NOON
from tests.support.incidents import declaration

INCIDENT_STATE = Settings(topic_prefix="unit.").topic(topics.INCIDENT_STATE.name)


def directories_behind(*incidents) -> tuple[Directories, LaggingTail]:
    """Directories whose tail holds the incidents back, as a reader behind the API's would."""
    directories = Directories(Settings(topic_prefix="unit."))
    tail = LaggingTail(directories)
    tail.held = [(INCIDENT_STATE, i.id.encode(), i.model_dump_json().encode()) for i in incidents]
    directories._tail = tail
    return directories, tail


async def test_an_incident_the_api_has_seen_is_found_after_catching_up():
    incident, _ = decide(None, declaration(), NOON)
    directories, tail = directories_behind(incident)
    assert directories.incidents.statuses.get(incident.id) is None
    assert await directories.incident_status(incident.id) == "active"
    assert await directories.incident_status(incident.id) == "active" and tail.catch_ups == [INCIDENT_STATE]


async def test_an_incident_nobody_declared_stays_unknown_after_catching_up():
    directories, tail = directories_behind()
    assert await directories.incident_status("nowhere") is None and tail.catch_ups == [INCIDENT_STATE]
