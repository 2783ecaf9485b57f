"""CAP 1.2 / CAP-CP alerts read into incident commands: what an Environment Canada or Alert Ready
alert becomes in Muster, and what is refused and why. Sample alerts: tests/unit/data/cap/."""
from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import shapely
from shapely.geometry import Point, shape

from formats.cap import (
    APPROXIMATE_RADIUS_KM,
    CapError,
    CapReference,
    CapSyntaxError,
    area_names,
    cap_id,
    find_incident,
    read_alert,
)
from geo.gazetteer import OntarioGazetteer
from handlers.common import ID_PATTERN, Actor, CircleArea
from handlers.directories import IncidentDirectory
from handlers.incidents import CloseIncident, DeclareIncident, EndAlert, PartnerReach, UpdateIncident, decide

DATA = Path(__file__).resolve().parents[1] / "data" / "cap"
NOW = datetime(2025, 3, 30, 16, 0, tzinfo=UTC)
MANAGER = Actor(sub="emo-ottawa", role="manager")
OTTAWA = (45.4215, -75.6972)
ORILLIA = (44.6087, -79.4207)
BARRIE = (44.3894, -79.6903)
TORONTO = (43.6532, -79.3832)


@pytest.fixture(scope="module")
def gazetteer():
    return OntarioGazetteer()


def sample(name: str) -> bytes:
    return (DATA / name).read_bytes()


def read(body: bytes | str, geocoder=None, now: datetime = NOW):
    """The alert as Muster reads it on the day the samples are set (the Ottawa warning in force)."""
    return read_alert(body, geocoder, now=now)


def alert(*, msg_type="Alert", identifier="ON-TEST-1", sender="emo.alerts@ontario.ca", sent="2025-03-30T14:05:00-04:00",
          status="Actual", references="", infos=None, namespace="urn:oasis:names:tc:emergency:cap:1.2") -> str:
    """A minimal CAP alert, for the cases the sample files do not cover."""
    infos = infos if infos is not None else [info()]
    refs = f"<references>{references}</references>" if references else ""
    return (f'<alert xmlns="{namespace}"><identifier>{identifier}</identifier><sender>{sender}</sender>'
            f"<sent>{sent}</sent><status>{status}</status><msgType>{msg_type}</msgType><scope>Public</scope>"
            f"<code>profile:CAP-CP:0.4</code>{refs}{''.join(infos)}</alert>")


def info(*, language="en-CA", event="flood", code="flood", severity="Moderate", headline="Flood warning",
         areas=None, responses=(), expires=None, location_status=None) -> str:
    areas = areas if areas is not None else [area(circle="44.6,-79.42 10")]
    event_code = (f"<eventCode><valueName>profile:CAP-CP:Event:0.4</valueName><value>{code}</value></eventCode>"
                  if code else "")
    response = "".join(f"<responseType>{r}</responseType>" for r in responses)
    ends = f"<expires>{expires}</expires>" if expires else ""
    status = (f"<parameter><valueName>layer:EC-MSC-SMC:1.1:Alert_Location_Status</valueName>"
              f"<value>{location_status}</value></parameter>" if location_status else "")
    return (f"<info><language>{language}</language><category>Met</category><event>{event}</event>{response}"
            f"<urgency>Immediate</urgency><severity>{severity}</severity><certainty>Likely</certainty>"
            f"{event_code}{ends}<headline>{headline}</headline>{status}{''.join(areas)}</info>")


def area(desc="Orillia", polygon=None, circle=None, geocodes=()) -> str:
    parts = [f"<areaDesc>{desc}</areaDesc>"]
    if polygon:
        parts.append(f"<polygon>{polygon}</polygon>")
    if circle:
        parts.append(f"<circle>{circle}</circle>")
    parts += [f"<geocode><valueName>profile:CAP-CP:Location:0.3</valueName><value>{g}</value></geocode>"
              for g in geocodes]
    return f"<area>{''.join(parts)}</area>"


def covers(geojson: dict, lat: float, lon: float) -> bool:
    return shape(geojson).contains(Point(lon, lat))


