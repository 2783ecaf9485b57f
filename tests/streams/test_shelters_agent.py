"""The shelters agent in Faust's test context: two referrals for the last bed get one bed and one
refusal, what cannot be applied is dead-lettered with the reason while the agent goes on, and a
reply lost with a killed worker is given when the command returns."""
from __future__ import annotations

from datetime import timedelta

import pytest

from bus import topics
from handlers.common import DeadLetter
from handlers.referrals import referral_messages
from handlers.shelters import BedHeld, ExpireHolds, HoldEnded, HoldRefused, Shelter
from streams import shelters
from tests.unit.handlers.test_shelters import NOON, hold, rotary_place

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
