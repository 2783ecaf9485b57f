"""Bed rules without Kafka: holds fit or are refused, expire, confirm, release, extend within their
bound; holds at a shelter that closes or that a danger zone covers are flagged once; never overbook."""
from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings, strategies as st
from pydantic import ValidationError

from handlers.errors import Rejected
from handlers.shelters import (
    BedHeld,
    ConfirmHold,
    ExpireHolds,
    ExtendHold,
    ExtendRefused,
    FlagHolds,
    HoldBed,
    HoldConfirmed,
    HoldEnded,
    HoldExtended,
    HoldFlagged,
    HoldRefused,
    ReleaseHold,
    SetShelterStatus,
    Shelter,
    decide,
    needs_flagging,
)
from tests.support.clock import NOON
from tests.support.shelters import hold, rotary_place

HOUR = timedelta(hours=1)


def opened(capacity: int = 2, **changes):
    shelter, _ = decide(None, rotary_place(capacity, **changes), NOON)
    return shelter


def test_a_hold_that_fits_is_granted_and_counted():
    shelter, replies = decide(opened(), hold("r1"), NOON)
    assert isinstance(replies[0], BedHeld) and replies[0].expires_at == NOON + 2 * HOUR
    assert (shelter.held, shelter.free) == (1, 1)


def test_two_navigators_cannot_hold_the_last_bed():
    shelter, _ = decide(opened(capacity=1), hold("r1"), NOON)
    shelter, replies = decide(shelter, hold("r2"), NOON)
    assert isinstance(replies[0], HoldRefused) and replies[0].reason == "full"
    assert shelter.held == 1


def test_the_same_referral_asking_twice_holds_once():
    shelter, _ = decide(opened(), hold("r1"), NOON)
    again, replies = decide(shelter, hold("r1"), NOON + timedelta(seconds=5))
    assert again == shelter and isinstance(replies[0], BedHeld)


def test_a_hold_asked_with_a_request_answers_with_the_request_untouched():
    ridden = {"type": "RequestReferral", "id": "ref-1", "candidates": [{"shelter_id": "orillia-rotary"}]}
    asked, too_many = (hold("ref-1", beds=beds).model_copy(update={"request": ridden}) for beds in (1, 3))
    held, [first] = decide(opened(), asked, NOON)
    replies = [first, decide(held, asked, NOON)[1][0], decide(opened(), too_many, NOON)[1][0], decide(None, asked, NOON)[1][0]]
    assert [type(r).__name__ for r in replies] == ["BedHeld", "BedHeld", "HoldRefused", "HoldRefused"]
    assert all(r.request == ridden for r in replies)
    assert "request" not in held.model_dump_json()


def test_needs_the_shelter_cannot_meet_are_refused_with_each_reason():
    _, replies = decide(opened(), hold("r1", pets=True, wheelchair=True, language="oj"), NOON)
    assert replies[0].reason == "no pets, not wheelchair accessible, no service in oj"


def test_a_closed_shelter_refuses_holds():
    _, replies = decide(opened(open=False), hold("r1"), NOON)
    assert replies[0].reason == "closed"


def test_an_unknown_shelter_refuses_rather_than_crashing():
    state, replies = decide(None, hold("r1"), NOON)
    assert state is None and replies[0].reason == "unknown shelter"


def test_holds_expire_after_their_ttl_and_the_bed_returns():
    shelter, _ = decide(opened(capacity=1), hold("r1"), NOON)
    shelter, replies = decide(shelter, ExpireHolds(shelter_id="orillia-rotary"), NOON + 2 * HOUR)
    assert replies == [HoldEnded(referral_id="r1", shelter_id="orillia-rotary", reason="expired")]
    assert (shelter.held, shelter.free) == (0, 1)


def test_an_expired_hold_is_released_before_the_next_hold_is_decided():
    shelter, _ = decide(opened(capacity=1), hold("r1"), NOON)
    shelter, replies = decide(shelter, hold("r2"), NOON + 3 * HOUR)
    assert [type(r) for r in replies] == [HoldEnded, BedHeld]


