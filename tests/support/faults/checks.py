"""Muster's state topics checked against the oracle: the fault tests share these."""
from __future__ import annotations

from collections import Counter

from handlers.common import DeadLetter
from handlers.incidents import Incident
from handlers.referrals import Referral
from handlers.shelters import Shelter
from tests.support.faults.oracle import Expected, incident_summary
from tests.support.kafka import latest, read_all

INPUTS = ("shelters", "incidents", "referrals")


def input_log(env: dict) -> dict[str, list[tuple]]:
    return {name: sorted(read_all(env, name), key=lambda r: (r[2], r[3])) for name in INPUTS}


def compare(env: dict, expected: Expected, counts: Counter | None = None) -> list[str]:
    """Differences between Muster's state topics and the oracle; empty when they agree. Adds the beds
    held to `counts`."""
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
    if counts is not None:
        counts["beds held"] = sum(held.values())
    return problems


def never_overbooked(env: dict) -> int:
    snapshots = 0
    for key, value, _partition, offset in read_all(env, "shelter-state"):
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


def valid_but_dead_lettered(letters: dict[tuple, DeadLetter], expected: Expected) -> dict[tuple, DeadLetter]:
    """The dead letters whose source on an input topic the oracle found valid."""
    return {source: letter for source, letter in letters.items() if source[0] in INPUTS and source not in expected.dead}
