"""The partners agent in Faust's test context: a partner that joins near an active incident asks
the incident's writer to alert it, even before its worker's directory has read the incident, again
if the ask was lost with a killed worker, and one that only changes its inventory asks nothing."""
from __future__ import annotations

import pytest

from bus import topics
from handlers.incidents import AlertPartner, decide, incident_commands
from streams import partners
from tests.support.clock import NOON
from tests.support.incidents import declaration
from tests.support.partners import responders

FAR_AWAY = responders(id="marker-far-away", base={"lat": 49.77, "lon": -94.49, "place": "Kenora, ON"}, service_area=None)


@pytest.fixture
def worker(worker_for):
    storm = decide(None, declaration(), NOON)[0]  # 15 km around Orillia
    return worker_for(partners, lambda: NOON, (topics.INCIDENT_STATE, storm))


async def register(worker, *commands) -> list[tuple[bytes, bytes]]:
    """The incident commands sent for the registrations; a last one far from everything marks the end."""
    await worker.put(*[(c.id, c) for c in (*commands, FAR_AWAY)],
                     done=lambda: FAR_AWAY.id.encode() in worker.table)
    return worker.on(topics.INCIDENTS)


async def test_a_partner_that_joins_near_an_active_incident_asks_it_for_an_alert(worker):
    asks = await register(worker, responders())
    assert [key for key, _ in asks] == [b"ice-storm-orillia"]
    ask = incident_commands.validate_json(asks[0][1])
    assert isinstance(ask, AlertPartner)
    assert (ask.partner_id, ask.distance_km) == ("sample-orillia-responders", 0)
    assert ask.capabilities == ["shelter", "debris_clearing", "generators", "transport"]


async def test_a_partner_that_joins_near_an_incident_its_worker_has_not_read_yet_asks_it_for_an_alert(worker_for):
    storm = decide(None, declaration(), NOON)[0]
    worker = worker_for(partners, lambda: NOON)
    worker.lag(topics.INCIDENT_STATE, storm.id, storm)
    asks = await register(worker, responders())
    assert [key for key, _ in asks] == [b"ice-storm-orillia"]
    assert incident_commands.validate_json(asks[0][1]).partner_id == "sample-orillia-responders"


async def test_a_partner_that_only_changes_its_inventory_asks_no_incident_again(worker):
    asks = await register(worker, responders(), responders(inventory={"cots": 50}))
    assert len(asks) == 1


async def test_an_ask_lost_with_a_killed_worker_is_sent_when_the_registration_returns(worker):
    worker.lose_next_send(topics.INCIDENTS)
    assert await register(worker, responders()) == []
    assert b"sample-orillia-responders" not in worker.table
    await worker.put(("sample-orillia-responders", responders()), done=lambda: b"sample-orillia-responders" in worker.table)
    asks = worker.on(topics.INCIDENTS)
    assert [incident_commands.validate_json(value).partner_id for _, value in asks] == ["sample-orillia-responders"]
