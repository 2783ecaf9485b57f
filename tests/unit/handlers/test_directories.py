"""The read models' geographic lookups without Kafka: an incident and a partner reach each other the
same way whichever of the two is looked up."""
from __future__ import annotations

from datetime import datetime, timezone

from shapely.geometry import shape

from handlers.directories import IncidentDirectory, PartnerDirectory, PartnerPlace
from handlers.incidents import CloseIncident, DeclareIncident, decide

NOON = datetime(2025, 3, 30, 12, 0, tzinfo=timezone.utc)
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