class TestAFreezingRainWarningForOttawa:
    """Environment Canada's bilingual warning, French block first, with a polygon around the city."""

    def test_becomes_a_severe_ice_storm_titled_from_the_english_block(self, gazetteer):
        ingest = read(sample("alert-freezing-rain-ottawa.xml"), gazetteer)
        assert ingest.msg_type == "Alert"
        body = ingest.declaration
        assert (body.kind, body.severity) == ("ice_storm", "severe")
        assert body.title == "freezing rain warning in effect for Ottawa"

    def test_its_polygon_of_lat_lon_pairs_becomes_geojson_around_ottawa_not_toronto(self, gazetteer):
        area_ = read(sample("alert-freezing-rain-ottawa.xml"), gazetteer).declaration.area.model_dump()
        assert area_["type"] == "Polygon"
        assert covers(area_, *OTTAWA) and not covers(area_, *TORONTO)
        assert shape(area_).is_valid

    def test_keeps_the_cap_cp_profile_event_code_and_census_subdivision_as_metadata(self, gazetteer):
        source = read(sample("alert-freezing-rain-ottawa.xml"), gazetteer).source
        assert source.profile == "CAP-CP:0.4"
        assert source.sender == "cap-pac@canada.ca"
        assert source.identifier == "urn:oid:2.49.0.1.124.9000000001.2025"
        assert source.event_codes == {"profile:CAP-CP:Event:0.4": ["freezingRain"]}
        assert source.geocodes == {"profile:CAP-CP:Location:0.3": ["3506008"]}
        assert source.sent == datetime(2025, 3, 29, 13, 15, tzinfo=UTC)
        assert source.expires == datetime(2025, 3, 31, 13, 15, tzinfo=UTC)

    def test_declares_the_incident_with_its_source_through_the_incident_rules(self, gazetteer):
        ingest = read(sample("alert-freezing-rain-ottawa.xml"), gazetteer)
        command = ingest.command(ingest.message_id, MANAGER, NOW)
        assert isinstance(command, DeclareIncident) and command.actor == MANAGER
        incident, _ = decide(None, command, NOW)
        assert incident.id == ingest.message_id and incident.status == "active"
        assert incident.source.geocodes["profile:CAP-CP:Location:0.3"] == ["3506008"]
        assert incident.area_note is None

    def test_the_same_alert_read_twice_is_the_same_declaration(self, gazetteer):
        first = read(sample("alert-freezing-rain-ottawa.xml"), gazetteer)
        again = read(sample("alert-freezing-rain-ottawa.xml"), gazetteer)
        assert first == again


class TestIncidentIds:
    def test_are_deterministic_valid_muster_ids_from_sender_and_identifier(self):
        id_ = cap_id("cap-pac@canada.ca", "urn:oid:2.49.0.1.124.9000000001.2025")
        assert id_ == cap_id("cap-pac@canada.ca", "urn:oid:2.49.0.1.124.9000000001.2025")
        assert id_.startswith("cap-urn:oid:2.49.0.1.124.9000000001.2025-")
        assert re.match(ID_PATTERN, id_) and len(id_) <= 128

    def test_two_senders_reusing_an_identifier_get_two_incidents(self):
        assert cap_id("a@example.ca", "warning-1") != cap_id("b@example.ca", "warning-1")

    @pytest.mark.parametrize("identifier", ["warning #1 (Orillia)", "x" * 500, "§§§", "é/è\\ü"])
    def test_unusual_identifiers_are_sanitised_and_cut_to_128(self, identifier):
        id_ = cap_id("sender@example.ca", identifier)
        assert re.match(ID_PATTERN, id_) and len(id_) <= 128


