"""The services agent in Faust's test context: a site registered then closed is one snapshot that
says why; what cannot be applied is dead-lettered with the reason while the agent goes on."""
from __future__ import annotations

import pytest

from bus import topics
from handlers.common import DeadLetter
from handlers.services import ServiceSite, SetServiceStatus
from streams import services
from tests.support.services import LIBRARY, NOON, charging_station


@pytest.fixture
def worker(worker_for):
    return worker_for(services, lambda: NOON)


def snapshot(worker, key: str) -> ServiceSite:
    return ServiceSite.model_validate_json(worker.table[key.encode()])


async def test_a_site_registered_then_closed_for_no_power_is_one_snapshot_saying_so(worker):
    closed = SetServiceStatus(id=LIBRARY, status="closed", reason="no_power")
    await worker.put((LIBRARY, charging_station()), (LIBRARY, closed), (LIBRARY, closed),
                     done=lambda: LIBRARY.encode() in worker.table and snapshot(worker, LIBRARY).version == 2)
    site = snapshot(worker, LIBRARY)
    assert (site.status, site.status_reason, site.open, site.phone) == ("closed", "no_power", False, "705-555-0150")
    assert worker.on(topics.DEAD_LETTERS) == []


async def test_what_cannot_be_applied_is_dead_lettered_with_the_reason_and_the_agent_goes_on(worker):
    await worker.put((LIBRARY, b"{not json"), ("elsewhere", charging_station()),
                     ("never-registered", SetServiceStatus(id="never-registered", status="closed", reason="damaged")),
                     (LIBRARY, charging_station()), done=lambda: LIBRARY.encode() in worker.table)
    letters = [DeadLetter.model_validate_json(value) for _, value in worker.on(topics.DEAD_LETTERS)]
    assert [letter.reason for letter in letters] == [
        letters[0].reason, f"bad key: message for {LIBRARY!r} was keyed 'elsewhere'",
        "rejected: no service site 'never-registered'"]
    assert letters[0].reason.startswith("invalid message") and [letter.offset for letter in letters] == [0, 1, 2]
