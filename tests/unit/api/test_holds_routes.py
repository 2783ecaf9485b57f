"""The navigator's own holds, extensions, short codes and a shelter's status, in-process: what the
API lists, what it puts on Kafka, and the clear refusals."""
from __future__ import annotations

from datetime import timedelta

from bus.topics import REFERRAL_STATE, SHELTER_STATE
from handlers.referrals import Extension, Referral, RequestReferral, short_code
from handlers.shelters import CallbackFlag, ExtendHold, Needs, RegisterShelter, SetShelterStatus, decide
from tests.support.api import NOW

PARTNER = "salvation-army-on"


def with_shelter(api, shelter_id: str = "orillia-arena", partner_id: str | None = PARTNER):
    shelter, _ = decide(None, RegisterShelter(id=shelter_id, name="Sample: Orillia arena", capacity=10,
                                              location={"lat": 44.6, "lon": -79.42}, partner_id=partner_id), NOW)
    api.record(SHELTER_STATE, shelter_id, shelter)
    return shelter


def with_referral(api, referral_id: str, navigator: str = "nav-1", status: str = "held", expires_in_s: float = 3600,
                  **changes) -> Referral:
    fields = dict(id=referral_id, code=short_code(referral_id), status=status, household_size=2, needs=Needs(),
                  hold_ttl_s=7200, requested_by=navigator, created_at=NOW, updated_at=NOW,
                  shelter_id="orillia-arena", shelter_name="Sample: Orillia arena", distance_km=1.2,
                  hold_expires_at=NOW + timedelta(seconds=expires_in_s))
    referral = Referral(**{**fields, **changes})
    api.record(REFERRAL_STATE, referral_id, referral)
    return referral


def listed(api, sub: str = "nav-1", role: str = "navigator", **params):
    response = api.client.get("/v1/referrals", params=params, headers=api.as_(role, sub=sub))
    assert response.status_code == 200, response.text
    return response.json()


class TestMyHolds:
    def test_a_navigator_sees_only_their_own_open_holds_flagged_first_then_soonest_to_expire(self, api):
        with_shelter(api)
        with_referral(api, "later", expires_in_s=5400)
        with_referral(api, "sooner", expires_in_s=600)
        flag = CallbackFlag(reason="shelter_closed", status_reason="no_power", at=NOW)
        with_referral(api, "flagged", expires_in_s=7000, callbacks=[flag])
        with_referral(api, "arrived-at-closed", status="confirmed", callbacks=[flag])
        with_referral(api, "arrived", status="confirmed")
        with_referral(api, "gone", status="released")
        with_referral(api, "someone-elses", navigator="nav-2")
        holds = listed(api)
        assert [h["id"] for h in holds] == ["flagged", "arrived-at-closed", "sooner", "later"]
        assert holds[2]["seconds_left"] == 600 and holds[1]["seconds_left"] is None
        assert holds[0]["callbacks"] == [{"reason": "shelter_closed", "incident_id": None, "status_reason": "no_power",
                                          "at": NOW.isoformat().replace("+00:00", "Z")}]
        assert holds[0]["code"] == short_code("flagged")

    def test_an_admin_sees_every_navigators_or_one_navigators_and_a_navigator_may_not_ask_for_another(self, api):
        with_shelter(api)
        with_referral(api, "mine")
        with_referral(api, "theirs", navigator="nav-2")
        assert {h["id"] for h in listed(api, role="admin")} == {"mine", "theirs"}
        assert [h["id"] for h in listed(api, role="admin", navigator="nav-2")] == ["theirs"]
        response = api.client.get("/v1/referrals", params={"navigator": "nav-2"}, headers=api.as_("navigator", sub="nav-1"))
        assert response.status_code == 403

    def test_a_referral_is_found_by_its_short_code_however_it_is_read_but_only_by_its_navigator(self, api):
        with_shelter(api)
        with_referral(api, "call-0042", status="confirmed")
        code = short_code("call-0042")
        spoken = f"{code[:3].lower()}-{code[3:]}"
        assert [h["id"] for h in listed(api, code=spoken)] == ["call-0042"]
        assert listed(api, sub="nav-2", code=code) == []
        bad = api.client.get("/v1/referrals", params={"code": "OIL000"}, headers=api.as_("navigator", sub="nav-1"))
        assert bad.status_code == 422 and "six letters and digits" in bad.json()["detail"]

    def test_a_new_referral_never_takes_a_code_its_navigator_already_has(self, api):
        with_shelter(api)
        with_referral(api, "older", code=short_code("call-new"))
        body = {"id": "call-new", "location": {"lat": 44.6, "lon": -79.42}}
        assert api.client.post("/v1/referrals", json=body, headers=api.as_("navigator", sub="nav-1")).status_code == 202
        [(_, _, ask)] = api.publisher.sent
        assert RequestReferral.model_validate(ask.request).code == short_code("call-new", 1)


