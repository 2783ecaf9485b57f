"""Every record a referral writes, read back from the real broker, places the caller no closer than
their town: two callers more than a kilometre apart leave the same distances and rankings, each a
whole number of kilometres, and the shelters topic sees no referral request."""
from __future__ import annotations

import json
import math

from geo.cells import cell_centre
from tests.support.kafka import read_topic, topics_of

ORILLIA = cell_centre(44.6089, -79.4197)
KM_LAT = 1 / 111.2
KM_LON = 1 / (111.2 * math.cos(math.radians(ORILLIA[0])))
# Two callers in opposite corners of one town-sized cell, about 1.3 km apart.
CALLER_A = (ORILLIA[0] - 0.45 * 2 * KM_LAT, ORILLIA[1] - 0.45 * 2 * KM_LON)
CALLER_B = (ORILLIA[0] + 0.45 * 2 * KM_LAT, ORILLIA[1] + 0.45 * 2 * KM_LON)
# Shelters all round the town, some taking pets (candidates), some not (alternatives, with why).
SHELTERS = {"north-pets": (3.2, 0.4, True), "east-pets": (0.3, 5.6, True), "southwest-pets": (-4.7, -4.1, True),
            "west": (0.2, -2.3, False), "south": (-6.1, 0.9, False), "northeast": (2.8, 3.3, False)}
SHELTER_FIELDS = {"v", "type", "shelter_id", "referral_id", "beds", "needs", "ttl_s", "accepted_at"}


def put_shelters(manager) -> None:
    for name, (north_km, east_km, pets) in SHELTERS.items():
        location = {"lat": ORILLIA[0] + north_km * KM_LAT, "lon": ORILLIA[1] + east_km * KM_LON}
        response = manager.put(f"/v1/shelters/{name}", json={
            "name": f"Sample: {name}", "location": location, "capacity": 50, "accepts_pets": pets, "families": True})
        assert response.status_code in (200, 201), response.text


def records_of(env: dict, referral_id: str) -> list[tuple[str, dict]]:
    """(topic without prefix, JSON value) of every record on every topic that names the referral."""
    found = []
    for topic in topics_of(env):
        for key, value, _, _ in read_topic(env, topic):
            if value and (referral_id.encode() in value or key == referral_id.encode()):
                found.append((topic.removeprefix(env["MUSTER_TOPIC_PREFIX"]), json.loads(value)))
    return found


def distances(value, path: str = "") -> list[tuple[str, str | None, float]]:
    """Every distance a record holds, where, and to which shelter."""
    found = []
    if isinstance(value, dict):
        if "distance_km" in value and value["distance_km"] is not None:
            found.append((path, value.get("shelter_id"), value["distance_km"]))
        for name, inner in value.items():
            found += distances(inner, f"{path}.{name}")
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            found += distances(inner, f"{path}[{i}]")
    return found


def trace(records: list[tuple[str, dict]]) -> set[tuple]:
    """What a referral's records say about where its caller is: each kind of record with its
    shelter, distances and rankings (a shelter's snapshots, holding both referrals, count once)."""
    return {(topic, value.get("type"), value.get("status"), value.get("shelter_id"), tuple(distances(value)))
            for topic, value in records}


def test_two_callers_a_kilometre_apart_in_one_town_write_the_same_whole_kilometres(stack, tokens):
    with stack.client(tokens["manager"]) as manager, stack.client(tokens["navigator"]) as navigator:
        put_shelters(manager)
        answers = {}
        for referral_id, (lat, lon) in (("trace-a", CALLER_A), ("trace-b", CALLER_B)):
            answers[referral_id] = navigator.post("/v1/referrals", json={
                "id": referral_id, "location": {"lat": lat, "lon": lon}, "household_size": 2, "needs": {"pets": True}})
            assert answers[referral_id].status_code == 201, answers[referral_id].text
        assert answers["trace-a"].json()["shelter"]["id"] == answers["trace-b"].json()["shelter"]["id"]

    trace_a, trace_b = records_of(stack.env, "trace-a"), records_of(stack.env, "trace-b")
    assert {topic for topic, _ in trace_a} >= {"referrals", "shelters", "referral-state", "shelter-state"}
    for topic, value in trace_a + trace_b:
        if topic == "shelters":
            assert set(value) <= SHELTER_FIELDS, f"the shelters topic carries {set(value) - SHELTER_FIELDS}"
        for path, _, km in distances(value):
            assert float(km).is_integer(), f"{topic}{path}: {km} km"
    found = [d for _, value in trace_a for d in distances(value)]
    assert {shelter for _, shelter, _ in found} >= {"north-pets", "east-pets", "southwest-pets", "west"}
    assert trace(trace_a) == trace(trace_b)
