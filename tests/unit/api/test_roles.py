"""Every route, called as every kind of caller: the allowed set is exactly what the table says.

Callers: no token, a manager, partner A (the Salvation Army), partner B (Feed Ontario), a
navigator, an admin. Allowed means the call got past authorisation and ownership: not 401, 403,
or the 404 that hides another caller's object. Every object the table names exists, so a
legitimate caller never meets a 404.
"""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bus.topics import HOURS_LOG, INCIDENT_STATE, REFERRAL_STATE, REQUEST_STATE, SERVICE_STATE, SHELTER_STATE
from handlers.hours import HoursLogged
from handlers.incidents import SetDangerZone, decide as decide_incident
from handlers.referrals import Referral
from handlers.requests import Context, RaiseRequest, decide as decide_request
from handlers.services import RegisterService, decide as decide_service
from handlers.shelters import Needs, RegisterShelter, decide as decide_shelter
from tests.support.api import NOW, SCENARIO, body, with_incident, with_partner

A, B = "salvation-army-on", "feed-ontario"
CALLERS = ("none", "manager", "partner A", "partner B", "navigator", "admin")
EVERYONE = set(CALLERS)
SIGNED_IN = EVERYONE - {"none"}
INCIDENT = SCENARIO["incidents"][0]["id"]
ENTRY = SCENARIO["volunteer_hours"][1]
CAP_ALERT = (Path(__file__).resolve().parents[1] / "data" / "cap" / "alert-freezing-rain-ottawa.xml").read_bytes()
"""Bytes are sent as the body with Content-Type application/xml; anything else as JSON."""
SHELTER = {"name": "Sample: Orillia arena", "location": {"lat": 44.6, "lon": -79.42}, "capacity": 10,
           "partner_id": A}
SERVICE = {"name": "Sample: Orillia library charging", "service_type": "charging_station",
           "location": {"lat": 44.608, "lon": -79.419}, "partner_id": A}

ROUTES = [
    ("GET", "/healthz", None, EVERYONE),
    ("GET", "/readyz", None, EVERYONE),
    ("GET", "/metrics", None, EVERYONE),
    ("POST", "/v1/incidents", {**SCENARIO["incidents"][1]}, {"manager", "admin"}),
    ("GET", "/v1/incidents", None, SIGNED_IN),
    ("GET", f"/v1/incidents/{INCIDENT}", None, SIGNED_IN),
    ("PATCH", f"/v1/incidents/{INCIDENT}", {"update_id": "u-1", "severity": "extreme"}, {"manager", "admin"}),
    ("POST", f"/v1/incidents/{INCIDENT}/close", None, {"manager", "admin"}),
    ("PUT", f"/v1/incidents/{INCIDENT}/danger-zones/rama-road", {
        "update_id": "z-1", "kind": "other", "area": {"center": {"lat": 44.63, "lon": -79.35}, "radius_km": 1}},
     {"manager", "admin"}),
    ("DELETE", f"/v1/incidents/{INCIDENT}/danger-zones/downed-lines?update_id=z-2", None, {"manager", "admin"}),
    ("GET", f"/v1/incidents/{INCIDENT}/volunteer-hours", None, SIGNED_IN - {"navigator"}),
    ("PUT", "/v1/shelters/orillia-arena", SHELTER, {"manager", "partner A", "admin"}),
    ("POST", "/v1/shelters/orillia-arena/approve", None, {"manager", "admin"}),
    ("GET", "/v1/shelters", None, SIGNED_IN),
    ("GET", "/v1/shelters/orillia-arena", None, SIGNED_IN),
    ("POST", "/v1/shelters/orillia-arena/status", {"status": "closed", "reason": "no_power"},
     {"manager", "partner A", "admin"}),
    ("PUT", "/v1/services/orillia-charging", SERVICE, {"manager", "partner A", "admin"}),
    ("GET", "/v1/services", None, SIGNED_IN),
    ("GET", "/v1/services/list?place=Orillia&type=charging_station", None, {"navigator", "admin"}),
    ("GET", "/v1/services/orillia-charging", None, SIGNED_IN),
    ("POST", "/v1/services/orillia-charging/status", {"status": "closed", "reason": "no_power"},
     {"manager", "partner A", "admin"}),
    ("POST", "/v1/referrals", {"id": "call-9", "location": {"lat": 44.6, "lon": -79.4}}, {"navigator", "admin"}),
    ("GET", "/v1/referrals", None, {"navigator", "admin"}),
    ("GET", "/v1/referrals/call-1", None, {"navigator", "admin"}),
    ("POST", "/v1/referrals/call-1/extend", {"id": "ext-1"}, {"navigator", "admin"}),
    ("POST", "/v1/referrals/call-1/confirm", None, {"navigator", "admin"}),
    ("POST", "/v1/referrals/call-2/release", None, {"navigator", "admin"}),
    ("GET", "/v1/referrals/call-1/sheet", None, {"navigator", "admin"}),
    ("PUT", f"/v1/partners/{B}", body(B), {"admin"}),
    ("GET", "/v1/partners", None, SIGNED_IN),
    ("GET", f"/v1/partners/{A}", None, SIGNED_IN),
    ("POST", "/v1/resource-requests", SCENARIO["resource_requests"][1], {"manager", "admin"}),
    ("GET", "/v1/resource-requests", None, SIGNED_IN),
    ("GET", "/v1/resource-requests/rr-001", None, SIGNED_IN),
    ("POST", "/v1/resource-requests/rr-001/cancel", None, {"manager", "admin"}),
    ("POST", "/v1/resource-requests/rr-001/fulfil", None, {"manager", "admin"}),
    ("POST", "/v1/volunteer-hours", {**ENTRY, "id": "vh-new"}, {"partner A", "admin"}),
    ("GET", f"/v1/volunteer-hours/{ENTRY['id']}", None, {"manager", "partner A", "admin"}),
    ("GET", "/v1/audit", None, {"admin"}),
    ("POST", "/v1/revocations", {"sub": "nav-9", "reason": "laptop stolen"}, {"manager", "admin"}),
    ("POST", "/v1/incidents/cap", CAP_ALERT, {"manager", "admin"}),
    ("GET", "/v1/exports/incidents.geojson", None, SIGNED_IN),
    ("GET", "/v1/exports/shelters.geojson", None, SIGNED_IN),
    ("GET", "/v1/exports/services.geojson", None, SIGNED_IN),
    ("GET", "/v1/exports/partners.geojson", None, SIGNED_IN),
    ("GET", "/v1/exports/commitments.csv", None, SIGNED_IN - {"navigator"}),
    ("GET", "/dashboard-config", None, EVERYONE),
    ("GET", "/v1/demo-tokens", None, set()),  # only in development mode, to loopback, with MUSTER_DEMO_TOKENS
]
"""(method, path, body, who may) for every operation in the OpenAPI schema but the event stream."""


