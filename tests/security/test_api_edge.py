"""What anyone on the network can try at the API's edge: odd paths and bodies get a clear 4xx,
demo tokens stay on a developer's machine, navigators read only what their work needs, ids cannot
be probed, every answer carries security headers, and /docs loads nothing from elsewhere."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from api.routes.dashboard import STATIC, SWAGGER_UI
from bus.topics import HOURS_LOG, REFERRAL_STATE, REQUEST_STATE
from handlers.hours import HoursLogged
from handlers.referrals import Referral
from handlers.requests import Context, RaiseRequest, decide as decide_request
from handlers.shelters import Needs
from tests.support.api import NOW, SCENARIO, with_incident, with_partner

LOOPBACK = ("127.0.0.1", 50000)
INCIDENT = {"id": "flood-bracebridge", "kind": "flood", "title": "Muskoka River flooding", "severity": "severe",
            "area": {"center": {"lat": 45.04, "lon": -79.31}, "radius_km": 8}}


class TestOddInput:
    @pytest.mark.parametrize("path", ["/static/js/main.js%00.js", "/static/%00", "/docs/assets/x%00.css"])
    def test_a_path_with_a_nul_byte_is_404_never_500(self, api, path):
        assert api.client.get(path).status_code == 404

    def test_a_chunked_body_over_the_limit_is_413_not_400(self, make_api):
        api = make_api(max_body_bytes=1000)

        def chunks():
            yield b'{"id": "flood-bracebridge", "title": "'
            for _ in range(20):
                yield b"x" * 100

        response = api.client.post("/v1/incidents", content=chunks(),
                                   headers={**api.as_("manager"), "Content-Type": "application/json"})
        assert response.status_code == 413 and "bytes" in response.json()["detail"]


class TestDemoTokens:
    @pytest.mark.parametrize("client, dev_mode", [(("203.0.113.7", 4000), True), (("testclient", 4000), True),
                                                  (LOOPBACK, False)],
                             ids=["from another machine", "from no address", "outside development mode"])
    def test_demo_tokens_go_only_to_this_machine_in_development_mode(self, make_api, client, dev_mode):
        api = make_api(client=client, demo_tokens=True, dev_mode=dev_mode)
        assert api.client.get("/dashboard-config").json() == {"demo_tokens": False}
        assert api.client.get("/v1/demo-tokens").status_code == 404

    def test_handing_out_demo_tokens_is_logged_as_a_warning(self, make_api, caplog):
        api = make_api(client=LOOPBACK, demo_tokens=True, dev_mode=True)
        assert api.client.get("/v1/demo-tokens").status_code == 200
        assert any(r.levelname == "WARNING" and "demo tokens" in r.getMessage() for r in caplog.records)


class TestNavigatorsReadWhatTheirWorkNeeds:
    @pytest.fixture
    def storm(self, api):
        incident = with_incident(api)
        with_partner(api)
        entry = SCENARIO["volunteer_hours"][1]
        api.record(HOURS_LOG, entry["id"], HoursLogged(**entry, logged_at=NOW))
        request, _ = decide_request(None, RaiseRequest(**SCENARIO["resource_requests"][0]), NOW,
                                    Context("active", [], None))
        api.record(REQUEST_STATE, request.id, request.model_copy(update={"commitments": {"salvation-army-on": 10}}))
        return api, incident.id, entry["id"], request.id

    def test_a_navigator_reads_no_partners_hours_or_commitments(self, storm):
        api, incident_id, entry_id, request_id = storm
        navigator = api.as_("navigator")
        assert api.client.get(f"/v1/incidents/{incident_id}/volunteer-hours", headers=navigator).status_code == 403
        assert api.client.get(f"/v1/volunteer-hours/{entry_id}", headers=navigator).status_code == 403
        assert api.client.get("/v1/exports/commitments.csv", headers=navigator).status_code == 403
        request = api.client.get(f"/v1/resource-requests/{request_id}", headers=navigator).json()
        assert request["commitments"] == {} and request["claims"] == {}
        manager = api.as_("manager")
        assert api.client.get(f"/v1/resource-requests/{request_id}", headers=manager).json()["commitments"] == {
            "salvation-army-on": 10}


class TestReferralIds:
    def test_another_navigators_referral_id_gets_the_same_409_whoever_asks_and_reveals_nothing(self, api):
        api.record(REFERRAL_STATE, "call-0001", Referral(
            id="call-0001", status="held", household_size=3, needs=Needs(), hold_ttl_s=60, requested_by="nav-1",
            created_at=NOW, updated_at=NOW, shelter_id="orillia-arena", shelter_name="Sample: Orillia arena",
            distance_km=1.0, hold_expires_at=NOW + timedelta(hours=2)))
        body = {"id": "call-0001", "location": {"lat": 44.6, "lon": -79.4}}
        taken = api.client.post("/v1/referrals", json=body, headers=api.as_("navigator", sub="nav-2"))
        assert taken.status_code == 409
        assert taken.json() == {"detail": {"code": "id_in_use", "id": "call-0001",
                                       "message": "this referral id is already used; choose another"}}
        mine = api.client.post("/v1/referrals", json=body, headers=api.as_("navigator", sub="nav-1"))
        assert mine.status_code == 201 and mine.json()["id"] == "call-0001"


class TestHeaders:
    def test_every_answer_carries_security_headers_and_api_answers_are_never_stored(self, api):
        answers = [
            api.client.get("/v1/shelters", headers=api.as_("navigator")),
            api.client.get("/v1/shelters"),
            api.client.get("/v1/referrals/nobody", headers=api.as_("navigator")),
            api.client.get("/healthz"),
            api.client.get("/openapi.json"),
            api.client.post("/v1/incidents", json={"id": 1}, headers=api.as_("manager")),
        ]
        for response in answers:
            assert response.headers["x-content-type-options"] == "nosniff", response.url
            assert response.headers["x-frame-options"] == "DENY"
            assert response.headers["referrer-policy"] == "no-referrer"
            assert response.headers["cache-control"] == "no-store"
            assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
            assert "script-src" not in response.headers["content-security-policy"]

    def test_the_dashboard_keeps_its_own_policy_with_the_common_headers(self, api):
        page = api.client.get("/")
        assert "script-src 'self'" in page.headers["content-security-policy"]
        assert page.headers["x-frame-options"] == "DENY" and page.headers["cache-control"] == "no-cache"
        assert len(page.headers.get_list("x-content-type-options")) == 1


class TestDocs:
    def test_docs_load_swagger_ui_from_this_server_only(self, api):
        page = api.client.get("/docs")
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
        assert "script-src 'self'" in page.headers["content-security-policy"]
        sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        assert sources and all(s.startswith("/") and not s.startswith("//") for s in sources), sources
        for source in sources:
            asset = api.client.get(source)
            assert asset.status_code == 200, source
        assert api.client.get("/openapi.json").json()["info"]["title"] == "Muster"
        assert api.client.get("/redoc").status_code == 404

    def test_the_vendored_swagger_ui_is_the_npm_package_with_its_licence(self):
        assert "Apache License" in (SWAGGER_UI / "LICENSE").read_text()
        assert "swagger-ui-dist" in (SWAGGER_UI / "README.md").read_text()
        assert "validatorUrl: null" in (STATIC / "js" / "docs.js").read_text()
