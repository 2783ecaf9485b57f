"""Limits that keep one client from hurting everyone else, checked in-process."""
from __future__ import annotations

from datetime import timedelta

from api.limits import RateLimiter
from bus.topics import AUDIT, REFERRAL_STATE
from handlers.audit import AuditRecord
from handlers.referrals import Referral
from handlers.shelters import Needs
from tests.support.api import NOW

INCIDENT = {"id": "i-1", "kind": "flood", "title": "Flood", "severity": "minor",
            "area": {"center": {"lat": 44.6, "lon": -79.4}, "radius_km": 5}}


def test_a_body_over_one_mebibyte_is_refused_with_413(api):
    response = api.client.post("/v1/incidents", content=b"[" + b"1," * 600_000 + b"1]",
                               headers={**api.as_("manager"), "Content-Type": "application/json"})
    assert response.status_code == 413
    assert "bytes" in response.json()["detail"]


def test_too_many_requests_for_one_token_get_429_with_retry_after(make_api):
    api = make_api(rate_limit_per_s=1, rate_limit_burst=3)
    headers = api.as_("navigator")
    codes = [api.client.get("/v1/incidents", headers=headers).status_code for _ in range(5)]
    assert codes[:3] == [200, 200, 200] and codes[3:] == [429, 429]
    limited = api.client.get("/v1/incidents", headers=headers)
    assert int(limited.headers["Retry-After"]) >= 1
    assert api.client.get("/v1/incidents", headers=api.as_("manager")).status_code == 200


def test_a_navigator_cannot_hold_more_than_the_cap_of_open_referrals(make_api):
    api = make_api(max_open_holds_per_navigator=2)
    for i in range(2):
        api.record(REFERRAL_STATE, f"r{i}", Referral(
            id=f"r{i}", status="held", household_size=1, needs=Needs(), hold_ttl_s=60, requested_by="flood-navigator",
            created_at=NOW, updated_at=NOW, shelter_id="s", hold_expires_at=NOW + timedelta(hours=2)))
    body = {"id": "r-next", "location": {"lat": 44.6, "lon": -79.4}}
    refused = api.client.post("/v1/referrals", json=body, headers=api.as_("navigator", sub="flood-navigator"))
    assert refused.status_code == 429 and "open referrals" in refused.json()["detail"]
    other = api.client.post("/v1/referrals", json=body, headers=api.as_("navigator", sub="other-navigator"))
    assert other.status_code == 202


def test_an_idempotency_key_that_is_not_the_command_id_is_refused(api):
    response = api.client.post("/v1/incidents", json=INCIDENT, headers={**api.as_("manager"), "Idempotency-Key": "other"})
    assert response.status_code == 422 and "Idempotency-Key" in response.json()["detail"]
    same = api.client.post("/v1/incidents", json=INCIDENT, headers={**api.as_("manager"), "Idempotency-Key": "i-1"})
    assert same.status_code == 202


def test_out_of_range_numbers_and_long_strings_are_422(api):
    headers = api.as_("manager")
    assert api.client.post("/v1/incidents", json={**INCIDENT, "title": "x" * 201}, headers=headers).status_code == 422
    assert api.client.get("/v1/incidents?limit=100000", headers=headers).status_code == 422
    assert api.client.get("/v1/shelters?lat=91&lon=0", headers=headers).status_code == 422
    big = {**INCIDENT, "area": {"type": "Polygon", "coordinates": [[[-79 + i * 1e-5, 44.0] for i in range(6000)]]}}
    assert api.client.post("/v1/incidents", json=big, headers=headers).status_code == 422


def test_commands_are_audited_with_actor_role_and_target(api):
    api.client.post("/v1/incidents", json=INCIDENT, headers=api.as_("manager", sub="emo-orillia"))
    assert api.publisher.audits == [("emo-orillia", "DeclareIncident", "incidents/i-1")]
    assert api.publisher.sent[0][2].actor.role == "manager"
    assert api.publisher.sent[0][2].accepted_at == NOW


def test_the_audit_trail_lists_the_newest_window_newest_first_and_filters_by_target(make_api):
    api = make_api(audit_window=100)
    for n in range(150):
        api.record(AUDIT, f"a-{n}", AuditRecord(id=f"a-{n:03d}", at=NOW + timedelta(seconds=n), sub="nav-1",
                                                role="navigator", action="ReadReferral", target=f"referrals/r-{n % 2}"))
    admin = api.as_("admin")

    newest = api.client.get("/v1/audit", params={"limit": 3}, headers=admin).json()
    assert [r["id"] for r in newest] == ["a-149", "a-148", "a-147"]
    about_r0 = api.client.get("/v1/audit", params={"target": "referrals/r-0", "limit": 1000}, headers=admin).json()
    assert [r["id"] for r in about_r0[:2]] == ["a-148", "a-146"]
    assert 50 <= len(about_r0) <= 55 and all(r["target"] == "referrals/r-0" for r in about_r0)


def test_a_422_says_where_and_why_but_never_echoes_what_was_sent(api):
    body = {"id": "r-1", "location": {"lat": 44.6, "lon": -79.4}, "caller_name": "Canary Person"}
    response = api.client.post("/v1/referrals", json=body, headers=api.as_("navigator"))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "caller_name"]
    assert "Canary Person" not in response.text


def test_a_token_refused_is_told_how_long_until_its_bucket_holds_the_next_request():
    limiter = RateLimiter(rate=0.001, burst=2)
    assert [limiter.wait_time("flood-navigator") for _ in range(2)] == [0.0, 0.0]
    assert 990 < limiter.wait_time("flood-navigator") <= 1000  # one request per 1,000 s
    assert limiter.wait_time("other-navigator") == 0.0
