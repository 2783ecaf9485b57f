"""Resource requests against the real broker with two workers: no partner ever over-committed,
every unit accounted for, under 200 managers asking at once."""
from __future__ import annotations

import asyncio
import random
import uuid

import httpx
import pytest
from aiokafka.partitioner import DefaultPartitioner

from bus import topics
from handlers.partners import Partner
from tests.support.kafka import latest, read_all
from tests.support.poll import until

WORKERS = 2
ORILLIA_ARENA = {"lat": 44.5953, "lon": -79.4417}
STORM = {"id": "ice-storm-orillia", "kind": "ice_storm", "title": "Ice storm — Orillia", "severity": "severe",
         "area": {"center": {"lat": 44.6082, "lon": -79.4197}, "radius_km": 25}}
# Partners around Orillia, nearest first, with few cots between them.
DEPOTS = {"depot-orillia": (44.61, -79.42, 20), "depot-coldwater": (44.71, -79.64, 14), "depot-barrie": (44.39, -79.69, 10),
          "depot-gravenhurst": (44.92, -79.37, 8), "depot-lindsay": (44.36, -78.74, 5)}
PRIORITIES = ["urgent", "high", "normal", "low"]


def depot(name: str, lat: float, lon: float, cots: int) -> dict:
    return {"name": f"Sample: {name}", "sample": True, "capabilities": ["shelter", "generators"],
            "base": {"lat": lat, "lon": lon, "place": "Simcoe County, ON"}, "inventory": {"cots": cots, "generators": 50}}


def request_body(request_id: str, quantity: int, resource_type: str = "cots", priority: str = "normal") -> dict:
    return {"id": request_id, "incident_id": STORM["id"], "resource_type": resource_type, "quantity": quantity,
            "location": ORILLIA_ARENA, "needed_by": "2025-03-30T18:00:00-04:00", "priority": priority}


def partition_of(key: str, partitions: int) -> int:
    return DefaultPartitioner()(key.encode(), list(range(partitions)), list(range(partitions)))


async def raise_all(base: str, token: str, bodies: list[dict]) -> dict[str, int]:
    """POST every request at once, as 200 managers would."""
    limits = httpx.Limits(max_connections=len(bodies))
    async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60, limits=limits) as client:
        responses = await asyncio.gather(*(client.post("/v1/resource-requests", json=b) for b in bodies))
    for response in responses:
        assert response.status_code in (201, 202), response.text
    return {b["id"]: r.status_code for b, r in zip(bodies, responses, strict=True)}


async def post_all(base: str, token: str, paths: list[str]) -> None:
    async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60) as client:
        responses = await asyncio.gather(*(client.post(p) for p in paths))
    for response in responses:
        assert response.status_code in (200, 202), response.text


def never_over_committed(env: dict) -> dict[str, Partner]:
    """Every partner snapshot ever written kept committed within inventory (this test never cuts it)."""
    for key, value, _, offset in read_all(env, "partner-state"):
        if value is None:
            continue
        partner = Partner.model_validate_json(value)
        for resource_type, committed in partner.committed.items():
            assert committed <= partner.inventory.get(resource_type, 0), (key, offset, partner.committed, partner.inventory)
    return latest(env, "partner-state", Partner)


RUSH = [f"rush-{i}" for i in range(200)]


def settled(client: httpx.Client, ids: list[str]) -> tuple[dict[str, dict], dict[str, dict]] | None:
    """Requests and partners once every request is in the view, no claim is in flight and both sides
    agree on every commitment: a request still on its way counts on neither side, so agreement alone
    could settle without it."""
    wanted = set(ids)
    requests = {r["id"]: r for r in client.get("/v1/resource-requests", params={"limit": 1000}).json()
                if r["id"] in wanted}
    partners = {p["id"]: p for p in client.get("/v1/partners").json() if p["id"] in DEPOTS}
    if len(requests) < len(wanted) or any(r["asking"] for r in requests.values()):
        return None
    live = [r for r in requests.values() if r["status"] in ("open", "committed")]
    for partner_id, partner in partners.items():
        promised = sum(r["commitments"].get(partner_id, 0) for r in live)
        if promised != partner["committed"].get("cots", 0):
            return None
        if sum(r["waiting"] for r in live if r.get("waiting_at") == partner_id) != partner["waiting"].get("cots", 0):
            return None
    return requests, partners


