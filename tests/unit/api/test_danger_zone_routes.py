"""Danger zones through the API in-process: managers declare them, set and remove them; what is
refused is refused with the reason before anything reaches Kafka."""
from __future__ import annotations

import pytest

FLOOD = {"id": "flood-bracebridge", "kind": "flood", "title": "Muskoka River flooding", "severity": "severe",
         "area": {"center": {"lat": 45.04, "lon": -79.31}, "radius_km": 8}}
STORM = {"id": "ice-storm-orillia", "kind": "ice_storm", "title": "Ice storm — Orillia", "severity": "severe",
         "area": {"center": {"lat": 44.6082, "lon": -79.4197}, "radius_km": 15}}
DOWNED_LINES = {"update_id": "z-1", "kind": "other", "note": "downed lines on Front St",
                "area": {"center": {"lat": 44.6082, "lon": -79.4197}, "radius_km": 1}}


def as_manager(api):
    return api.as_("manager", sub="emo-orillia")


def sent(api) -> list[str]:
    return [message.type for topic, _, message in api.publisher.sent if topic == "incidents"]


def test_a_declared_flood_has_its_whole_area_as_a_zone_and_an_ice_storm_none(worked):
    flood = worked.client.post("/v1/incidents", json=FLOOD, headers=as_manager(worked)).json()
    storm = worked.client.post("/v1/incidents", json=STORM, headers=as_manager(worked)).json()
    assert [(z["id"], z["kind"], z["origin"]) for z in flood["danger_zones"]] == [("whole-area", "inundation", "default")]
    assert storm["danger_zones"] == [] and storm["v"] == 2


def test_the_same_declaration_again_is_answered_from_the_view_and_other_zones_are_a_conflict(worked):
    assert worked.client.post("/v1/incidents", json=FLOOD, headers=as_manager(worked)).status_code == 201
    assert worked.client.post("/v1/incidents", json=FLOOD, headers=as_manager(worked)).status_code == 200
    other = {**FLOOD, "danger_zones": []}
    assert worked.client.post("/v1/incidents", json=other, headers=as_manager(worked)).status_code == 409
    assert sent(worked) == ["DeclareIncident"]


def test_a_manager_sets_a_zone_in_an_ice_storm_once_and_removes_it(worked):
    worked.client.post("/v1/incidents", json=STORM, headers=as_manager(worked))
    path = "/v1/incidents/ice-storm-orillia/danger-zones/front-street"
    set_ = worked.client.put(path, json=DOWNED_LINES, headers=as_manager(worked))
    assert set_.status_code == 200, set_.text
    [zone] = set_.json()["danger_zones"]
    assert (zone["id"], zone["note"], zone["set_by"], zone["origin"]) == (
        "front-street", "downed lines on Front St", "emo-orillia", "manager")
    assert worked.client.put(path, json=DOWNED_LINES, headers=as_manager(worked)).status_code == 200
    assert worked.container.incidents.hazards_at(44.6082, -79.4197) == ["ice-storm-orillia"]

    removed = worked.client.delete(path, params={"update_id": "r-1"}, headers=as_manager(worked))
    assert removed.status_code == 200 and removed.json()["danger_zones"] == []
    assert worked.client.delete(path, params={"update_id": "r-1"}, headers=as_manager(worked)).status_code == 200
    assert worked.container.incidents.hazards_at(44.6082, -79.4197) == []
    assert sent(worked) == ["DeclareIncident", "SetDangerZone", "RemoveDangerZone"]


@pytest.mark.parametrize("change, fragment", [
    ({**DOWNED_LINES, "area": {"center": {"lat": 49.65, "lon": -125.45}, "radius_km": 20}}, "must be in Ontario"),
    ({**DOWNED_LINES, "area": {"type": "Point", "coordinates": [-79.4, 44.6]}}, "type"),
    ({**DOWNED_LINES, "kind": "meteor"}, "kind"),
    ({key: value for key, value in DOWNED_LINES.items() if key != "update_id"}, "update_id"),
])
def test_a_zone_outside_ontario_or_malformed_is_a_422_saying_where(worked, change, fragment):
    worked.client.post("/v1/incidents", json=STORM, headers=as_manager(worked))
    response = worked.client.put("/v1/incidents/ice-storm-orillia/danger-zones/x", json=change, headers=as_manager(worked))
    assert response.status_code == 422 and fragment in response.text
    assert sent(worked) == ["DeclareIncident"]


def test_a_missing_zone_or_incident_is_a_404_and_a_closed_incident_a_409(worked):
    worked.client.post("/v1/incidents", json=STORM, headers=as_manager(worked))
    missing = worked.client.delete("/v1/incidents/ice-storm-orillia/danger-zones/nowhere",
                                   params={"update_id": "r-1"}, headers=as_manager(worked))
    assert missing.status_code == 404 and missing.json()["detail"] == {
        "code": "no_danger_zone", "incident_id": "ice-storm-orillia", "zone_id": "nowhere",
        "message": "incident 'ice-storm-orillia' has no danger zone 'nowhere'"}
    unknown = worked.client.put("/v1/incidents/nowhere/danger-zones/x", json=DOWNED_LINES, headers=as_manager(worked))
    assert unknown.status_code == 404 and unknown.json()["detail"]["code"] == "unknown_incident"
    worked.client.post("/v1/incidents/ice-storm-orillia/close", headers=as_manager(worked))
    closed = worked.client.put("/v1/incidents/ice-storm-orillia/danger-zones/x", json=DOWNED_LINES,
                               headers=as_manager(worked))
    assert closed.status_code == 409 and closed.json()["detail"] == {
        "code": "incident_closed", "incident_id": "ice-storm-orillia", "message": "incident 'ice-storm-orillia' is closed"}