class TestUpdateAndCancel:
    def test_an_update_changes_title_severity_and_area_once_by_its_own_identifier(self, gazetteer):
        alert_ = read(sample("alert-freezing-rain-ottawa.xml"), gazetteer)
        update = read(sample("update-freezing-rain-ottawa.xml"), gazetteer)
        assert update.msg_type == "Update"
        assert update.references[0].identifier == alert_.source.identifier
        incident, _ = decide(None, alert_.command(alert_.message_id, MANAGER, NOW), NOW)
        found = find_incident(update.references, {incident.id: incident})
        assert found is incident
        command = update.command(incident.id, MANAGER, NOW)
        assert isinstance(command, UpdateIncident) and command.update_id == cap_id(
            "cap-pac@canada.ca", "urn:oid:2.49.0.1.124.9000000002.2025")
        updated, _ = decide(incident, command, NOW)
        assert updated.severity == "extreme" and "Rockland" in updated.title
        assert covers(updated.area, 45.58, -75.15) and not covers(incident.area, 45.58, -75.15)
        again, _ = decide(updated, command, NOW)
        assert again == updated

    def test_a_cancel_closes_the_incident_it_references(self, gazetteer):
        alert_ = read(sample("alert-freezing-rain-ottawa.xml"), gazetteer)
        cancel = read(sample("cancel-freezing-rain-ottawa.xml"), gazetteer)
        assert cancel.msg_type == "Cancel" and len(cancel.references) == 2
        incident, _ = decide(None, alert_.command(alert_.message_id, MANAGER, NOW), NOW)
        target = find_incident(cancel.references, {incident.id: incident})
        command = cancel.command(target.id, MANAGER, NOW)
        assert isinstance(command, CloseIncident)
        closed, _ = decide(incident, command, NOW)
        assert closed.status == "closed"

    def test_an_update_naming_only_the_previous_update_still_finds_the_incident(self, gazetteer):
        alert_ = read(sample("alert-freezing-rain-ottawa.xml"), gazetteer)
        update = read(sample("update-freezing-rain-ottawa.xml"), gazetteer)
        incident, _ = decide(None, alert_.command(alert_.message_id, MANAGER, NOW), NOW)
        incident, _ = decide(incident, update.command(incident.id, MANAGER, NOW), NOW)
        later = [CapReference("cap-pac@canada.ca", "urn:oid:2.49.0.1.124.9000000002.2025", NOW)]
        assert find_incident(later, {incident.id: incident}) is incident
        assert find_incident([CapReference("cap-pac@canada.ca", "unknown", NOW)], {incident.id: incident}) is None

    @pytest.mark.parametrize("msg_type", ["Update", "Cancel"])
    def test_an_update_or_cancel_without_references_is_refused(self, msg_type):
        with pytest.raises(CapError, match="references"):
            read(alert(msg_type=msg_type))

    def test_a_malformed_reference_is_refused(self):
        with pytest.raises(CapError, match="sender,identifier,sent"):
            read(alert(msg_type="Cancel", references="cap-pac@canada.ca,only-two"))


class TestGeocodeOnlyAreas:
    """An Alert Ready alert naming Orillia and Barrie by census subdivision, with no polygon."""

    def test_each_named_town_becomes_an_approximate_circle_flagged_in_the_area_note(self, gazetteer):
        ingest = read(sample("alert-geocodes-orillia-barrie.xml"), gazetteer)
        area_ = ingest.declaration.area.model_dump()
        assert area_["type"] == "MultiPolygon" and len(area_["coordinates"]) == 2
        assert covers(area_, *ORILLIA) and covers(area_, *BARRIE) and not covers(area_, *TORONTO)
        assert shape(area_).is_valid
        assert ingest.area_note.startswith(f"approximate: {APPROXIMATE_RADIUS_KM:g} km around Orillia, Barrie")
        assert ingest.declaration.kind == "power_outage"
        assert ingest.source.geocodes == {"profile:CAP-CP:Location:0.3": ["3543052", "3543042"]}

    def test_the_incident_says_its_area_is_approximate(self, gazetteer):
        ingest = read(sample("alert-geocodes-orillia-barrie.xml"), gazetteer)
        incident, _ = decide(None, ingest.command(ingest.message_id, MANAGER, NOW), NOW)
        assert incident.area_note.startswith("approximate")

    def test_an_unknown_place_is_refused_with_its_name(self, gazetteer):
        with pytest.raises(CapError, match="no place named 'Nowhereville'"):
            read(sample("alert-unknown-place.xml"), gazetteer)

    def test_a_name_the_gazetteer_cannot_place_is_listed_as_not_covered(self, gazetteer):
        ingest = read(alert(infos=[info(areas=[area("Orillia - Nowhereville", geocodes=["3543052"])])]), gazetteer)
        assert "not placed by the gazetteer, so not covered: Nowhereville" in ingest.area_note
        assert covers(ingest.declaration.area.model_dump(), *ORILLIA)

    def test_without_a_geocoder_such_an_area_is_refused(self):
        with pytest.raises(CapError, match="no geocoder"):
            read(sample("alert-geocodes-orillia-barrie.xml"), None)

    @pytest.mark.parametrize("desc, names", [
        ("City of Orillia", ["Orillia"]),
        ("Orillia - Coldwater - Washago", ["Orillia", "Coldwater", "Washago"]),
        ("Ville d'Ottawa", ["Ottawa"]),
        ("Barrie; Innisfil and Bradford", ["Barrie", "Innisfil", "Bradford"]),
        ("Niagara-on-the-Lake", ["Niagara-on-the-Lake"]),
    ])
    def test_area_descriptions_are_split_into_place_names(self, desc, names):
        assert area_names(desc) == names