def test_confirmed_beds_do_not_expire():
    shelter, _ = decide(opened(capacity=1), hold("r1"), NOON)
    shelter, replies = decide(shelter, ConfirmHold(shelter_id="orillia-rotary", referral_id="r1"), NOON + HOUR)
    assert isinstance(replies[0], HoldConfirmed)
    shelter, replies = decide(shelter, ExpireHolds(shelter_id="orillia-rotary"), NOON + 10 * HOUR)
    assert replies == [] and shelter.confirmed == 1


def test_confirming_an_expired_hold_says_it_is_no_longer_held():
    shelter, _ = decide(opened(capacity=1), hold("r1"), NOON)
    _, replies = decide(shelter, ConfirmHold(shelter_id="orillia-rotary", referral_id="r1"), NOON + 3 * HOUR)
    assert replies[-1] == HoldEnded(referral_id="r1", shelter_id="orillia-rotary", reason="not_held")


def test_releasing_returns_the_bed():
    shelter, _ = decide(opened(capacity=1), hold("r1"), NOON)
    shelter, replies = decide(shelter, ReleaseHold(shelter_id="orillia-rotary", referral_id="r1"), NOON)
    assert replies[0].reason == "released" and shelter.free == 1


def test_a_capacity_cut_keeps_existing_holds_and_shows_the_shortfall():
    shelter, _ = decide(opened(capacity=3), hold("r1", beds=3), NOON)
    shelter, _ = decide(shelter, rotary_place(capacity=1), NOON)
    assert (shelter.held, shelter.free, shelter.shortfall) == (3, 0, 2)
    assert "r1" in shelter.holds


def test_re_registering_the_same_profile_changes_nothing():
    shelter = opened()
    again, _ = decide(shelter, rotary_place(), NOON + HOUR)
    assert again is shelter


FLOOD = {"flood-severn": "Severn River flooding"}
"""A danger zone over the shelter, as the shelters agent's directory finds it."""


def status(value: str, reason: str | None = None) -> SetShelterStatus:
    return SetShelterStatus(shelter_id="orillia-rotary", status=value, reason=reason)


def holding(*referrals: str, confirmed: tuple[str, ...] = ()) -> Shelter:
    shelter = opened(capacity=10)
    for referral in referrals:
        shelter, _ = decide(shelter, hold(referral), NOON)
    for referral in confirmed:
        shelter, _ = decide(shelter, ConfirmHold(shelter_id="orillia-rotary", referral_id=referral), NOON)
    return shelter


def flags(replies) -> list[tuple]:
    return [(r.referral_id, r.reason, r.incident_id, r.status_reason) for r in replies if isinstance(r, HoldFlagged)]


class TestAShelterThatLosesPower:
    def test_closing_it_flags_every_held_and_confirmed_hold_for_a_call_back(self):
        shelter, replies = decide(holding("r1", "r2", confirmed=("r2",)), status("closed", "no_power"), NOON + HOUR)
        assert flags(replies) == [("r1", "shelter_closed", None, "no_power"), ("r2", "shelter_closed", None, "no_power")]
        assert [f.reason for h in shelter.holds.values() for f in h.flags] == ["shelter_closed", "shelter_closed"]
        assert (shelter.open, shelter.status, shelter.status_reason) == (False, "closed", "no_power")

    def test_a_closure_told_again_or_any_later_command_flags_nothing_again(self):
        closed, _ = decide(holding("r1"), status("closed", "no_power"), NOON)
        again, replies = decide(closed, status("closed", "no_power"), NOON + HOUR)
        assert replies == [] and again is closed
        _, replies = decide(closed, ExpireHolds(shelter_id="orillia-rotary"), NOON + HOUR)
        assert flags(replies) == []

    def test_a_profile_put_that_closes_it_flags_the_holds_as_well(self):
        _, replies = decide(holding("r1"), rotary_place(capacity=10, open=False), NOON)
        assert flags(replies) == [("r1", "shelter_closed", None, None)]

    def test_the_status_changes_only_status_and_reason_never_the_profile(self):
        shelter = holding("r1")
        limited, replies = decide(shelter, status("limited", "no_heat"), NOON)
        assert replies == [] and limited.profile().model_dump(exclude={"status", "status_reason"}) == \
            shelter.profile().model_dump(exclude={"status", "status_reason"})
        assert (limited.open, limited.status, limited.status_reason, limited.held) == (True, "limited", "no_heat", 1)

    def test_a_limited_shelter_still_takes_holds_and_a_closed_one_does_not(self):
        limited, _ = decide(opened(), status("limited", "no_staff"), NOON)
        assert isinstance(decide(limited, hold("r1"), NOON)[1][0], BedHeld)
        closed, _ = decide(opened(), status("closed", "damaged"), NOON)
        assert decide(closed, hold("r1"), NOON)[1][0].reason == "closed"

    def test_reopening_clears_the_reason(self):
        closed, _ = decide(opened(), status("closed", "no_power"), NOON)
        reopened, _ = decide(closed, status("open"), NOON)
        assert (reopened.open, reopened.status, reopened.status_reason) == (True, "open", None)

    def test_limited_and_closed_need_a_reason_and_open_takes_none(self):
        with pytest.raises(ValidationError, match="reason is required"):
            status("closed")
        with pytest.raises(ValidationError, match="open shelter takes no reason"):
            status("open", "no_power")

    def test_the_status_of_an_unknown_shelter_is_rejected(self):
        with pytest.raises(Rejected, match="unknown shelter"):
            decide(None, status("closed", "no_power"), NOON)


