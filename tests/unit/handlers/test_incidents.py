"""The incident rules, without Kafka: declare, update, close, alert partners once."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from handlers.errors import Rejected
from handlers.incidents import (
    AlertPartner,
    CloseIncident,
    DeclareIncident,
    PartnerAlerted,
    PartnerReach,
    UpdateIncident,
    alerts_for_partner,
    decide,
    incident_commands,
    missed_alerts,
)

NOON = datetime(2025, 3, 30, 12, 0, tzinfo=timezone.utc)
ORILLIA = {"center": {"lat": 44.6082, "lon": -79.4197}, "radius_km": 15}
SQUARE = {"type": "Polygon", "coordinates": [[[-79.6, 44.5], [-79.2, 44.5], [-79.2, 44.8], [-79.6, 44.8], [-79.6, 44.5]]]}
BOWTIE = {"type": "Polygon", "coordinates": [[[-79.6, 44.5], [-79.2, 44.8], [-79.2, 44.5], [-79.6, 44.8], [-79.6, 44.5]]]}


def declaration(**changes) -> DeclareIncident:
    fields = dict(id="ice-storm-orillia", kind="ice_storm", title="Ice storm — Orillia", severity="severe", area=ORILLIA)
    fields.update(changes)
    return DeclareIncident(**fields)


SALVATION_ARMY = PartnerReach("salvation-army-on", 3.2, ("shelter", "canteen_truck"))
DRONES_ONLY = PartnerReach("sample-drones", 8.0, ("drone",))


def test_declaring_an_incident_creates_it_active_with_its_area():
    incident, facts = decide(None, declaration(), NOON)
    assert incident.status == "active"
    assert incident.area["type"] == "Polygon"
    assert incident.declared_at == NOON
    assert facts == []


def test_declaring_the_same_id_twice_is_one_incident():
    first, _ = decide(None, declaration(), NOON)
    second, facts = decide(first, declaration(title="Something else"), NOON + timedelta(minutes=5))
    assert second == first
    assert facts == []


def test_partners_in_reach_with_fitting_capabilities_are_alerted_once():
    incident, facts = decide(None, declaration(), NOON, [SALVATION_ARMY, DRONES_ONLY])
    assert [f.partner_id for f in facts] == ["salvation-army-on"]
    assert isinstance(facts[0], PartnerAlerted)
    assert facts[0].capabilities == ["canteen_truck", "shelter"]
    grown, again = decide(
        incident, UpdateIncident(id=incident.id, update_id="u1", area=SQUARE), NOON, [SALVATION_ARMY]
    )
    assert again == []
    assert list(grown.alerts) == ["salvation-army-on"]


def test_a_growing_area_alerts_only_partners_newly_in_reach():
    incident, _ = decide(None, declaration(), NOON, [SALVATION_ARMY])
    feed = PartnerReach("feed-ontario", 40.0, ("food_kits",))
    _, facts = decide(incident, UpdateIncident(id=incident.id, update_id="u1", area=SQUARE), NOON, [SALVATION_ARMY, feed])
    assert [f.partner_id for f in facts] == ["feed-ontario"]


def test_a_retried_update_applies_once():
    incident, _ = decide(None, declaration(), NOON)
    update = UpdateIncident(id=incident.id, update_id="u1", severity="extreme")
    once, _ = decide(incident, update, NOON)
    twice, _ = decide(once, update, NOON + timedelta(seconds=1))
    assert once.version == 2 and twice == once


def test_closing_stands_the_incident_down_and_is_idempotent():
    incident, _ = decide(None, declaration(), NOON)
    closed, _ = decide(incident, CloseIncident(id=incident.id), NOON)
    again, _ = decide(closed, CloseIncident(id=incident.id), NOON + timedelta(hours=1))
    assert closed.status == "closed" and closed.closed_at == NOON
    assert again == closed


def test_updating_or_closing_an_unknown_incident_is_rejected():
    with pytest.raises(Rejected, match="unknown incident"):
        decide(None, CloseIncident(id="nowhere"), NOON)
    with pytest.raises(Rejected, match="unknown incident"):
        decide(None, UpdateIncident(id="nowhere", update_id="u"), NOON)


def test_updating_a_closed_incident_is_rejected():
    incident, _ = decide(None, declaration(), NOON)
    closed, _ = decide(incident, CloseIncident(id=incident.id), NOON)
    with pytest.raises(Rejected, match="closed"):
        decide(closed, UpdateIncident(id=incident.id, update_id="u2", title="x"), NOON)


def test_a_self_intersecting_polygon_is_repaired_with_a_note():
    incident, _ = decide(None, declaration(area=BOWTIE), NOON)
    assert incident.area_note and "repaired" in incident.area_note
    assert incident.area["type"] in ("Polygon", "MultiPolygon")


@pytest.mark.parametrize(
    "area, fragment",
    [
        ({"center": {"lat": 95, "lon": -79}, "radius_km": 5}, "lat"),
        ({"center": {"lat": 44, "lon": -79}, "radius_km": 0}, "radius_km"),
        ({"type": "Polygon", "coordinates": [[[-79.6, 44.5], [-79.2, 144.5], [-79.2, 44.8], [-79.6, 44.5]]]}, "area"),
        ({"type": "Point", "coordinates": [-79.6, 44.5]}, "type"),
    ],
)
def test_invalid_areas_are_refused_with_the_reason(area, fragment):
    with pytest.raises(ValidationError) as info:
        declaration(area=area)
    assert fragment in str(info.value)


def test_a_partner_that_joins_while_an_incident_is_active_is_alerted_once():
    incident, _ = decide(None, declaration(), NOON, [])
    later = NOON + timedelta(hours=3)
    [ask] = alerts_for_partner({incident.id: SALVATION_ARMY}, later)
    assert isinstance(incident_commands.validate_json(ask.model_dump_json()), AlertPartner)
    alerted, facts = decide(incident, ask, later)
    assert [(f.partner_id, f.incident_id, f.at) for f in facts] == [("salvation-army-on", incident.id, later)]
    assert facts[0].capabilities == ["canteen_truck", "shelter"]
    assert alerted.alerts["salvation-army-on"].distance_km == 3.2
    assert alerted.version == incident.version
    assert decide(alerted, ask, later + timedelta(minutes=1)) == (alerted, [])


def test_a_joining_partner_is_not_alerted_by_a_closed_or_unknown_incident_or_without_fitting_capabilities():
    incident, _ = decide(None, declaration(), NOON, [])
    closed, _ = decide(incident, CloseIncident(id=incident.id), NOON)
    [ask] = alerts_for_partner({incident.id: SALVATION_ARMY}, NOON)
    assert decide(closed, ask, NOON) == (closed, [])
    assert decide(None, ask, NOON) == (None, [])
    [drones] = alerts_for_partner({incident.id: DRONES_ONLY}, NOON)
    assert decide(incident, drones, NOON) == (incident, [])


def test_a_sweep_asks_an_incident_to_alert_only_the_fitting_partners_in_reach_it_has_not_alerted():
    alerted, _ = decide(None, declaration(), NOON, [SALVATION_ARMY])
    missed = PartnerReach("red-cross-simcoe", 1.5, ("wellness_checks",))
    later = NOON + timedelta(minutes=5)
    asks = missed_alerts(alerted, [SALVATION_ARMY, DRONES_ONLY, missed], later)
    assert [(a.id, a.partner_id, a.distance_km, a.capabilities, a.accepted_at) for a in asks] == [
        (alerted.id, "red-cross-simcoe", 1.5, ["wellness_checks"], later)]
    caught_up, facts = decide(alerted, asks[0], later)
    assert [f.partner_id for f in facts] == ["red-cross-simcoe"]
    assert missed_alerts(caught_up, [SALVATION_ARMY, DRONES_ONLY, missed], later) == []


def test_a_sweep_asks_nothing_of_a_closed_incident():
    incident, _ = decide(None, declaration(), NOON, [])
    closed, _ = decide(incident, CloseIncident(id=incident.id), NOON)
    assert missed_alerts(closed, [SALVATION_ARMY], NOON) == []
    assert [a.partner_id for a in missed_alerts(incident, [SALVATION_ARMY], NOON)] == ["salvation-army-on"]


def test_commands_decode_from_json_by_type():
    raw = declaration().model_dump_json().encode()
    assert isinstance(incident_commands.validate_json(raw), DeclareIncident)
    with pytest.raises(ValidationError):
        incident_commands.validate_json(b'{"type": "LaunchRockets", "id": "x"}')


def test_ids_are_required_and_bounded():
    with pytest.raises(ValidationError):
        declaration(id="")
    with pytest.raises(ValidationError):
        declaration(id="x" * 129)
    with pytest.raises(ValidationError):
        declaration(id="no spaces allowed")
