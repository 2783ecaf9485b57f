"""The incident rules, without Kafka: declare, update, close, alert partners once."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from pydantic import ValidationError

from handlers.errors import Rejected
from handlers.incidents import (
    AlertPartner,
    CloseIncident,
    DeclareIncident,
    EndAlert,
    Incident,
    PartnerAlerted,
    PartnerReach,
    RemoveDangerZone,
    SetDangerZone,
    UpdateIncident,
    alerts_for_partner,
    decide,
    incident_commands,
    missed_alerts,
    upcast_v1,
)
from tests.support.clock import NOON
from tests.support.incidents import V1_FLOOD, declaration

SQUARE = {"type": "Polygon", "coordinates": [[[-79.6, 44.5], [-79.2, 44.5], [-79.2, 44.8], [-79.6, 44.8], [-79.6, 44.5]]]}
BOWTIE = {"type": "Polygon", "coordinates": [[[-79.6, 44.5], [-79.2, 44.8], [-79.2, 44.5], [-79.6, 44.8], [-79.6, 44.5]]]}


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


# --- affected area and danger zones ---------------------------------------------------------

FLOODED_STREETS = {"center": {"lat": 44.61, "lon": -79.42}, "radius_km": 1.5}
VANCOUVER_ISLAND = {"center": {"lat": 49.65, "lon": -125.45}, "radius_km": 20}


def zone_change(update_id: str, area=FLOODED_STREETS, kind="inundation", incident_id="ice-storm-orillia", **more):
    return SetDangerZone(id=incident_id, zone_id=more.pop("zone_id", "downtown"), update_id=update_id, kind=kind,
                         area=area, **more)


class TestKindDefaults:
    @pytest.mark.parametrize("kind, zone_kind", [
        ("flood", "inundation"), ("wildfire", "fire"), ("hazmat", "hazmat"), ("evacuation", "evacuation"),
        ("tornado", "other"),
    ])
    def test_the_whole_area_is_one_danger_zone_of_a_flood_wildfire_hazmat_evacuation_or_tornado(self, kind, zone_kind):
        incident, _ = decide(None, declaration(kind=kind, area=SQUARE), NOON)
        [zone] = incident.danger_zones
        assert (zone.id, zone.kind, zone.origin, zone.set_at) == ("whole-area", zone_kind, "default", NOON)
        assert zone.area == incident.area

    @pytest.mark.parametrize("kind", ["ice_storm", "winter_storm", "heat", "power_outage", "extreme_cold", "other"])
    def test_an_ice_storm_winter_storm_heat_wave_outage_or_cold_snap_has_no_danger_zone(self, kind):
        incident, _ = decide(None, declaration(kind=kind), NOON)
        assert incident.danger_zones == []

    def test_zones_given_in_the_declaration_replace_the_default_and_an_empty_list_means_none(self):
        given, _ = decide(None, declaration(kind="flood", area=SQUARE, danger_zones=[
            {"id": "river-flats", "kind": "inundation", "area": FLOODED_STREETS, "note": "Sample: river flats"}]), NOON)
        assert [(z.id, z.origin, z.note) for z in given.danger_zones] == [("river-flats", "manager", "Sample: river flats")]
        none, _ = decide(None, declaration(kind="flood", danger_zones=[]), NOON)
        assert none.danger_zones == []

    def test_a_default_zone_follows_the_area_and_a_managers_zone_stays_as_set(self):
        flood, _ = decide(None, declaration(kind="flood"), NOON)
        flood, _ = decide(flood, zone_change("z1"), NOON)
        grown, _ = decide(flood, UpdateIncident(id=flood.id, update_id="u1", area=SQUARE), NOON)
        zones = {z.id: z for z in grown.danger_zones}
        assert zones["whole-area"].area == grown.area != flood.area
        assert zones["downtown"] == flood.zone("downtown")


class TestDangerZoneRules:
    def test_a_manager_adds_then_changes_a_zone_and_a_retry_applies_once(self):
        storm, _ = decide(None, declaration(), NOON)
        added, facts = decide(storm, zone_change("z1", actor={"sub": "emo-orillia", "role": "manager"}), NOON)
        assert facts == [] and added.version == storm.version + 1
        [zone] = added.danger_zones
        assert (zone.id, zone.kind, zone.origin, zone.set_by) == ("downtown", "inundation", "manager", "emo-orillia")
        assert decide(added, zone_change("z1"), NOON) == (added, [])
        changed, _ = decide(added, zone_change("z2", kind="hazmat", note="propane leak"), NOON)
        assert [(z.id, z.kind, z.note) for z in changed.danger_zones] == [("downtown", "hazmat", "propane leak")]

    def test_removing_a_zone_applies_once_and_removing_one_gone_changes_nothing_else(self):
        storm, _ = decide(None, declaration(), NOON)
        storm, _ = decide(storm, zone_change("z1"), NOON)
        removed, _ = decide(storm, RemoveDangerZone(id=storm.id, zone_id="downtown", update_id="r1"), NOON)
        assert removed.danger_zones == [] and "r1" in removed.applied_updates
        assert decide(removed, RemoveDangerZone(id=storm.id, zone_id="downtown", update_id="r1"), NOON) == (removed, [])
        again, _ = decide(removed, RemoveDangerZone(id=storm.id, zone_id="downtown", update_id="r2"), NOON)
        assert again.danger_zones == []

    def test_zones_of_a_closed_or_unknown_incident_are_refused(self):
        storm, _ = decide(None, declaration(), NOON)
        closed, _ = decide(storm, CloseIncident(id=storm.id), NOON)
        with pytest.raises(Rejected, match="closed"):
            decide(closed, zone_change("z1"), NOON)
        with pytest.raises(Rejected, match="unknown incident"):
            decide(None, RemoveDangerZone(id="nowhere", zone_id="x", update_id="r1"), NOON)

    @pytest.mark.parametrize("area, reason", [
        (VANCOUVER_ISLAND, "must be in Ontario"),
        ({"type": "Point", "coordinates": [-79.4, 44.6]}, "type"),
        ({"center": {"lat": 44.6, "lon": -79.4}, "radius_km": 0}, "radius_km"),
    ])
    def test_a_zone_outside_ontario_or_not_an_area_is_refused_with_the_reason(self, area, reason):
        with pytest.raises(ValidationError, match=reason):
            zone_change("z1", area=area)

    def test_two_zones_of_one_id_in_a_declaration_are_refused(self):
        twice = {"id": "dup", "kind": "fire", "area": FLOODED_STREETS}
        with pytest.raises(ValidationError, match="repeated: dup"):
            declaration(danger_zones=[twice, twice])

    def test_an_alert_update_replaces_the_alerts_zones_and_leaves_a_managers(self):
        alerted, _ = decide(None, declaration(kind="hazmat", danger_zones=[], source=SOURCE), NOON)
        alerted, _ = decide(alerted, UpdateIncident(id=alerted.id, update_id="a1", alert_zones=[
            {"id": "alert-area-1", "kind": "hazmat", "area": FLOODED_STREETS}]), NOON)
        alerted, _ = decide(alerted, zone_change("z1", zone_id="roadblock", kind="other"), NOON)
        moved, _ = decide(alerted, UpdateIncident(id=alerted.id, update_id="a2", alert_zones=[
            {"id": "alert-area-1", "kind": "hazmat", "area": SQUARE}, {"id": "roadblock", "kind": "hazmat", "area": SQUARE}]),
            NOON)
        zones = {z.id: z for z in moved.danger_zones}
        assert zones["alert-area-1"].origin == "alert" and zones["alert-area-1"].area_input == SQUARE
        assert zones["roadblock"] == alerted.zone("roadblock")


SOURCE = {"sender": "cap-pac@canada.ca", "identifier": "urn:oid:2.49.0.1.124.1.2026",
          "sent": "2026-08-22T20:25:17+00:00"}


class TestAnAlertEnding:
    def test_the_end_of_the_alert_closes_the_incident_it_declared(self):
        incident, _ = decide(None, declaration(source=SOURCE), NOON)
        ended, facts = decide(incident, EndAlert(id=incident.id, update_id="end-1"), NOON)
        assert (ended.status, ended.closed_at, facts) == ("closed", NOON, [])
        assert ended.area == incident.area and "end-1" in ended.applied_updates
        assert decide(ended, EndAlert(id=incident.id, update_id="end-1"), NOON) == (ended, [])

    def test_a_managers_zones_outlast_the_alert_whose_own_zones_go(self):
        incident, _ = decide(None, declaration(kind="hazmat", source=SOURCE, danger_zones=[
            {"id": "alert-area-1", "kind": "hazmat", "area": SQUARE}]), NOON)
        incident, _ = decide(incident, zone_change("z1", kind="hazmat"), NOON)
        ended, _ = decide(incident, EndAlert(id=incident.id, update_id="end-1"), NOON)
        assert ended.status == "active" and [z.id for z in ended.danger_zones] == ["downtown"]
        assert ended.area == incident.area and "alert has ended" in ended.area_note

    def test_an_alert_already_over_when_declared_is_recorded_closed_and_alerts_nobody(self):
        incident, facts = decide(None, declaration(source=SOURCE, ended=True), NOON, [SALVATION_ARMY])
        assert (incident.status, incident.closed_at, facts, incident.alerts) == ("closed", NOON, [], {})


class TestStoredVersion1:
    """Snapshots written before danger zones (schema v1) as the topics still hold them."""

    V1 = {**V1_FLOOD, "area": SQUARE, "area_input": SQUARE}

    def test_upcast_gives_a_v1_flood_its_whole_area_as_a_danger_zone_set_when_declared(self):
        record = upcast_v1(self.V1)
        assert record["v"] == 2 and record["danger_zones"] == [{
            "id": "whole-area", "kind": "inundation", "area": SQUARE, "area_input": SQUARE, "origin": "default",
            "set_at": "2025-03-30T12:00:00Z"}]
        assert self.V1["v"] == 1 and "danger_zones" not in self.V1
        assert upcast_v1(record) is record

    def test_a_stored_v1_ice_storm_reads_with_no_danger_zone_and_a_flood_reads_as_declared_under_v2(self):
        storm = Incident.model_validate_json(json.dumps({**self.V1, "id": "storm", "kind": "ice_storm"}))
        assert (storm.v, storm.danger_zones) == (2, [])
        flood = Incident.model_validate_json(json.dumps(self.V1))
        declared, _ = decide(None, DeclareIncident(id="flood-bracebridge", kind="flood", title="Muskoka River flooding",
                                                   severity="severe", area=SQUARE), flood.declared_at)
        assert flood.danger_zones == declared.danger_zones

    def test_a_v1_declaration_is_still_accepted_and_gets_its_kinds_default(self):
        v1 = {"v": 1, "type": "DeclareIncident", "id": "flood-1", "kind": "flood", "title": "Flood", "severity": "minor",
              "area": SQUARE}
        command = incident_commands.validate_json(json.dumps(v1))
        incident, _ = decide(None, command, NOON)
        assert [z.id for z in incident.danger_zones] == ["whole-area"]
