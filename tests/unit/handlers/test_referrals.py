"""Referral rules without Kafka: ask the nearest candidate, move on when refused, follow the hold,
its callbacks and extensions; short codes a caller can read over the phone."""
from __future__ import annotations

from datetime import timedelta

import pytest

from handlers.directories import IncidentDirectory, ShelterDirectory
from handlers.errors import Rejected
from handlers.incidents import DeclareIncident, decide as decide_incident
from handlers.referrals import (
    CODE_ALPHABET,
    ConfirmReferral,
    Extension,
    PurgeReferral,
    ReleaseReferral,
    decide,
    read_code,
    short_code,
    unique_code,
)
from handlers.shelters import (
    BedHeld,
    ConfirmHold,
    ExtendRefused,
    HoldBed,
    HoldConfirmed,
    HoldEnded,
    HoldExtended,
    HoldFlagged,
    HoldRefused,
    Needs,
    RegisterShelter,
    ReleaseHold,
    SetShelterStatus,
    decide as decide_shelter,
)
from tests.support.clock import NOON
from tests.support.referrals import FAR, NEAR, request


def started(candidates=(NEAR, FAR)):
    return decide(None, request(candidates=list(candidates)), NOON)


def test_a_request_asks_the_nearest_candidate_for_the_whole_household():
    referral, commands = started()
    assert referral.status == "pending" and referral.shelter_id == "orillia-rotary"
    assert commands == [HoldBed(shelter_id="orillia-rotary", referral_id="ref-1", beds=3, needs=Needs(family=True), ttl_s=7200)]


def test_a_refusal_moves_on_to_the_next_candidate_and_remembers_why():
    referral, _ = started()
    referral, commands = decide(referral, HoldRefused(referral_id="ref-1", shelter_id="orillia-rotary", reason="full"), NOON)
    assert commands[0].shelter_id == "barrie-sadlon"
    assert referral.alternatives[0].reasons == ["full"]


def test_running_out_of_candidates_answers_no_capacity_with_alternatives():
    referral, _ = started(candidates=[NEAR])
    referral, commands = decide(referral, HoldRefused(referral_id="ref-1", shelter_id="orillia-rotary", reason="full"), NOON)
    assert referral.status == "no_capacity" and commands == []
    assert [a.shelter_id for a in referral.alternatives] == ["orillia-rotary"]


def test_no_candidates_at_all_is_an_immediate_no_capacity():
    referral, commands = decide(None, request(candidates=[]), NOON)
    assert referral.status == "no_capacity" and commands == []


def asked_by_the_api(reply_type, **reply):
    """The reply to the API's own ask of the first candidate, the request riding back in it."""
    ridden = request(caller_ref="case-9", actor={"sub": "nav-1", "role": "navigator"}).model_dump(mode="json")
    return reply_type(referral_id="ref-1", request=ridden, **reply)


def test_a_bed_held_for_the_api_starts_the_referral_held_from_the_request_it_carries():
    expires = NOON + timedelta(hours=2)
    referral, commands = decide(None, asked_by_the_api(BedHeld, shelter_id="orillia-rotary", beds=3, expires_at=expires), NOON)
    assert commands == []
    assert (referral.status, referral.shelter_id, referral.hold_expires_at) == ("held", "orillia-rotary", expires)
    assert (referral.household_size, referral.caller_ref, referral.requested_by) == (3, "case-9", "nav-1")
    assert decide(referral, asked_by_the_api(BedHeld, shelter_id="orillia-rotary", beds=3, expires_at=expires), NOON) == (referral, [])


def test_a_refusal_to_the_api_starts_the_referral_at_the_next_candidate():
    referral, commands = decide(None, asked_by_the_api(HoldRefused, shelter_id="orillia-rotary", reason="full"), NOON)
    assert (referral.status, referral.shelter_id, referral.alternatives[0].reasons) == ("pending", "barrie-sadlon", ["full"])
    assert commands == [HoldBed(shelter_id="barrie-sadlon", referral_id="ref-1", beds=3, needs=Needs(family=True), ttl_s=7200)]