def headers_for(api, caller: str) -> dict[str, str]:
    return {
        "none": {},
        "manager": api.as_("manager"),
        "partner A": api.as_("partner", partner_id=A),
        "partner B": api.as_("partner", partner_id=B),
        "navigator": api.as_("navigator", sub="nav-1"),
        "admin": api.as_("admin"),
    }[caller]


@pytest.fixture
def world(api):
    """The objects the table's paths name, as the views would hold them."""
    incident = with_incident(api)
    incident, _ = decide_incident(incident, SetDangerZone(
        id=incident.id, zone_id="downed-lines", update_id="z-0", kind="other",
        area={"center": {"lat": 44.6, "lon": -79.42}, "radius_km": 1}), NOW)
    api.record(INCIDENT_STATE, incident.id, incident)
    with_partner(api, A)
    with_partner(api, B)
    shelter, _ = decide_shelter(None, RegisterShelter(id="orillia-arena", **SHELTER), NOW)
    api.record(SHELTER_STATE, shelter.id, shelter)
    service, _ = decide_service(None, RegisterService(id="orillia-charging", **SERVICE), NOW)
    api.record(SERVICE_STATE, service.id, service)
    for referral_id in ("call-1", "call-2"):
        api.record(REFERRAL_STATE, referral_id, Referral(
            id=referral_id, status="held", household_size=1, needs=Needs(), hold_ttl_s=60, requested_by="nav-1",
            created_at=NOW, updated_at=NOW, shelter_id="orillia-arena", shelter_name="Sample: Orillia arena",
            distance_km=1.0, hold_expires_at=NOW + timedelta(hours=2)))
    request, _ = decide_request(None, RaiseRequest(**SCENARIO["resource_requests"][0]), NOW, Context("active", [], None))
    api.record(REQUEST_STATE, request.id, request.model_copy(update={"commitments": {A: 10, B: 5}}))
    api.record(HOURS_LOG, ENTRY["id"], HoursLogged(**ENTRY, logged_at=NOW))
    return api


def operations(api) -> dict[tuple[str, str], dict]:
    return {(m.upper(), p): op for p, ops in api.client.get("/openapi.json").json()["paths"].items() for m, op in ops.items()}


