"""GET /v1/shelters: what a navigator's search lists, entry by entry and page by page."""
from __future__ import annotations

from shapely.geometry import shape

from api.routes.shelters import ShelterView
from bus.topics import INCIDENT_STATE, SHELTER_STATE
from handlers.incidents import DeclareIncident, decide as decide_incident
from handlers.shelters import HoldBed, RegisterShelter, decide
from tests.support.api import NOW, with_incident

ORILLIA = (44.6086, -79.4198)


def with_shelter(api, id_: str, lat: float, lon: float, capacity: int = 50, occupancy: int = 0, open_: bool = True,
                 held: int = 0):
    shelter, _ = decide(None, RegisterShelter(id=id_, name=f"Shelter {id_}", location={"lat": lat, "lon": lon},
                                              capacity=capacity, occupancy=occupancy, open=open_,
                                              languages=["en", "fr"]), NOW)
    if held:
        shelter, _ = decide(shelter, HoldBed(shelter_id=id_, referral_id=f"call-{id_}", beds=held, ttl_s=3600), NOW)
    api.record(SHELTER_STATE, id_, shelter)
    return shelter


def search(api, **params):
    query = {"lat": ORILLIA[0], "lon": ORILLIA[1], "radius_km": 200, **params}
    response = api.client.get("/v1/shelters", params=query, headers=api.as_("navigator"))
    assert response.status_code == 200, response.text
    return response.json()


def test_a_listed_shelter_reads_as_the_shelter_itself_with_its_distance_and_never_its_holds(api):
    incident = with_incident(api)
    inside = shape(incident.area).representative_point()
    with_shelter(api, "in-the-storm", inside.y, inside.x)
    with_shelter(api, "held-one", ORILLIA[0] + 0.01, ORILLIA[1], capacity=10, held=3)
    with_shelter(api, "far-one", ORILLIA[0] + 0.5, ORILLIA[1] + 0.5)

    listed = search(api)

    assert {s["id"] for s in listed} == {"in-the-storm", "held-one", "far-one"}
    assert [s["distance_km"] for s in listed] == sorted(s["distance_km"] for s in listed)
    for entry in listed:
        assert ShelterView.model_validate(entry).model_dump(mode="json") == entry
        one = api.client.get(f"/v1/shelters/{entry['id']}", headers=api.as_("navigator")).json()
        assert {**entry, "distance_km": None} == one
        assert "holds" not in entry
    by_id = {s["id"]: s for s in listed}
    assert (by_id["held-one"]["held"], by_id["held-one"]["free"]) == (3, 7)
    assert by_id["in-the-storm"]["in_affected_areas"] == [incident.id]
    assert by_id["in-the-storm"]["in_danger_zones"] == [] and by_id["far-one"]["in_affected_areas"] == []


def with_flood(api, lat: float, lon: float):
    """A flood whose whole area is, by its kind's default, one danger zone."""
    flood, _ = decide_incident(None, DeclareIncident(id="flood-severn", kind="flood", title="Severn River flooding",
                                                     severity="severe",
                                                     area={"center": {"lat": lat, "lon": lon}, "radius_km": 3}), NOW)
    api.record(INCIDENT_STATE, flood.id, flood)
    return flood


def test_a_shelter_in_a_danger_zone_is_listed_with_it_and_one_in_an_affected_area_only_with_that(api):
    storm = with_incident(api)
    flood = with_flood(api, 44.92, -79.37)
    with_shelter(api, "in-the-flood", 44.92, -79.37)
    listed = {s["id"]: s for s in search(api)}
    assert listed["in-the-flood"]["in_danger_zones"] == [flood.id]
    assert listed["in-the-flood"]["in_affected_areas"] == [flood.id]
    assert storm.id not in listed["in-the-flood"]["in_affected_areas"]


