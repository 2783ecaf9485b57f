"""Evidence for the findings: what one event costs the shelter agent as a shelter's holds grow,
and what JSON on the hot path costs with pydantic-core against orjson.

Reproduces the agent's per-event work without Kafka (streams/shelters.py `handle`: decode the
command, read the snapshot, decide, write the snapshot) on a shelter that already has h holds.
Snapshots are parsed and written by pydantic-core, which parses and validates in one pass; the
codec table puts orjson (parse, then validate the dict; dump the model's dict) beside it on the
same snapshots, taking turns, so that the choice rests on a measurement.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from handlers import shelters
from handlers.common import Point
from handlers.shelters import HoldBed, RegisterShelter, Shelter

NOW = datetime(2025, 3, 30, 12, 0, tzinfo=UTC)


def _shelter_with_holds(h: int) -> bytes:
    cmd = RegisterShelter(id="evidence-shelter", name="Sample evidence shelter", location=Point(lat=44.6, lon=-79.4),
                          capacity=100_000, occupancy=0)
    state, _ = shelters.decide(None, cmd, NOW)
    assert state is not None
    holds = {f"ref-{i:06d}": shelters.Hold(referral_id=f"ref-{i:06d}", beds=1, status="held", held_at=NOW,
                                           expires_at=NOW + timedelta(hours=2)) for i in range(h)}
    state = shelters._with_holds(state, holds, NOW)
    return state.model_dump_json(exclude_none=True).encode()


def hold_cost(h: int, repeat: int) -> dict:
    snapshot = _shelter_with_holds(h)
    commands = [HoldBed(shelter_id="evidence-shelter", referral_id=f"new-{i}", beds=1, ttl_s=7200)
                .model_dump_json().encode() for i in range(repeat)]
    started = time.perf_counter()
    for raw in commands:
        command = shelters.shelter_commands.validate_json(raw)
        current = Shelter.model_validate_json(snapshot)  # Snapshots.get
        new, _ = shelters.decide(current, command, NOW)
        assert new is not None
        new.model_dump_json(exclude_none=True).encode()  # Snapshots.put
    per_event_ms = (time.perf_counter() - started) / repeat * 1000.0
    return {"holds": h, "snapshot_bytes": len(snapshot), "ms_per_hold_event": round(per_event_ms, 3)}


def _turns(methods: list[Callable[[], object]], repeat: int) -> list[float]:
    """Mean µs of each method, called in turns so that none always meets the others' caches."""
    spent = [0.0] * len(methods)
    for i in range(repeat):
        for j in range(len(methods)):
            m = (i + j) % len(methods)
            t = time.thread_time()
            methods[m]()
            spent[m] += time.thread_time() - t
    return [round(s / repeat * 1e6, 1) for s in spent]


def codec_cost(h: int, repeat: int) -> dict:
    import orjson

    raw = _shelter_with_holds(h)
    shelter = Shelter.model_validate_json(raw)
    if Shelter.model_validate(orjson.loads(raw)) != shelter or Shelter.model_validate_json(
            orjson.dumps(shelter.model_dump(exclude_none=True))) != shelter:
        raise AssertionError("orjson and pydantic-core disagree on the snapshot: nothing to compare")
    parse_pydantic, parse_orjson, dump_pydantic, dump_orjson = _turns([
        lambda: Shelter.model_validate_json(raw),
        lambda: Shelter.model_validate(orjson.loads(raw)),
        lambda: shelter.model_dump_json(exclude_none=True).encode(),
        lambda: orjson.dumps(shelter.model_dump(exclude_none=True)),
    ], repeat)
    return {"holds": h, "snapshot_bytes": len(raw), "parse_us": {"pydantic": parse_pydantic, "orjson": parse_orjson},
            "dump_us": {"pydantic": dump_pydantic, "orjson": dump_orjson}}


def run(quick: bool) -> dict:
    sizes = [(0, 200), (100, 100), (1000, 20)] if quick else [(0, 500), (100, 200), (1000, 50), (5000, 10)]
    codecs = [(0, 2000), (100, 300), (1000, 40)] if quick else [(0, 5000), (100, 1000), (1000, 100)]
    return {"shelter_hold_cost": [hold_cost(h, n) for h, n in sizes],
            "json_codecs": [codec_cost(h, n) for h, n in codecs]}
