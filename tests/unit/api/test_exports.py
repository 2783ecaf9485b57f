"""GET /v1/exports/*: what a GIS analyst or a funder's spreadsheet gets, parsed back and checked.

GeoJSON is read with json and shapely (valid geometry, RFC 7946 ring orientation, [lon, lat]);
the commitments CSV with the csv module. Nothing exported names a referral, a hold or a caller."""
from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from pathlib import Path

import pytest
from shapely.geometry import Point, shape

from bus.topics import INCIDENT_STATE, PARTNER_STATE, REQUEST_STATE, SERVICE_STATE, SHELTER_STATE
from formats.cap import read_alert
from formats.exports import COMMITMENT_COLUMNS
from formats.spreadsheets import spreadsheet_safe
from handlers import partners as P
from handlers.incidents import DeclareIncident, decide as decide_incident
from handlers.partners import InventoryClaimed
from handlers.requests import Candidate, Context, RaiseRequest, decide as decide_request
from handlers.services import RegisterService, ServiceProfile, decide as decide_service
from handlers.shelters import HoldBed, RegisterShelter, decide as decide_shelter
from tests.support.api import NOW, SCENARIO

DATA = Path(__file__).resolve().parents[3] / "muster" / "data"
PARTNERS = json.loads((DATA / "partners.json").read_text())["partners"]
SHELTERS = json.loads((DATA / "shelters.json").read_text())["shelters"]
SERVICES = json.loads((DATA / "services.json").read_text())["services"]
CAP = Path(__file__).resolve().parents[1] / "data" / "cap"
A, B = "salvation-army-on", "sample-orillia-responders"


@pytest.fixture
def ontario(api):
    """The Ontario sample data as the views hold it, with a held bed and cots committed by two partners."""
    for record in PARTNERS:
        partner, _ = P.decide(None, P.RegisterPartner(**record), NOW)
        api.record(PARTNER_STATE, partner.id, partner)
    for record in SHELTERS:
        shelter, _ = decide_shelter(None, RegisterShelter(**record), NOW)
        if shelter.id == "orillia-rotary-place":
            shelter, _ = decide_shelter(shelter, HoldBed(shelter_id=shelter.id, referral_id="call-secret-0042", beds=2,
                                                         ttl_s=3600), NOW)
        api.record(SHELTER_STATE, shelter.id, shelter)
    for record in SCENARIO["incidents"]:
        incident, _ = decide_incident(None, DeclareIncident(**record, actor={"sub": "emo-person", "role": "manager"}), NOW)
        api.record(INCIDENT_STATE, incident.id, incident)
    ingest = read_alert((CAP / "alert-geocodes-orillia-barrie.xml").read_bytes(), api.container.geocoder, now=NOW)
    incident, _ = decide_incident(None, ingest.command(ingest.message_id, None, NOW), NOW)
    api.record(INCIDENT_STATE, incident.id, incident)

    candidates = [Candidate(partner_id=A, distance_km=10, free=400), Candidate(partner_id=B, distance_km=1, free=120)]
    request, _ = decide_request(None, RaiseRequest(**{**SCENARIO["resource_requests"][0], "quantity": 450}), NOW,
                                Context("active", candidates, None))
    request, _ = decide_request(request, InventoryClaimed(request_id="rr-001", claim_id="rr-001.1", partner_id=A,
                                                          resource_type="cots", granted=400, at=NOW), NOW)
    request, _ = decide_request(request, InventoryClaimed(request_id="rr-001", claim_id="rr-001.2", partner_id=B,
                                                          resource_type="cots", granted=50, at=NOW), NOW)
    api.record(REQUEST_STATE, request.id, request)
    return api


def get(api, path, role="manager", partner_id=None):
    response = api.client.get(path, headers=api.as_(role, partner_id))
    assert response.status_code == 200, response.text
    return response