class TestAreas:
    def test_a_single_circle_stays_a_circle_in_km(self):
        ingest = read(alert(infos=[info(areas=[area(circle="44.6,-79.42 10")])]))
        assert ingest.declaration.area == CircleArea(center={"lat": 44.6, "lon": -79.42}, radius_km=10)

    def test_polygons_and_circles_of_several_areas_are_merged(self):
        square = "44.5,-79.6 44.5,-79.2 44.8,-79.2 44.8,-79.6 44.5,-79.6"
        ingest = read(alert(infos=[info(areas=[area(polygon=square), area("Toronto", circle="43.65,-79.38 5")])]))
        merged = ingest.declaration.area.model_dump()
        assert merged["type"] == "MultiPolygon"
        assert covers(merged, *ORILLIA) and covers(merged, *TORONTO) and shape(merged).is_valid

    def test_an_unclosed_polygon_is_closed_and_noted(self):
        ingest = read(alert(infos=[info(areas=[area(polygon="44.5,-79.6 44.5,-79.2 44.8,-79.2 44.8,-79.6")])]))
        assert "closed" in ingest.area_note

    @pytest.mark.parametrize("polygon, reason", [
        ("44.5,-79.6 44.5,-79.2 44.5,-79.6", "at least 4 points"),
        ("44.5,-79.6 44.5,-79.2 95,-79.2 44.5,-79.6", "out of range"),
        ("44.5;-79.6 44.5,-79.2 44.8,-79.2 44.5,-79.6", "lat,lon pair"),
        ("north,-79.6 44.5,-79.2 44.8,-79.2 north,-79.6", "numbers"),
    ])
    def test_a_bad_polygon_is_refused_with_the_reason(self, polygon, reason):
        with pytest.raises(CapError, match=reason):
            read(alert(infos=[info(areas=[area(polygon=polygon)])]))

    @pytest.mark.parametrize("text", ["44.6,-79.42 0", "44.6,-79.42 900", "44.6,-79.42", "44.6,-79.42 ten"])
    def test_a_bad_circle_is_refused(self, text):
        with pytest.raises(CapError, match="circle"):
            read(alert(infos=[info(areas=[area(circle=text)])]))

    def test_an_alert_with_no_area_is_refused(self):
        with pytest.raises(CapError, match="no <area>"):
            read(alert(infos=[info(areas=[])]))


