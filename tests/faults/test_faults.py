"""Fault injection against the real broker: kill -9, SIGSTOP, broker restart, duplicates, hostile
input and a full replay; Muster's state must equal an oracle that folds the input log.

Bounded in time, seeded, and it prints its counts.
"""
from __future__ import annotations

import asyncio
import os
import random
import signal
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from bus import topics
from core.settings import Settings
from handlers.common import DeadLetter
from handlers.incidents import Incident
from handlers.referrals import Referral
from handlers.shelters import Shelter
from muster import broker
from tests.support.faults.generator import generate
from tests.support.faults.oracle import fold, incident_summary
from tests.support.kafka import latest, read_all
from tests.support.poll import until
from tests.support.processes import Worker

WORKERS = 2
SEED = int(os.environ.get("MUSTER_FAULT_SEED", "20250330"))
ROOT = Path(__file__).resolve().parents[2]
MUSTER_ENV = {"MUSTER_SESSION_TIMEOUT_S": "6", "MUSTER_REPLY_TIMEOUT_S": "3"}
pytestmark = pytest.mark.timeout(1200)
counts: Counter = Counter()
INPUTS = ("shelters", "incidents", "referrals")
AGREE_DEADLINE_S = 600
"""The backlog is about 100,000 events at some 2 CPU ms each for two workers on two shared cores:
about 190 s alone on the box, twice that beside another busy process. This bounds a stall, not speed."""


async def produce(env: dict, records, pause_every: int = 2000, pause_s: float = 0.2) -> list[tuple]:
    """Put records on their topics in order; returns (record, partition, offset) for each."""
    producer = AIOKafkaProducer(bootstrap_servers=env["MUSTER_KAFKA_BOOTSTRAP"], acks="all", linger_ms=5,
                                max_request_size=1_100_000, enable_idempotence=True)
    await producer.start()
    placed = []
    try:
        for start in range(0, len(records), pause_every):
            batch = records[start:start + pause_every]
            futures = [await producer.send(env["MUSTER_TOPIC_PREFIX"] + r.topic, key=r.key, value=r.value) for r in batch]
            for record, meta in zip(batch, await asyncio.gather(*futures)):
                placed.append((record, meta.partition, meta.offset))
            await asyncio.sleep(pause_s)
    finally:
        await producer.stop()
    return placed


def restart(stack, index: int, how: str) -> None:
    old = stack.workers[index]
    if how == "kill":
        old.kill()
        counts["kill -9"] += 1
    stack.workers[index] = Worker(f"{old.name}-r{counts['restarts']}", stack.env, old.env["MUSTER_WORKER_ID"]).start()
    counts["restarts"] += 1


def pause(stack, index: int, seconds: float) -> None:
    worker = stack.workers[index]
    worker.signal(signal.SIGSTOP)
    time.sleep(seconds)
    worker.signal(signal.SIGCONT)
    counts["SIGSTOP past session timeout"] += 1


def input_log(env: dict) -> dict[str, list[tuple]]:
    return {name: sorted(read_all(env, name), key=lambda r: (r[2], r[3])) for name in INPUTS}


def compare(env: dict, expected) -> list[str]:
    """Differences between Muster's state topics and the oracle; empty when they agree."""
    problems = []
    shelters = latest(env, "shelter-state", Shelter)
    for shelter_id, profile in expected.profiles.items():
        if shelter_id not in shelters or shelters[shelter_id].profile() != profile:
            problems.append(f"shelter {shelter_id} profile differs")
    incidents = latest(env, "incident-state", Incident)
    for incident_id, summary in expected.incidents.items():
        found = incident_summary(incidents[incident_id]) if incident_id in incidents else None
        if found is None:
            problems.append(f"incident {incident_id} is missing")
        elif found != summary:
            missing = [u for u in summary[-1] if u not in found[-1]]
            problems.append(f"incident {incident_id} is {found[:4]}, expected {summary[:4]}, missing updates {missing[:3]}")
    referrals = latest(env, "referral-state", Referral)
    unfinished = [r for r in expected.referrals if r not in referrals or referrals[r].status == "pending"]
    if unfinished:
        problems.append(f"{len(unfinished)} referrals unanswered, e.g. {unfinished[:3]}")
    held = Counter(r.shelter_id for r in referrals.values() if r.status == "held")
    for shelter_id, shelter in shelters.items():
        if shelter_id.startswith("shelter-") and sum(h.beds for h in shelter.holds.values()) != sum(
                referrals[h].household_size for h in shelter.holds if h in referrals and referrals[h].status == "held"
                and referrals[h].shelter_id == shelter_id):
            problems.append(f"shelter {shelter_id} holds differ from its held referrals")
    holders = [h for s in shelters.values() for h in s.holds]
    if len(holders) != len(set(holders)):
        problems.append("a referral holds beds in two shelters")
    counts["beds held"] = sum(held.values())
    return problems


