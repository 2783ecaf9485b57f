"""The read models' geographic lookups without Kafka: an incident and a partner reach each other the
same way whichever of the two is looked up; sites lie in danger zones apart from affected areas."""
from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

from shapely.geometry import shape

from handlers.directories import IncidentDirectory, PartnerDirectory, PartnerPlace
from handlers.incidents import CloseIncident, DeclareIncident, RemoveDangerZone, SetDangerZone, decide

NOON = datetime(2025, 3, 30, 12, 0, tzinfo=UTC)
REACH_KM = 25


def incident(incident_id: str, lat: float, lon: float, radius_km: float):
    declared, _ = decide(None, DeclareIncident(id=incident_id, kind="ice_storm", title="Ice storm", severity="severe",
                                               area={"center": {"lat": lat, "lon": lon}, "radius_km": radius_km}), NOON)
    return declared


def place(partner_id: str, lat: float, lon: float, serves=None) -> PartnerPlace:
    return PartnerPlace(partner_id=partner_id, lat=lat, lon=lon, service_area=serves, capabilities=("shelter",))


ORILLIA = incident("orillia", 44.6082, -79.4197, 10)
OTTAWA = incident("ottawa", 45.4215, -75.6972, 10)
PLACES = [
    place("in-orillia", 44.61, -79.42),
    place("washago", 44.75, -79.33),  # ~17 km from Orillia's centre: 7 km past the area's edge
    place("toronto", 43.65, -79.38),  # ~107 km away
    place("toronto-serving-orillia", 43.65, -79.38, serves=shape(ORILLIA.area).buffer(0.01)),
]


def test_an_active_incident_reaches_the_partners_it_would_alert_and_only_while_active():
    incidents, partners = IncidentDirectory(), PartnerDirectory()
    for found in (ORILLIA, OTTAWA):
        incidents.apply(found, found.id)
    for found in PLACES:
        partners.upsert(found)

    reaching = {p.partner_id: sorted(incidents.reaching(p, REACH_KM)) for p in PLACES}
    assert reaching == {"in-orillia": ["orillia"], "washago": ["orillia"], "toronto": [],
                        "toronto-serving-orillia": ["orillia"]}
    by_area = sorted(r.partner_id for r in partners.in_reach(shape(ORILLIA.area), REACH_KM))
    assert by_area == sorted(p for p, ids in reaching.items() if ids)
    assert incidents.reaching(PLACES[0], REACH_KM)["orillia"].distance_km == 0

    closed, _ = decide(ORILLIA, CloseIncident(id="orillia"), NOON)
    incidents.apply(closed, "orillia")
    assert incidents.reaching(PLACES[0], REACH_KM) == {}


def site(lat: float, lon: float):
    """Anything with a location: a shelter, a service site."""
    return SimpleNamespace(location=SimpleNamespace(lat=lat, lon=lon))


def declared(incident_id: str, kind: str, lat: float, lon: float, radius_km: float, **more):
    incident, _ = decide(None, DeclareIncident(id=incident_id, kind=kind, title=incident_id, severity="severe",
                                               area={"center": {"lat": lat, "lon": lon}, "radius_km": radius_km},
                                               **more), NOON)
    return incident


PETERBOROUGH_CENTRE = site(44.2985, -78.3235)
BRACEBRIDGE_ARENA = site(45.04, -79.31)
TORONTO_HALL = site(43.65, -79.38)


class TestDangerZonesAndAffectedAreas:
    def test_an_ice_storm_is_an_affected_area_and_a_flood_a_danger_zone(self):
        incidents = IncidentDirectory()
        for incident in (declared("storm", "ice_storm", 44.3, -78.32, 20), declared("flood", "flood", 45.04, -79.31, 8)):
            incidents.apply(incident, incident.id)
        sites = [PETERBOROUGH_CENTRE, BRACEBRIDGE_ARENA, TORONTO_HALL]
        assert incidents.hazards_at_each(sites) == [[], ["flood"], []]
        assert incidents.affected_at_each(sites) == [["storm"], ["flood"], []]
        assert incidents.hazards_at(44.2985, -78.3235) == [] and incidents.affected_at(44.2985, -78.3235) == ["storm"]
        assert incidents.hazards_at(45.04, -79.31) == ["flood"]

    def test_a_zone_set_inside_a_storm_excludes_only_what_it_holds_and_its_removal_frees_it(self):
        incidents = IncidentDirectory()
        storm = declared("storm", "ice_storm", 44.3, -78.32, 20)
        storm, _ = decide(storm, SetDangerZone(id="storm", zone_id="downed-lines", update_id="z1", kind="other",
                                               area={"center": {"lat": 44.2985, "lon": -78.3235}, "radius_km": 0.5}), NOON)
        incidents.apply(storm, storm.id)
        assert incidents.hazards_at_each([PETERBOROUGH_CENTRE, site(44.35, -78.30)]) == [["storm"], []]
        storm, _ = decide(storm, RemoveDangerZone(id="storm", zone_id="downed-lines", update_id="r1"), NOON)
        incidents.apply(storm, storm.id)
        assert incidents.hazards_at_each([PETERBOROUGH_CENTRE]) == [[]]
        assert incidents.affected_at_each([PETERBOROUGH_CENTRE]) == [["storm"]]

    def test_a_closed_incident_neither_excludes_nor_affects(self):
        incidents = IncidentDirectory()
        flood = declared("flood", "flood", 45.04, -79.31, 8)
        incidents.apply(flood, flood.id)
        closed, _ = decide(flood, CloseIncident(id="flood"), NOON)
        incidents.apply(closed, closed.id)
        assert incidents.hazards_at(45.04, -79.31) == [] and incidents.affected_at(45.04, -79.31) == []
