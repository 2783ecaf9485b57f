"""Tokens: only a secret of the deployment's own signs them; each names a valid subject (and a
partner its partner), this API as issuer and audience, a bounded lifetime; a subject's tokens can
be revoked on every replica; refused tokens are limited per address."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime

import jwt
import pytest

from api.auth import ALGORITHM, mint
from bus.topics import REVOCATIONS
from core.settings import DEV_TOKEN_SECRET, ROOT, Settings
from handlers.common import Actor
from handlers.revocations import SubjectRevoked


def signed(settings: Settings, **claims) -> str:
    """A token signed with the API's own secret, with these claims over a valid navigator's."""
    now = int(time.time())
    base = {"sub": "nav-1", "role": "navigator", "iss": settings.token_issuer, "aud": settings.token_audience,
            "iat": now, "exp": now + 3600}
    return jwt.encode({k: v for k, v in {**base, **claims}.items() if v is not None}, settings.token_secret,
                      algorithm=ALGORITHM)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class TestTheSecret:
    @pytest.mark.parametrize("command", ["api", "worker"])
    @pytest.mark.parametrize("secret, says", [(None, "public development default"),
                                              ("short-secret", "shorter than 32 bytes")])
    def test_the_api_and_workers_refuse_to_start_on_a_secret_anyone_could_know(self, command, secret, says):
        env = {k: v for k, v in os.environ.items() if not k.startswith("MUSTER_")}
        env.update({"MUSTER_KAFKA_BOOTSTRAP": "127.0.0.1:9", "MUSTER_KAFKA_WAIT_S": "1"})
        if secret is not None:
            env["MUSTER_TOKEN_SECRET"] = secret
        done = subprocess.run([sys.executable, "-m", "muster.cli", command], env=env, cwd=ROOT,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 2, done.stdout + done.stderr
        assert says in " ".join(done.stdout.split())

    def test_development_mode_accepts_the_default_secret_and_says_so(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("MUSTER_")}
        env.update({"MUSTER_KAFKA_BOOTSTRAP": "127.0.0.1:9", "MUSTER_KAFKA_WAIT_S": "1", "MUSTER_DEV_MODE": "1"})
        done = subprocess.run([sys.executable, "-m", "muster.cli", "api"], env=env, cwd=ROOT,
                              capture_output=True, text=True, timeout=120)
        out = " ".join(done.stdout.split())
        assert "Development mode" in out and "did not answer" in out  # past the secret, stopped by Kafka
        assert done.returncode == 1

    def test_a_secret_of_the_deployments_own_is_safe_and_the_default_only_in_development_mode(self):
        assert Settings(token_secret="x" * 32).unsafe_secret() is None
        assert Settings().unsafe_secret() is not None
        assert Settings(token_secret="é" * 16).unsafe_secret() is None  # 32 bytes
        assert Settings(dev_mode=True, token_secret=DEV_TOKEN_SECRET).unsafe_secret() is None
        assert Settings(dev_mode=True, token_secret="short").unsafe_secret() is None

    def test_scripts_run_turns_development_mode_on_and_says_so(self):
        script = (ROOT / "scripts" / "run").read_text()
        assert "export MUSTER_DEV_MODE=1" in script and "development mode" in script


class TestClaims:
    @pytest.mark.parametrize("claims", [
        {"sub": ""}, {"sub": "n" * 500}, {"role": "partner"}, {"role": "partner", "partner_id": ""},
        {"role": "partner", "partner_id": "no spaces allowed"}, {"role": "ruler"},
    ], ids=["empty sub", "500-character sub", "partner without partner id", "empty partner id",
            "invalid partner id", "unknown role"])
    def test_a_token_with_claims_no_caller_can_have_is_401_never_500(self, api, claims):
        token = signed(api.container.settings, **claims)
        response = api.client.get("/v1/partners", headers=bearer(token))
        assert response.status_code == 401, response.text

    @pytest.mark.parametrize("claims", [
        {"exp": int(datetime(2100, 1, 1, tzinfo=UTC).timestamp())},
        {"iat": int(time.time()) + 3600, "exp": int(time.time()) + 7200},
        {"iss": "someone-else"}, {"iss": None}, {"aud": "another-api"}, {"aud": None},
    ], ids=["expires in 2100", "issued in an hour", "another issuer", "no issuer", "another audience", "no audience"])
    def test_a_token_for_another_api_from_the_future_or_living_too_long_is_refused(self, api, claims):
        token = signed(api.container.settings, **claims)
        assert api.client.get("/v1/shelters", headers=bearer(token)).status_code == 401

    def test_a_token_living_exactly_the_longest_allowed_is_accepted(self, make_api):
        api = make_api(token_max_ttl_s=3600, token_ttl_s=600)
        token = signed(api.container.settings, exp=int(time.time()) + 3600)
        assert api.client.get("/v1/shelters", headers=bearer(token)).status_code == 200
        too_long = signed(api.container.settings, exp=int(time.time()) + 3601)
        assert api.client.get("/v1/shelters", headers=bearer(too_long)).status_code == 401


class TestRevocation:
    def test_a_manager_revokes_a_subject_and_its_older_tokens_stop_working_but_newer_ones_work(self, api):
        settings = api.container.settings
        old = mint(settings, "navigator", sub="nav-lost-laptop", now=time.time() - 60)
        assert api.client.get("/v1/shelters", headers=bearer(old)).status_code == 200
        answer = api.client.post("/v1/revocations", json={"sub": "nav-lost-laptop", "reason": "laptop stolen"},
                                 headers=api.as_("manager", sub="emo-orillia"))
        assert answer.status_code == 202  # no worker here: the view has not read it back
        ((topic, key, revocation),) = [sent for sent in api.publisher.sent if sent[0] == REVOCATIONS.name]
        assert (topic, key, revocation.sub, revocation.actor.sub) == ("revocations", "nav-lost-laptop",
                                                                       "nav-lost-laptop", "emo-orillia")
        assert ("emo-orillia", "SubjectRevoked", "revocations/nav-lost-laptop") in api.publisher.audits

        api.record(REVOCATIONS, "nav-lost-laptop", revocation)  # as every replica reads it
        refused = api.client.get("/v1/shelters", headers=bearer(old))
        assert refused.status_code == 401 and refused.json()["detail"] == "token revoked"
        assert api.client.get("/v1/events", headers=bearer(old)).status_code == 401
        newer = mint(settings, "navigator", sub="nav-lost-laptop", now=time.time() + 1)
        assert api.client.get("/v1/shelters", headers=bearer(newer)).status_code == 200
        assert api.client.get("/v1/shelters", headers=api.as_("navigator", sub="nav-2")).status_code == 200

    def test_a_navigator_or_partner_cannot_revoke_anyone(self, api):
        for headers in (api.as_("navigator"), api.as_("partner", partner_id="salvation-army-on")):
            assert api.client.post("/v1/revocations", json={"sub": "admin"}, headers=headers).status_code == 403
        assert not api.publisher.sent

    def test_a_revocation_record_is_versioned_and_keeps_who_revoked(self):
        record = SubjectRevoked(sub="nav-1", revoked_at=datetime.now(UTC),
                                actor=Actor(sub="emo", role="manager"))
        assert SubjectRevoked.model_validate_json(record.model_dump_json()) == record and record.v == 1


class TestLimitsBeforeAuthentication:
    def test_refused_tokens_from_one_address_run_out_and_then_even_good_ones_wait(self, make_api):
        api = make_api(auth_failure_burst=3, auth_failures_per_s=0.01)
        good = api.as_("navigator")
        codes = [api.client.get(path, headers=bearer("not-a-token")).status_code
                 for path in ("/v1/shelters", "/v1/events", "/v1/incidents", "/v1/shelters")]
        assert codes == [401, 401, 401, 429]
        waiting = api.client.get("/v1/shelters", headers=good)
        assert waiting.status_code == 429 and int(waiting.headers["Retry-After"]) >= 1

    def test_another_address_is_not_held_up_by_one_guessing_tokens(self, make_api):
        guesser = make_api(auth_failure_burst=2, auth_failures_per_s=0.01, client=("203.0.113.7", 4000))
        for _ in range(3):
            guesser.client.get("/v1/shelters", headers=bearer("guess"))
        assert guesser.client.get("/v1/shelters", headers=guesser.as_("navigator")).status_code == 429
        from fastapi.testclient import TestClient

        other = TestClient(guesser.client.app, client=("198.51.100.9", 4000))
        assert other.get("/v1/shelters", headers=guesser.as_("navigator")).status_code == 200

    def test_one_address_over_its_rate_gets_429_signed_in_or_not(self, make_api):
        api = make_api(ip_rate_limit_burst=4, ip_rate_limit_per_s=0.01)
        codes = [api.client.get("/v1/shelters", headers=api.as_("navigator", sub=f"nav-{n}")).status_code
                 for n in range(4)]
        assert codes == [200] * 4
        for path, headers in (("/healthz", {}), ("/v1/events", {}), ("/v1/shelters", api.as_("navigator"))):
            limited = api.client.get(path, headers=headers)
            assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1, path
