"""Partner rules without Kafka: the registry, and commitments that never exceed inventory."""
from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings, strategies as st
from pydantic import ValidationError

from handlers.partners import (
    ClaimInventory,
    ClaimRefused,
    ConsumeClaim,
    InventoryClaimed,
    PartnerProfile,
    ReleaseClaim,
    decide,
    partner_commands,
    place_of,
    reach_changed,
)
from tests.support.clock import NOON
from tests.support.partners import ORILLIA, registered, responders


def claim(request: str, quantity: int, resource_type: str = "cots", priority: str = "normal", wait: bool = True,
          claim_id: str | None = None) -> ClaimInventory:
    return ClaimInventory(partner_id="sample-orillia-responders", claim_id=claim_id or f"{request}.1",
                          request_id=request, resource_type=resource_type, quantity=quantity, priority=priority,
                          wait=wait)


def release(request: str, resource_type: str = "cots") -> ReleaseClaim:
    return ReleaseClaim(partner_id="sample-orillia-responders", claim_id=f"{request}.1", request_id=request,
                        resource_type=resource_type)


def consume(request: str, resource_type: str = "cots") -> ConsumeClaim:
    return ConsumeClaim(partner_id="sample-orillia-responders", claim_id=f"{request}.1", request_id=request,
                        resource_type=resource_type)


def run(partner, *commands):
    replies = []
    for command in commands:
        partner, out = decide(partner, command, NOON)
        replies += out
    return partner, replies


class TestRegistry:
    def test_registering_a_partner_shows_everything_free(self):
        partner = registered()
        assert partner.free == {"cots": 10, "generators": 4, "vans": 2}
        assert partner.committed == {} and partner.shortfall == {}

    def test_the_same_profile_again_changes_nothing(self):
        partner = registered()
        again, replies = decide(partner, responders(), NOON + timedelta(hours=1))
        assert again is partner and replies == []

    def test_inventory_needs_the_capability_that_provides_it(self):
        with pytest.raises(ValidationError, match="canteen_trucks needs canteen_truck"):
            responders(inventory={"canteen_trucks": 1})

    def test_capabilities_are_unique_and_from_the_taxonomy(self):
        with pytest.raises(ValidationError, match="repeat shelter"):
            responders(capabilities=["shelter", "shelter"])
        with pytest.raises(ValidationError):
            responders(capabilities=["juggling"])
        with pytest.raises(ValidationError):
            responders(capabilities=["shelter"] * 13)

    def test_inventory_is_bounded(self):
        with pytest.raises(ValidationError):
            responders(inventory={"cots": -1})
        with pytest.raises(ValidationError):
            responders(inventory={"cots": 1_000_001})

    def test_the_seed_record_is_a_valid_profile(self):
        import json
        from pathlib import Path

        data = json.loads((Path(__file__).resolve().parents[3] / "muster" / "data" / "partners.json").read_text())
        for record in data["partners"]:
            PartnerProfile(**{k: v for k, v in record.items() if k != "id"})

    def test_the_directory_place_carries_area_and_free_units(self):
        partner, _ = run(registered(), claim("r1", 3))
        place = place_of(partner)
        assert place.free["cots"] == 7 and place.inventory["cots"] == 10
        assert place.service_area.contains(place.service_area.centroid)

    def test_commands_decode_by_type(self):
        raw = claim("r1", 2).model_dump_json().encode()
        assert isinstance(partner_commands.validate_json(raw), ClaimInventory)


