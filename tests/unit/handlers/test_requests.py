"""Resource request rules without Kafka: ask candidates in turn, split commitments, wait, cancel, fulfil.

The partner side is the real partner handler, so these scenarios run the whole conversation."""
from __future__ import annotations

import pytest

from handlers import partners as P
from handlers.common import Point
from handlers.directories import PartnerPlace
from handlers.errors import Rejected
from handlers.requests import (
    CancelRequest,
    Context,
    FulfilRequest,
    RaiseRequest,
    decide,
    rank_candidates,
    request_messages,
)
from tests.support.clock import NOON
from tests.support.partners import holding_cots

ORILLIA_ARENA = {"lat": 44.5953, "lon": -79.4417}
ARENA = Point(**ORILLIA_ARENA)


class Ontario:
    """A tiny world: partners' states and requests' states, messages delivered in order."""

    def __init__(self, **cots: tuple[float, float, int]) -> None:
        self.partners = {pid: holding_cots(pid, lat, lon, n) for pid, (lat, lon, n) in cots.items()}
        self.requests: dict = {}

    def context(self, resource_type: str = "cots") -> Context:
        places = [P.place_of(p) for p in self.partners.values()]
        candidates, wait_at = rank_candidates(places, resource_type, ARENA, 25)
        return Context("active", candidates, wait_at)

    def send(self, message, context: Context | None = None) -> None:
        queue = [(message, context)]
        while queue:
            message, context = queue.pop(0)
            if isinstance(message, (P.ClaimInventory, P.ReleaseClaim, P.ConsumeClaim)):
                state, out = P.decide(self.partners.get(message.partner_id), message, NOON)
                if state is not None:
                    self.partners[message.partner_id] = state
            else:
                state, out = decide(self.requests.get(message.key), message, NOON, context)
                if state is not None:
                    self.requests[message.key] = state
            queue += [(m, None) for m in out]

    def raise_(self, request_id: str, quantity: int, priority: str = "normal") -> None:
        self.send(RaiseRequest(id=request_id, incident_id="ice-storm-2025-orillia", resource_type="cots",
                               quantity=quantity, location=ORILLIA_ARENA, needed_by="2025-03-30T18:00:00-04:00",
                               priority=priority), self.context())

    def committed(self) -> int:
        return sum(p.committed.get("cots", 0) for p in self.partners.values())


def orillia() -> Ontario:
    return Ontario(near=(44.60, -79.42, 10), middle=(44.40, -79.69, 15), far=(43.65, -79.38, 20))


def test_candidates_are_partners_with_the_capability_and_free_units_nearest_first():
    world = orillia()
    empty = holding_cots("empty", 44.59, -79.44, 0)
    places = [P.place_of(p) for p in [*world.partners.values(), empty]]
    candidates, wait_at = rank_candidates(places, "cots", ARENA, 25)
    assert [c.partner_id for c in candidates] == ["near", "middle", "far"]
    assert wait_at == "near"
    generators, nobody = rank_candidates(places, "generators", ARENA, 25)
    assert generators == [] and nobody is None


def test_a_request_that_fits_one_partner_is_committed_there():
    world = orillia()
    world.raise_("rr-1", 6)
    request = world.requests["rr-1"]
    assert request.status == "committed" and request.commitments == {"near": 6} and request.remaining == 0


def test_a_large_request_is_split_across_partners_nearest_first():
    world = orillia()
    world.raise_("rr-1", 30)
    request = world.requests["rr-1"]
    assert request.commitments == {"near": 10, "middle": 15, "far": 5}
    assert request.status == "committed" and world.committed() == 30


def test_what_no_partner_has_stays_open_and_waits_at_the_nearest():
    world = orillia()
    world.raise_("rr-1", 50)
    request = world.requests["rr-1"]
    assert request.status == "open" and request.remaining == 5 and request.committed == 45
    assert (request.waiting, request.waiting_at) == (5, "near")
    assert world.partners["near"].waiting == {"cots": 5}


def test_over_commitment_is_impossible_however_many_ask():
    world = orillia()
    for i in range(20):
        world.raise_(f"rr-{i}", 7, priority=["urgent", "high", "normal", "low"][i % 4])
    assert world.committed() == 45
    for p in world.partners.values():
        assert p.committed["cots"] <= p.inventory["cots"]
    granted = sum(r.committed for r in world.requests.values())
    assert granted == 45
    for r in world.requests.values():
        assert r.remaining == r.quantity - sum(r.commitments.values())