class TestMapping:
    @pytest.mark.parametrize("cap, muster", [
        ("Extreme", "extreme"), ("Severe", "severe"), ("Moderate", "moderate"), ("Minor", "minor"),
        ("Unknown", "moderate"),
    ])
    def test_severity(self, cap, muster):
        ingest = read(alert(infos=[info(severity=cap)]))
        assert ingest.declaration.severity == muster
        assert ("severity Unknown read as moderate" in ingest.notes) == (cap == "Unknown")

    def test_an_unknown_severity_is_refused(self):
        with pytest.raises(CapError, match="severity 'Catastrophic'"):
            read(alert(infos=[info(severity="Catastrophic")]))

    @pytest.mark.parametrize("code, kind", [
        ("rainfall", "flood"), ("flood", "flood"), ("wildfire", "wildfire"), ("forestFire", "wildfire"),
        ("tornado", "tornado"), ("freezingRain", "ice_storm"), ("iceStorm", "ice_storm"),
        ("winterStorm", "winter_storm"), ("coldWave", "extreme_cold"), ("extremeCold", "extreme_cold"),
        ("powerOutage", "power_outage"), ("hazmat", "hazmat"), ("chemical", "hazmat"), ("fog", "other"),
    ])
    def test_cap_cp_event_codes_become_incident_kinds(self, code, kind):
        assert read(alert(infos=[info(event="something", code=code)])).declaration.kind == kind

    def test_without_an_event_code_the_event_text_decides(self):
        assert read(alert(infos=[info(event="freezing rain", code="")])).declaration.kind == "ice_storm"

    def test_with_no_english_block_the_first_block_gives_the_title(self):
        ingest = read(alert(infos=[info(language="fr-CA", headline="Avertissement d'inondation"),
                                         info(language="iu-CA", headline="ᐃᓄᒃᑎᑐᑦ")]))
        assert ingest.declaration.title == "Avertissement d'inondation"

    def test_a_long_headline_is_cut_to_a_title(self):
        assert len(read(alert(infos=[info(headline="Flood " * 100)])).declaration.title) <= 200


class TestRefusals:
    @pytest.mark.parametrize("name", ["billion-laughs.xml", "external-entity.xml"])
    def test_unsafe_xml_is_refused_before_anything_is_expanded_or_read(self, name):
        started = time.perf_counter()
        with pytest.raises(CapSyntaxError, match="unsafe XML") as refused:
            read(sample(name))
        assert time.perf_counter() - started < 1
        assert "root:" not in str(refused.value) and "lol" not in str(refused.value)

    def test_malformed_xml_is_refused_with_where(self):
        with pytest.raises(CapSyntaxError, match="not well-formed XML.*line"):
            read(sample("malformed.xml"))

    @pytest.mark.parametrize("body", [b"", b"   ", b'{"id": "json"}', b'<?xml version="1.0" encoding="x-none"?><a/>',
                                      b"\xff\xfe\x00<"])
    def test_not_xml_is_refused(self, body):
        with pytest.raises(CapSyntaxError):
            read(body)

    def test_cap_1_1_or_another_document_is_refused(self):
        with pytest.raises(CapError, match="expected a CAP 1.2 <alert>"):
            read(alert(namespace="urn:oasis:names:tc:emergency:cap:1.1"))

    @pytest.mark.parametrize("status", ["Exercise", "Test", "System", "Draft"])
    def test_only_actual_alerts_are_acted_on(self, status):
        with pytest.raises(CapError, match=f"status '{status}'"):
            read(alert(status=status))

    def test_acks_and_errors_are_refused(self):
        with pytest.raises(CapError, match="msgType 'Ack'"):
            read(alert(msg_type="Ack"))

    @pytest.mark.parametrize("sent", ["2025-03-30T14:05:00", "yesterday", "2025-13-30T14:05:00-04:00"])
    def test_sent_times_need_a_utc_offset(self, sent):
        with pytest.raises(CapError, match="sent"):
            read(alert(sent=sent))

    def test_a_naive_time_in_a_reference_is_refused(self):
        with pytest.raises(CapError, match="no UTC offset"):
            read(alert(msg_type="Cancel", references="cap-pac@canada.ca,x-1,2025-03-30T14:05:00"))

    def test_cap_utc_written_minus_zero_is_accepted(self):
        assert read(alert(sent="2025-03-30T18:05:00-00:00")).source.sent == datetime(
            2025, 3, 30, 18, 5, tzinfo=UTC)

    def test_a_missing_required_element_is_named(self):
        with pytest.raises(CapError, match="<sender> is missing"):
            read(alert().replace("<sender>emo.alerts@ontario.ca</sender>", ""))

    def test_an_alert_with_no_info_is_refused(self):
        with pytest.raises(CapError, match="needs an <info>"):
            read(alert(infos=[]))

    def test_too_many_vertices_are_refused(self):
        ring = " ".join(f"{44 + (i % 2) * 0.001},{-79 + i * 0.0001}" for i in range(6000))
        with pytest.raises(CapError, match="limit"):
            read(alert(infos=[info(areas=[area(polygon=ring)])]))

    def test_refusals_never_mention_shapely_or_python_internals(self):
        with pytest.raises(CapError) as refused:
            read(alert(infos=[info(areas=[area(polygon="44.5,-79.6 44.5,-79.6 44.5,-79.6 44.5,-79.6")])]))
        assert "Traceback" not in str(refused.value) and shapely.__name__ not in str(refused.value)