def valid_rfc7946(feature: dict) -> None:
    geometry = shape(feature["geometry"])
    assert geometry.is_valid, feature["id"]
    for polygon in getattr(geometry, "geoms", [geometry]):
        if polygon.geom_type == "Polygon":
            assert polygon.exterior.is_ccw and all(not ring.is_ccw for ring in polygon.interiors)
    lon, lat = geometry.representative_point().coords[0]
    assert -96 < lon < -74 and 41 < lat < 57, "positions are [lon, lat] in Ontario"


class TestIncidents:
    def test_every_incident_is_a_valid_feature_with_its_area(self, ontario):
        response = get(ontario, "/v1/exports/incidents.geojson")
        assert response.headers["content-type"].startswith("application/geo+json")
        collection = json.loads(response.text)
        assert collection["type"] == "FeatureCollection"
        by_id = {f["id"]: f for f in collection["features"]}
        assert set(by_id) >= {"ice-storm-2025-orillia", "ice-storm-2025-peterborough"} and len(by_id) == 3
        for feature in collection["features"]:
            assert feature["type"] == "Feature" and feature["properties"]["id"] == feature["id"]
            valid_rfc7946(feature)
        orillia = by_id["ice-storm-2025-orillia"]
        assert shape(orillia["geometry"]).contains(Point(-79.4207, 44.6087))
        assert orillia["properties"]["kind"] == "ice_storm" and orillia["properties"]["status"] == "active"

    def test_a_cap_incident_carries_its_source_and_approximate_note(self, ontario):
        features = json.loads(get(ontario, "/v1/exports/incidents.geojson").text)["features"]
        (cap,) = [f for f in features if f["id"].startswith("cap-")]
        assert cap["geometry"]["type"] == "MultiPolygon"
        assert cap["properties"]["area_note"].startswith("approximate")
        assert cap["properties"]["source"]["geocodes"]["profile:CAP-CP:Location:0.3"] == ["3543052", "3543042"]

    def test_no_staff_account_is_exported_and_status_filters(self, ontario):
        text = get(ontario, "/v1/exports/incidents.geojson").text
        assert "emo-person" not in text and "declared_by" not in text
        assert json.loads(get(ontario, "/v1/exports/incidents.geojson?status=closed").text)["features"] == []


class TestShelters:
    def test_every_shelter_is_a_point_with_free_beds_and_its_sample_name(self, ontario):
        collection = json.loads(get(ontario, "/v1/exports/shelters.geojson", role="navigator").text)
        assert "Sample" in collection["notice"]
        assert len(collection["features"]) == len(SHELTERS)
        for feature in collection["features"]:
            valid_rfc7946(feature)
            assert feature["geometry"]["type"] == "Point"
            assert feature["properties"]["name"].startswith("Sample:")
        rotary = next(f for f in collection["features"] if f["id"] == "orillia-rotary-place")
        assert rotary["geometry"]["coordinates"] == [-79.4417, 44.5953]
        assert rotary["properties"]["free"] == 200 - 164 - 2
        # Inside the Orillia ice storm: its affected area, no danger zone, so still available.
        assert rotary["properties"]["in_affected_areas"] and rotary["properties"]["in_danger_zones"] == []
        assert rotary["properties"]["available"] is True

    def test_holds_and_referrals_never_leave(self, ontario):
        text = get(ontario, "/v1/exports/shelters.geojson").text
        assert "call-secret-0042" not in text and "holds" not in text and '"held"' not in text


class TestServiceSites:
    def test_every_site_is_a_point_carrying_the_profile_it_was_given(self, api):
        for record in SERVICES:
            site, _ = decide_service(None, RegisterService(**record), NOW)
            api.record(SERVICE_STATE, site.id, site)
        collection = json.loads(get(api, "/v1/exports/services.geojson", role="navigator").text)
        assert "Sample" in collection["notice"]
        given = {r["id"]: ServiceProfile(**{k: v for k, v in r.items() if k != "id"}) for r in SERVICES}
        read = {}
        for feature in collection["features"]:
            valid_rfc7946(feature)
            lon, lat = feature["geometry"]["coordinates"]
            properties = {k: v for k, v in feature["properties"].items() if k not in ("id", "updated_at")}
            read[feature["id"]] = ServiceProfile(**properties, location={"lat": lat, "lon": lon})
        assert read == given


