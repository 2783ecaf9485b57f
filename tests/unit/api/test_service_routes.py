"""Service site routes in-process: operators register sites and mark them closed with a reason, and
a navigator's search finds what is near a caller, with what it left out and why."""
from __future__ import annotations

from api.routes.services import ServiceSearch, SiteView
from bus.topics import SHELTER_STATE
from handlers.shelters import RegisterShelter, decide as decide_shelter
from tests.support.api import NOW

A, B = "salvation-army-on", "feed-ontario"
ORILLIA = {"lat": 44.6087, "lon": -79.4207}
CHARGING = {"name": "Sample: Orillia library charging station", "service_type": "charging_station",
            "location": {"lat": 44.6083, "lon": -79.4190}, "place": "Orillia, ON",
            "address": {"address_1": "36 Mississaga St W", "city": "Orillia", "postal_code": "L3V 3A6"},
            "phone": "705-555-0160", "schedules": [{"opens_at": "09:00", "closes_at": "21:00"}],
            "languages": ["en", "fr"], "accessible": True, "partner_id": A}


def put(api, id_="orillia-library", body=CHARGING, role="manager", partner_id=None):
    return api.client.put(f"/v1/services/{id_}", json=body, headers=api.as_(role, partner_id))


def with_shelter(api, id_="rotary-place", **profile):
    shelter, _ = decide_shelter(None, RegisterShelter(id=id_, name=f"Sample: {id_}", capacity=20,
                                                      location={"lat": 44.5953, "lon": -79.4417}, **profile), NOW)
    api.record(SHELTER_STATE, id_, shelter)
    return shelter


def search(api, **params):
    response = api.client.get("/v1/services", params=params, headers=api.as_("navigator"))
    assert response.status_code == 200, response.text
    answer = response.json()
    assert ServiceSearch.model_validate(answer).model_dump(mode="json") == ServiceSearch.model_validate_json(
        response.content).model_dump(mode="json")
    return answer


class TestRegistering:
    def test_a_manager_registers_a_site_and_reads_it_back_with_its_hours_open_now(self, worked):
        response = put(worked)
        assert response.status_code == 201, response.text
        site = response.json()
        assert SiteView.model_validate(site).model_dump(mode="json") == site
        assert (site["service_type"], site["phone"], site["open_now"], site["closes_at"]) == (
            "charging_station", "705-555-0160", True, "2025-03-30T21:00:00-04:00")
        assert put(worked).status_code == 200
        assert worked.client.get("/v1/services/orillia-library", headers=worked.as_("navigator")).json() == site

    def test_without_a_worker_the_answer_is_202_with_where_to_look(self, api):
        response = put(api)
        assert response.status_code == 202 and response.json()["href"] == "/v1/services/orillia-library"
        ((topic, key, command),) = api.publisher.sent
        assert (topic, key, command.type, command.actor.role) == ("services", "orillia-library", "RegisterService", "manager")

    def test_the_owning_partner_may_change_its_site_and_no_other_partner_may(self, worked):
        assert put(worked, role="partner", partner_id=A).status_code == 201
        assert put(worked, role="partner", partner_id=B).status_code == 403
        assert put(worked, body={**CHARGING, "partner_id": B}, role="partner", partner_id=B).status_code == 403
        assert put(worked, role="navigator").status_code == 403

    def test_beds_are_refused_here_and_a_shelters_id_is_not_taken(self, worked):
        response = put(worked, body={**CHARGING, "service_type": "overnight_shelter"})
        assert response.status_code == 422 and "PUT /v1/shelters" in response.text
        with_shelter(worked)
        assert put(worked, id_="rotary-place").status_code == 409
        assert worked.publisher.sent == []


class TestStatus:
    def test_closing_a_site_for_no_power_leaves_it_out_of_the_search_with_that_reason(self, worked):
        put(worked)
        response = worked.client.post("/v1/services/orillia-library/status", json={"status": "closed", "reason": "no_power"},
                                      headers=worked.as_("partner", A))
        assert response.status_code == 200, response.text
        assert (response.json()["status"], response.json()["status_reason"]) == ("closed", "no_power")

        answer = search(worked, **ORILLIA)
        assert answer["results"] == []
        assert [(s["id"], [r["code"] for r in s["reasons"]]) for s in answer["excluded"]] == [("orillia-library", ["closed"])]

    def test_a_status_is_refused_without_a_reason_for_an_unknown_site_and_to_other_partners(self, worked):
        put(worked)
        url = "/v1/services/orillia-library/status"
        assert worked.client.post(url, json={"status": "closed"}, headers=worked.as_("manager")).status_code == 422
        assert worked.client.post("/v1/services/nowhere/status", json={"status": "open"},
                                  headers=worked.as_("manager")).status_code == 404
        assert worked.client.post(url, json={"status": "limited", "reason": "no_heat"},
                                  headers=worked.as_("partner", B)).status_code == 403

    def test_the_same_status_again_is_answered_from_the_view(self, worked):
        put(worked)
        worked.publisher.sent.clear()
        response = worked.client.post("/v1/services/orillia-library/status", json={"status": "open"},
                                      headers=worked.as_("manager"))
        assert response.status_code == 200 and worked.publisher.sent == []


