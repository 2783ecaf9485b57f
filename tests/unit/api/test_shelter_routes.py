"""GET /v1/shelters: what a navigator's search lists, entry by entry and page by page."""
from __future__ import annotations

from shapely.geometry import shape

from api.routes.shelters import ShelterView
from bus.topics import SHELTER_STATE
from handlers.shelters import HoldBed, RegisterShelter, decide
from tests.unit.api.conftest import NOW
from tests.unit.api.test_partner_routes import with_incident

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
    assert by_id["in-the-storm"]["inside_incidents"] == [incident.id]


def test_only_available_shelters_are_listed_when_asked_and_pages_are_cut_after_that(api):
    with_incident(api)
    incident_area = shape(api.client.get("/v1/incidents", headers=api.as_("navigator")).json()[0]["area"])
    inside = incident_area.representative_point()
    with_shelter(api, "in-the-storm", inside.y, inside.x)
    with_shelter(api, "full", ORILLIA[0], ORILLIA[1] + 0.001, capacity=10, occupancy=10)
    with_shelter(api, "closed", ORILLIA[0], ORILLIA[1] + 0.002, open_=False)
    free = [with_shelter(api, f"free-{i}", ORILLIA[0] + 0.3 + 0.05 * i, ORILLIA[1] + 0.3) for i in range(3)]

    assert len(search(api)) == 6
    available = search(api, available=True)
    assert [s["id"] for s in available] == [s.id for s in free]
    assert [s["id"] for s in search(api, available=True, limit=2)] == ["free-0", "free-1"]
    assert [s["id"] for s in search(api, available=True, offset=2)] == ["free-2"]
