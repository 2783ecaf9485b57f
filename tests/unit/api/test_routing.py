"""Routing as the schema says it: a 405 names every method a path takes, and no route takes
another's requests."""
from __future__ import annotations

import re

import pytest

UNDOCUMENTED = ("DELETE", "PUT", "PATCH", "POST", "GET", "TRACE")


def _paths(make_api) -> dict[str, dict]:
    return make_api().client.get("/openapi.json").json()["paths"]


def _sample(template: str) -> str:
    return re.sub(r"\{[^/{}]+\}", "sample-1", template)


def _allowed(header: str) -> set[str]:
    return {method.strip() for method in header.split(",")}


def test_get_on_the_cap_route_is_not_read_as_an_incident_named_cap(api):
    answer = api.client.get("/v1/incidents/cap", headers=api.as_("manager"))

    assert answer.status_code == 405
    assert _allowed(answer.headers["allow"]) == {"POST"}


def test_a_405_names_every_method_of_the_path_not_only_the_first_routes(api):
    answer = api.client.delete("/v1/incidents/flood-bracebridge", headers=api.as_("manager"))

    assert answer.status_code == 405
    assert _allowed(answer.headers["allow"]) == {"GET", "PATCH"}


def test_every_path_answers_an_undocumented_method_with_405_and_its_documented_methods(make_api):
    api = make_api()
    headers = api.as_("admin")
    for template, operations in _paths(make_api).items():
        documented = {method.upper() for method in operations}
        method = next(m for m in UNDOCUMENTED if m not in documented)

        answer = api.client.request(method, _sample(template), headers=headers)

        assert (template, answer.status_code) == (template, 405)
        assert (template, _allowed(answer.headers["allow"])) == (template, documented)


class RouteSeen:
    """ASGI wrapper: remembers the route the router picked for the last request."""

    def __init__(self, app) -> None:
        self.app = app
        self.route = None

    async def __call__(self, scope, receive, send):
        await self.app(scope, receive, send)
        if scope["type"] == "http":
            self.route = scope.get("route")


@pytest.fixture
def routed(make_api):
    from fastapi.testclient import TestClient

    seen = RouteSeen(make_api().client.app)
    return TestClient(seen), seen


def test_every_operation_is_served_by_its_own_route(routed, make_api):
    """A route with a parameter declared before a literal one of the same shape would take its
    requests (as /v1/incidents/{incident_id} took GET /v1/incidents/cap)."""
    client, seen = routed
    for template, operations in _paths(make_api).items():
        if template == "/v1/events":
            continue  # a stream: the router's pick is the same as for any GET, but the answer never ends
        for method in operations:
            client.request(method.upper(), _sample(template))

            route = seen.route
            assert (method, template, getattr(route, "path", None)) == (method, template, template)
            assert method.upper() in route.methods