class TestSearch:
    def test_a_place_name_is_geocoded_and_sites_and_shelters_come_nearest_first(self, worked):
        put(worked)
        with_shelter(worked, place="Orillia, ON")

        answer = search(worked, place="Orillia, ON")

        assert answer["place"] == "Orillia, Ontario, Canada"
        assert [(s["id"], s["service_type"]) for s in answer["results"]] == [
            ("orillia-library", "charging_station"), ("rotary-place", "overnight_shelter")]
        assert answer["results"][1]["free_beds"] == 20
        assert answer["at"] == NOW.isoformat() and len(answer["types"]) == 13

    def test_types_repeat_and_needs_and_open_now_filter(self, worked):
        put(worked)
        with_shelter(worked, accepts_pets=True)

        only_beds = search(worked, **ORILLIA, type=["overnight_shelter", "pet_shelter"])
        assert [s["id"] for s in only_beds["results"]] == ["rotary-place"]
        assert only_beds["types"] == ["overnight_shelter", "pet_shelter"]
        with_pets = search(worked, **ORILLIA, pets=True)
        assert [s["id"] for s in with_pets["results"]] == ["rotary-place"]
        assert with_pets["excluded"][0]["reasons"] == [{"code": "no_pets", "message": "no pets"}]

    def test_a_search_needs_one_location_and_an_unknown_place_gets_suggestions(self, api):
        nav = api.as_("navigator")
        assert api.client.get("/v1/services", headers=nav).status_code == 422
        assert api.client.get("/v1/services", params={**ORILLIA, "place": "Orillia"}, headers=nav).status_code == 422
        assert api.client.get("/v1/services", params={"lat": 44.6}, headers=nav).status_code == 422
        unknown = api.client.get("/v1/services", params={"place": "Orilla"}, headers=nav)
        assert unknown.status_code == 422 and "Orillia, ON" in unknown.json()["detail"]["suggestions"]
        assert api.client.get("/v1/services", params={**ORILLIA, "type": "beds"}, headers=nav).status_code == 422

    def test_a_search_sends_nothing_to_kafka_so_the_callers_location_is_kept_nowhere(self, worked):
        put(worked)
        worked.publisher.sent.clear()
        worked.publisher.audits.clear()
        search(worked, place="Orillia")
        assert (worked.publisher.sent, worked.publisher.audits) == ([], [])

    def test_an_unknown_site_is_a_404_and_a_shelter_reads_as_a_site(self, api):
        with_shelter(api)
        nav = api.as_("navigator")
        assert api.client.get("/v1/services/nowhere", headers=nav).status_code == 404
        shelter = api.client.get("/v1/services/rotary-place", headers=nav).json()
        assert (shelter["service_type"], shelter["free_beds"], shelter["distance_km"]) == ("overnight_shelter", 20, None)


class TestPrintableList:
    def list_page(self, api, **params):
        return api.client.get("/v1/services/list", params=params, headers=api.as_("navigator"))

    def test_a_navigator_prints_the_charging_stations_open_now_near_a_town_in_french(self, worked):
        put(worked)
        put(worked, "night-charging", {**CHARGING, "name": "Sample: Orillia night charging", "schedules": [
            {"opens_at": "20:00", "closes_at": "06:00"}], "phone": "705-555-0161"})
        response = self.list_page(worked, place="Orillia", type="charging_station", open_now=True, lang="fr")
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
        page = response.text
        assert "Près d’Orillia, Ontario, Canada" in page and "<h2>Borne de recharge</h2>" in page
        assert "Sample: Orillia library charging station" in page and "ouvert maintenant, ferme à 21 h" in page
        assert "night charging" not in page
        assert "Seulement les lieux ouverts à l’impression." in page

    def test_making_a_list_writes_nothing_to_kafka_and_logs_nothing_of_the_callers_town(self, worked, caplog):
        put(worked)
        worked.publisher.sent.clear()
        worked.publisher.audits.clear()
        with caplog.at_level("DEBUG"):
            assert self.list_page(worked, place="Orillia", wheelchair=True).status_code == 200
        assert (worked.publisher.sent, worked.publisher.audits) == ([], [])
        served = [r for r in caplog.records if not r.name.startswith("httpx")]  # the test's client logs its own URL
        assert not [r for r in served if "orillia" in r.getMessage().lower()]

    def test_a_list_is_made_from_a_town_never_from_the_callers_exact_point(self, api):
        assert self.list_page(api, **ORILLIA).status_code == 422
        unknown = self.list_page(api, place="Orilla")
        assert unknown.status_code == 422 and "Orillia, ON" in unknown.json()["detail"]["suggestions"]
        assert self.list_page(api, place="Orillia", lang="de").status_code == 422
        assert self.list_page(api, place="Orillia", per_type=6).status_code == 422

    def test_no_site_may_take_the_lists_path_as_its_id(self, worked):
        response = put(worked, id_="list")  # the literal path is the list's, which takes only GET
        assert response.status_code == 405 and response.headers["allow"] == "GET"
        assert worked.publisher.sent == []

    def test_the_schema_documents_the_list_as_html_for_navigators(self, api):
        operation = api.client.get("/openapi.json").json()["paths"]["/v1/services/list"]["get"]
        assert "text/html" in operation["responses"]["200"]["content"]
        assert {p["name"] for p in operation["parameters"]} >= {"place", "type", "open_now", "lang", "per_type"}