def templates_of(documented, method: str, path: str) -> set[tuple[str, str]]:
    """The documented operation a concrete call is routed to, e.g. GET /v1/shelters/x → /v1/shelters/{id};
    where a fixed path and a template both match (/v1/services/list), the fixed one, as routing does."""
    found: dict[tuple[str, str], int] = {}
    parts = path.split("?")[0].split("/")
    for template_method, template in documented:
        pattern = template.replace("{", "<").split("/")
        if method == template_method and len(pattern) == len(parts) and all(
                t.startswith("<") or t == p for t, p in zip(pattern, parts, strict=True)):
            found[(template_method, template)] = sum(t.startswith("<") for t in pattern)
    fewest = min(found.values(), default=0)
    return {operation for operation, templated in found.items() if templated == fewest}


def test_the_table_covers_every_operation_in_the_schema(api):
    documented = operations(api)
    tabled = set().union(*(templates_of(documented, method, path) for method, path, _, _ in ROUTES))
    assert set(documented) - tabled == {("GET", "/v1/events")}


def call(world, method: str, path: str, payload, caller: str):
    if isinstance(payload, bytes):
        return world.client.request(method, path, content=payload,
                                    headers={**headers_for(world, caller), "Content-Type": "application/xml"})
    return world.client.request(method, path, json=payload, headers=headers_for(world, caller))


@pytest.mark.parametrize("method, path, payload, allowed", ROUTES, ids=[f"{m} {p}" for m, p, _, _ in ROUTES])
def test_each_route_admits_exactly_the_callers_it_should(world, method, path, payload, allowed):
    admitted = set()
    for caller in CALLERS:
        response = call(world, method, path, payload, caller)
        assert response.status_code < 500 or path == "/readyz", (caller, response.text)
        if response.status_code not in (401, 403, 404):
            admitted.add(caller)
    assert admitted == allowed


def test_every_answer_a_route_gives_is_one_its_schema_documents(world):
    """No worker answers here, so every command meets its reply deadline: a 202 must be documented too."""
    documented = operations(world)
    undocumented = set()
    for method, path, payload, allowed in ROUTES:
        (operation,) = templates_of(documented, method, path)
        for caller in sorted(allowed):
            code = call(world, method, path, payload, caller).status_code
            if str(code) not in documented[operation]["responses"]:
                undocumented.add((*operation, code))
    assert not undocumented


def test_another_navigator_cannot_see_or_touch_a_referral(world):
    other = world.as_("navigator", sub="nav-2")
    for method, path in [("GET", "/v1/referrals/call-1"), ("POST", "/v1/referrals/call-1/confirm"),
                         ("POST", "/v1/referrals/call-1/release"), ("GET", "/v1/referrals/call-1/sheet")]:
        assert world.client.request(method, path, headers=other).status_code == 404


def test_a_partner_sees_only_its_own_hours_and_commitments(world):
    as_b = headers_for(world, "partner B")
    totals = world.client.get(f"/v1/incidents/{INCIDENT}/volunteer-hours", headers=as_b).json()
    assert A not in totals["by_partner"]
    request = world.client.get("/v1/resource-requests/rr-001", headers=as_b).json()
    assert request["commitments"] == {B: 5} and all(c["partner_id"] == B for c in request["claims"].values())
    assert world.client.get("/v1/resource-requests/rr-001", headers=world.as_("manager")).json()["commitments"] == {A: 10, B: 5}
    assert world.client.get(f"/v1/volunteer-hours/{ENTRY['id']}", headers=as_b).status_code == 404
    assert A not in world.client.get("/v1/exports/commitments.csv", headers=as_b).text


def test_referral_changes_never_reach_the_event_stream_and_shelter_changes_do(api):
    queue = api.container.views.subscribe()
    api.record(REFERRAL_STATE, "call-9", Referral(
        id="call-9", status="held", household_size=3, needs=Needs(), hold_ttl_s=60, requested_by="nav-1",
        created_at=NOW, updated_at=NOW, shelter_id="orillia-arena", hold_expires_at=NOW + timedelta(hours=2)))
    shelter, _ = decide_shelter(None, RegisterShelter(id="orillia-arena", **SHELTER), NOW)
    api.record(SHELTER_STATE, shelter.id, shelter)

    changes = [queue.get_nowait() for _ in range(queue.qsize())]
    assert [(change["kind"], change["id"]) for change in changes] == [("shelter-state", "orillia-arena")]