class TestClaims:
    def test_a_claim_that_fits_is_committed_in_full(self):
        partner, replies = run(registered(), claim("r1", 4))
        assert replies == [InventoryClaimed(request_id="r1", claim_id="r1.1", partner_id=partner.id,
                                            resource_type="cots", granted=4, waiting=0, at=NOON)]
        assert partner.committed == {"cots": 4} and partner.free["cots"] == 6

    def test_two_requests_cannot_take_the_last_cots(self):
        partner, replies = run(registered(), claim("r1", 8, wait=False), claim("r2", 8, wait=False))
        assert [r.granted for r in replies] == [8, 2]
        assert partner.committed["cots"] == 10 and partner.free["cots"] == 0
        partner, replies = run(partner, claim("r3", 1, wait=False))
        assert isinstance(replies[0], ClaimRefused) and replies[0].reason == "no cots free"
        assert partner.committed["cots"] == 10

    def test_a_short_partner_commits_part_and_the_rest_waits(self):
        partner, replies = run(registered(), claim("r1", 15))
        assert (replies[0].granted, replies[0].waiting) == (10, 5)
        assert partner.waiting == {"cots": 5} and partner.committed == {"cots": 10}

    def test_a_retried_claim_id_never_grants_twice(self):
        partner, first = run(registered(), claim("r1", 4))
        again, second = run(partner, claim("r1", 4), claim("r1", 4))
        assert again == partner
        assert [r.granted for r in second] == [4, 4]
        assert again.committed == {"cots": 4}

    def test_a_refused_claim_id_stays_refused_when_units_come_back(self):
        partner, _ = run(registered(), claim("r1", 10), claim("r2", 1, wait=False))
        partner, replies = run(partner, release("r1"), claim("r2", 1, wait=False))
        assert isinstance(replies[-1], ClaimRefused)
        assert partner.committed == {}

    def test_a_partner_without_the_resource_type_refuses(self):
        partner, replies = run(registered(), claim("r1", 1, resource_type="food_kits"))
        assert isinstance(replies[0], ClaimRefused) and replies[0].reason == "holds no food_kits"

    def test_an_unknown_partner_refuses(self):
        partner, replies = decide(None, claim("r1", 1), NOON)
        assert partner is None and replies[0].reason == "unknown partner"

    def test_release_returns_units_and_is_idempotent(self):
        partner, _ = run(registered(), claim("r1", 6))
        partner, _ = run(partner, release("r1"))
        again, replies = run(partner, release("r1"))
        assert partner.free["cots"] == 10 and partner.committed == {}
        assert again == partner and replies == []

    def test_consume_takes_units_out_of_inventory(self):
        partner, _ = run(registered(), claim("r1", 6))
        partner, _ = run(partner, consume("r1"), consume("r1"))
        assert partner.inventory["cots"] == 4 and partner.committed == {} and partner.free["cots"] == 4
        assert partner.claims["r1.1"].status == "consumed"

    def test_a_release_that_overtakes_its_claim_keeps_the_claim_from_granting(self):
        partner, _ = run(registered(), release("r1"))
        partner, replies = run(partner, claim("r1", 3))
        assert isinstance(replies[0], ClaimRefused) and partner.committed == {}

    def test_lowering_inventory_below_commitments_keeps_them_and_shows_the_shortfall(self):
        partner, _ = run(registered(), claim("r1", 8))
        partner, _ = run(partner, responders(inventory={"cots": 5, "generators": 4, "vans": 2}))
        assert partner.committed == {"cots": 8} and partner.shortfall == {"cots": 3} and partner.free["cots"] == 0
        partner, replies = run(partner, claim("r2", 1, wait=False))
        assert isinstance(replies[0], ClaimRefused)


class TestPriority:
    def test_units_that_come_back_go_to_waiting_claims_highest_priority_first(self):
        partner, _ = run(registered(), claim("first", 10))
        partner, _ = run(partner, claim("low", 3, priority="low"), claim("normal", 3, priority="normal"),
                         claim("urgent", 3, priority="urgent"), claim("high", 3, priority="high"))
        partner, replies = run(partner, release("first"))
        assert [(r.request_id, r.granted) for r in replies] == [("urgent", 3), ("high", 3), ("normal", 3), ("low", 1)]
        assert partner.waiting == {"cots": 2} and partner.committed == {"cots": 10}

    def test_equal_priorities_are_served_in_order_of_arrival(self):
        partner, _ = run(registered(), claim("first", 10), claim("a", 2), claim("b", 2), claim("c", 2))
        partner, replies = run(partner, release("first"))
        assert [r.request_id for r in replies] == ["a", "b", "c"]

    def test_raising_inventory_serves_waiting_claims(self):
        partner, _ = run(registered(), claim("first", 10), claim("normal", 4), claim("urgent", 4, priority="urgent"))
        partner, replies = run(partner, responders(inventory={"cots": 15, "generators": 4, "vans": 2}))
        assert [(r.request_id, r.granted, r.waiting) for r in replies] == [("urgent", 4, 0), ("normal", 1, 3)]
        assert partner.committed == {"cots": 15} and partner.free["cots"] == 0

    def test_a_newcomer_never_takes_units_ahead_of_a_waiting_claim(self):
        partner, _ = run(registered(), claim("first", 10), claim("waiting", 2, priority="high"))
        partner, replies = run(partner, release("first"), claim("newcomer", 10, priority="urgent"))
        assert [(r.request_id, r.granted) for r in replies] == [("waiting", 2), ("newcomer", 8)]

    def test_a_waiting_claim_released_stops_waiting(self):
        partner, _ = run(registered(), claim("first", 10), claim("waiting", 2))
        partner, _ = run(partner, release("waiting"))
        partner, replies = run(partner, release("first"))
        assert replies == [] and partner.waiting == {} and partner.free["cots"] == 10


