"""The resource requests agent in Faust's test context: a new request claims units from the nearest
partner its worker's directory knows to have them, a retried request claims nothing again, and a
claim lost with a killed worker is made when the request returns."""
from __future__ import annotations

import pytest

from bus import topics
from handlers.incidents import decide
from handlers.partners import ClaimInventory, partner_commands
from handlers.requests import RaiseRequest, ResourceRequest
from streams import requests
from tests.support.clock import NOON
from tests.support.incidents import declaration
from tests.support.partners import holding_cots

STORM = decide(None, declaration(id="ice-storm-2025-orillia"), NOON)[0]
ORILLIA_ARENA = {"lat": 44.5953, "lon": -79.4417}
PARTNERS = (holding_cots("near", 44.60, -79.42, 10), holding_cots("far", 43.65, -79.38, 20))
RAISED = RaiseRequest(id="rr-1", incident_id=STORM.id, resource_type="cots", quantity=6, location=ORILLIA_ARENA,
                      needed_by="2025-03-30T18:00:00-04:00", priority="normal")


@pytest.fixture
def worker(worker_for):
    return worker_for(requests, lambda: NOON, (topics.INCIDENT_STATE, STORM), *((topics.PARTNER_STATE, p) for p in PARTNERS))


async def test_a_request_claims_from_the_nearest_partner_with_units_and_once_however_often_it_is_sent(worker):
    marker = RAISED.model_copy(update={"id": "rr-2", "resource_type": "generators"})  # nobody has any
    await worker.put(("rr-1", RAISED), ("rr-1", RAISED), ("rr-2", marker), done=lambda: b"rr-2" in worker.table)
    claims = [(key, partner_commands.validate_json(value)) for key, value in worker.on(topics.PARTNERS)]
    assert [(key, type(claim), claim.quantity) for key, claim in claims] == [(b"near", ClaimInventory, 6)]
    assert ResourceRequest.model_validate_json(worker.table[b"rr-1"]).status == "open"


async def test_a_claim_lost_with_a_killed_worker_is_made_when_the_request_returns(worker):
    worker.lose_next_send(topics.PARTNERS)
    await worker.put(("rr-1", RAISED), done=lambda: len(worker.on(topics.DEAD_LETTERS)) == 1)
    assert worker.on(topics.PARTNERS) == [] and b"rr-1" not in worker.table

    await worker.put(("rr-1", RAISED), done=lambda: b"rr-1" in worker.table)
    assert [key for key, _ in worker.on(topics.PARTNERS)] == [b"near"]
