"""POST /v1/referrals in-process: what the API puts on Kafka for a caller, and how it is audited."""
from __future__ import annotations

import json

from bus.topics import REFERRAL_STATE, SHELTER_STATE
from handlers.referrals import Referral, RequestReferral
from handlers.shelters import HoldBed, Needs, decide
from tests.support.api import NOW
from tests.support.shelters import rotary_place

ORILLIA = {"lat": 44.6082, "lon": -79.4197}


def test_the_api_puts_the_request_on_referrals_then_asks_the_nearest_shelter_only_what_it_needs(api):
    for shelter_id, lat in (("near", 44.61), ("farther", 44.70)):
        shelter, _ = decide(None, rotary_place(capacity=5, id=shelter_id, location={"lat": lat, "lon": -79.42}), NOW)
        api.record(SHELTER_STATE, shelter_id, shelter)
    body = {"id": "call-1", "location": ORILLIA, "household_size": 2, "caller_ref": "case-17"}
    assert api.client.post("/v1/referrals", json=body, headers=api.as_("navigator", sub="nav-1")).status_code == 202

    [(topic, key, request), (ask_topic, ask_key, ask)] = api.publisher.sent
    assert (topic, key, type(request), request.asked) == ("referrals", "call-1", RequestReferral, True)
    assert [c.shelter_id for c in request.candidates] == ["near", "farther"]
    assert all(isinstance(c.distance_km, int) for c in request.candidates)
    assert (request.id, request.caller_ref, request.actor.sub) == ("call-1", "case-17", "nav-1")
    assert (ask_topic, ask_key, type(ask)) == ("shelters", "near", HoldBed)
    assert (ask.referral_id, ask.beds, ask.actor, ask.ttl_s) == ("call-1", 2, None, request.hold_ttl_s)
    assert set(json.loads(ask.model_dump_json(exclude_none=True))) <= {
        "v", "type", "shelter_id", "referral_id", "beds", "needs", "ttl_s", "accepted_at"}
    assert api.publisher.audits == [("nav-1", "RequestReferral", "referrals/call-1")]


def test_a_retry_of_a_referral_still_pending_asks_its_shelter_again(api):
    pending = Referral(id="call-3", status="pending", household_size=2, needs=Needs(), hold_ttl_s=60, created_at=NOW,
                       updated_at=NOW, requested_by="nav-1", shelter_id="near", shelter_name="Sample: Near", distance_km=1)
    api.record(REFERRAL_STATE, "call-3", pending)
    body = {"id": "call-3", "location": ORILLIA, "household_size": 2}
    assert api.client.post("/v1/referrals", json=body, headers=api.as_("navigator", sub="nav-1")).status_code == 202
    [(topic, key, ask)] = api.publisher.sent
    assert (topic, key, ask.referral_id, ask.beds, ask.request) == ("shelters", "near", "call-3", 2, None)


def test_with_no_shelter_to_ask_the_request_goes_to_the_referral_agent(api):
    body = {"id": "call-2", "location": ORILLIA}
    assert api.client.post("/v1/referrals", json=body, headers=api.as_("navigator", sub="nav-1")).status_code == 202
    [(topic, key, request)] = api.publisher.sent
    assert (topic, key, type(request), request.candidates) == ("referrals", "call-2", RequestReferral, [])
    assert api.publisher.audits == [("nav-1", "RequestReferral", "referrals/call-2")]