# ------------------------------------------------------------------ the invariant, for any sequence

TYPES = ("cots", "generators")
step = st.one_of(
    st.tuples(st.just("claim"), st.integers(0, 11), st.sampled_from(TYPES), st.integers(1, 8),
              st.sampled_from(["urgent", "high", "normal", "low"]), st.booleans()),
    st.tuples(st.just("release"), st.integers(0, 11)),
    st.tuples(st.just("consume"), st.integers(0, 11)),
    st.tuples(st.just("inventory"), st.integers(0, 15), st.integers(0, 6)),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(step, max_size=40))
def test_committed_never_exceeds_inventory_unless_an_inventory_cut_made_the_shortfall(steps):
    partner = registered(inventory={"cots": 10, "generators": 4})
    kinds: dict[int, str] = {}
    granted: dict[str, int] = {}
    for s in steps:
        before = partner
        if s[0] == "claim":
            _, n, resource_type, quantity, priority, wait = s
            kinds.setdefault(n, resource_type)
            command = claim(f"r{n}", quantity, kinds[n], priority, wait)
        elif s[0] in ("release", "consume"):
            n = s[1]
            command = (release if s[0] == "release" else consume)(f"r{n}", kinds.get(n, "cots"))
        else:
            command = responders(inventory={"cots": s[1], "generators": s[2]})
        partner, replies = decide(partner, command, NOON)
        for reply in replies:
            if isinstance(reply, InventoryClaimed):
                assert reply.granted >= granted.get(reply.claim_id, 0), "a claim's grant never shrinks"
                granted[reply.claim_id] = reply.granted
        for t in TYPES:
            committed, inventory = partner.committed.get(t, 0), partner.inventory.get(t, 0)
            grew = committed > before.committed.get(t, 0)
            if committed > inventory:
                # Only an inventory cut leaves more committed than held, and nothing is granted then.
                assert s[0] == "inventory" or before.committed.get(t, 0) > before.inventory.get(t, 0), (s, partner)
                assert not grew
                assert partner.shortfall[t] == committed - inventory
            assert partner.free.get(t, 0) == max(0, inventory - committed)
            if partner.waiting.get(t, 0):
                assert partner.free.get(t, 0) == 0, "claims wait only while nothing is free"
        open_granted = sum(c.granted for c in partner.claims.values() if c.status == "open")
        assert open_granted == sum(partner.committed.values())


def test_incidents_are_asked_to_alert_a_partner_only_when_it_joins_or_where_or_what_it_serves_changes():
    partner = registered()
    assert reach_changed(None, partner)
    assert not reach_changed(partner, None)
    assert not reach_changed(partner, decide(partner, responders(), NOON)[0])
    assert not reach_changed(partner, decide(partner, responders(inventory={"cots": 99}), NOON)[0])
    assert not reach_changed(partner, decide(partner, responders(name="Sample: renamed"), NOON)[0])
    assert reach_changed(partner, decide(partner, responders(base={**ORILLIA, "lat": 45.0}), NOON)[0])
    assert reach_changed(partner, decide(partner, responders(service_area=None), NOON)[0])
    assert reach_changed(partner, decide(partner, responders(capabilities=["shelter"], inventory={"cots": 10}), NOON)[0])