class TestADangerZoneOverHeldBeds:
    def test_no_new_hold_is_granted_inside_a_danger_zone(self):
        state, replies = decide(opened(), hold("r1"), NOON, FLOOD)
        assert replies == [HoldRefused(referral_id="r1", shelter_id="orillia-rotary",
                                       reason="inside danger zone of 'Severn River flooding'")]
        assert state.holds == {}

    def test_holds_there_are_flagged_once_per_incident_with_its_id(self):
        shelter, replies = decide(holding("r1", "r2", confirmed=("r2",)), FlagHolds(shelter_id="orillia-rotary"), NOON,
                                  FLOOD)
        assert flags(replies) == [("r1", "danger_zone", "flood-severn", None), ("r2", "danger_zone", "flood-severn", None)]
        again, replies = decide(shelter, FlagHolds(shelter_id="orillia-rotary"), NOON + HOUR, FLOOD)
        assert flags(replies) == [] and again is shelter
        second = {**FLOOD, "hazmat-orillia": "Rail tanker leak"}
        _, replies = decide(shelter, FlagHolds(shelter_id="orillia-rotary"), NOON + HOUR, second)
        assert flags(replies) == [("r1", "danger_zone", "hazmat-orillia", None), ("r2", "danger_zone", "hazmat-orillia", None)]

    def test_the_sweep_asks_only_while_a_hold_lacks_the_flag_of_a_zone_over_it(self):
        shelter = holding("r1")
        assert needs_flagging(shelter, ["flood-severn"]) and not needs_flagging(shelter, [])
        flagged, _ = decide(shelter, FlagHolds(shelter_id="orillia-rotary"), NOON, FLOOD)
        assert not needs_flagging(flagged, ["flood-severn"])
        assert not needs_flagging(opened(), ["flood-severn"])

    def test_a_closed_shelter_in_a_danger_zone_flags_each_cause_once(self):
        _, replies = decide(holding("r1"), status("closed", "damaged"), NOON, FLOOD)
        assert flags(replies) == [("r1", "danger_zone", "flood-severn", None), ("r1", "shelter_closed", None, "damaged")]


def extend(referral: str = "r1", extension: str = "ext-1", extend_s: float = 3600, max_hold_s: float = 4 * 3600):
    return ExtendHold(shelter_id="orillia-rotary", referral_id=referral, extension_id=extension, extend_s=extend_s,
                      max_hold_s=max_hold_s)