def never_overbooked(env: dict) -> int:
    snapshots = 0
    for key, value, partition, offset in read_all(env, "shelter-state"):
        shelter = Shelter.model_validate_json(value)
        assert shelter.occupancy + shelter.held + shelter.confirmed <= shelter.capacity, (key, offset)
        snapshots += 1
    return snapshots


def dead_letter_sources(env: dict) -> dict[tuple, DeadLetter]:
    letters = {}
    for _, value, _, _ in read_all(env, "dead-letters"):
        letter = DeadLetter.model_validate_json(value)
        letters[(letter.topic.removeprefix(env["MUSTER_TOPIC_PREFIX"]), letter.partition, letter.offset)] = letter
    return letters


def valid_but_dead_lettered(letters: dict[tuple, DeadLetter], expected) -> dict[tuple, DeadLetter]:
    """The dead letters whose source on an input topic the oracle found valid."""
    return {source: letter for source, letter in letters.items() if source[0] in INPUTS and source not in expected.dead}


def test_nothing_lost_nothing_doubled_nobody_overbooked_under_faults(stack, tokens):
    started = time.monotonic()
    workload = generate(SEED)
    rng = random.Random(SEED)
    hostile = sum(1 for r in workload.records if r.hostile)
    counts.update(valid_commands=workload.valid, delivered=len(workload.records), hostile=hostile)
    half = len(workload.records) // 2

    async def first_half():
        task = asyncio.create_task(produce(stack.env, workload.records[:half]))
        await asyncio.sleep(rng.uniform(1, 3))
        restart(stack, 0, "kill")
        await asyncio.sleep(rng.uniform(1, 3))
        await asyncio.to_thread(pause, stack, 1, 9)
        return await task

    asyncio.run(first_half())

    with stack.client(tokens["manager"]) as manager:
        accepted_before = manager.post("/v1/incidents", json=declaration("before-broker-restart"))
        assert accepted_before.status_code in (201, 202)
        home = Path(os.environ.get("MUSTER_BROKER_HOME", ROOT / ".muster" / "test-kafka"))
        port = int(stack.env["MUSTER_KAFKA_BOOTSTRAP"].rsplit(":", 1)[1])
        broker.stop(home)
        counts["broker restarts"] += 1
        try:
            down = manager.post("/v1/incidents", json=declaration("while-broker-down"))
            assert down.status_code == 503 and int(down.headers["Retry-After"]) > 0, down.text
            assert manager.get("/v1/incidents").status_code == 200
        finally:
            broker.start(port, home)
        accepted_after = until(lambda: (r := manager.post("/v1/incidents", json=declaration("after-broker-restart")))
                               .status_code in (201, 202) and r, deadline_s=60, what="the API to accept writes again")
        assert accepted_after

    async def second_half():
        task = asyncio.create_task(produce(stack.env, workload.records[half:]))
        await asyncio.sleep(rng.uniform(0.5, 2))
        restart(stack, 1, "kill")
        return await task

    asyncio.run(second_half())

    log = input_log(stack.env)
    expected = fold(log, datetime.now(timezone.utc))
    problems = ["not compared yet"]

    def agrees() -> bool:
        problems[:] = compare(stack.env, expected)
        return not problems

    settling = time.monotonic()
    try:
        until(agrees, deadline_s=AGREE_DEADLINE_S, every_s=5, what="Muster's state to equal the oracle")
        counts["seconds to agree"] = round(time.monotonic() - settling)
    except AssertionError:
        wrongly_dead = valid_but_dead_lettered(dead_letter_sources(stack.env), expected)
        raise AssertionError(f"Muster's state differs from the oracle: {problems[:10]}; valid messages dead-lettered: "
                             f"{[f'{source}: {letter.reason}' for source, letter in wrongly_dead.items()][:5]}") from None
    with stack.client(tokens["navigator"]) as navigator:
        listed = {i["id"] for i in navigator.get("/v1/incidents?limit=1000").json()}
    assert {"before-broker-restart", "after-broker-restart"} <= listed, "an accepted write was lost"
    counts["snapshots checked"] = never_overbooked(stack.env)

    letters = dead_letter_sources(stack.env)
    missing = expected.dead - set(letters)
    assert not missing, f"{len(missing)} bad messages not dead-lettered, e.g. {sorted(missing)[:3]}"
    unexpected = valid_but_dead_lettered(letters, expected)
    assert not unexpected, f"valid messages dead-lettered: {sorted(unexpected)[:3]}"
    assert all(letter.reason and letter.offset >= 0 for letter in letters.values())
    counts["dead-lettered"] = len(expected.dead)

    # A full replay from offset zero by a fresh consumer group must change nothing.
    for worker in stack.workers:
        assert worker.running, f"{worker.name} crashed:\n{worker.log_tail()}"
        worker.stop()
    replay_env = {**stack.env, "MUSTER_APP_ID": stack.env["MUSTER_APP_ID"] + "-replay"}
    stack.workers = [Worker(f"faults-replay-{i}", replay_env, str(i)).start() for i in (1, 2)]
    counts["full replays"] += 1
    until(lambda: caught_up(replay_env, (topics.SHELTERS, topics.INCIDENTS, topics.REFERRALS)), deadline_s=420, every_s=3,
          what="the replay to reach the end of the input")
    assert compare(stack.env, expected) == []
    never_overbooked(stack.env)

    last_bed_trials(stack, tokens, trials=6)
    for worker in stack.workers:
        assert worker.running, f"{worker.name} crashed:\n{worker.log_tail()}"
    counts["seconds"] = round(time.monotonic() - started)
    print("\nfault injection:", ", ".join(f"{k}={v}" for k, v in counts.items()))


