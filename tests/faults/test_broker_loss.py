"""A three-broker cluster loses nothing: one broker is killed with kill -9 in the middle of a referral
burst and a volunteer-hours burst. Every request is answered (a 503 with Retry-After counts, and the
client retries it as told), no bed is double-booked, and Muster's state equals the oracle's fold of
the input log; then the broker comes back and catches up.

Topics have three replicas and acknowledge a write once two have it (MUSTER_REPLICATION_FACTOR=3,
MUSTER_MIN_INSYNC_REPLICAS=2); every producer uses acks=all. Bounded, seeded, and it prints its counts.
"""
from __future__ import annotations

import asyncio
import os
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
from aiokafka.admin import AIOKafkaAdminClient

from api.auth import mint
from core.settings import Settings
from handlers.hours import HoursLogged
from handlers.referrals import Referral
from tests.support.faults.checks import (
    compare,
    dead_letter_sources,
    input_log,
    never_overbooked,
    valid_but_dead_lettered,
)
from tests.support.faults.oracle import fold, fold_hours
from tests.support.kafka import latest, read_all
from tests.support.poll import until

WORKERS = 2
MUSTER_ENV = {"MUSTER_REPLICATION_FACTOR": "3", "MUSTER_MIN_INSYNC_REPLICAS": "2", "MUSTER_SESSION_TIMEOUT_S": "10"}
API_READY_S = 300
"""Three fresh brokers on two cores shared with the rest of the run elect their first leaders slowly."""
pytestmark = pytest.mark.timeout(900)
SEED = int(os.environ.get("MUSTER_FAULT_SEED", "20250330"))
REFERRALS = 150
ENTRIES = 150
SHELTERS = 12
CAPACITY = 5
"""60 beds for 150 households of one or two: shelters fill, and the last beds are fought over."""
IN_FLIGHT = 8
KILL_AFTER = (REFERRALS + ENTRIES) // 3
"""Requests answered before the kill: a third done, the rest sent while leadership moves."""
RETRY_FOR_S = 60
"""A client retrying a 503 longer than this counts it unanswered: the partitions a dead broker led
move to the others within its session timeout (9 s), with time to spare for a loaded box."""
ORILLIA = (44.6082, -79.4197)
INCIDENT = {"id": "storm-orillia", "kind": "ice_storm", "title": "Ice storm — Orillia", "severity": "severe",
            "area": {"center": {"lat": ORILLIA[0], "lon": ORILLIA[1]}, "radius_km": 40}}
PARTNERS = {
    "salvation-army-on": {"name": "The Salvation Army Ontario", "capabilities": ["shelter", "canteen_truck"],
                          "base": {"lat": 43.6545, "lon": -79.3806, "place": "Toronto, ON"}},
    "feed-ontario": {"name": "Feed Ontario", "capabilities": ["food_kits"],
                     "base": {"lat": 43.6532, "lon": -79.3832, "place": "Toronto, ON"}},
    "st-john-ambulance-on": {"name": "St. John Ambulance", "capabilities": ["first_aid"],
                             "base": {"lat": 44.3894, "lon": -79.6903, "place": "Barrie, ON"}},
}
ACTIVITIES = ["debris_clearing", "meals", "wellness_checks", "sheltering", "first_aid"]
CAUGHT_UP_DEADLINE_S = 180
"""A killed broker replays its log and refetches what it missed: seconds here, minutes on a loaded box."""
counts: Counter = Counter()


@pytest.fixture(scope="module")
def kafka_bootstrap(cluster):
    """This module's Muster runs on the three-broker cluster, not on the run's single broker."""
    return cluster.bootstrap


@dataclass
class Tally:
    """What the clients saw: every status code, and any request that got no answer."""

    codes: Counter = field(default_factory=Counter)
    unanswered: list[str] = field(default_factory=list)