def test_a_bed_held_by_a_shelter_the_request_did_not_ask_first_is_released():
    reply = asked_by_the_api(BedHeld, shelter_id="barrie-sadlon", beds=3, expires_at=NOON)
    assert decide(None, reply, NOON) == (None, [ReleaseHold(shelter_id="barrie-sadlon", referral_id="ref-1")])


def test_a_held_bed_issues_the_referral_with_its_expiry_and_forgets_the_shelters_not_needed():
    referral, _ = started()
    assert [c.shelter_id for c in referral.candidates] == ["barrie-sadlon"]
    expiry = NOON + timedelta(hours=2)
    referral, _ = decide(referral, BedHeld(referral_id="ref-1", shelter_id="orillia-rotary", beds=3, expires_at=expiry), NOON)
    assert referral.status == "held" and referral.hold_expires_at == expiry and referral.distance_km == 1.0
    assert referral.candidates == []


def test_a_duplicate_request_changes_nothing_but_asks_the_current_shelter_again():
    referral, first = started()
    again, commands = decide(referral, request(household_size=1, candidates=[FAR]), NOON)
    assert again == referral and commands == first


def test_a_stale_refusal_asks_the_current_shelter_again_in_case_that_question_was_lost():
    referral, _ = started()
    referral, asked = decide(referral, HoldRefused(referral_id="ref-1", shelter_id="orillia-rotary", reason="full"), NOON)
    again, commands = decide(referral, HoldRefused(referral_id="ref-1", shelter_id="orillia-rotary", reason="full"), NOON)
    assert again == referral and commands == asked == [HoldBed(shelter_id="barrie-sadlon", referral_id="ref-1", beds=3,
                                                               needs=Needs(family=True), ttl_s=7200)]


def test_releasing_again_repeats_the_release_in_case_it_was_lost():
    released, first = decide(held_referral(), ReleaseReferral(id="ref-1"), NOON)
    again, commands = decide(released, ReleaseReferral(id="ref-1"), NOON)
    assert again == released and commands == first


def test_a_hold_from_a_shelter_no_longer_asked_is_released():
    referral, _ = started()
    referral, _ = decide(referral, HoldRefused(referral_id="ref-1", shelter_id="orillia-rotary", reason="full"), NOON)
    _, commands = decide(referral, BedHeld(referral_id="ref-1", shelter_id="orillia-rotary", beds=3, expires_at=NOON), NOON)
    assert commands == [ReleaseHold(shelter_id="orillia-rotary", referral_id="ref-1")]


def held_referral():
    referral, _ = started()
    return decide(referral, BedHeld(referral_id="ref-1", shelter_id="orillia-rotary", beds=3, expires_at=NOON + timedelta(hours=2)), NOON)[0]


def test_confirming_asks_the_shelter_and_its_answer_confirms():
    referral = held_referral()
    same, commands = decide(referral, ConfirmReferral(id="ref-1"), NOON)
    assert commands == [ConfirmHold(shelter_id="orillia-rotary", referral_id="ref-1")]
    confirmed, _ = decide(same, HoldConfirmed(referral_id="ref-1", shelter_id="orillia-rotary"), NOON)
    assert confirmed.status == "confirmed"


def test_releasing_gives_the_bed_back():
    referral, commands = decide(held_referral(), ReleaseReferral(id="ref-1"), NOON)
    assert referral.status == "released"
    assert commands == [ReleaseHold(shelter_id="orillia-rotary", referral_id="ref-1")]


def test_an_expired_hold_expires_the_referral():
    referral, _ = decide(held_referral(), HoldEnded(referral_id="ref-1", shelter_id="orillia-rotary", reason="expired"), NOON)
    assert referral.status == "expired"


def test_confirming_what_is_not_held_is_rejected():
    referral, _ = started()
    with pytest.raises(Rejected, match="pending"):
        decide(referral, ConfirmReferral(id="ref-1"), NOON)
    with pytest.raises(Rejected, match="unknown referral"):
        decide(None, ConfirmReferral(id="nobody"), NOON)


