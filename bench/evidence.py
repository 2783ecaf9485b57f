"""Evidence for the findings: what one event costs the shelter agent as a shelter's holds grow.

Reproduces the agent's per-event work without Kafka (streams/shelters.py `handle`: decode the
command, read the snapshot, decide, write the snapshot) on a shelter that already has h holds.
"""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

from handlers import shelters
from handlers.shelters import HoldBed, RegisterShelter, Shelter

NOW = datetime(2025, 3, 30, 12, 0, tzinfo=timezone.utc)


def _shelter_with_holds(h: int) -> bytes:
    cmd = RegisterShelter(id="evidence-shelter", name="Sample evidence shelter", location={"lat": 44.6, "lon": -79.4},
                          capacity=100_000, occupancy=0)
    state, _ = shelters.decide(None, cmd, NOW)
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
        new.model_dump_json(exclude_none=True).encode()  # Snapshots.put
    per_event_ms = (time.perf_counter() - started) / repeat * 1000.0
    return {"holds": h, "snapshot_bytes": len(snapshot), "ms_per_hold_event": round(per_event_ms, 3)}


def run(quick: bool) -> dict:
    sizes = [(0, 200), (100, 100), (1000, 20)] if quick else [(0, 500), (100, 200), (1000, 50), (5000, 10)]
    return {"shelter_hold_cost": [hold_cost(h, n) for h, n in sizes]}
