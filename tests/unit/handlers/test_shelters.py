"""Bed rules without Kafka: holds fit or are refused, expire, confirm, release; never overbook."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import given, settings, strategies as st

from handlers.shelters import (
    BedHeld,
    ConfirmHold,
    ExpireHolds,
    HoldBed,
    HoldConfirmed,
    HoldEnded,
    HoldRefused,
    Needs,
    RegisterShelter,
    ReleaseHold,
    decide,
)

NOON = datetime(2025, 3, 30, 12, 0, tzinfo=timezone.utc)
HOUR = timedelta(hours=1)


def rotary_place(capacity: int = 2, **changes) -> RegisterShelter:
    fields = dict(id="orillia-rotary", name="Sample: Orillia Rotary Place", location={"lat": 44.6, "lon": -79.42},
                  capacity=capacity, occupancy=0, families=True, languages=["en", "fr"])
    fields.update(changes)
    return RegisterShelter(**fields)


def hold(referral: str, beds: int = 1, **needs) -> HoldBed:
    return HoldBed(shelter_id="orillia-rotary", referral_id=referral, beds=beds, needs=Needs(**needs), ttl_s=7200)


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


operations = st.lists(
    st.one_of(
        st.tuples(st.just("hold"), st.integers(0, 9), st.integers(1, 4)),
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
