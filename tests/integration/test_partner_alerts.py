"""Incident alerts against the real broker with two workers: each partner in reach is alerted once
per incident, however many times the area is updated, retried, shrunk or grown again."""
from __future__ import annotations

from collections import Counter

from pyproj import Geod

from tests.support.alerts import ORILLIA, THUNDER_BAY, alerts_for, storm
from tests.support.poll import until

WORKERS = 2
GEOD = Geod(ellps="WGS84")


def east_of_orillia(km: float) -> dict:
    lon, lat, _ = GEOD.fwd(ORILLIA[1], ORILLIA[0], 90, km * 1000)
    return {"lat": round(lat, 5), "lon": round(lon, 5)}


# Partners due east of Orillia; the default reach is 25 km beyond the incident's edge.
PARTNERS = {
    "alert-orillia": (5, ["shelter", "generators"]),
    "alert-washago": (45, ["food_kits"]),
    "alert-kirkfield": (75, ["debris_clearing"]),
    "alert-lindsay": (120, ["transport"]),
    "alert-kingston": (230, ["shelter"]),
    "alert-drones-only": (6, ["drone"]),
}
SERVES_ORILLIA_FROM_AFAR = {"name": "Sample: Ottawa Valley responders", "sample": True, "capabilities": ["wellness_checks"],
                            "base": {"lat": 45.4215, "lon": -75.6972, "place": "Ottawa, ON"},
                            "service_area": {"center": {"lat": 44.75, "lon": -79.0}, "radius_km": 30}}


def partner(name: str, km: float, capabilities: list[str]) -> dict:
    return {"name": f"Sample: {name}", "sample": True, "capabilities": capabilities,
            "base": {**east_of_orillia(km), "place": "Simcoe County, ON"}}


def update(manager, incident_id: str, update_id: str, **changes) -> dict:
    response = manager.patch(f"/v1/incidents/{incident_id}", json={"update_id": update_id, **changes})
    assert response.status_code in (200, 202), response.text
    return until(lambda: (i := manager.get(f"/v1/incidents/{incident_id}").json()) and update_id in i["applied_updates"] and i,
                 what=f"update {update_id} applied")


def test_each_partner_in_reach_is_alerted_once_however_often_the_area_changes(stack, tokens):
    with stack.client(tokens["admin"]) as admin, stack.client(tokens["manager"]) as manager:
        for name, (km, capabilities) in PARTNERS.items():
            assert admin.put(f"/v1/partners/{name}", json=partner(name, km, capabilities)).status_code == 201
        assert admin.put("/v1/partners/alert-ottawa-valley", json=SERVES_ORILLIA_FROM_AFAR).status_code == 201

        assert manager.post("/v1/incidents", json=storm("orillia-grows", 3)).status_code == 201
        update(manager, "orillia-grows", "grow-30", area=storm("", 30)["area"])
        update(manager, "orillia-grows", "grow-30", area=storm("", 30)["area"])  # a retry
        update(manager, "orillia-grows", "worse", severity="extreme")
        update(manager, "orillia-grows", "grow-60", area=storm("", 60)["area"])
        update(manager, "orillia-grows", "grow-100", area=storm("", 100)["area"])
        update(manager, "orillia-grows", "shrink-60", area=storm("", 60)["area"])
        incident = update(manager, "orillia-grows", "regrow-100", area=storm("", 100)["area"])

        expected = {"alert-orillia", "alert-washago", "alert-kirkfield", "alert-lindsay", "alert-ottawa-valley"}
        assert set(incident["alerts"]) == expected
        counts = until(lambda: (c := alerts_for(stack.env, "orillia-grows")) and set(c) >= expected and c,
                       what="every alert on the alerts topic")
        assert counts == Counter({p: 1 for p in expected})
        assert incident["alerts"]["alert-washago"]["capabilities"] == ["food_kits"]


def test_a_partner_is_alerted_once_for_each_incident_that_reaches_it(stack, tokens):
    with stack.client(tokens["manager"]) as manager:
        for incident_id in ("orillia-first", "orillia-second"):
            assert manager.post("/v1/incidents", json=storm(incident_id, 2)).status_code == 201
            update(manager, incident_id, "same-area-again", area=storm("", 2)["area"])
        for incident_id in ("orillia-first", "orillia-second"):
            counts = until(lambda: (c := alerts_for(stack.env, incident_id)) and "alert-orillia" in c and c,
                           what=f"{incident_id} alerts")
            assert counts == Counter({"alert-orillia": 1})
            assert set(manager.get(f"/v1/incidents/{incident_id}").json()["alerts"]) == {"alert-orillia"}


KENORA = {"lat": 49.7670, "lon": -94.4894, "place": "Kenora, ON"}


def test_a_partner_that_joins_or_moves_near_an_active_incident_is_alerted_once(stack, tokens):
    late = {"late-joiner": THUNDER_BAY, "late-mover": KENORA}
    with stack.client(tokens["admin"]) as admin, stack.client(tokens["manager"]) as manager:
        storm_there = {**storm("thunder-bay-late", 10), "title": "Ice storm — Thunder Bay",
                       "area": {"center": {"lat": THUNDER_BAY["lat"], "lon": THUNDER_BAY["lon"]}, "radius_km": 10}}
        assert manager.post("/v1/incidents", json=storm_there).status_code == 201

        for name, base in late.items():
            profile = {"name": f"Sample: {name}", "sample": True, "capabilities": ["shelter"], "base": base}
            assert admin.put(f"/v1/partners/{name}", json=profile).status_code == 201
        moved = {"name": "Sample: late-mover", "sample": True, "capabilities": ["shelter"], "base": THUNDER_BAY}
        assert admin.put("/v1/partners/late-mover", json=moved).status_code == 200
        restocked = {**moved, "capabilities": ["shelter", "generators"], "inventory": {"generators": 2}}
        assert admin.put("/v1/partners/late-mover", json=restocked).status_code == 200

        expected = {"late-joiner", "late-mover"}
        counts = until(lambda: (c := alerts_for(stack.env, "thunder-bay-late")) and set(c) >= expected and c,
                       what="alerts for the partners that joined late")
        incident = until(lambda: (i := manager.get("/v1/incidents/thunder-bay-late").json())
                         and set(i["alerts"]) >= expected and i, what="the incident's alerts")
        assert set(incident["alerts"]) == expected
        assert counts == Counter({p: 1 for p in expected})
        assert incident["alerts"]["late-mover"]["capabilities"] == ["shelter"]