def test_an_update_without_an_area_keeps_the_incidents_area(gazetteer):
    update = read(alert(msg_type="Update", references="emo.alerts@ontario.ca,ON-TEST-1,2025-03-30T14:05:00-04:00",
                              identifier="ON-TEST-2", infos=[info(severity="Severe", areas=[])]))
    assert update.changes.area is None and update.changes.severity == "severe"


def test_a_circle_over_a_pole_is_refused_with_the_reason():
    with pytest.raises(CapError, match="pole"):
        read(alert(infos=[info(areas=[area(circle="89.9,0 100")])]))


@pytest.mark.parametrize("name", sorted(p.name for p in DATA.glob("*.xml")))
def test_a_damaged_alert_is_read_or_refused_with_a_reason_never_a_crash(name, gazetteer):
    from hypothesis import HealthCheck, given, settings, strategies as st

    original = sample(name)

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(st.integers(0, len(original)), st.integers(0, len(original)), st.binary(max_size=12))
    def damaged(start, end, junk):
        start, end = sorted((start, end))
        try:
            read(original[:start] + junk + original[end:], gazetteer)
        except CapError:
            pass

    damaged()


# --- real Environment Canada alerts (tests/unit/data/cap/README.md says where each came from) ---

STORM_ISSUED = datetime(2026, 8, 22, 20, 30, tzinfo=UTC)
"""Five minutes after Environment Canada issued the London, Huron and Perth warning (20:25:17Z)."""
STORM_UPDATED = datetime(2026, 8, 22, 20, 45, tzinfo=UTC)
STORM_ENDED = datetime(2026, 8, 22, 21, 36, tzinfo=UTC)
MONTHS_LATER = datetime(2026, 12, 7, 19, 0, tzinfo=UTC)
LONDON = (42.9849, -81.2453)
STRATFORD = (43.3701, -80.9822)
GODERICH = (43.7430, -81.7100)
WOODSTOCK = (43.1306, -80.7467)
ECCC_ALERT = "eccc-alert-thunderstorm-london-huron-perth.xml"
ECCC_UPDATE = "eccc-update-thunderstorm-london-oxford-perth.xml"
ECCC_ENDED = "eccc-ended-thunderstorm-london-oxford-perth.xml"
ECCC_BC = "eccc-update-air-quality-kootenay-bc.xml"
RESPONDERS = PartnerReach("sample-london-responders", 2.0, ("shelter", "first_aid"))


@pytest.mark.parametrize("name", [ECCC_ALERT, ECCC_UPDATE, ECCC_ENDED, ECCC_BC])
def test_the_real_alerts_are_signed_as_naad_sends_them(name):
    body = sample(name)
    assert b'<Signature xmlns="http://www.w3.org/2000/09/xmldsig#" Id="Environment Canada">' in body
    assert b"<sender>cap-pac@canada.ca</sender>" in body


