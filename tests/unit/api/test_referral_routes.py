"""POST /v1/referrals in-process: what the API puts on Kafka for a caller, and how it is audited."""
from __future__ import annotations

from bus.topics import SHELTER_STATE
from handlers.referrals import RequestReferral
from handlers.shelters import HoldBed, decide
from tests.support.api import NOW
from tests.support.shelters import rotary_place

ORILLIA = {"lat": 44.6082, "lon": -79.4197}


def test_the_api_asks_the_nearest_fitting_shelter_itself_with_the_request_riding_along(api):
    for shelter_id, lat in (("near", 44.61), ("farther", 44.70)):
        shelter, _ = decide(None, rotary_place(capacity=5, id=shelter_id, location={"lat": lat, "lon": -79.42}), NOW)
        api.record(SHELTER_STATE, shelter_id, shelter)
    body = {"id": "call-1", "location": ORILLIA, "household_size": 2, "caller_ref": "case-17"}
    assert api.client.post("/v1/referrals", json=body, headers=api.as_("navigator", sub="nav-1")).status_code == 202

    [(topic, key, ask)] = api.publisher.sent
    assert (topic, key, type(ask)) == ("shelters", "near", HoldBed)
    assert (ask.referral_id, ask.beds, ask.actor) == ("call-1", 2, None)
    request = RequestReferral.model_validate(ask.request)
    assert [c.shelter_id for c in request.candidates] == ["near", "farther"]
    assert (request.id, request.caller_ref, request.actor.sub, request.hold_ttl_s) == ("call-1", "case-17", "nav-1", ask.ttl_s)
    assert api.publisher.audits == [("nav-1", "RequestReferral", "referrals/call-1")]


def test_with_no_shelter_to_ask_the_request_goes_to_the_referral_agent(api):
    body = {"id": "call-2", "location": ORILLIA}
    assert api.client.post("/v1/referrals", json=body, headers=api.as_("navigator", sub="nav-1")).status_code == 202
    [(topic, key, request)] = api.publisher.sent
    assert (topic, key, type(request), request.candidates) == ("referrals", "call-2", RequestReferral, [])
    assert api.publisher.audits == [("nav-1", "RequestReferral", "referrals/call-2")]