async def answered(client: httpx.AsyncClient, url: str, body: dict, headers: dict, tally: Tally) -> dict | None:
    """POST until the answer is not a 503, waiting as each 503's Retry-After says (a well-behaved
    client); the final answer's JSON, or None (noted in `tally`) when a request got none, or only
    503s for RETRY_FOR_S."""
    give_up = time.monotonic() + RETRY_FOR_S
    while True:
        try:
            response = await client.post(url, json=body, headers=headers)
        except httpx.HTTPError as exc:
            tally.unanswered.append(f"POST {url} {body['id']}: {exc!r}")
            return None
        tally.codes[response.status_code] += 1
        if response.status_code != 503:
            if response.status_code not in (200, 201, 202):
                tally.unanswered.append(f"POST {url} {body['id']}: {response.status_code} {response.text[:200]}")
                return None
            return response.json()
        if tally.unanswered:  # the test has failed already: stop waiting on a broken cluster
            return None
        retry_after = response.headers.get("Retry-After", "")
        if not retry_after.isdigit() or int(retry_after) < 1:
            tally.unanswered.append(f"POST {url} {body['id']}: 503 without a usable Retry-After ({retry_after!r})")
            return None
        if time.monotonic() > give_up:
            tally.unanswered.append(f"POST {url} {body['id']}: refused with 503 for {RETRY_FOR_S} s")
            return None
        await asyncio.sleep(int(retry_after))


def referral_bodies(rng: random.Random) -> list[dict]:
    return [{"id": f"caller-{i:04d}", "household_size": rng.choice([1, 1, 2]), "radius_km": 100,
             "location": {"lat": ORILLIA[0] + rng.uniform(-0.05, 0.05), "lon": ORILLIA[1] + rng.uniform(-0.05, 0.05)}}
            for i in range(REFERRALS)]


def hours_bodies(rng: random.Random) -> list[dict]:
    bodies = []
    for i in range(ENTRIES):
        volunteers = rng.randint(1, 12)
        bodies.append({"id": f"vh-{i:04d}", "partner_id": rng.choice(list(PARTNERS)), "incident_id": INCIDENT["id"],
                       "volunteers": volunteers, "hours": rng.randint(1, 32 * volunteers) / 4,
                       "activity": rng.choice(ACTIVITIES), "date": (date(2025, 3, 30) + timedelta(days=rng.randint(0, 6))).isoformat()})
    return bodies