class TestARealThunderstormWarning:
    """ECCC's severe thunderstorm warning for London, Southern Huron and Southern Perth (2026-08-22),
    its Update (Oxford added, Huron ended) and its all-clear Update, signed as NAAD sent them."""

    def test_the_alert_in_force_is_an_affected_area_over_its_three_zones_and_no_danger_zone(self, gazetteer):
        ingest = read(sample(ECCC_ALERT), gazetteer, now=STORM_ISSUED)
        assert (ingest.msg_type, ingest.ended, ingest.danger_zones) == ("Alert", False, ())
        area_ = ingest.declaration.area.model_dump()
        assert covers(area_, *LONDON) and covers(area_, *STRATFORD) and covers(area_, *GODERICH)
        assert not covers(area_, *WOODSTOCK) and not covers(area_, *TORONTO)
        assert ingest.source.geocodes["profile:CAP-CP:Location:0.3"][0] == "3539027"
        incident, facts = decide(None, ingest.command(ingest.message_id, MANAGER, STORM_ISSUED), STORM_ISSUED,
                                 [RESPONDERS])
        assert incident.status == "active" and incident.danger_zones == [] and len(facts) == 1
        directory = IncidentDirectory()
        directory.apply(incident, incident.id)
        assert directory.hazards_at(*LONDON) == [] and directory.affected_at(*LONDON) == [incident.id]

    def test_its_update_takes_the_blocks_still_in_force_oxford_in_and_huron_out(self, gazetteer):
        alert_ = read(sample(ECCC_ALERT), gazetteer, now=STORM_UPDATED)
        update = read(sample(ECCC_UPDATE), gazetteer, now=STORM_UPDATED)
        assert update.msg_type == "Update" and not update.ended
        incident, _ = decide(None, alert_.command(alert_.message_id, MANAGER, STORM_ISSUED), STORM_ISSUED)
        assert find_incident(update.references, {incident.id: incident}) is incident
        command = update.command(incident.id, MANAGER, STORM_UPDATED)
        assert isinstance(command, UpdateIncident) and command.alert_zones == []
        updated, _ = decide(incident, command, STORM_UPDATED)
        assert covers(updated.area, *WOODSTOCK) and covers(updated.area, *LONDON)
        assert not covers(updated.area, *GODERICH)

    def test_the_all_clear_update_ends_the_incident_and_widens_nothing(self, gazetteer):
        alert_ = read(sample(ECCC_ALERT), gazetteer, now=STORM_ISSUED)
        ended = read(sample(ECCC_ENDED), gazetteer, now=STORM_ENDED)
        assert ended.ended and ended.msg_type == "Update"
        incident, _ = decide(None, alert_.command(alert_.message_id, MANAGER, STORM_ISSUED), STORM_ISSUED)
        command = ended.command(find_incident(ended.references, {incident.id: incident}).id, MANAGER, STORM_ENDED)
        assert isinstance(command, EndAlert)
        closed, facts = decide(incident, command, STORM_ENDED, [RESPONDERS])
        assert (closed.status, facts) == ("closed", [])
        assert closed.area == incident.area and not covers(closed.area, *WOODSTOCK)

    def test_the_alert_read_months_after_it_expired_is_recorded_ended_and_alerts_nobody(self, gazetteer):
        ingest = read(sample(ECCC_ALERT), gazetteer, now=MONTHS_LATER)
        assert ingest.ended
        incident, facts = decide(None, ingest.command(ingest.message_id, MANAGER, MONTHS_LATER), MONTHS_LATER,
                                 [RESPONDERS])
        assert (incident.status, incident.alerts, facts) == ("closed", {}, [])

    def test_its_expiry_is_decided_by_the_clock_passed_in(self, gazetteer):
        expires = datetime(2026, 8, 22, 22, 23, 17, tzinfo=UTC)
        assert not read(sample(ECCC_ALERT), gazetteer, now=expires - timedelta(seconds=1)).ended
        assert read(sample(ECCC_ALERT), gazetteer, now=expires).ended

    def test_an_update_whose_alert_muster_never_saw_declares_the_incident_under_the_alerts_id(self, gazetteer):
        update = read(sample(ECCC_UPDATE), gazetteer, now=STORM_UPDATED)
        assert update.incident_id == cap_id("cap-pac@canada.ca", "urn:oid:2.49.0.1.124.2382287671.2026")
        incident, _ = decide(None, update.declare(MANAGER, STORM_UPDATED), STORM_UPDATED)
        assert incident.id == update.incident_id and incident.status == "active"
        assert covers(incident.area, *WOODSTOCK) and not covers(incident.area, *GODERICH)
        ended = read(sample(ECCC_ENDED), gazetteer, now=STORM_ENDED)
        assert find_incident(ended.references, {incident.id: incident}) is incident

    def test_an_all_clear_for_an_alert_muster_never_saw_is_recorded_ended(self, gazetteer):
        ended = read(sample(ECCC_ENDED), gazetteer, now=STORM_ENDED)
        incident, facts = decide(None, ended.declare(MANAGER, STORM_ENDED), STORM_ENDED, [RESPONDERS])
        assert (incident.status, facts) == ("closed", [])

    def test_a_british_columbia_alert_is_refused_naming_where_it_is(self, gazetteer):
        with pytest.raises(CapError, match="no area of the alert is in Ontario: Kootenay Lake.* British Columbia"):
            read(sample(ECCC_BC), gazetteer, now=datetime(2022, 10, 10, 18, tzinfo=UTC))


