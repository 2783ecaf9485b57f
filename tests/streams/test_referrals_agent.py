"""The referrals agent in Faust's test context: it asks the nearest shelter's owner for a hold,
moves on to the next when refused, and records the bed held, also one the API asked for."""
from __future__ import annotations

from datetime import timedelta

import pytest

from bus import topics
from handlers.referrals import Referral
from handlers.shelters import BedHeld, HoldBed, HoldRefused, shelter_commands
from streams import referrals
from tests.unit.handlers.test_referrals import FAR, NEAR, NOON, request


@pytest.fixture
def worker(worker_for):
    return worker_for(referrals, lambda: NOON)


async def test_a_refused_hold_moves_on_to_the_next_shelter_and_the_bed_it_holds_is_recorded(worker):
    refused = HoldRefused(referral_id="ref-1", shelter_id=NEAR.shelter_id, reason="full")
    held = BedHeld(referral_id="ref-1", shelter_id=FAR.shelter_id, beds=3, expires_at=NOON + timedelta(hours=2))

    def recorded_held() -> bool:
        raw = worker.table.get(b"ref-1")
        return raw is not None and Referral.model_validate_json(raw).status == "held"

    await worker.put(("ref-1", request()), ("ref-1", refused), ("ref-1", held), done=recorded_held)
    asked = [(key, shelter_commands.validate_json(value)) for key, value in worker.on(topics.SHELTERS)]
    assert [(key, type(command), command.beds) for key, command in asked] == [
        (NEAR.shelter_id.encode(), HoldBed, 3), (FAR.shelter_id.encode(), HoldBed, 3)]
    referral = Referral.model_validate_json(worker.table[b"ref-1"])
    assert (referral.shelter_id, referral.alternatives[0].reasons) == (FAR.shelter_id, ["full"])


async def test_a_bed_held_for_the_api_is_recorded_held_without_asking_any_shelter(worker):
    held = BedHeld(referral_id="ref-2", shelter_id=NEAR.shelter_id, beds=3, expires_at=NOON + timedelta(hours=2),
                   request=request(id="ref-2").model_dump(mode="json"))
    await worker.put(("ref-2", held), done=lambda: worker.table.get(b"ref-2") is not None)
    referral = Referral.model_validate_json(worker.table[b"ref-2"])
    assert (referral.status, referral.shelter_id, referral.household_size) == ("held", NEAR.shelter_id, 3)
    assert worker.on(topics.SHELTERS) == [] and worker.on(topics.DEAD_LETTERS) == []