def shelter(id_: str, lat: float, lon: float, capacity: int = 10, **changes):
    fields = dict(id=id_, name=f"Sample: {id_}", location={"lat": lat, "lon": lon}, capacity=capacity, families=True)
    fields.update(changes)
    return decide_shelter(None, RegisterShelter(**fields), NOON)[0]


def test_candidates_are_open_fitting_outside_danger_zones_and_nearest_first():
    directory = ShelterDirectory()
    for s in [
        shelter("orillia", 44.608, -79.42),
        shelter("washago", 44.75, -79.33),
        shelter("barrie", 44.39, -79.69),
        shelter("closed", 44.61, -79.41, open=False),
        shelter("no-families", 44.60, -79.43, families=False),
        shelter("full", 44.61, -79.43, capacity=2),
        shelter("toronto", 43.65, -79.38),
    ]:
        directory.apply(s, s.id)
    incidents = IncidentDirectory()
    flood, _ = decide_incident(None, DeclareIncident(id="flood", kind="flood", title="Flood", severity="severe",
                                                     area={"center": {"lat": 44.75, "lon": -79.33}, "radius_km": 5}), NOON)
    incidents.apply(flood, "flood")
    candidates, excluded = directory.candidates(44.6082, -79.4197, 3, Needs(family=True), 60, incidents, limit=10)
    assert [c.shelter_id for c in candidates] == ["orillia", "barrie"]
    reasons = {a.shelter_id: a.reasons for a in excluded}
    assert reasons["closed"] == ["closed"]
    assert reasons["no-families"] == ["no families"]
    assert reasons["full"] == ["only 2 free beds"]
    assert reasons["washago"] == ["inside danger zone of 'Flood'"]


def test_a_shelter_marked_closed_is_never_a_candidate_and_a_limited_one_still_is():
    directory = ShelterDirectory()
    for shelter_id, lat, change in (("no-power", 44.608, ("closed", "no_power")), ("no-heat", 44.61, ("limited", "no_heat"))):
        marked, _ = decide_shelter(shelter(shelter_id, lat, -79.42),
                                   SetShelterStatus(shelter_id=shelter_id, status=change[0], reason=change[1]), NOON)
        directory.apply(marked, shelter_id)
    candidates, excluded = directory.candidates(44.6082, -79.4197, 1, Needs(), 60, IncidentDirectory(), limit=10)
    assert [c.shelter_id for c in candidates] == ["no-heat"]
    assert [(a.shelter_id, a.reasons) for a in excluded] == [("no-power", ["closed"])]


def test_with_nothing_in_range_the_nearest_shelters_beyond_it_are_offered_as_alternatives():
    directory = ShelterDirectory()
    directory.apply(shelter("toronto", 43.65, -79.38), "toronto")
    candidates, excluded = directory.candidates(46.49, -80.99, 1, Needs(), 50, IncidentDirectory(), limit=10)
    assert candidates == []
    assert excluded[0].shelter_id == "toronto" and excluded[0].reasons == ["beyond 50 km"]


def test_an_ended_referral_is_forgotten_after_the_retention_and_not_before():
    referral, _ = decide(held_referral(), ReleaseReferral(id="ref-1"), NOON)
    day = 24 * 3600
    kept, _ = decide(referral, PurgeReferral(id="ref-1", retention_s=day), NOON + timedelta(hours=23))
    gone, _ = decide(referral, PurgeReferral(id="ref-1", retention_s=day), NOON + timedelta(hours=24))
    assert kept == referral and gone is None


def test_a_referral_still_holding_a_bed_is_never_purged():
    referral = held_referral()
    kept, _ = decide(referral, PurgeReferral(id="ref-1", retention_s=1), NOON + timedelta(days=30))
    assert kept == referral