class TestPartners:
    def test_partners_at_their_bases_with_inventory_but_no_commitments(self, ontario):
        collection = json.loads(get(ontario, "/v1/exports/partners.geojson", role="partner", partner_id=A).text)
        assert len(collection["features"]) == len(PARTNERS)
        by_id = {f["id"]: f for f in collection["features"]}
        for feature in collection["features"]:
            valid_rfc7946(feature)
        assert by_id[A]["properties"]["inventory"]["cots"] == 400 and by_id[A]["properties"]["sample"] is False
        assert by_id[B]["properties"]["name"].startswith("Sample:") and by_id[B]["properties"]["sample"] is True
        text = json.dumps(collection)
        assert "rr-001" not in text and "committed" not in text

    def test_service_areas_as_valid_polygons(self, ontario):
        collection = json.loads(get(ontario, "/v1/exports/partners.geojson?geometry=service_area").text)
        assert collection["features"]
        for feature in collection["features"]:
            assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon")
            valid_rfc7946(feature)


class TestCommitments:
    def rows(self, api, role="manager", partner_id=None, query=""):
        response = get(api, f"/v1/exports/commitments.csv{query}", role=role, partner_id=partner_id)
        assert response.headers["content-type"].startswith("text/csv")
        return list(csv.DictReader(io.StringIO(response.text)))

    def test_a_manager_sees_every_partners_commitment(self, ontario):
        rows = self.rows(ontario)
        assert [(r["partner_id"], r["units"], r["status"]) for r in rows] == [(A, "400", "committed"), (B, "50", "committed")]
        assert rows[0]["request_id"] == "rr-001" and rows[0]["incident_id"] == "ice-storm-2025-orillia"
        assert rows[0]["resource_type"] == "cots" and rows[0]["partner_name"] == "The Salvation Army Ontario"
        assert rows[1]["partner_name"].startswith("Sample:")
        assert tuple(rows[0]) == COMMITMENT_COLUMNS

    def test_a_partner_sees_only_its_own(self, ontario):
        assert [r["partner_id"] for r in self.rows(ontario, "partner", B)] == [B]
        assert [r["partner_id"] for r in self.rows(ontario, "partner", "feed-ontario")] == []

    def test_filtered_by_incident(self, ontario):
        assert self.rows(ontario, query="?incident_id=ice-storm-2025-peterborough") == []
        assert len(self.rows(ontario, "manager", query="?incident_id=ice-storm-2025-orillia")) == 2

    def test_a_cancelled_request_shows_its_units_released(self, ontario):
        from handlers.requests import CancelRequest

        request = ontario.container.views.get(REQUEST_STATE, "rr-001")
        cancelled, _ = decide_request(request, CancelRequest(id="rr-001"), NOW + timedelta(hours=1))
        ontario.record(REQUEST_STATE, "rr-001", cancelled)
        assert {r["status"] for r in self.rows(ontario)} == {"released"}
        assert {r["request_status"] for r in self.rows(ontario)} == {"cancelled"}

    def test_names_cannot_become_spreadsheet_formulas(self):
        assert spreadsheet_safe("=HYPERLINK(\"x\")") == "'=HYPERLINK(\"x\")"
        assert spreadsheet_safe("The Salvation Army") == "The Salvation Army"


@pytest.mark.parametrize("path", ["/v1/exports/incidents.geojson", "/v1/exports/shelters.geojson",
                                  "/v1/exports/services.geojson", "/v1/exports/partners.geojson",
                                  "/v1/exports/commitments.csv"])
def test_exports_need_a_token(api, path):
    assert api.client.get(path).status_code == 401