def caught_up(env: dict, specs: tuple[topics.TopicSpec, ...]) -> bool:
    """The consumer group has committed offsets at the end of every partition of `specs`' topics."""

    async def check() -> bool:
        admin = AIOKafkaAdminClient(bootstrap_servers=env["MUSTER_KAFKA_BOOTSTRAP"])
        consumer = AIOKafkaConsumer(bootstrap_servers=env["MUSTER_KAFKA_BOOTSTRAP"], group_id=None)
        await admin.start()
        await consumer.start()
        try:
            committed = await admin.list_consumer_group_offsets(env["MUSTER_APP_ID"])
            settings = Settings.from_variables(env)
            partitions = [TopicPartition(settings.topic(spec.name), p) for spec in specs
                          for p in range(spec.partitions(settings))]
            ends = await consumer.end_offsets(partitions)
            return all(end == 0 or (tp in committed and committed[tp].offset >= end) for tp, end in ends.items())
        finally:
            await consumer.stop()
            await admin.close()

    return asyncio.run(check())


def declaration(incident_id: str) -> dict:
    return {"id": incident_id, "kind": "power_outage", "title": incident_id, "severity": "minor",
            "area": {"center": {"lat": 45.0, "lon": -76.0}, "radius_km": 5}}


def last_bed_trials(stack, tokens, trials: int) -> None:
    """50 navigators at once for one free bed, repeated, with a third worker joining and leaving."""
    navigators = [f"navigator-{i}" for i in range(50)]
    from api.auth import mint
    from core.settings import Settings

    settings = Settings(token_secret=stack.env["MUSTER_TOKEN_SECRET"])
    headers = [{"Authorization": f"Bearer {mint(settings, 'navigator', sub=n)}"} for n in navigators]
    extra = None

    async def trial(n: int) -> list[dict]:
        async with httpx.AsyncClient(base_url=stack.api.base, timeout=60) as client:
            bodies = [{"id": f"last-bed-{n}-{i}", "location": {"lat": 50.0 + n, "lon": -85.0}, "radius_km": 5}
                      for i in range(50)]
            responses = await asyncio.gather(*(client.post("/v1/referrals", json=b, headers=h) for b, h in zip(bodies, headers)))
            assert all(r.status_code in (200, 201, 202) for r in responses), [r.text for r in responses][:3]
            answers = [r.json() for r in responses]
            deadline = time.monotonic() + 60
            while any(a["status"] == "pending" for a in answers):
                assert time.monotonic() < deadline, "last-bed referrals unanswered after 60 s"
                await asyncio.sleep(0.2)
                for i, a in enumerate(answers):
                    if a["status"] == "pending":
                        polled = await client.get(f"/v1/referrals/{bodies[i]['id']}", headers=headers[i])
                        if polled.status_code == 200:
                            answers[i] = polled.json()
            return answers

    with stack.client(tokens["manager"]) as manager:
        for n in range(trials):
            shelter_id = f"last-bed-{n}"
            put = manager.put(f"/v1/shelters/{shelter_id}", json={"name": "Sample: last bed", "capacity": 1,
                                                                  "location": {"lat": 50.0 + n, "lon": -85.0}})
            assert put.status_code in (200, 201, 202), put.text
            until(lambda: manager.get(f"/v1/shelters/{shelter_id}").status_code == 200, what="the shelter")
            if n == 1:
                extra = Worker("faults-extra", {**stack.env, "MUSTER_APP_ID": stack.env["MUSTER_APP_ID"] + "-replay"}, "3").start()
                counts["rebalances"] += 1
            if n == 4 and extra is not None:
                extra.stop()
                counts["rebalances"] += 1
            answers = asyncio.run(trial(n))
            held = [a for a in answers if a["status"] == "held"]
            assert len(held) == 1, f"trial {n}: {len(held)} holds for one bed"
            until(lambda: manager.get(f"/v1/shelters/{shelter_id}").json()["held"] == 1, what=f"trial {n}'s bed held")
            counts["last-bed trials"] += 1
    if extra is not None:
        extra.stop()
