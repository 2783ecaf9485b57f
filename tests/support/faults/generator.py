"""A seeded generator of uniquely identified events, duplicated and interleaved with hostile ones."""
from __future__ import annotations

import json
import random
from dataclasses import dataclass, field

from handlers.incidents import DeclareIncident, UpdateIncident
from handlers.referrals import Candidate, RequestReferral
from handlers.shelters import RegisterShelter

SEVERITIES = ["minor", "moderate", "severe", "extreme"]
LANGUAGES = ["en", "fr", "oj", "cr", "ar", "zh", "pa", "es"]


@dataclass
class Record:
    topic: str
    key: bytes
    value: bytes
    hostile: str | None = None
    """Why this record must be dead-lettered, or None for a valid command."""


@dataclass
class Workload:
    records: list[Record] = field(default_factory=list)
    valid: int = 0
    shelters: int = 0
    capacity: int = 0


def _shelter(rng: random.Random, i: int, capacity: int) -> RegisterShelter:
    return RegisterShelter(
        id=f"shelter-{i:04d}", name=f"Sample: fault shelter {i} v{rng.randrange(10**6)}",
        location={"lat": rng.uniform(42.5, 49.0), "lon": rng.uniform(-94.0, -75.0)},
        capacity=capacity, occupancy=0, accepts_pets=rng.random() < 0.5, families=True,
        languages=sorted(rng.sample(LANGUAGES, rng.randint(1, 3))),
    )


KINDS = ["random bytes", "wrong schema", "bad utf-8", "extreme numbers", "unknown id", "wrong key"]
HUGE_EVERY = 1000
"""One hostile message in this many is a ~1 MiB value: enough to prove the point, not gigabytes."""


def _hostile(rng: random.Random, i: int) -> Record:
    topic = rng.choice(["incidents", "shelters", "referrals"])
    key = f"hostile-{i}".encode()
    kind = "huge" if i % HUGE_EVERY == 0 else rng.choice(KINDS)
    if kind == "random bytes":
        value = rng.randbytes(rng.randint(0, 200))
        if value[:1] in (b"{", b"[", b'"') or value.strip().isdigit():
            value = b"\x00" + value
    elif kind == "wrong schema":
        value = json.dumps({"type": rng.choice(["DeclareIncident", "RegisterShelter", "RequestReferral", "Nonsense"]),
                            "v": 1, "id": f"h{i}", "unexpected": [1, 2, 3]}).encode()
    elif kind == "huge":
        value = json.dumps({"type": "DeclareIncident", "v": 1, "id": f"h{i}", "title": "x" * 1_040_000}).encode()
    elif kind == "bad utf-8":
        value = b'{"type": "RegisterShelter", "v": 1, "id": "\xff\xfe\xfa", "name": "\xc3\x28"}'
    elif kind == "extreme numbers":
        topic = "shelters"
        value = json.dumps({"type": "RegisterShelter", "v": 1, "id": f"hostile-{i}", "name": "Sample: x",
                            "location": {"lat": rng.choice([1e308, -1e308, 91, 181]), "lon": 0},
                            "capacity": rng.choice([-1, 2**70, 10**9])}).encode()
    elif kind == "unknown id":
        topic = rng.choice(["incidents", "referrals"])
        if topic == "incidents":
            value = json.dumps({"type": "CloseIncident", "v": 1, "id": f"hostile-{i}"}).encode()
        else:
            value = json.dumps({"type": "ConfirmReferral", "v": 1, "id": f"hostile-{i}"}).encode()
    else:
        topic = "incidents"
        value = DeclareIncident(id=f"someone-else-{i}", kind="flood", title="Misrouted", severity="minor",
                                area={"center": {"lat": 44.0, "lon": -79.0}, "radius_km": 3}).model_dump_json().encode()
    return Record(topic, key, value, hostile=kind)


def generate(seed: int, valid: int = 20_000, hostile: int = 10_000, shelters: int = 150, capacity: int = 4) -> Workload:
    """`valid` unique commands (each delivered one to three times) and `hostile` bad messages, interleaved.

    Shelters keep capacity and occupancy fixed, so any snapshot above capacity is an overbooking.
    """
    rng = random.Random(seed)
    commands: list[Record] = []
    for i in range(shelters):
        commands.append(Record("shelters", f"shelter-{i:04d}".encode(), _shelter(rng, i, capacity).model_dump_json().encode()))
    incidents = 40
    for i in range(incidents):
        declare = DeclareIncident(id=f"incident-{i:03d}", kind="ice_storm", title=f"Storm {i}", severity="moderate",
                                  area={"center": {"lat": rng.uniform(43, 47), "lon": rng.uniform(-82, -76)}, "radius_km": 10})
        commands.append(Record("incidents", declare.id.encode(), declare.model_dump_json().encode()))
    serial = 0
    while len(commands) < valid:
        serial += 1
        roll = rng.random()
        if roll < 0.25:
            i = rng.randrange(shelters)
            commands.append(Record("shelters", f"shelter-{i:04d}".encode(), _shelter(rng, i, capacity).model_dump_json().encode()))
        elif roll < 0.40:
            i = rng.randrange(incidents)
            update = UpdateIncident(id=f"incident-{i:03d}", update_id=f"u-{serial}", title=f"Storm {i} update {serial}",
                                    severity=rng.choice(SEVERITIES))
            commands.append(Record("incidents", update.id.encode(), update.model_dump_json().encode()))
        else:
            picks = rng.sample(range(shelters), 3)
            referral = RequestReferral(
                id=f"referral-{serial}", household_size=rng.randint(1, 2), hold_ttl_s=86_400,
                candidates=[Candidate(shelter_id=f"shelter-{p:04d}", name="x", distance_km=float(n)) for n, p in enumerate(picks)],
            )
            commands.append(Record("referrals", referral.id.encode(), referral.model_dump_json().encode()))
    # Shelters and incidents exist before anything refers to them; the rest interleaves.
    head, tail = commands[: shelters + incidents], commands[shelters + incidents:]
    delivered = list(head)
    for command in tail:
        delivered += [command] * rng.choice([1, 1, 2, 3])
    for i in range(hostile):
        delivered.insert(rng.randrange(len(head), len(delivered) + 1), _hostile(rng, i))
    return Workload(delivered, valid=len(commands), shelters=shelters, capacity=capacity)
