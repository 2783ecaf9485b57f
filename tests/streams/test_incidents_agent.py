"""The incidents agent in Faust's test context: a declaration alerts the partners its worker knows
in reach, a partner that joins later is alerted once when it asks, the sweep asks for the
partners both missed, alerts lost with a killed worker are sent when the command returns, and a
snapshot stored under schema version 1 is read as version 2."""
from __future__ import annotations

import json

import pytest

from bus import topics
from handlers.incidents import AlertPartner, Incident, PartnerAlerted, RemoveDangerZone
from handlers.partners import decide as decide_partner
from streams import incidents
from tests.support.clock import NOON
from tests.support.incidents import V1_FLOOD, declaration
from tests.support.partners import responders

KNOWN = decide_partner(None, responders(), NOON)[0]
LATE = decide_partner(None, responders(id="late-responders"), NOON)[0]
ELSEWHERE = declaration(id="ice-storm-kenora", area={"center": {"lat": 49.77, "lon": -94.49}, "radius_km": 5})


@pytest.fixture
def worker(worker_for):
    return worker_for(incidents, lambda: NOON, (topics.PARTNER_STATE, KNOWN))


def alerted(worker) -> list[tuple[bytes, str]]:
    return [(key, PartnerAlerted.model_validate_json(value).partner_id) for key, value in worker.on(topics.ALERTS)]


async def test_a_declaration_alerts_the_partners_in_reach_and_a_late_partner_once_when_it_asks(worker):
    storm = declaration()
    ask = AlertPartner(id=storm.id, partner_id=LATE.id, distance_km=0.5, capabilities=LATE.capabilities)
    await worker.put((storm.id, storm), (storm.id, ask), (storm.id, ask), (ELSEWHERE.id, ELSEWHERE),
                     done=lambda: ELSEWHERE.id.encode() in worker.table)
    assert alerted(worker) == [(b"ice-storm-orillia", KNOWN.id), (b"ice-storm-orillia", LATE.id)]
    assert worker.on(topics.DEAD_LETTERS) == []


async def test_the_sweep_asks_each_incident_it_owns_for_the_partners_in_reach_it_never_alerted(worker):
    storm = declaration()
    await worker.put((storm.id, storm), (ELSEWHERE.id, ELSEWHERE), done=lambda: ELSEWHERE.id.encode() in worker.table)
    owned = {key: Incident.model_validate_json(worker.table[key.encode()]) for key in (storm.id, ELSEWHERE.id)}
    worker.know(topics.INCIDENT_STATE, ELSEWHERE.id, owned[ELSEWHERE.id])
    worker.know(topics.PARTNER_STATE, LATE.id, LATE)
    sweep = worker.timer("alert_missed_partners")

    await sweep()  # the directory has not seen the storm yet
    older = owned[storm.id].model_copy(update={"version": 0})
    worker.know(topics.INCIDENT_STATE, storm.id, older)
    await sweep()  # nor the version the worker owns
    assert worker.on(topics.INCIDENTS) == []

    worker.know(topics.INCIDENT_STATE, storm.id, owned[storm.id])
    await sweep()
    asks = [(key, AlertPartner.model_validate_json(value)) for key, value in worker.on(topics.INCIDENTS)]
    assert [(key, ask.id, ask.partner_id) for key, ask in asks] == [(storm.id.encode(), storm.id, LATE.id)]

    await worker.put((storm.id, asks[0][1]), done=lambda: len(alerted(worker)) == 2)
    worker.know(topics.INCIDENT_STATE, storm.id, Incident.model_validate_json(worker.table[storm.id.encode()]))
    await sweep()
    assert len(worker.on(topics.INCIDENTS)) == 1
    assert alerted(worker) == [(b"ice-storm-orillia", KNOWN.id), (b"ice-storm-orillia", LATE.id)]


async def test_alerts_that_never_left_are_sent_when_the_declaration_comes_back(worker):
    storm = declaration()
    worker.lose_next_send(topics.ALERTS)
    await worker.put((storm.id, storm), done=lambda: len(worker.on(topics.DEAD_LETTERS)) == 1)
    assert alerted(worker) == [] and storm.id.encode() not in worker.table

    await worker.put((storm.id, storm), done=lambda: storm.id.encode() in worker.table)
    assert alerted(worker) == [(b"ice-storm-orillia", KNOWN.id)]


async def test_a_stored_v1_flood_is_read_as_v2_by_the_agent_and_the_directory(worker):
    raw = json.dumps(V1_FLOOD).encode()
    worker.table.data[b"flood-bracebridge"] = raw
    worker.directories._on_record(worker.settings.topic(topics.INCIDENT_STATE.name), b"flood-bracebridge", raw)
    assert worker.directories.incidents.hazards_at(45.04, -79.31) == ["flood-bracebridge"]
    lifted = RemoveDangerZone(id="flood-bracebridge", zone_id="whole-area", update_id="r1")
    await worker.put(("flood-bracebridge", lifted),
                     done=lambda: b'"v":2' in (worker.table.data.get(b"flood-bracebridge") or b""))
    stored = Incident.model_validate_json(worker.table.data[b"flood-bracebridge"])
    assert stored.danger_zones == [] and stored.applied_updates == ["r1"]
    assert worker.on(topics.DEAD_LETTERS) == []