def test_cancel_returns_units_to_the_highest_priority_request_waiting():
    world = orillia()
    world.raise_("everything", 45)
    world.raise_("low", 4, priority="low")
    world.raise_("urgent", 4, priority="urgent")
    world.send(CancelRequest(id="everything"))
    assert world.requests["everything"].status == "cancelled" and world.requests["everything"].commitments == {}
    assert world.requests["urgent"].commitments == {"near": 4} and world.requests["urgent"].status == "committed"
    assert world.requests["low"].commitments == {"near": 4}
    assert world.committed() == 8


def test_fulfil_consumes_commitments_and_drops_what_still_waits():
    world = orillia()
    world.raise_("rr-1", 50)
    world.send(FulfilRequest(id="rr-1"))
    request = world.requests["rr-1"]
    assert request.status == "fulfilled" and request.commitments == {"near": 10, "middle": 15, "far": 20}
    assert {p: s.inventory["cots"] for p, s in world.partners.items()} == {"near": 0, "middle": 0, "far": 0}
    assert world.committed() == 0 and world.partners["near"].waiting == {}


def test_a_raised_request_again_is_one_request():
    world = orillia()
    world.raise_("rr-1", 6)
    world.raise_("rr-1", 6)
    assert world.committed() == 6


def test_a_duplicate_reply_changes_nothing():
    world = orillia()
    world.raise_("rr-1", 6)
    request = world.requests["rr-1"]
    reply = P.InventoryClaimed(request_id="rr-1", claim_id="rr-1.1", partner_id="near", resource_type="cots",
                               granted=6, at=NOON)
    again, out = decide(request, reply, NOON)
    assert again == request and out == []


def test_units_granted_to_a_claim_the_request_does_not_hold_go_straight_back():
    world = orillia()
    world.raise_("rr-1", 6)
    stray = P.InventoryClaimed(request_id="rr-1", claim_id="rr-1.9", partner_id="far", resource_type="cots",
                               granted=2, at=NOON)
    _, out = decide(world.requests["rr-1"], stray, NOON)
    assert [type(m).__name__ for m in out] == ["ReleaseClaim"] and out[0].claim_id == "rr-1.9"


def test_a_stale_directory_only_costs_a_refusal():
    world = orillia()
    context = world.context()
    world.partners["near"], _ = P.decide(world.partners["near"], P.ClaimInventory(
        partner_id="near", claim_id="other.1", request_id="other", resource_type="cots", quantity=10), NOON)
    world.send(RaiseRequest(id="rr-1", incident_id="i", resource_type="cots", quantity=5, location=ORILLIA_ARENA,
                            needed_by="2025-03-30T18:00:00-04:00"), context)
    request = world.requests["rr-1"]
    assert request.commitments == {"middle": 5}
    assert request.claims["rr-1.1"].status == "refused"


def test_a_request_for_an_unknown_or_closed_incident_is_rejected():
    body = dict(id="rr-1", incident_id="nowhere", resource_type="cots", quantity=5, location=ORILLIA_ARENA,
                needed_by="2025-03-30T18:00:00-04:00")
    with pytest.raises(Rejected, match="unknown incident"):
        decide(None, RaiseRequest(**body), NOON, Context(None, [], None))
    with pytest.raises(Rejected, match="closed"):
        decide(None, RaiseRequest(**body), NOON, Context("closed", [], None))


def test_cancel_and_fulfil_need_a_request_and_do_not_undo_each_other():
    world = orillia()
    with pytest.raises(Rejected, match="unknown request"):
        decide(None, CancelRequest(id="nope"), NOON)
    world.raise_("rr-1", 5)
    world.send(FulfilRequest(id="rr-1"))
    with pytest.raises(Rejected, match="fulfilled"):
        decide(world.requests["rr-1"], CancelRequest(id="rr-1"), NOON)


def test_needed_by_must_carry_a_time_zone_and_quantity_is_bounded():
    from pydantic import ValidationError

    body = dict(id="rr-1", incident_id="i", resource_type="cots", quantity=5, location=ORILLIA_ARENA,
                needed_by="2025-03-30T18:00:00")
    with pytest.raises(ValidationError):
        RaiseRequest(**body)
    with pytest.raises(ValidationError):
        RaiseRequest(**{**body, "needed_by": "2025-03-30T18:00:00-04:00", "quantity": 100_001})


def test_messages_decode_by_type():
    reply = P.ClaimRefused(request_id="rr-1", claim_id="rr-1.1", partner_id="near", resource_type="cots", reason="x")
    assert isinstance(request_messages.validate_json(reply.model_dump_json()), P.ClaimRefused)


def test_a_directory_place_needs_free_units_to_be_a_candidate():
    place = PartnerPlace("p", 44.6, -79.4, None, ("shelter",), {"cots": 5}, {"cots": 0})
    candidates, wait_at = rank_candidates([place], "cots", ARENA, 5)
    assert candidates == [] and wait_at == "p"
