"""The dashboard's JSON routes: demo tokens exist only on a development machine, for its own browser."""
from __future__ import annotations

import pytest

LOOPBACK = ("127.0.0.1", 50000)


def test_demo_tokens_are_off_by_default_and_the_dashboard_is_told(make_api):
    api = make_api(client=LOOPBACK, dev_mode=True)
    assert api.client.get("/dashboard-config").json() == {"demo_tokens": False}
    assert api.client.get("/v1/demo-tokens").status_code == 404


@pytest.mark.parametrize("client", [LOOPBACK, ("::1", 50000)])
def test_a_demo_server_hands_its_own_browser_a_working_token_per_role_never_cached(make_api, client):
    api = make_api(client=client, demo_tokens=True, dev_mode=True)
    assert api.client.get("/dashboard-config").json() == {"demo_tokens": True}
    response = api.client.get("/v1/demo-tokens")
    assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
    tokens = response.json()["tokens"]
    assert set(tokens) == {"manager", "navigator", "partner", "admin"}
    as_navigator = {"Authorization": f"Bearer {tokens['navigator']}"}
    assert api.client.get("/v1/shelters", headers=as_navigator).status_code == 200
    assert api.client.get("/v1/audit", headers=as_navigator).status_code == 403