class TestShortCodes:
    def test_a_new_referral_gets_six_characters_a_caller_cannot_misread(self):
        referral, _ = started()
        assert referral.code == short_code("ref-1") and len(referral.code) == 6
        assert set(referral.code) <= set(CODE_ALPHABET) and not set("0O1ILU") & set(CODE_ALPHABET)

    def test_the_code_is_the_same_for_the_same_id_and_differs_between_ids(self):
        assert short_code("call-0001") == short_code("call-0001")
        assert len({short_code(f"call-{i:04d}") for i in range(2000)}) == 2000

    def test_the_code_the_api_picked_is_kept(self):
        referral, _ = decide(None, request(code="K7M4QX"), NOON)
        assert referral.code == "K7M4QX"

    def test_a_code_the_navigator_already_has_is_passed_over_for_the_next(self):
        first = short_code("ref-1")
        assert unique_code("ref-1", lambda code: False) == first
        assert unique_code("ref-1", lambda code: code == first) == short_code("ref-1", 1)

    def test_a_code_is_read_however_it_was_written_and_nothing_else_is(self):
        assert read_code(" k7m-4qx ") == read_code("K7M 4QX") == "K7M4QX"
        assert [read_code(text) for text in ("K7M4Q", "K7M4Q0", "K7M-4QXX", "")] == [None, None, None, None]


def flagged(referral, reason="danger_zone", incident_id="flood-severn", shelter_id="orillia-rotary"):
    return decide(referral, HoldFlagged(referral_id="ref-1", shelter_id=shelter_id, reason=reason,
                                        incident_id=incident_id, at=NOON), NOON)


class TestCallbacks:
    def test_a_flagged_hold_asks_the_navigator_to_call_back_with_the_cause(self):
        referral, commands = flagged(held_referral())
        assert commands == [] and [(f.reason, f.incident_id) for f in referral.callbacks] == [("danger_zone", "flood-severn")]

    def test_each_cause_is_kept_once_however_often_it_is_told(self):
        once, _ = flagged(held_referral())
        twice, _ = flagged(once)
        closed, _ = flagged(twice, reason="shelter_closed", incident_id=None)
        assert twice is once
        assert [f.reason for f in closed.callbacks] == ["danger_zone", "shelter_closed"]

    def test_a_flag_for_a_hold_the_referral_no_longer_has_is_ignored(self):
        released, _ = decide(held_referral(), ReleaseReferral(id="ref-1"), NOON)
        assert flagged(released)[0] is released
        assert flagged(held_referral(), shelter_id="barrie-sadlon")[0].callbacks == []


class TestExtensions:
    def extended(self, referral, expires_at, extension_id="ext-1"):
        return decide(referral, HoldExtended(referral_id="ref-1", shelter_id="orillia-rotary", extension_id=extension_id,
                                             expires_at=expires_at, extensions=1, limit_at=NOON + timedelta(hours=6)), NOON)[0]

    def test_an_extension_granted_moves_the_hold_expiry(self):
        referral = self.extended(held_referral(), NOON + timedelta(hours=3))
        assert (referral.hold_expires_at, referral.extensions) == (NOON + timedelta(hours=3), 1)
        assert (referral.extension, referral.hold_limit_at) == (Extension(id="ext-1", outcome="extended"),
                                                                NOON + timedelta(hours=6))

    def test_the_same_answer_again_changes_nothing(self):
        referral = self.extended(held_referral(), NOON + timedelta(hours=3))
        assert self.extended(referral, NOON + timedelta(hours=3)) is referral

    def test_a_refusal_is_kept_with_its_reason_for_the_navigator(self):
        refusal = ExtendRefused(referral_id="ref-1", shelter_id="orillia-rotary", extension_id="ext-2", reason="at_limit",
                                message="the hold is at its longest", limit_at=NOON + timedelta(hours=6))
        referral, _ = decide(held_referral(), refusal, NOON)
        assert referral.extension == Extension(id="ext-2", outcome="refused", reason="at_limit",
                                               message="the hold is at its longest")
        assert referral.hold_expires_at == NOON + timedelta(hours=2)
