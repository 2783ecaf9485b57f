"""The referrals agent in Faust's test context: it asks the nearest shelter's owner for a hold,
moves on to the next when refused, and records the bed held, also one the API asked for, and
the callback a shelter asks of its navigator, once however often it is told."""
from __future__ import annotations

from datetime import timedelta

import pytest

from bus import topics
from handlers.referrals import Referral
from handlers.shelters import BedHeld, HoldBed, HoldFlagged, HoldRefused, shelter_commands
from streams import referrals
from tests.support.clock import NOON
from tests.support.referrals import FAR, NEAR, request


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


async def test_a_hold_flagged_at_its_shelter_is_recorded_for_the_navigator_once(worker):
    held = BedHeld(referral_id="ref-3", shelter_id=NEAR.shelter_id, beds=3, expires_at=NOON + timedelta(hours=2),
                   request=request(id="ref-3").model_dump(mode="json"))
    closed = HoldFlagged(referral_id="ref-3", shelter_id=NEAR.shelter_id, reason="shelter_closed",
                         status_reason="no_power", at=NOON)
    flooded = HoldFlagged(referral_id="ref-3", shelter_id=NEAR.shelter_id, reason="danger_zone",
                          incident_id="flood-severn", at=NOON)

    def flagged_twice() -> bool:
        raw = worker.table.get(b"ref-3")
        return raw is not None and len(Referral.model_validate_json(raw).callbacks) >= 2

    await worker.put(("ref-3", held), ("ref-3", closed), ("ref-3", closed), ("ref-3", flooded), done=flagged_twice)
    referral = Referral.model_validate_json(worker.table[b"ref-3"])
    assert [(f.reason, f.status_reason, f.incident_id) for f in referral.callbacks] == [
        ("shelter_closed", "no_power", None), ("danger_zone", None, "flood-severn")]
    assert referral.code is not None and worker.on(topics.DEAD_LETTERS) == []
