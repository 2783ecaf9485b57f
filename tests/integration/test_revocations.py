"""Revoking a subject through Kafka: every API replica refuses its tokens, one started afterwards too."""
from __future__ import annotations

import time

from api.auth import mint
from tests.support.poll import until
from tests.support.processes import Api

WORKERS = 0
"""Revocations need no worker: the API writes them and every replica reads them."""


def _status(base: str, token: str) -> int:
    import httpx

    return httpx.get(f"{base}/v1/shelters", headers={"Authorization": f"Bearer {token}"}, timeout=10).status_code


def test_a_subject_revoked_on_one_replica_is_refused_by_every_replica_and_by_a_new_one(stack, settings_for, tokens):
    settings = settings_for()
    lost = mint(settings, "navigator", sub="nav-lost-laptop", now=time.time() - 5)
    other = Api("test_revocations-api-2", stack.env).start()
    try:
        other.wait_ready()
        assert _status(stack.api.base, lost) == _status(other.base, lost) == 200
        with stack.client(tokens["manager"]) as client:
            answer = client.post("/v1/revocations", json={"sub": "nav-lost-laptop", "reason": "laptop stolen"})
        assert answer.status_code == 201, answer.text
        assert _status(stack.api.base, lost) == 401
        until(lambda: _status(other.base, lost) == 401, deadline_s=30, what="the other replica to refuse the token")
        assert _status(other.base, tokens["navigator"]) == 200
    finally:
        other.stop()
    stack.restart_api()
    assert _status(stack.api.base, lost) == 401
    newer = mint(settings, "navigator", sub="nav-lost-laptop", now=time.time() + 1)
    assert _status(stack.api.base, newer) == 200
