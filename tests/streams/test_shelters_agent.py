"""The shelters agent in Faust's test context: two referrals for the last bed get one bed and one
refusal, what cannot be applied is dead-lettered with the reason while the agent goes on, a
reply lost with a killed worker is given when the command returns; no hold is granted inside a
danger zone its worker knows, the sweep asks for the holds a danger zone newly covers to be
flagged, and a shelter marked closed flags its holds."""
from __future__ import annotations

from datetime import timedelta

import pytest

from bus import topics
from handlers.common import DeadLetter
from handlers.incidents import DeclareIncident, decide as decide_incident
from handlers.referrals import referral_messages
from handlers.shelters import (
    BedHeld,
    ExpireHolds,
    FlagHolds,
    HoldEnded,
    HoldFlagged,
    HoldRefused,
    SetShelterStatus,
    Shelter,
    shelter_commands,
)
from streams import shelters
from tests.support.clock import NOON
from tests.support.shelters import hold, rotary_place

SHELTER = "orillia-rotary"


@pytest.fixture
def worker(worker_for):
    return worker_for(shelters, lambda: NOON)


async def test_two_referrals_for_the_last_bed_get_one_bed_and_one_refusal(worker):
    await worker.put((SHELTER, rotary_place(capacity=1)), (SHELTER, hold("call-1")), (SHELTER, hold("call-2")),
                     done=lambda: len(worker.on(topics.REFERRALS)) >= 2)
    replies = [(key, referral_messages.validate_json(value)) for key, value in worker.on(topics.REFERRALS)]
    assert [(key, type(reply)) for key, reply in replies] == [(b"call-1", BedHeld), (b"call-2", HoldRefused)]
    shelter = Shelter.model_validate_json(worker.table[SHELTER.encode()])
    assert (shelter.held, shelter.free, list(shelter.holds)) == (1, 0, ["call-1"])


async def test_what_cannot_be_applied_is_dead_lettered_with_the_reason_and_the_agent_goes_on(worker):
    await worker.put((SHELTER, b"{not json"), ("another-shelter", hold("call-3")),
                     (SHELTER, rotary_place(capacity=1)), done=lambda: SHELTER.encode() in worker.table)
    letters = [DeadLetter.model_validate_json(value) for _, value in worker.on(topics.DEAD_LETTERS)]
    assert [letter.reason.split(":")[0] for letter in letters] == ["invalid message", "bad key"]
    assert [letter.offset for letter in letters] == [0, 1]
    assert "'orillia-rotary' was keyed 'another-shelter'" in letters[1].reason


async def test_holds_that_expired_unannounced_are_announced_when_the_sweep_asks_again(worker_for):
    now = [NOON]
    worker = worker_for(shelters, lambda: now[0])
    await worker.put((SHELTER, rotary_place(capacity=1)), (SHELTER, hold("call-1")),
                     done=lambda: len(worker.on(topics.REFERRALS)) == 1)
    now[0] = NOON + timedelta(hours=3)
    worker.lose_next_send(topics.REFERRALS)
    await worker.put((SHELTER, ExpireHolds(shelter_id=SHELTER)), done=lambda: len(worker.on(topics.DEAD_LETTERS)) == 1)
    assert list(Shelter.model_validate_json(worker.table[SHELTER.encode()]).holds) == ["call-1"]

    await worker.put((SHELTER, ExpireHolds(shelter_id=SHELTER)), done=lambda: len(worker.on(topics.REFERRALS)) == 2)
    ended = referral_messages.validate_json(worker.on(topics.REFERRALS)[1][1])
    assert (type(ended), ended.referral_id, ended.reason) == (HoldEnded, "call-1", "expired")
    assert Shelter.model_validate_json(worker.table[SHELTER.encode()]).holds == {}


FLOOD, _ = decide_incident(None, DeclareIncident(
    id="flood-severn", kind="flood", title="Severn River flooding", severity="severe",
    area={"center": {"lat": 44.6, "lon": -79.42}, "radius_km": 3}), NOON)


def replies(worker) -> list:
    return [referral_messages.validate_json(value) for _, value in worker.on(topics.REFERRALS)]


async def test_no_hold_is_granted_at_a_shelter_inside_a_danger_zone_the_worker_knows(worker):
    worker.know(topics.INCIDENT_STATE, FLOOD.id, FLOOD)
    await worker.put((SHELTER, rotary_place(capacity=5)), (SHELTER, hold("call-1")),
                     done=lambda: len(worker.on(topics.REFERRALS)) == 1)
    [refused] = replies(worker)
    assert (type(refused), refused.reason) == (HoldRefused, "inside danger zone of 'Severn River flooding'")


async def test_the_sweep_asks_for_holds_a_danger_zone_newly_covers_to_be_flagged_once(worker):
    kenora = rotary_place(capacity=5, id="kenora", location={"lat": 49.77, "lon": -94.49})
    await worker.put((SHELTER, rotary_place(capacity=5)), (SHELTER, hold("call-1")), ("kenora", kenora),
                     ("kenora", hold("call-2").model_copy(update={"shelter_id": "kenora"})),
                     done=lambda: len(worker.on(topics.REFERRALS)) == 2)
    sweep = worker.timer("sweep_holds")
    await sweep()
    await sweep()  # the full scan, then a quiet one: no zone yet
    assert worker.on(topics.SHELTERS) == []

    worker.know(topics.INCIDENT_STATE, FLOOD.id, FLOOD)
    await sweep()
    await sweep()
    asks = [(key, shelter_commands.validate_json(value)) for key, value in worker.on(topics.SHELTERS)]
    assert asks == [(SHELTER.encode(), FlagHolds(shelter_id=SHELTER))]

    await worker.put((SHELTER, asks[0][1]), done=lambda: len(worker.on(topics.REFERRALS)) == 3)
    flagged = replies(worker)[-1]
    assert (type(flagged), flagged.referral_id, flagged.reason, flagged.incident_id) == \
        (HoldFlagged, "call-1", "danger_zone", FLOOD.id)
    await sweep()
    assert len(worker.on(topics.SHELTERS)) == 1


async def test_a_shelter_marked_closed_tells_each_referral_holding_a_bed_there(worker):
    closing = SetShelterStatus(shelter_id=SHELTER, status="closed", reason="no_power")
    await worker.put((SHELTER, rotary_place(capacity=5)), (SHELTER, hold("call-1")), (SHELTER, hold("call-2")),
                     (SHELTER, closing), (SHELTER, closing), done=lambda: len(worker.on(topics.REFERRALS)) >= 4)
    flagged = [(key, reply.reason, reply.status_reason) for key, reply in
               zip((k for k, _ in worker.on(topics.REFERRALS)), replies(worker)) if isinstance(reply, HoldFlagged)]
    assert flagged == [(b"call-1", "shelter_closed", "no_power"), (b"call-2", "shelter_closed", "no_power")]
    shelter = Shelter.model_validate_json(worker.table[SHELTER.encode()])
    assert (shelter.status, shelter.open, shelter.held) == ("closed", False, 2)
