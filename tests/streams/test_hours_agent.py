"""The volunteer hours agent in Faust's test context: an entry for an incident its worker knows goes
onto the hours log; one for an incident unknown even after catching up is dead-lettered, saying so."""
from __future__ import annotations

import pytest

from bus import topics
from handlers.common import DeadLetter
from handlers.hours import HoursLogged, LogHours
from handlers.incidents import decide
from streams import hours
from tests.support.hours import NOON, entry
from tests.support.incidents import declaration

STORM = decide(None, declaration(id="ice-storm-2025-orillia"), NOON)[0]


def logged(entry_id: str, incident: str) -> LogHours:
    return LogHours(**entry(entry_id, incident=incident).model_dump(include=set(LogHours.model_fields) - {"type"}))


@pytest.fixture
def worker(worker_for):
    return worker_for(hours, lambda: NOON, (topics.INCIDENT_STATE, STORM))


async def test_hours_for_a_known_incident_are_logged_and_for_an_unknown_one_dead_lettered(worker):
    await worker.put(("vh-1", logged("vh-1", STORM.id)), ("vh-2", logged("vh-2", "no-such-storm")),
                     done=lambda: len(worker.on(topics.HOURS_LOG)) + len(worker.on(topics.DEAD_LETTERS)) >= 2)
    assert [(key, HoursLogged.model_validate_json(value).volunteers) for key, value in worker.on(topics.HOURS_LOG)] == [
        (b"vh-1", 12)]
    [letter] = [DeadLetter.model_validate_json(value) for _, value in worker.on(topics.DEAD_LETTERS)]
    assert letter.reason == "rejected: unknown incident 'no-such-storm'" and letter.offset == 1
    assert len(worker.directories._tail.catch_ups) == 1
