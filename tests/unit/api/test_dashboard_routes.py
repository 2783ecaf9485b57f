"""The dashboard's JSON routes: demo tokens exist only when a demo server switches them on."""
from __future__ import annotations


def test_demo_tokens_are_off_by_default_and_the_dashboard_is_told(api):
    assert api.client.get("/dashboard-config").json() == {"demo_tokens": False}
    assert api.client.get("/v1/demo-tokens").status_code == 404


def test_a_demo_server_hands_out_a_working_token_per_role_never_cached(make_api):
    api = make_api(demo_tokens=True)
    assert api.client.get("/dashboard-config").json() == {"demo_tokens": True}
    response = api.client.get("/v1/demo-tokens")
    assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
    tokens = response.json()["tokens"]
    assert set(tokens) == {"manager", "navigator", "partner", "admin"}
    as_navigator = {"Authorization": f"Bearer {tokens['navigator']}"}
    assert api.client.get("/v1/shelters", headers=as_navigator).status_code == 200
    assert api.client.get("/v1/audit", headers=as_navigator).status_code == 403