@pytest.fixture(scope="module")
def storm(stack, tokens):
    """An incident, three partners and the shelters around Orillia, all visible to the API."""
    with stack.client(tokens["manager"]) as manager, stack.client(tokens["admin"]) as admin:
        assert manager.post("/v1/incidents", json=INCIDENT).status_code in (201, 202)
        for partner_id, partner in PARTNERS.items():
            assert admin.put(f"/v1/partners/{partner_id}", json=partner).status_code in (200, 201, 202)
        for i in range(SHELTERS):
            response = manager.put(f"/v1/shelters/shelter-{i:02d}", json={
                "name": f"Sample: Orillia shelter {i}", "capacity": CAPACITY, "occupancy": 0, "open": True,
                "location": {"lat": ORILLIA[0] + 0.01 * (i % 4), "lon": ORILLIA[1] + 0.01 * (i // 4)},
                "families": True, "languages": ["en", "fr"]})
            assert response.status_code in (200, 201, 202), response.text
        until(lambda: manager.get(f"/v1/incidents/{INCIDENT['id']}").status_code == 200
              and all(admin.get(f"/v1/partners/{p}").status_code == 200 for p in PARTNERS)
              and all(manager.get(f"/v1/shelters/shelter-{i:02d}").status_code == 200 for i in range(SHELTERS)),
              deadline_s=60, what="the incident, partners and shelters")


def leaderships(bootstrap: str, prefix: str) -> tuple[Counter, list[str]]:
    """Partitions each broker leads among the topics named with `prefix`, and every partition of
    them (or of the consumer offsets) that lacks one of three replicas in sync."""

    async def describe():
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        await admin.start()
        try:
            names = [name for name in await admin.list_topics() if name.startswith(prefix) or name == "__consumer_offsets"]
            return await admin.describe_topics(names)
        finally:
            await admin.close()

    leaders: Counter = Counter()
    lagging = []
    for topic in asyncio.run(describe()):
        for partition in topic["partitions"]:
            if topic["topic"] != "__consumer_offsets":
                leaders[partition["leader"]] += 1
            if len(partition["replicas"]) != 3 or sorted(partition["isr"]) != sorted(partition["replicas"]):
                lagging.append(f"{topic['topic']}/{partition['partition']} isr {partition['isr']}")
    return leaders, lagging


async def burst(stack, cluster, victim, referrals: list[dict], entries: list[dict]) -> tuple[dict, Tally]:
    """Every referral and hours entry at once, IN_FLIGHT at a time, interleaved; `victim` killed
    after KILL_AFTER answers. Returns the navigators' final answers by referral id."""
    settings = Settings(token_secret=stack.env["MUSTER_TOKEN_SECRET"])
    navigators = [{"Authorization": f"Bearer {mint(settings, 'navigator', sub=f'navigator-{i}')}"} for i in range(10)]
    partners = {p: {"Authorization": f"Bearer {mint(settings, 'partner', sub=f'{p}-lead', partner_id=p)}"}
                for p in PARTNERS}
    jobs = [("/v1/referrals", body, navigators[i % len(navigators)]) for i, body in enumerate(referrals)]
    jobs += [("/v1/volunteer-hours", body, partners[body["partner_id"]]) for body in entries]
    random.Random(SEED).shuffle(jobs)
    tally, answers, done = Tally(), {}, asyncio.Event()
    finished = 0
    gate = asyncio.Semaphore(IN_FLIGHT)

    async def one(client, url, body, headers):
        nonlocal finished
        async with gate:
            answer = None if tally.unanswered else await answered(client, url, body, headers, tally)
        if url == "/v1/referrals" and answer is not None:
            answers[body["id"]] = answer
        finished += 1
        if finished == KILL_AFTER:
            done.set()

    async def kill():
        await done.wait()
        await asyncio.to_thread(cluster.kill, victim)
        counts["kill -9 broker"] += 1

    async with httpx.AsyncClient(base_url=stack.api.base, timeout=120,
                                 limits=httpx.Limits(max_connections=IN_FLIGHT)) as client:
        killer = asyncio.create_task(kill())
        await asyncio.gather(*(one(client, *job) for job in jobs))
        await killer
        pending = [rid for rid, a in answers.items() if a["status"] == "pending"]
        deadline = time.monotonic() + 120
        while pending:
            assert time.monotonic() < deadline, f"{len(pending)} referrals still pending after 120 s"
            await asyncio.sleep(0.5)
            for rid in list(pending):
                headers = navigators[int(rid.rsplit("-", 1)[1]) % len(navigators)]
                polled = await client.get(f"/v1/referrals/{rid}", headers=headers)
                if polled.status_code == 200 and polled.json()["status"] != "pending":
                    answers[rid] = polled.json()
                    pending.remove(rid)
    return answers, tally


def hours_problems(env: dict, expected: dict[str, HoursLogged]) -> list[str]:
    """Differences between the hours log and the oracle's entries."""
    logged = latest(env, "hours-log", HoursLogged)
    problems = [f"entry {i} is missing" for i in expected if i not in logged]
    problems += [f"entry {i} should not be logged" for i in logged if i not in expected]
    problems += [f"entry {i} differs" for i, e in expected.items() if i in logged and not logged[i].same_entry(e)]
    return problems


def oracle(env: dict):
    """Fold the input log as read back now: the expected state, the hours entries, and what must be dead."""
    now = datetime.now(UTC)
    expected = fold(input_log(env), now)
    hours_log = sorted(read_all(env, "volunteer-hours"), key=lambda r: (r[2], r[3]))
    entries, dead = fold_hours(hours_log, expected.incidents, now)
    expected.dead |= dead
    return expected, entries


def agree(env: dict, expected, entries) -> None:
    problems: list[str] = ["not compared yet"]

    def agrees() -> bool:
        problems[:] = compare(env, expected, counts) + hours_problems(env, entries)
        return not problems

    try:
        until(agrees, deadline_s=180, every_s=3, what="Muster's state to equal the oracle")
    except AssertionError:
        raise AssertionError(f"Muster's state differs from the oracle: {problems[:10]}") from None


def test_killing_one_of_three_brokers_mid_burst_loses_nothing_and_it_catches_up(stack, tokens, storm, cluster):
    started = time.monotonic()
    rng = random.Random(SEED)
    referrals, entries = referral_bodies(rng), hours_bodies(rng)
    leaders, lagging = leaderships(cluster.bootstrap, stack.env["MUSTER_TOPIC_PREFIX"])
    assert not lagging, f"not every partition has three replicas in sync before the kill: {lagging[:5]}"
    victim = next(n for n in cluster.nodes if n.id == leaders.most_common(1)[0][0])
    counts["partitions the killed broker led"] = leaders[victim.id]

    answers, tally = asyncio.run(burst(stack, cluster, victim, referrals, entries))

    counts.update({f"HTTP {code}": n for code, n in sorted(tally.codes.items())})
    assert not tally.unanswered, f"requests unanswered: {tally.unanswered[:5]}"
    assert len(answers) == REFERRALS

    expected, logged = oracle(stack.env)
    assert {b["id"] for b in referrals} <= expected.referrals, "an answered referral is not on the input log"
    assert {b["id"] for b in entries} <= set(logged), "an answered hours entry is not on the input log"
    settling = time.monotonic()
    agree(stack.env, expected, logged)
    counts["seconds to agree"] = round(time.monotonic() - settling)
    counts["snapshots checked"] = never_overbooked(stack.env)

    final = latest(stack.env, "referral-state", Referral)
    for rid, answer in answers.items():
        if answer["status"] == "held":
            assert (final[rid].status, final[rid].shelter_id) == ("held", answer["shelter"]["id"]), rid
    counts["referrals held"] = sum(1 for a in answers.values() if a["status"] == "held")
    counts["no capacity"] = sum(1 for a in answers.values() if a["status"] == "no_capacity")
    assert counts["referrals held"] and counts["no capacity"], "the beds were not fought over"
    assert not valid_but_dead_lettered(dead_letter_sources(stack.env), expected), "a valid command was dead-lettered"
    assert not expected.dead, f"the oracle finds bad input where there was none: {sorted(expected.dead)[:3]}"
    with stack.client(tokens["manager"]) as manager:
        totals = manager.get(f"/v1/incidents/{INCIDENT['id']}/volunteer-hours").json()
    assert (totals["entries"], totals["hours"]) == (len(entries), sum(round(e["hours"] * 100) for e in entries) / 100)

    # The killed broker comes back with its data and fetches what the others took while it was gone.
    back = time.monotonic()
    cluster.start()
    behind: list[str] = []

    def in_sync() -> bool:
        behind[:] = leaderships(cluster.bootstrap, stack.env["MUSTER_TOPIC_PREFIX"])[1]
        return not behind

    try:
        until(in_sync, deadline_s=CAUGHT_UP_DEADLINE_S, every_s=2, what="the killed broker back in sync")
    except AssertionError:
        raise AssertionError(f"partitions still without three replicas in sync: {behind[:5]}") from None
    counts["seconds to catch up"] = round(time.monotonic() - back)
    counts["seconds"] = round(time.monotonic() - started)
    print("\nbroker loss:", ", ".join(f"{k}={v}" for k, v in counts.items()))