class TestExtendingAHold:
    def test_an_extension_moves_the_expiry_later_by_the_extension(self):
        shelter, replies = decide(holding("r1"), extend(), NOON + HOUR)
        assert replies == [HoldExtended(referral_id="r1", shelter_id="orillia-rotary", extension_id="ext-1",
                                        expires_at=NOON + 3 * HOUR, extensions=1, limit_at=NOON + 4 * HOUR)]
        assert shelter.holds["r1"].expires_at == NOON + 3 * HOUR

    def test_extensions_stop_at_the_longest_hold_and_are_then_refused(self):
        shelter, _ = decide(holding("r1"), extend(extension="ext-1"), NOON)
        shelter, replies = decide(shelter, extend(extension="ext-2"), NOON)
        assert replies[0].expires_at == NOON + 4 * HOUR  # 2 h + 1 h + 1 h, the bound
        same, replies = decide(shelter, extend(extension="ext-3"), NOON)
        assert [(type(r), r.reason, r.limit_at) for r in replies] == [(ExtendRefused, "at_limit", NOON + 4 * HOUR)]
        assert same is shelter

    def test_an_extension_asked_again_extends_once(self):
        once, _ = decide(holding("r1"), extend(), NOON)
        twice, replies = decide(once, extend(), NOON + HOUR)
        assert twice is once and replies[0].expires_at == NOON + 3 * HOUR

    def test_an_expired_a_confirmed_or_an_endangered_hold_is_not_extended(self):
        expired = decide(holding("r1"), extend(), NOON + 3 * HOUR)[1]
        confirmed = decide(holding("r1", confirmed=("r1",)), extend(), NOON)[1]
        closed = decide(decide(holding("r1"), status("closed", "no_water"), NOON)[0], extend(), NOON)[1]
        endangered = decide(holding("r1"), extend(), NOON, FLOOD)[1]
        refusals = [r.reason for replies in (expired, confirmed, closed, endangered) for r in replies
                    if isinstance(r, ExtendRefused)]
        assert refusals == ["not_held", "confirmed", "closed", "danger_zone"]


operations = st.lists(
    st.one_of(
        st.tuples(st.just("hold"), st.integers(0, 9), st.integers(1, 4)),
        st.tuples(st.just("extend"), st.integers(0, 9), st.integers(0, 3)),
        st.tuples(st.just("status"), st.integers(0, 2), st.just(0)),
        st.tuples(st.just("confirm"), st.integers(0, 9), st.just(0)),
        st.tuples(st.just("release"), st.integers(0, 9), st.just(0)),
        st.tuples(st.just("expire"), st.just(0), st.just(0)),
        st.tuples(st.just("capacity"), st.integers(0, 12), st.integers(0, 5)),
        st.tuples(st.just("wait"), st.integers(1, 180), st.just(0)),
    ),
    max_size=60,
)


@settings(max_examples=300, deadline=None)
@given(operations)
def test_no_sequence_of_holds_releases_confirms_expiries_and_capacity_changes_overbooks(ops):
    shelter = opened(capacity=6)
    now = NOON
    for op, a, b in ops:
        if op == "hold":
            command = HoldBed(shelter_id=shelter.id, referral_id=f"r{a}", beds=b, ttl_s=3600)
        elif op == "confirm":
            command = ConfirmHold(shelter_id=shelter.id, referral_id=f"r{a}")
        elif op == "release":
            command = ReleaseHold(shelter_id=shelter.id, referral_id=f"r{a}")
        elif op == "extend":
            command = extend(f"r{a}", f"ext-{b}", extend_s=1800, max_hold_s=2 * 3600)
        elif op == "status":
            command = status(*(("open",), ("limited", "no_heat"), ("closed", "no_power"))[a])
        elif op == "expire":
            command = ExpireHolds(shelter_id=shelter.id)
        elif op == "capacity":
            command = rotary_place(capacity=a, occupancy=min(a, b))
        else:
            now += timedelta(minutes=a)
            continue
        before = shelter
        shelter, replies = decide(shelter, command, now)
        granted = [r for r in replies if isinstance(r, BedHeld) and r.referral_id not in before.holds]
        if granted:
            assert shelter.occupancy + shelter.held + shelter.confirmed <= shelter.capacity
        if op != "capacity":
            assert shelter.shortfall <= before.shortfall
        assert shelter.free == max(0, shelter.capacity - shelter.occupancy - shelter.held - shelter.confirmed)
        assert all(h.expires_at > now for h in shelter.holds.values() if h.status == "held")
        assert all(h.expires_at <= h.held_at + timedelta(hours=2) for h in shelter.holds.values())
