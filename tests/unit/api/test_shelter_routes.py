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
