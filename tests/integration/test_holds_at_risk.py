"""Held beds at risk, on the real broker with two workers: a flood declared over a shelter holding
beds flags those referrals for a call back and no new hold goes there; a shelter its partner marks
closed flags its holds and gets no referrals, limited it takes them again; a navigator extends a
hold up to its bound and finds it by its short code."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.support.poll import until

WORKERS = 2
MUSTER_ENV = {"MUSTER_HOLD_TTL_S": "600", "MUSTER_HOLD_EXTEND_S": "600", "MUSTER_HOLD_MAX_S": "1500",
              "MUSTER_HOLD_SWEEP_INTERVAL_S": "0.5"}
WASHAGO = {"lat": 44.7496, "lon": -79.3345}
ORILLIA = {"lat": 44.6082, "lon": -79.4197}
KENORA = {"lat": 49.7670, "lon": -94.4894}
SUDBURY = {"lat": 46.4917, "lon": -80.9930}


@pytest.fixture(scope="module")
def clients(stack, tokens):
    with (stack.client(tokens["manager"]) as manager, stack.client(tokens["navigator"]) as navigator,
          stack.client(tokens["partner"]) as partner):
        yield manager, navigator, partner


def put_shelter(manager, shelter_id: str, location: dict, **fields) -> None:
    response = manager.put(f"/v1/shelters/{shelter_id}", json={
        "name": f"Sample: {shelter_id}", "location": location, "capacity": 5, "families": True, **fields})
    assert response.status_code in (200, 201), response.text


def refer(navigator, referral_id: str, location: dict) -> dict:
    response = navigator.post("/v1/referrals", json={"id": referral_id, "location": location, "household_size": 1})
    assert response.status_code in (200, 201), response.text
    return response.json()


def callbacks_of(navigator, referral_id: str) -> list[dict]:
    return navigator.get(f"/v1/referrals/{referral_id}").json()["callbacks"]


def test_a_flood_declared_over_held_beds_flags_them_for_a_call_back_and_no_new_hold_goes_there(clients):
    manager, navigator, _ = clients
    put_shelter(manager, "washago-hall", WASHAGO)
    put_shelter(manager, "orillia-rotary", ORILLIA)
    held = refer(navigator, "washago-caller", WASHAGO)
    assert (held["status"], held["shelter"]["id"]) == ("held", "washago-hall")

    flood = manager.post("/v1/incidents", json={
        "id": "flood-green-river", "kind": "flood", "title": "Green River flooding", "severity": "severe",
        "area": {"center": WASHAGO, "radius_km": 4}})
    assert flood.status_code == 201, flood.text

    [flag] = until(lambda: callbacks_of(navigator, "washago-caller"), deadline_s=30, what="the callback flag")
    assert (flag["reason"], flag["incident_id"]) == ("danger_zone", "flood-green-river")
    mine = navigator.get("/v1/referrals").json()
    assert mine[0]["id"] == "washago-caller" and mine[0]["callbacks"] == [flag]

    after = refer(navigator, "washago-caller-2", WASHAGO)
    assert (after["status"], after["shelter"]["id"]) == ("held", "orillia-rotary")
    assert callbacks_of(navigator, "washago-caller") == [flag], "flagged once, however often the sweep ran"


def test_a_shelter_its_partner_marks_closed_flags_its_holds_and_limited_takes_referrals_again(clients):
    manager, navigator, partner = clients
    put_shelter(manager, "kenora-legion", KENORA, partner_id="salvation-army-on")
    held = refer(navigator, "kenora-caller", KENORA)
    assert (held["status"], held["shelter"]["id"]) == ("held", "kenora-legion")

    closed = partner.post("/v1/shelters/kenora-legion/status", json={"status": "closed", "reason": "no_power"})
    assert closed.status_code == 200, closed.text
    assert (closed.json()["open"], closed.json()["status"], closed.json()["status_reason"]) == (False, "closed", "no_power")
    [flag] = until(lambda: callbacks_of(navigator, "kenora-caller"), deadline_s=30, what="the callback flag")
    assert (flag["reason"], flag["status_reason"]) == ("shelter_closed", "no_power")
    nothing = refer(navigator, "kenora-caller-2", KENORA)
    assert nothing["status"] == "no_capacity"
    nearest = nothing["alternatives"][0]
    assert (nearest["shelter_id"], nearest["reasons"]) == (
        "kenora-legion", [{"code": "closed", "message": "closed", "status_reason": "no_power"}])

    limited = partner.post("/v1/shelters/kenora-legion/status", json={"status": "limited", "reason": "no_heat"})
    assert limited.status_code == 200, limited.text
    again = refer(navigator, "kenora-caller-3", KENORA)
    assert (again["status"], again["shelter"]["status"], again["shelter"]["status_reason"]) == ("held", "limited", "no_heat")


def test_a_navigator_extends_a_hold_up_to_its_bound_and_finds_it_by_its_short_code(clients):
    manager, navigator, _ = clients
    put_shelter(manager, "sudbury-arena", SUDBURY)
    held = refer(navigator, "sudbury-caller", SUDBURY)
    first_expiry = datetime.fromisoformat(held["hold_expires_at"])

    once = navigator.post("/v1/referrals/sudbury-caller/extend", json={"id": "ext-1"})
    assert once.status_code == 200, once.text
    assert datetime.fromisoformat(once.json()["hold_expires_at"]) == first_expiry + timedelta(seconds=600)
    again = navigator.post("/v1/referrals/sudbury-caller/extend", json={"id": "ext-1"})
    assert again.json()["hold_expires_at"] == once.json()["hold_expires_at"], "the same extension extends once"
    bounded = navigator.post("/v1/referrals/sudbury-caller/extend", json={"id": "ext-2"})
    assert bounded.status_code == 200, bounded.text
    assert datetime.fromisoformat(bounded.json()["hold_expires_at"]) == first_expiry + timedelta(seconds=900)
    refused = navigator.post("/v1/referrals/sudbury-caller/extend", json={"id": "ext-3"})
    assert refused.status_code == 409, refused.text
    assert refused.json()["detail"]["code"] == "at_limit"

    code = held["code"]
    found = navigator.get("/v1/referrals", params={"code": f"{code[:3]}-{code[3:]}".lower()}).json()
    assert [(r["id"], r["extensions"]) for r in found] == [("sudbury-caller", 2)]