def accounted(requests: dict[str, dict], partners: dict[str, Partner], inventory: dict[str, int]) -> None:
    """Every unit is somewhere: committed to exactly the requests that count it, never beyond inventory."""
    for partner_id, partner in partners.items():
        granted = sum(c.granted for c in partner.claims.values() if c.status == "open" and c.resource_type == "cots")
        assert granted == partner.committed.get("cots", 0) <= partner.inventory["cots"] == inventory[partner_id]
        by_request: dict[str, int] = {}
        for c in partner.claims.values():
            if c.status == "open" and c.granted:
                by_request[c.request_id] = by_request.get(c.request_id, 0) + c.granted
        for request_id, units in by_request.items():
            assert requests[request_id]["commitments"].get(partner_id) == units, (request_id, partner_id)
    for request in requests.values():
        if request["status"] in ("open", "committed"):
            assert request["remaining"] == request["quantity"] - sum(request["commitments"].values())
            assert request["status"] == ("committed" if request["remaining"] == 0 else "open")


@pytest.fixture(scope="module")
def ready(stack, tokens, settings_for):
    """The partners registered and the storm declared, and both workers' directories showing the partners."""
    with stack.client(tokens["admin"]) as admin, stack.client(tokens["manager"]) as manager:
        for name, (lat, lon, cots) in DEPOTS.items():
            response = admin.put(f"/v1/partners/{name}", json=depot(name, lat, lon, cots))
            assert response.status_code == 201, response.text
        assert manager.post("/v1/incidents", json=STORM).status_code == 201
        partitions = topics.REQUESTS.partitions(settings_for())
        probes, n = {}, 0
        while len(probes) < partitions:
            n += 1
            probes.setdefault(partition_of(f"probe-{n}", partitions), f"probe-{n}")

        def known(probe_id: str) -> bool:
            """A probe for one generator names, in its claim and candidates, every partner its worker knows."""
            request_id = f"{probe_id}-{uuid.uuid4().hex[:6]}"
            response = manager.post("/v1/resource-requests", json=request_body(request_id, 1, "generators"))
            assert response.status_code in (201, 202), response.text
            try:  # a worker whose directory lags the storm dead-letters the probe: ask again
                request = until(lambda: (r := manager.get(f"/v1/resource-requests/{request_id}")).status_code == 200
                                and r.json()["asking"] is None and r.json(), deadline_s=15, what=f"probe {request_id}")
            except AssertionError:
                return False
            assert manager.post(f"/v1/resource-requests/{request_id}/cancel").status_code in (200, 202)
            seen = {c["partner_id"] for c in request["claims"].values()} | {c["partner_id"] for c in request["candidates"]}
            return seen == set(DEPOTS)

        for partition, probe_id in probes.items():
            until(lambda probe_id=probe_id: known(probe_id), deadline_s=90, every_s=0.2, what=f"partition {partition}'s worker to know every depot")
    return True


def test_200_managers_at_once_never_over_commit_a_partner(stack, tokens, ready):
    rng = random.Random(7)
    bodies = [request_body(request_id, rng.randint(1, 4), priority=rng.choice(PRIORITIES)) for request_id in RUSH]
    asyncio.run(raise_all(stack.api.base, tokens["manager"], bodies))
    with stack.client(tokens["manager"]) as manager:
        requests, _ = until(lambda: settled(manager, RUSH), deadline_s=90, every_s=0.5, what="every request settled")
    partners = never_over_committed(stack.env)
    inventory = {name: cots for name, (_, _, cots) in DEPOTS.items()}
    accounted(requests, {p: partners[p] for p in DEPOTS}, inventory)
    # Far more was asked than held, and stale directories cost only refusals: every cot is committed.
    assert sum(partners[p].committed["cots"] for p in DEPOTS) == sum(inventory.values())
    assert sum(r["quantity"] - r["remaining"] for r in requests.values()) == sum(inventory.values())
    waiting = [r for r in requests.values() if r["waiting"]]
    assert waiting and all(r["waiting_at"] == "depot-orillia" for r in waiting)


