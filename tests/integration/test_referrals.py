"""Referrals against the real broker with two workers: nobody overbooked, nobody sent into danger."""
from __future__ import annotations

import asyncio
import time
import uuid

import httpx
import pytest

from handlers.shelters import Shelter
from tests.support.kafka import latest, read_all
from tests.support.poll import until
from tests.support.processes import Worker

WORKERS = 2
ORILLIA = {"lat": 44.6082, "lon": -79.4197}
FINAL = {"held", "confirmed", "released", "expired", "no_capacity"}


def put_shelters(client: httpx.Client, shelters: dict[str, tuple[float, float]], capacity: int) -> None:
    for shelter_id, (lat, lon) in shelters.items():
        response = client.put(f"/v1/shelters/{shelter_id}", json={
            "name": f"Sample: {shelter_id}", "location": {"lat": lat, "lon": lon}, "capacity": capacity,
            "occupancy": 0, "open": True, "families": True, "languages": ["en", "fr"],
        })
        assert response.status_code in (200, 201), response.text


async def refer_all(base: str, token: str, bodies: list[dict]) -> dict[str, dict]:
    """POST every referral at once; poll the ones still pending after the reply deadline."""
    limits = httpx.Limits(max_connections=len(bodies))
    async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60, limits=limits) as client:
        responses = await asyncio.gather(*(client.post("/v1/referrals", json=b) for b in bodies))
        answers = {}
        for body, response in zip(bodies, responses, strict=True):
            assert response.status_code in (200, 201, 202), response.text
            answers[body["id"]] = response.json()
        deadline = time.monotonic() + 120
        while any(a["status"] not in FINAL for a in answers.values()):
            assert time.monotonic() < deadline, "referrals still pending after 120 s"
            await asyncio.sleep(0.2)
            for referral_id in [k for k, a in answers.items() if a["status"] not in FINAL]:
                response = await client.get(f"/v1/referrals/{referral_id}")
                if response.status_code == 200:
                    answers[referral_id] = response.json()
        return answers


def referral(prefix: str, i: int, location=ORILLIA, **changes) -> dict:
    return {"id": f"{prefix}-{i}", "location": location, "household_size": 1, "radius_km": 150, **changes}


def never_overbooked(env: dict) -> dict[str, Shelter]:
    """Every snapshot ever written kept occupancy + held + confirmed within capacity (absent capacity cuts)."""
    for key, value, _, offset in read_all(env, "shelter-state"):
        shelter = Shelter.model_validate_json(value)
        assert shelter.occupancy + shelter.held + shelter.confirmed <= shelter.capacity, (key, offset, shelter)
    return latest(env, "shelter-state", Shelter)


def wait_for_directory(navigator: httpx.Client, location: dict, expected_hazards: set[str]) -> None:
    """Probe with needs no shelter meets until the workers' directories show every danger zone."""

    def seen():
        found = set()
        for _ in range(4):
            answer = navigator.post("/v1/referrals", json=referral(f"probe-{uuid.uuid4().hex[:8]}", 0, location,
                                                                   needs={"language": "zz"})).json()
            found |= {a["shelter_id"] for a in answer.get("alternatives", [])
                      if any(r["code"] == "in_danger_zone" for r in a["reasons"])}
        return found >= expected_hazards

    until(seen, deadline_s=60, what="the workers' directories to know the incident")


@pytest.fixture(scope="module")
def clients(stack, tokens):
    with stack.client(tokens["manager"]) as manager, stack.client(tokens["navigator"]) as navigator:
        yield manager, navigator


def test_a_duplicate_referral_id_holds_one_bed(stack, tokens, clients):
    manager, navigator = clients
    put_shelters(manager, {"thunder-bay-dup": (48.38, -89.25)}, capacity=5)
    body = referral("dup", 1, {"lat": 48.38, "lon": -89.25})
    answers = asyncio.run(refer_all(stack.api.base, tokens["navigator"], [body]))
    again = navigator.post("/v1/referrals", json=body)
    assert answers["dup-1"]["status"] == "held" and again.json()["shelter"]["id"] == "thunder-bay-dup"
    until(lambda: navigator.get("/v1/shelters/thunder-bay-dup").json()["held"] == 1, what="one bed held")


def test_300_callers_for_120_beds_never_overbook_and_avoid_the_danger_zone(stack, tokens, clients):
    manager, navigator = clients
    outside = {f"orillia-{i}": (44.45 + 0.05 * i, -79.70 + 0.04 * i) for i in range(8)}
    inside = {"washago-a": (44.75, -79.33), "washago-b": (44.76, -79.32)}
    put_shelters(manager, {**outside, **inside}, capacity=12)
    flood = {"id": "flood-washago", "kind": "flood", "title": "Green River flooding — Washago", "severity": "severe",
             "area": {"center": {"lat": 44.755, "lon": -79.325}, "radius_km": 3}}
    assert manager.post("/v1/incidents", json=flood).status_code == 201
    wait_for_directory(navigator, {"lat": 44.755, "lon": -79.325}, set(inside))

    answers = asyncio.run(refer_all(stack.api.base, tokens["navigator"], [referral("storm", i) for i in range(300)]))

    statuses = [a["status"] for a in answers.values()]
    assert len(answers) == 300 and set(statuses) <= {"held", "no_capacity"}
    held = [a for a in answers.values() if a["status"] == "held"]
    assert len(held) == 12 * len(outside)
    assert not {a["shelter"]["id"] for a in held} & set(inside)
    # A shelter's snapshot goes out after its reply, on another topic: wait for the last of them.
    shelters = until(lambda: (s := never_overbooked(stack.env)) and all(s[x].held == 12 for x in outside) and s,
                     every_s=0.5, what="every outside bed held in the shelter snapshots")
    for shelter_id in outside:
        assert shelters[shelter_id].free == 0
    for shelter_id in inside:
        assert shelters[shelter_id].held == 0
    refused = [a for a in answers.values() if a["status"] == "no_capacity"]
    assert all(a["alternatives"] for a in refused)


def test_a_worker_killed_mid_run_and_restarted_keeps_every_invariant(stack, tokens, clients):
    manager, navigator = clients
    sudbury = {f"sudbury-{i}": (46.40 + 0.03 * i, -81.10 + 0.03 * i) for i in range(6)}
    put_shelters(manager, sudbury, capacity=10)
    location = {"lat": 46.49, "lon": -80.99}
    bodies = [referral("kill", i, location, radius_km=60) for i in range(150)]

    async def run_with_a_kill():
        task = asyncio.create_task(refer_all(stack.api.base, tokens["navigator"], bodies))
        await asyncio.sleep(0.3)
        stack.workers[0].kill()
        replacement = Worker(stack.workers[0].name + "-restarted", stack.env, "1").start()
        stack.workers[0] = replacement
        return await task

    answers = asyncio.run(run_with_a_kill())
    assert len(answers) == 150
    held = [a for a in answers.values() if a["status"] == "held"]
    assert len(held) == 60

    def settled():
        shelters = never_overbooked(stack.env)
        return shelters if all(shelters[s].held == 10 for s in sudbury) else None

    shelters = until(settled, deadline_s=60, every_s=1, what="every Sudbury bed held exactly once")
    holders = [referral_id for s in sudbury for referral_id in shelters[s].holds]
    assert len(holders) == len(set(holders)) == 60
    assert set(holders) == {a["id"] for a in held}