def test_only_available_shelters_are_listed_when_asked_and_pages_are_cut_after_that(api):
    with_incident(api)
    with_flood(api, 44.92, -79.37)
    incident_area = shape(api.client.get("/v1/incidents", headers=api.as_("navigator")).json()[0]["area"])
    inside = incident_area.representative_point()
    with_shelter(api, "in-the-storm", inside.y, inside.x)
    with_shelter(api, "in-the-flood", 44.92, -79.37)
    with_shelter(api, "full", ORILLIA[0], ORILLIA[1] + 0.001, capacity=10, occupancy=10)
    with_shelter(api, "closed", ORILLIA[0], ORILLIA[1] + 0.002, open_=False)
    free = [with_shelter(api, f"free-{i}", ORILLIA[0] + 0.3 + 0.05 * i, ORILLIA[1] + 0.3) for i in range(3)]

    assert len(search(api)) == 7
    available = [s["id"] for s in search(api, available=True)]
    # The ice storm's affected area is no reason to leave a shelter out; the flood's danger zone is.
    assert sorted(available) == sorted(["in-the-storm", *(s.id for s in free)])
    assert [s["id"] for s in search(api, available=True, limit=2)] == available[:2]
    assert [s["id"] for s in search(api, available=True, offset=2)] == available[2:]


class TestApproval:
    def test_a_partners_new_shelter_is_never_a_candidate_until_approved(self, api):
        pending, _ = decide(None, RegisterShelter(
            id="bogus", name="Sample: Bogus", location={"lat": ORILLIA[0], "lon": ORILLIA[1]}, capacity=100_000,
            partner_id="salvation-army-on", actor={"sub": "p", "role": "partner", "partner_id": "salvation-army-on"}),
            NOW)
        api.record(SHELTER_STATE, "bogus", pending)
        with_shelter(api, "real", ORILLIA[0] + 0.2, ORILLIA[1])
        assert [s["id"] for s in search(api, available="true")] == ["real"]
        assert {s["id"]: s["approval"] for s in search(api)} == {"bogus": "pending", "real": "approved"}
        body = {"id": "call-1", "location": {"lat": ORILLIA[0], "lon": ORILLIA[1]}}
        api.client.post("/v1/referrals", json=body, headers=api.as_("navigator"))
        [(_, _, request), (_, shelter_id, _)] = api.publisher.sent
        assert [c.shelter_id for c in request.candidates] == ["real"] and shelter_id == "real"
        assert [r["code"] for r in request.alternatives[0].reasons] == ["awaiting_approval"]

    def test_only_a_manager_approves_and_the_approval_goes_to_the_shelters_owner(self, api):
        pending, _ = decide(None, RegisterShelter(
            id="new-one", name="Sample: New", location={"lat": ORILLIA[0], "lon": ORILLIA[1]}, capacity=20,
            partner_id="salvation-army-on", actor={"sub": "p", "role": "partner", "partner_id": "salvation-army-on"}),
            NOW)
        api.record(SHELTER_STATE, "new-one", pending)
        partner = api.as_("partner", partner_id="salvation-army-on")
        assert api.client.post("/v1/shelters/new-one/approve", headers=partner).status_code == 403
        assert api.client.post("/v1/shelters/nope/approve", headers=api.as_("manager")).status_code == 404
        assert api.client.post("/v1/shelters/new-one/approve", headers=api.as_("manager")).status_code == 202
        [(topic, key, command)] = api.publisher.sent
        assert (topic, key, command.type, command.actor.role) == ("shelters", "new-one", "ApproveShelter", "manager")

    def test_a_partner_adding_thousands_of_beds_to_an_approved_shelter_is_refused(self, api):
        shelter = with_shelter(api, "run-by-partner", *ORILLIA, capacity=40)
        api.record(SHELTER_STATE, "run-by-partner", shelter.model_copy(update={"partner_id": "salvation-army-on"}))
        body = {"name": "Shelter run-by-partner", "location": {"lat": ORILLIA[0], "lon": ORILLIA[1]},
                "capacity": 100_000, "partner_id": "salvation-army-on"}
        partner = api.as_("partner", partner_id="salvation-army-on")
        refused = api.client.put("/v1/shelters/run-by-partner", json=body, headers=partner)
        assert refused.status_code == 409 and refused.json()["detail"]["code"] == "capacity_needs_manager"
        assert api.publisher.sent == []
        assert api.client.put("/v1/shelters/run-by-partner", json={**body, "capacity": 90}, headers=partner).status_code == 202
        assert api.client.put("/v1/shelters/run-by-partner", json=body, headers=api.as_("manager")).status_code == 202