def test_cancelled_units_go_back_and_fulfilled_units_leave(stack, tokens, ready):
    with stack.client(tokens["manager"]) as manager:
        requests, _ = until(lambda: settled(manager, RUSH), deadline_s=30, what="the rush settled")
        committed = sorted((r for r in requests.values() if r["status"] == "committed"), key=lambda r: r["id"])
        waiting = sorted((r for r in requests.values() if r["waiting"]), key=lambda r: r["id"])
        assert len(committed) >= 14 and len(waiting) >= 5
        cancel, fulfil = committed[:8] + waiting[:5], committed[8:14]
        paths = [f"/v1/resource-requests/{r['id']}/cancel" for r in cancel]
        paths += [f"/v1/resource-requests/{r['id']}/fulfil" for r in fulfil]
        asyncio.run(post_all(stack.api.base, tokens["manager"], paths))
        requests, _ = until(lambda: (s := settled(manager, RUSH)) and all(
            s[0][r["id"]]["status"] in ("cancelled", "fulfilled") for r in cancel + fulfil) and s,
            deadline_s=60, every_s=0.5, what="cancels and fulfils settled")
    delivered = dict.fromkeys(DEPOTS, 0)
    for r in fulfil:
        assert requests[r["id"]]["status"] == "fulfilled"
        for partner_id, units in requests[r["id"]]["commitments"].items():
            delivered[partner_id] += units
    for r in cancel:
        assert requests[r["id"]]["status"] == "cancelled" and requests[r["id"]]["commitments"] == {}
    partners = never_over_committed(stack.env)
    inventory = {name: cots - delivered[name] for name, (_, _, cots) in DEPOTS.items()}
    accounted(requests, {p: partners[p] for p in DEPOTS}, inventory)
    # Units cancelled at the nearest depot went to the requests waiting there.
    near = partners["depot-orillia"]
    assert near.committed["cots"] == near.inventory["cots"]
    with stack.client(tokens["manager"]) as manager:
        assert manager.post(f"/v1/resource-requests/{fulfil[0]['id']}/cancel").status_code == 409
        assert manager.post(f"/v1/resource-requests/{cancel[0]['id']}/cancel").status_code == 200


def test_requests_need_a_known_incident_and_answer_repeats_idempotently(stack, tokens, ready):
    with stack.client(tokens["manager"]) as manager, stack.client(tokens["navigator"]) as navigator:
        assert manager.post("/v1/resource-requests", json={**request_body("ghost", 1), "incident_id": "nowhere"}).status_code == 422
        first = manager.post("/v1/resource-requests", json=request_body("repeat-1", 1, "generators"))
        assert first.status_code == 201, first.text
        again = manager.post("/v1/resource-requests", json=request_body("repeat-1", 1, "generators"))
        assert again.status_code == 200 and again.json()["raised_at"] == first.json()["raised_at"]
        assert manager.post("/v1/resource-requests", json=request_body("repeat-1", 2, "generators")).status_code == 409
        assert navigator.post("/v1/resource-requests", json=request_body("by-navigator", 1)).status_code == 403
        seen = manager.get("/v1/resource-requests/repeat-1").json()
        assert seen["status"] == "committed" and seen["commitments"] == {"depot-orillia": 1}
        told = navigator.get("/v1/resource-requests/repeat-1").json()  # a navigator's work needs no partner's
        assert told["status"] == "committed" and told["commitments"] == {} and told["claims"] == {}


def test_the_ontario_sample_data_loads_through_the_api(stack, tokens, settings_for):
    from rich.console import Console

    from muster.seed import load_sample, sample

    counts = load_sample(stack.api.base, settings_for(), Console(quiet=True))
    scenario = sample("scenario_ice_storm.json")
    assert counts["partners"] == 14
    assert counts["volunteer hours"] == len(scenario["volunteer_hours"])
    assert counts["resource requests"] == len(scenario["resource_requests"])
    with stack.client(tokens["manager"]) as manager:
        totals = manager.get("/v1/incidents/ice-storm-2025-orillia/volunteer-hours").json()
        expected = sum(h["hours"] for h in scenario["volunteer_hours"] if h["incident_id"] == "ice-storm-2025-orillia")
        assert totals["hours"] == pytest.approx(expected)
        cots = until(lambda: (r := manager.get("/v1/resource-requests/rr-001").json())["asking"] is None and r,
                     what="rr-001 settled")
        assert cots["status"] == "committed" and sum(cots["commitments"].values()) == 40
