"""Loads the shipped Ontario sample data through the public API, as a client would."""
from __future__ import annotations

import json
import time
from importlib import resources
from typing import Any

import httpx

from api.auth import mint
from muster.settings import Settings


def sample(name: str) -> dict[str, Any]:
    return json.loads(resources.files("muster.data").joinpath(name).read_text("utf-8"))


def wait_ready(base: str, deadline_s: float = 60) -> None:
    deadline = time.monotonic() + deadline_s
    while True:
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{base} not ready after {deadline_s:.0f} s")
        time.sleep(0.5)


def _shelter_body(shelter: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in shelter.items() if k not in ("id", "place")}


def load_sample(base: str, settings: Settings, console) -> dict[str, int]:
    """PUT partners and shelters, declare the scenario's incidents, log hours, raise requests."""
    admin = {"Authorization": f"Bearer {mint(settings, 'admin', sub='sample-loader')}"}
    partners = sample("partners.json")["partners"]
    shelters = sample("shelters.json")["shelters"]
    scenario = sample("scenario_ice_storm.json")
    steps = [
        ("partners", [("PUT", f"/v1/partners/{p['id']}", {k: v for k, v in p.items() if k != "id"}) for p in partners]),
        ("shelters", [("PUT", f"/v1/shelters/{s['id']}", _shelter_body(s)) for s in shelters]),
        ("incidents", [("POST", "/v1/incidents", i) for i in scenario["incidents"]]),
        ("volunteer hours", [("POST", "/v1/volunteer-hours", h) for h in scenario["volunteer_hours"]]),
        ("resource requests", [("POST", "/v1/resource-requests", r) for r in scenario["resource_requests"]]),
    ]
    counts: dict[str, int] = {}
    with httpx.Client(base_url=base, headers=admin, timeout=30) as client:
        for label, calls in steps:
            ok = 0
            for method, path, body in calls:
                response = client.request(method, path, json=body)
                if response.status_code == 404 and response.json().get("detail") == "Not Found":
                    console.print(f"[yellow]skipping {label}: this API has no {path.rsplit('/', 1)[0]}[/yellow]")
                    break
                if response.status_code < 300:
                    ok += 1
                else:
                    console.print(f"[red]{method} {path}: {response.status_code} {response.text[:200]}[/red]")
            counts[label] = ok
            console.print(f"loaded {ok} {label}")
    return counts
