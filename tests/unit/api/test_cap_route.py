"""POST /v1/incidents/cap in-process: a CAP alert declares, updates and stands down an incident,
and hostile or unusable XML is refused with the reason before anything reaches Kafka."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
from shapely.geometry import Point, shape

from handlers.cap import cap_id

DATA = Path(__file__).resolve().parents[1] / "data" / "cap"
XML = {"Content-Type": "application/xml"}
ALERT_ID = cap_id("cap-pac@canada.ca", "urn:oid:2.49.0.1.124.9000000001.2025")


def sample(name: str) -> bytes:
    return (DATA / name).read_bytes()


def post(api, name_or_body, role="manager", content_type="application/xml"):
    body = sample(name_or_body) if isinstance(name_or_body, str) else name_or_body
    partner_id = "salvation-army-on" if role == "partner" else None
    return api.client.post("/v1/incidents/cap", content=body,
                           headers={**api.as_(role, partner_id, sub="emo-ottawa"), "Content-Type": content_type})


def commands(api) -> list[str]:
    return [message.type for topic, _, message in api.publisher.sent if topic == "incidents"]


class TestAnAlertsLife:
    def test_an_alert_declares_the_incident_and_answers_201(self, worked):
        response = post(worked, "alert-freezing-rain-ottawa.xml")
        assert response.status_code == 201, response.text
        incident = response.json()
        assert incident["id"] == ALERT_ID and incident["kind"] == "ice_storm" and incident["severity"] == "severe"
        assert incident["title"] == "freezing rain warning in effect for Ottawa"
        assert shape(incident["area"]).contains(Point(-75.6972, 45.4215))
        assert incident["source"]["geocodes"] == {"profile:CAP-CP:Location:0.3": ["3506008"]}
        assert incident["declared_by"] == "emo-ottawa"
        assert worked.publisher.audits == [("emo-ottawa", "DeclareIncident", f"incidents/{ALERT_ID}")]

    def test_the_same_alert_again_is_answered_200_from_the_view(self, worked):
        post(worked, "alert-freezing-rain-ottawa.xml")
        again = post(worked, "alert-freezing-rain-ottawa.xml", content_type="application/cap+xml")
        assert again.status_code == 200 and again.json()["id"] == ALERT_ID
        assert commands(worked) == ["DeclareIncident"]

    def test_an_alert_reusing_an_identifier_with_other_details_is_a_conflict(self, worked):
        post(worked, "alert-freezing-rain-ottawa.xml")
        changed = sample("alert-freezing-rain-ottawa.xml").replace(b"in effect for Ottawa", b"in effect for Kanata")
        assert post(worked, changed).status_code == 409

    def test_update_then_cancel(self, worked):
        post(worked, "alert-freezing-rain-ottawa.xml")
        updated = post(worked, "update-freezing-rain-ottawa.xml")
        assert updated.status_code == 200, updated.text
        assert updated.json()["severity"] == "extreme" and updated.json()["id"] == ALERT_ID
        assert post(worked, "update-freezing-rain-ottawa.xml").status_code == 200
        closed = post(worked, "cancel-freezing-rain-ottawa.xml")
        assert closed.status_code == 200 and closed.json()["status"] == "closed"
        assert post(worked, "cancel-freezing-rain-ottawa.xml").json()["status"] == "closed"
        assert commands(worked) == ["DeclareIncident", "UpdateIncident", "CloseIncident"]

    def test_the_original_alert_broadcast_again_after_an_update_is_answered_with_the_incident(self, worked):
        post(worked, "alert-freezing-rain-ottawa.xml")
        post(worked, "update-freezing-rain-ottawa.xml")
        again = post(worked, "alert-freezing-rain-ottawa.xml")
        assert again.status_code == 200 and again.json()["severity"] == "extreme"
        assert commands(worked) == ["DeclareIncident", "UpdateIncident"]

    def test_an_update_after_the_cancel_is_a_conflict(self, worked):
        post(worked, "alert-freezing-rain-ottawa.xml")
        post(worked, "cancel-freezing-rain-ottawa.xml")
        assert post(worked, "update-freezing-rain-ottawa.xml").status_code == 409

    def test_an_update_for_an_alert_muster_never_saw_declares_the_incident_under_the_alerts_id(self, worked):
        response = post(worked, "update-freezing-rain-ottawa.xml")
        assert response.status_code == 201, response.text
        assert response.json()["id"] == ALERT_ID and response.json()["severity"] == "extreme"
        assert post(worked, "update-freezing-rain-ottawa.xml").status_code == 200
        assert post(worked, "alert-freezing-rain-ottawa.xml").status_code == 200
        assert commands(worked) == ["DeclareIncident"]

    def test_a_cancel_for_an_alert_muster_never_saw_is_refused(self, worked):
        response = post(worked, "cancel-freezing-rain-ottawa.xml")
        assert response.status_code == 422 and "refers to no incident" in response.json()["detail"]
        assert commands(worked) == []

    def test_without_the_worker_the_answer_is_202_with_where_to_look(self, api):
        response = post(api, "alert-freezing-rain-ottawa.xml")
        assert response.status_code == 202 and response.json()["href"] == f"/v1/incidents/{ALERT_ID}"


class TestGeocodeOnlyAlerts:
    def test_orillia_and_barrie_are_placed_approximately_and_say_so(self, worked):
        response = post(worked, "alert-geocodes-orillia-barrie.xml")
        assert response.status_code == 201, response.text
        incident = response.json()
        assert incident["area"]["type"] == "MultiPolygon" and incident["area_note"].startswith("approximate")
        area = shape(incident["area"])
        assert area.contains(Point(-79.4207, 44.6087)) and area.contains(Point(-79.6903, 44.3894))

    def test_an_unknown_place_is_a_422_naming_it(self, worked):
        response = post(worked, "alert-unknown-place.xml")
        assert response.status_code == 422 and "Nowhereville" in response.json()["detail"]
        assert worked.publisher.sent == []


class TestRefusals:
    @pytest.mark.parametrize("name", ["billion-laughs.xml", "external-entity.xml", "malformed.xml"])
    def test_hostile_or_broken_xml_is_a_400_with_the_reason_and_nothing_is_sent(self, worked, name):
        response = post(worked, name)
        assert response.status_code == 400 and "CAP alert refused" in response.json()["detail"]
        assert "root:" not in response.text
        assert worked.publisher.sent == []

    def test_json_or_no_content_type_is_a_415(self, worked):
        assert post(worked, b'{"id": "x"}', content_type="application/json").status_code == 415
        response = worked.client.post("/v1/incidents/cap", content=sample("alert-freezing-rain-ottawa.xml"),
                                      headers=worked.as_("manager"))
        assert response.status_code == 415

    def test_a_body_over_the_limit_is_a_413(self, worked):
        padded = sample("alert-freezing-rain-ottawa.xml").replace(b"</alert>", b"<!--" + b"x" * 1_100_000 + b"--></alert>")
        assert post(worked, padded).status_code == 413

    @pytest.mark.parametrize("role", ["navigator", "partner"])
    def test_only_managers_and_admins_may_send_alerts(self, worked, role):
        assert post(worked, "alert-freezing-rain-ottawa.xml", role=role).status_code == 403
        assert worked.client.post("/v1/incidents/cap", content=b"<alert/>", headers=XML).status_code == 401
        assert post(worked, "alert-freezing-rain-ottawa.xml", role="admin").status_code == 201

    def test_the_route_is_documented_with_its_xml_body(self, api):
        operation = api.client.get("/openapi.json").json()["paths"]["/v1/incidents/cap"]["post"]
        assert set(operation["requestBody"]["content"]) == {"application/xml", "application/cap+xml", "text/xml"}
        assert {"201", "200", "202", "400", "415", "422"} <= set(operation["responses"])


class TestARealEnvironmentCanadaFeed:
    """ECCC's signed messages for one severe thunderstorm warning over London, Huron and Perth."""

    LONDON = Point(-81.2453, 42.9849)
    WOODSTOCK = Point(-80.7467, 43.1306)

    def test_alert_update_and_all_clear_make_an_affected_area_that_moves_then_ends_without_widening(self, worked):
        declared = post(worked, "eccc-alert-thunderstorm-london-huron-perth.xml", content_type="text/xml")
        assert declared.status_code == 201, declared.text
        incident = declared.json()
        assert incident["status"] == "active" and incident["danger_zones"] == []
        assert shape(incident["area"]).contains(self.LONDON) and not shape(incident["area"]).contains(self.WOODSTOCK)

        updated = post(worked, "eccc-update-thunderstorm-london-oxford-perth.xml").json()
        assert updated["id"] == incident["id"] and shape(updated["area"]).contains(self.WOODSTOCK)

        ended = post(worked, "eccc-ended-thunderstorm-london-oxford-perth.xml")
        assert ended.status_code == 200 and ended.json()["status"] == "closed"
        assert ended.json()["area"] == updated["area"]
        assert post(worked, "eccc-ended-thunderstorm-london-oxford-perth.xml").json()["status"] == "closed"
        assert commands(worked) == ["DeclareIncident", "UpdateIncident", "EndAlert"]

    def test_an_alert_months_past_its_expiry_is_recorded_ended(self, worked):
        worked.container.clock = lambda: datetime(2026, 12, 7, 19, 0, tzinfo=timezone.utc)
        response = post(worked, "eccc-alert-thunderstorm-london-huron-perth.xml")
        assert response.status_code == 201 and response.json()["status"] == "closed"
        assert response.json()["alerts"] == {}
        (_, _, command), = worked.publisher.sent
        assert command.ended is True

    def test_a_british_columbia_alert_is_a_422_naming_the_province_and_nothing_is_sent(self, worked):
        response = post(worked, "eccc-update-air-quality-kootenay-bc.xml")
        assert response.status_code == 422
        assert "no area of the alert is in Ontario" in response.json()["detail"]
        assert "British Columbia" in response.json()["detail"]
        assert worked.publisher.sent == []