class TestExtending:
    def test_an_extension_asks_the_shelters_owner_with_the_bounds_from_the_settings(self, make_api):
        api = make_api(hold_extend_s=1800, hold_max_s=5 * 3600)
        with_shelter(api)
        with_referral(api, "call-1")
        response = api.client.post("/v1/referrals/call-1/extend", json={"id": "ext-1"},
                                   headers=api.as_("navigator", sub="nav-1"))
        assert (response.status_code, response.json()["status"]) == (202, "accepted")
        [(topic, key, command)] = api.publisher.sent
        assert (topic, key, type(command)) == ("shelters", "orillia-arena", ExtendHold)
        assert (command.referral_id, command.extension_id, command.extend_s, command.max_hold_s) == \
            ("call-1", "ext-1", 1800, 5 * 3600)
        assert api.publisher.audits == [("nav-1", "ExtendHold", "referrals/call-1")]

    def test_an_extension_answered_already_is_answered_again_without_asking(self, api):
        with_shelter(api)
        with_referral(api, "call-1", extensions=1, extension=Extension(id="ext-1", outcome="extended"))
        response = api.client.post("/v1/referrals/call-1/extend", json={"id": "ext-1"},
                                   headers=api.as_("navigator", sub="nav-1"))
        assert response.status_code == 200 and response.json()["extensions"] == 1
        assert api.publisher.sent == []

    def test_a_refused_extension_is_a_409_with_its_reason_code(self, api):
        with_shelter(api)
        refusal = Extension(id="ext-9", outcome="refused", reason="at_limit", message="the hold is at its longest")
        with_referral(api, "call-1", extension=refusal, hold_limit_at=NOW + timedelta(hours=6))
        response = api.client.post("/v1/referrals/call-1/extend", json={"id": "ext-9"},
                                   headers=api.as_("navigator", sub="nav-1"))
        assert response.status_code == 409
        assert response.json()["detail"] == {"reason": "at_limit", "message": "the hold is at its longest",
                                             "limit_at": (NOW + timedelta(hours=6)).isoformat()}

    def test_a_bed_no_longer_held_is_not_extended(self, api):
        with_shelter(api)
        with_referral(api, "arrived", status="confirmed")
        with_referral(api, "gone", status="expired")
        reasons = [api.client.post(f"/v1/referrals/{r}/extend", headers=api.as_("navigator", sub="nav-1")).json()
                   ["detail"]["reason"] for r in ("arrived", "gone")]
        assert reasons == ["confirmed", "not_held"] and api.publisher.sent == []


class TestShelterStatus:
    def test_the_partner_that_runs_it_closes_it_in_one_action_with_a_reason(self, api):
        with_shelter(api)
        response = api.client.post("/v1/shelters/orillia-arena/status", json={"status": "closed", "reason": "no_power"},
                                   headers=api.as_("partner", partner_id=PARTNER))
        assert response.status_code == 202
        [(topic, key, command)] = api.publisher.sent
        assert (topic, key, type(command)) == ("shelters", "orillia-arena", SetShelterStatus)
        assert (command.status, command.reason) == ("closed", "no_power")

    def test_another_partner_may_not_and_an_unknown_shelter_is_a_404(self, api):
        with_shelter(api)
        body = {"status": "limited", "reason": "no_heat"}
        other = api.client.post("/v1/shelters/orillia-arena/status", json=body,
                                headers=api.as_("partner", partner_id="feed-ontario"))
        unknown = api.client.post("/v1/shelters/nowhere/status", json=body, headers=api.as_("manager"))
        assert (other.status_code, unknown.status_code) == (403, 404) and api.publisher.sent == []

    def test_limited_or_closed_without_a_reason_is_a_422(self, api):
        with_shelter(api)
        response = api.client.post("/v1/shelters/orillia-arena/status", json={"status": "closed"},
                                   headers=api.as_("manager"))
        assert response.status_code == 422 and api.publisher.sent == []

    def test_a_shelter_shows_its_status_and_reason(self, api):
        shelter = with_shelter(api)
        limited, _ = decide(shelter, SetShelterStatus(shelter_id=shelter.id, status="limited", reason="no_heat"), NOW)
        api.record(SHELTER_STATE, shelter.id, limited)
        view = api.client.get("/v1/shelters/orillia-arena", headers=api.as_("navigator")).json()
        assert (view["open"], view["status"], view["status_reason"]) == (True, "limited", "no_heat")


def test_the_printed_sheet_carries_the_short_code_in_two_groups_beside_the_referral_number(api):
    with_shelter(api)
    referral = with_referral(api, "call-0042")
    sheet = api.client.get("/v1/referrals/call-0042/sheet?lang=fr", headers=api.as_("navigator", sub="nav-1")).text
    assert f"<th>Code d’orientation (à lire au 2-1-1)</th><td>{referral.code[:3]}-{referral.code[3:]}</td>" in sheet
    assert "<td>call-0042</td>" in sheet
