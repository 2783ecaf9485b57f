"""Danger zones against the real broker with two workers: a flood's zone keeps referrals out, an ice
storm's affected area does not, and callers inside the sample ice storms are held at the nearest
shelter with room inside the storm, not sent 30 km away."""
from __future__ import annotations

import json
import uuid
from pathlib import Path

import httpx
import pytest
from rich.console import Console

from geo.distance import geodesic_km
from geo.gazetteer import OntarioGazetteer
from muster.seed import load_sample
from tests.support.poll import until

WORKERS = 2
SHELTERS = json.loads((Path(__file__).resolve().parents[2] / "muster" / "data" / "shelters.json").read_text())["shelters"]
TIMMINS = (48.4758, -81.3305)
"""Far from every sample shelter but Timmins's own, so this module's shelters decide alone."""


def put_shelter(client: httpx.Client, shelter_id: str, lat: float, lon: float, capacity: int = 20) -> None:
    response = client.put(f"/v1/shelters/{shelter_id}", json={
        "name": f"Sample: {shelter_id}", "location": {"lat": lat, "lon": lon}, "capacity": capacity, "occupancy": 0,
        "open": True, "families": True, "languages": ["en", "fr"]})
    assert response.status_code in (200, 201), response.text


def held_at(navigator: httpx.Client, location: dict, household_size: int = 1, **more) -> dict:
    """Refer one caller and wait for the referral to be decided; the answer with its shelter."""
    body = {"id": f"call-{uuid.uuid4().hex[:10]}", "location": location, "household_size": household_size, **more}
    response = navigator.post("/v1/referrals", json=body)
    assert response.status_code in (200, 201, 202), response.text
    return until(lambda: (a := navigator.get(f"/v1/referrals/{body['id']}").json())["status"] != "pending" and a,
                 deadline_s=60, what=f"referral {body['id']} decided")


def excluded_for(navigator: httpx.Client, location: dict, code: str) -> set[str]:
    """The shelters a probe no shelter can satisfy lists as left out for a reason with `code`."""
    probe = {"id": f"probe-{uuid.uuid4().hex[:10]}", "location": location, "needs": {"language": "zz"},
             "radius_km": 60}
    answer = navigator.post("/v1/referrals", json=probe).json()
    return {a["shelter_id"] for a in answer.get("alternatives", []) if any(r["code"] == code for r in a["reasons"])}


@pytest.fixture(scope="module")
def clients(stack, tokens):
    with stack.client(tokens["manager"]) as manager, stack.client(tokens["navigator"]) as navigator:
        yield manager, navigator


def test_a_floods_danger_zone_keeps_callers_out_and_an_ice_storms_affected_area_does_not(clients):
    manager, navigator = clients
    lat, lon = TIMMINS
    put_shelter(manager, "timmins-flooded-hall", lat + 0.30, lon)
    put_shelter(manager, "timmins-dry-hall", lat + 0.40, lon)
    put_shelter(manager, "timmins-iced-arena", lat - 0.30, lon)
    flood = {"id": "flood-mattagami", "kind": "flood", "title": "Mattagami River flooding", "severity": "severe",
             "area": {"center": {"lat": lat + 0.30, "lon": lon}, "radius_km": 3}}
    storm = {"id": "ice-storm-timmins", "kind": "ice_storm", "title": "Ice storm — south of Timmins",
             "severity": "severe", "area": {"center": {"lat": lat - 0.30, "lon": lon}, "radius_km": 25}}
    for incident in (flood, storm):
        assert manager.post("/v1/incidents", json=incident).status_code == 201
    near_flood = {"lat": lat + 0.30, "lon": lon}
    until(lambda: "timmins-flooded-hall" in excluded_for(navigator, near_flood, "in_danger_zone"),
          deadline_s=60, what="the API's directory to know the flood's danger zone")

    flooded_caller = held_at(navigator, near_flood)
    iced_caller = held_at(navigator, {"lat": lat - 0.30, "lon": lon})

    assert flooded_caller["status"] == "held" and flooded_caller["shelter"]["id"] == "timmins-dry-hall"
    assert iced_caller["status"] == "held" and iced_caller["shelter"]["id"] == "timmins-iced-arena"
    views = {s["id"]: s for s in navigator.get("/v1/shelters", params={"lat": lat, "lon": lon}).json()}
    assert views["timmins-flooded-hall"]["in_danger_zones"] == ["flood-mattagami"]
    assert views["timmins-iced-arena"]["in_danger_zones"] == []
    assert views["timmins-iced-arena"]["in_affected_areas"] == ["ice-storm-timmins"]


@pytest.fixture(scope="module")
def sample(stack, clients, settings_for):
    """The shipped Ontario sample, with its Orillia and Peterborough ice storms, as `muster seed` loads it."""
    loaded = load_sample(stack.api.base, settings_for(), Console(quiet=True))
    assert loaded["incidents"] == 2 and loaded["shelters"] == len(SHELTERS)
    _, navigator = clients
    until(lambda: all(navigator.get(f"/v1/incidents/{i}").status_code == 200
                      for i in ("ice-storm-2025-orillia", "ice-storm-2025-peterborough")),
          deadline_s=60, what="the sample storms in the API's view")
    return navigator


def nearest_with_room(place: str, household_size: int) -> tuple[str, float]:
    """The sample shelter the issue says a caller in `place` should get: open, room for the
    household, families welcome, nearest to where the gazetteer puts the town."""
    where = OntarioGazetteer().geocode(place)
    fits = [s for s in SHELTERS if s.get("open", True) and s.get("families")
            and s["capacity"] - s.get("occupancy", 0) >= household_size]
    best = min(fits, key=lambda s: geodesic_km(where.latitude, where.longitude,
                                               s["location"]["lat"], s["location"]["lon"]))
    return best["id"], geodesic_km(where.latitude, where.longitude, best["location"]["lat"], best["location"]["lon"])


@pytest.mark.parametrize("place, household, storm, expected", [
    ("Peterborough, ON", 2, "ice-storm-2025-peterborough", "peterborough-memorial-centre"),
    ("Orillia, ON", 3, "ice-storm-2025-orillia", "orillia-rotary-place"),
])
def test_a_caller_inside_a_sample_ice_storm_is_held_at_the_nearest_shelter_with_room_inside_it(
        sample, place, household, storm, expected):
    navigator = sample
    nearest, km = nearest_with_room(place, household)
    assert nearest == expected and km < 5

    answer = held_at(navigator, {"place": place}, household, needs={"family": True})

    assert answer["status"] == "held", answer
    assert answer["shelter"]["id"] == expected and answer["distance_km"] < 5
    shelter = navigator.get(f"/v1/shelters/{expected}").json()
    assert storm in shelter["in_affected_areas"] and shelter["in_danger_zones"] == []