class TestResponseTypes:
    """What each CAP responseType makes of a block's areas."""

    @pytest.mark.parametrize("response, kind, zone_kind", [
        ("Evacuate", "hazmat", "evacuation"), ("Evacuate", "flood", "evacuation"), ("Avoid", "hazmat", "hazmat"),
        ("Avoid", "flood", "inundation"), ("Avoid", "wildfire", "fire"), ("Avoid", "power_outage", "other"),
    ])
    def test_evacuate_or_avoid_makes_each_area_a_danger_zone(self, response, kind, zone_kind):
        code = {"hazmat": "chemical", "flood": "flood", "wildfire": "forestFire", "power_outage": "powerOutage"}[kind]
        ingest = read(alert(infos=[info(event="x", code=code, responses=["Prepare", response], areas=[
            area("Orillia", circle="44.6,-79.42 3"), area("Washago", circle="44.75,-79.33 2")])]))
        assert ingest.declaration.kind == kind
        assert [(z.id, z.kind, z.note) for z in ingest.danger_zones] == [
            ("alert-area-1", zone_kind, "Orillia"), ("alert-area-2", zone_kind, "Washago")]
        incident, _ = decide(None, ingest.command(ingest.message_id, MANAGER, NOW), NOW)
        assert [z.origin for z in incident.danger_zones] == ["alert", "alert"]

    @pytest.mark.parametrize("response", ["Shelter", "Prepare", "Execute", "Monitor", "Assess", "None"])
    def test_other_responses_make_the_affected_area_only(self, response):
        ingest = read(alert(infos=[info(responses=[response])]))
        assert ingest.danger_zones == () and not ingest.ended

    @pytest.mark.parametrize("code", ["thunderstorm", "wind", "rainfall", "snowfall", "freezingRain", "extremeCold",
                                      "heat", "tornado"])
    def test_a_weather_warning_never_makes_a_danger_zone_whatever_its_response(self, code):
        ingest = read(alert(infos=[info(event=code, code=code, responses=["Avoid"])]))
        assert ingest.danger_zones == ()

    @pytest.mark.parametrize("how", [
        dict(responses=["AllClear"]), dict(location_status="ended"), dict(expires="2025-03-30T11:59:59-04:00"),
    ])
    def test_an_all_clear_an_ended_location_status_or_a_past_expiry_ends_a_block(self, how):
        assert read(alert(infos=[info(responses=["Evacuate"] if "responses" not in how else how["responses"],
                                      **{k: v for k, v in how.items() if k != "responses"})])).ended

    def test_a_block_expiring_after_now_is_in_force(self):
        assert not read(alert(infos=[info(expires="2025-03-30T12:00:01-04:00")])).ended

    def test_an_area_in_another_province_is_left_out_and_said_so(self):
        gatineau = area("Gatineau", circle="45.48,-75.70 5", geocodes=["2481017"])
        ingest = read(alert(infos=[info(areas=[area("Ottawa", circle="45.42,-75.69 5", geocodes=["3506008"]), gatineau])]))
        assert "left out, outside Ontario: Gatineau" in ingest.area_note
        assert ingest.declaration.area == CircleArea(center={"lat": 45.42, "lon": -75.69}, radius_km=5)

    def test_an_alert_with_no_area_in_ontario_is_refused(self):
        with pytest.raises(CapError, match="no area of the alert is in Ontario: Vancouver Island lie outside Ontario"):
            read(alert(infos=[info(areas=[area("Vancouver Island", circle="49.65,-125.45 20")])]))
