"""Ontario Corps partners: who they are, what they hold, and what they have promised to requests.

Schemas (version 1) on the `partners` topic, keyed by partner id, decided only by the agent that
owns the partner's partition (single writer per key, so two requests cannot take the same unit):
  RegisterPartner  an admin sets the partner's profile (upsert; the same profile again changes nothing)
  ClaimInventory   a resource request asks for units; answered InventoryClaimed or ClaimRefused
  ReleaseClaim     the request was cancelled: the claim's units go back to the partner
  ConsumeClaim     the request was fulfilled: the claim's units leave the partner's inventory
State on `partner-state` (compacted): Partner. Replies go to `resource-requests`, keyed by request id.

Commitments: per resource type, free = inventory − committed, and a claim is granted at most what
is free, so a claim never takes committed above inventory. An admin lowering inventory below what
is committed keeps the commitments (the units were promised) and shows the `shortfall`.

Higher priority first when inventory is short: a claim gets what is free now, possibly part of what
it asked for. If it may wait (`wait`, the default) its unmet remainder waits at the partner. Waiting
claims are served in priority order (urgent > high > normal > low), then in order of arrival,
whenever inventory comes back: a claim released, or an admin raising inventory. Claims only wait
while nothing of their type is free, so a newcomer never takes units ahead of a waiting claim; an
urgent newcomer joins the queue ahead of waiting normal and low claims.

A claim id is answered the same way however often it is sent: a retry never grants twice, and a
release or consume for a claim not seen yet is remembered, so the claim arriving late is refused.
The last CLOSED_CLAIMS_KEPT closed claims are remembered per partner (the snapshot stays small).
"""
from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Annotated, Literal, Union

from pydantic import Field, StringConstraints, TypeAdapter, field_validator, model_validator

from geo.areas import area_geometry
from handlers.common import (
    MAX_AREA_VERTICES,
    Area,
    Command,
    Id,
    KeyedById,
    Message,
    Point,
    Record,
    ShortText,
    Timestamp,
)
from handlers.directories import PartnerPlace
from handlers.taxonomy import PROVIDED_BY, Capability, ResourceType

Priority = Literal["urgent", "high", "normal", "low"]
PRIORITY_ORDER: dict[str, int] = {"urgent": 0, "high": 1, "normal": 2, "low": 3}
"""Lower comes first when waiting claims are served."""

MAX_INVENTORY = 1_000_000
CLOSED_CLAIMS_KEPT = 500
MAX_OPEN_CLAIMS = 2000

ClaimId = Annotated[
    str, StringConstraints(min_length=1, max_length=160, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:@/-]*$")
]
"""A claim's id: the requester's, so that retries are recognised (request id plus a counter)."""


class Base(Point):
    """Where a partner works from; `place` is how people name it ("Orillia, ON")."""

    place: ShortText | None = None


class PartnerProfile(Message):
    """What an admin says about a partner: the body of `PUT /v1/partners/{id}`. Inventory of a
    resource type needs the capability that provides it (cots and portable shelters: shelter;
    canteen trucks: canteen_truck; first aid kits: first_aid; drones: drone; SAR teams:
    search_and_rescue; chainsaw crews: debris_clearing; vans: transport; the rest their namesake)."""

    name: ShortText
    capabilities: list[Capability] = Field(min_length=1, max_length=12, json_schema_extra={"uniqueItems": True})
    base: Base
    service_area: Area | None = None
    inventory: dict[ResourceType, Annotated[int, Field(ge=0, le=MAX_INVENTORY)]] = Field(default_factory=dict)
    sample: bool = Field(False, description="the record is demonstration data, not the partner's real holdings")

    @field_validator("capabilities")
    @classmethod
    def _unique(cls, capabilities: list[str]) -> list[str]:
        repeated = sorted(c for c, n in Counter(capabilities).items() if n > 1)
        if repeated:
            raise ValueError(f"capabilities repeat {', '.join(repeated)}")
        return capabilities

    @model_validator(mode="after")
    def _inventory_fits_capabilities(self):
        missing = [f"{t} needs {PROVIDED_BY[t]}" for t in sorted(self.inventory) if PROVIDED_BY[t] not in self.capabilities]
        if missing:
            raise ValueError(f"inventory the capabilities do not provide: {'; '.join(missing)}")
        return self


class RegisterPartner(PartnerProfile, Command, KeyedById):
    """Create or update a partner; sending the same profile again changes nothing."""

    type: Literal["RegisterPartner"] = "RegisterPartner"
    id: Id


class ClaimInventory(Command):
    """A resource request asks a partner for units; the claim id makes a retry one claim."""

    type: Literal["ClaimInventory"] = "ClaimInventory"
    partner_id: Id
    claim_id: ClaimId
    request_id: Id
    resource_type: ResourceType
    quantity: int = Field(ge=1, le=MAX_INVENTORY)
    priority: Priority = "normal"
    wait: bool = Field(True, description="let the unmet remainder wait for inventory to come back")

    @property
    def key(self) -> str:
        return self.partner_id


class ReleaseClaim(Command):
    """The request no longer needs the claim (cancelled): its units go back to the partner."""

    type: Literal["ReleaseClaim"] = "ReleaseClaim"
    partner_id: Id
    claim_id: ClaimId
    request_id: Id
    resource_type: ResourceType

    @property
    def key(self) -> str:
        return self.partner_id


class ConsumeClaim(Command):
    """The request was fulfilled: the claim's units were delivered and leave the inventory."""

    type: Literal["ConsumeClaim"] = "ConsumeClaim"
    partner_id: Id
    claim_id: ClaimId
    request_id: Id
    resource_type: ResourceType

    @property
    def key(self) -> str:
        return self.partner_id


PartnerCommand = Annotated[
    Union[RegisterPartner, ClaimInventory, ReleaseClaim, ConsumeClaim], Field(discriminator="type")
]
partner_commands: TypeAdapter[PartnerCommand] = TypeAdapter(PartnerCommand)


ClaimStatus = Literal["open", "refused", "released", "consumed"]


class Claim(Record):
    """One claim on a partner: `granted` units committed, `waiting` units still wanted."""

    claim_id: ClaimId
    request_id: Id
    resource_type: ResourceType
    quantity: int
    granted: int = 0
    waiting: int = 0
    priority: Priority = "normal"
    arrival: int
    status: ClaimStatus
    reason: str | None = None
    updated_at: Timestamp


class Partner(PartnerProfile, KeyedById):
    """A partner as Muster sees it: its profile and the units it has promised, per resource type."""

    type: Literal["Partner"] = "Partner"
    id: Id
    committed: dict[str, int] = Field(default_factory=dict)
    free: dict[str, int] = Field(default_factory=dict)
    waiting: dict[str, int] = Field(default_factory=dict)
    shortfall: dict[str, int] = Field(default_factory=dict)
    claims: dict[str, Claim] = Field(default_factory=dict)
    arrivals: int = 0
    updated_at: Timestamp
    version: int = 1

    @model_validator(mode="after")
    def _counts_match_claims(self):
        if self.committed != _sum(self.claims, "granted") or self.waiting != _sum(self.claims, "waiting"):
            raise ValueError("committed and waiting must equal the open claims")
        return self

    def profile(self) -> PartnerProfile:
        return PartnerProfile.model_validate(self.model_dump(include=set(PartnerProfile.model_fields)))


class InventoryClaimed(Message):
    """A partner committed units to a claim; `granted` is the claim's total so far, so a repeated
    reply changes nothing, and `waiting` is what it still waits for."""

    type: Literal["InventoryClaimed"] = "InventoryClaimed"
    request_id: Id
    claim_id: ClaimId
    partner_id: Id
    resource_type: ResourceType
    granted: int
    waiting: int = 0
    at: Timestamp

    @property
    def key(self) -> str:
        return self.request_id


class ClaimRefused(Message):
    """A partner could commit nothing to a claim, and says why."""

    type: Literal["ClaimRefused"] = "ClaimRefused"
    request_id: Id
    claim_id: ClaimId
    partner_id: Id
    resource_type: ResourceType
    reason: str

    @property
    def key(self) -> str:
        return self.request_id


Reply = InventoryClaimed | ClaimRefused


def _sum(claims: dict[str, Claim], field: str) -> dict[str, int]:
    totals: dict[str, int] = {}
    for claim in claims.values():
        amount = getattr(claim, field)
        if claim.status == "open" and amount:
            totals[claim.resource_type] = totals.get(claim.resource_type, 0) + amount
    return totals


def _serve(partner_id: str, inventory: dict[str, int], claims: dict[str, Claim], now: datetime):
    """Give free units to waiting claims, highest priority first, then first come."""
    committed = _sum(claims, "granted")
    free = {t: inventory.get(t, 0) - committed.get(t, 0) for t in inventory}
    waiting = sorted(
        (c for c in claims.values() if c.status == "open" and c.waiting > 0 and free.get(c.resource_type, 0) > 0),
        key=lambda c: (PRIORITY_ORDER[c.priority], c.arrival),
    )
    served: list[Claim] = []
    for claim in waiting:
        units = min(claim.waiting, free[claim.resource_type])
        if units <= 0:
            continue
        free[claim.resource_type] -= units
        claim = claim.model_copy(update={"granted": claim.granted + units, "waiting": claim.waiting - units, "updated_at": now})
        claims[claim.claim_id] = claim
        served.append(claim)
    return [_granted(partner_id, c, now) for c in served]


def _granted(partner_id: str, claim: Claim, now: datetime) -> InventoryClaimed:
    return InventoryClaimed(request_id=claim.request_id, claim_id=claim.claim_id, partner_id=partner_id,
                            resource_type=claim.resource_type, granted=claim.granted, waiting=claim.waiting, at=now)


def _refused(partner_id: str, claim: Claim) -> ClaimRefused:
    return ClaimRefused(request_id=claim.request_id, claim_id=claim.claim_id, partner_id=partner_id,
                        resource_type=claim.resource_type, reason=claim.reason or f"claim {claim.status}")


def _forget_old(claims: dict[str, Claim]) -> dict[str, Claim]:
    closed = [c for c in claims.values() if c.status != "open"]
    if len(closed) <= CLOSED_CLAIMS_KEPT:
        return claims
    drop = {c.claim_id for c in sorted(closed, key=lambda c: c.arrival)[: len(closed) - CLOSED_CLAIMS_KEPT]}
    return {k: c for k, c in claims.items() if k not in drop}


def _with_claims(partner: Partner, claims: dict[str, Claim], now: datetime, **changes) -> tuple[Partner, list[Reply]]:
    """Serve waiting claims from what is free, then recount; every change ends here."""
    fields = {**partner.model_dump(exclude={"claims", "committed", "free", "waiting", "shortfall"}), **changes}
    claims = dict(claims)
    replies = _serve(partner.id, fields["inventory"], claims, now)
    claims = _forget_old(claims)
    committed = _sum(claims, "granted")
    inventory = fields["inventory"]
    types = sorted(set(inventory) | set(committed))
    new = Partner(
        **{**fields, "updated_at": now, "version": partner.version + 1},
        claims=claims,
        committed=committed,
        waiting=_sum(claims, "waiting"),
        free={t: max(0, inventory.get(t, 0) - committed.get(t, 0)) for t in types if t in inventory},
        shortfall={t: committed.get(t, 0) - inventory.get(t, 0) for t in types if committed.get(t, 0) > inventory.get(t, 0)},
    )
    return new, replies


def register(state: Partner | None, cmd: RegisterPartner, now: datetime):
    profile = PartnerProfile.model_validate(cmd.model_dump(include=set(PartnerProfile.model_fields)))
    if state is None:
        blank = Partner(**profile.model_dump(), id=cmd.id, updated_at=now, version=0)
        return _with_claims(blank, {}, now)
    if state.profile() == profile:
        return state, []
    return _with_claims(state, state.claims, now, **profile.model_dump())


def claim(state: Partner | None, cmd: ClaimInventory, now: datetime):
    if state is None:
        return None, [ClaimRefused(request_id=cmd.request_id, claim_id=cmd.claim_id, partner_id=cmd.partner_id,
                                   resource_type=cmd.resource_type, reason="unknown partner")]
    existing = state.claims.get(cmd.claim_id)
    if existing is not None:
        if existing.status == "open" or (existing.status == "consumed" and existing.granted > 0):
            return state, [_granted(state.id, existing, now)]
        return state, [_refused(state.id, existing)]
    base = dict(claim_id=cmd.claim_id, request_id=cmd.request_id, resource_type=cmd.resource_type,
                quantity=cmd.quantity, priority=cmd.priority, arrival=state.arrivals + 1, updated_at=now)
    reason = None
    if cmd.resource_type not in state.inventory:
        reason = f"holds no {cmd.resource_type}"
    elif sum(1 for c in state.claims.values() if c.status == "open") >= MAX_OPEN_CLAIMS:
        reason = "too many open claims at this partner"
    if reason is not None:
        refused = Claim(**base, status="refused", reason=reason)
        new, replies = _with_claims(state, {**state.claims, cmd.claim_id: refused}, now, arrivals=state.arrivals + 1)
        return new, replies + [_refused(state.id, refused)]
    # The new claim joins the queue with everything it asks for; serving the queue decides what it
    # gets now, so a higher-priority claim already waiting is never overtaken.
    new, served = _with_claims(state, {**state.claims, cmd.claim_id: Claim(**base, status="open", waiting=cmd.quantity)},
                               now, arrivals=state.arrivals + 1)
    mine = new.claims[cmd.claim_id]
    others = [r for r in served if r.claim_id != cmd.claim_id]
    if not cmd.wait and mine.waiting:
        final = mine.model_copy(update={"waiting": 0}) if mine.granted else mine.model_copy(
            update={"waiting": 0, "status": "refused", "reason": f"no {cmd.resource_type} free"})
        new, more = _with_claims(new, {**new.claims, cmd.claim_id: final}, now)
        others += more
        mine = final
    reply = _granted(new.id, mine, now) if mine.status == "open" else _refused(new.id, mine)
    return new, others + [reply]


def _close(state: Partner | None, cmd: ReleaseClaim | ConsumeClaim, now: datetime, status: ClaimStatus):
    if state is None:
        return None, []
    existing = state.claims.get(cmd.claim_id)
    changes = {}
    if existing is None:
        # Remembered, so that the claim itself, arriving late, is refused rather than granted.
        closed = Claim(claim_id=cmd.claim_id, request_id=cmd.request_id, resource_type=cmd.resource_type, quantity=0,
                       arrival=state.arrivals + 1, status=status, reason=f"claim {status} before it arrived",
                       updated_at=now)
        changes["arrivals"] = state.arrivals + 1
    elif existing.status != "open":
        return state, []
    else:
        closed = existing.model_copy(update={"status": status, "waiting": 0, "updated_at": now})
        if status == "consumed" and existing.granted:
            inventory = dict(state.inventory)
            inventory[existing.resource_type] = max(0, inventory.get(existing.resource_type, 0) - existing.granted)
            changes["inventory"] = inventory
    return _with_claims(state, {**state.claims, cmd.claim_id: closed}, now, **changes)


def release(state: Partner | None, cmd: ReleaseClaim, now: datetime):
    return _close(state, cmd, now, "released")


def consume(state: Partner | None, cmd: ConsumeClaim, now: datetime):
    return _close(state, cmd, now, "consumed")


def place_of(partner: Partner) -> PartnerPlace:
    """The partner as the directories need it: where, what area it serves, what it can do and has."""
    area = None
    if partner.service_area is not None:
        area, _ = area_geometry(partner.service_area.model_dump(), max_vertices=MAX_AREA_VERTICES)
    return PartnerPlace(partner_id=partner.id, lat=partner.base.lat, lon=partner.base.lon, service_area=area,
                        capabilities=tuple(partner.capabilities), inventory=dict(partner.inventory),
                        free=dict(partner.free))


def reach_changed(old: Partner | None, new: Partner | None) -> bool:
    """Whether incidents may reach the partner now that did not before: it is new, or where it is
    based, what area it serves or what it can do changed."""
    if new is None:
        return False
    return old is None or (old.base, old.service_area, old.capabilities) != (new.base, new.service_area, new.capabilities)


HANDLERS = {RegisterPartner: register, ClaimInventory: claim, ReleaseClaim: release, ConsumeClaim: consume}


def decide(state: Partner | None, cmd: PartnerCommand, now: datetime) -> tuple[Partner | None, list[Reply]]:
    """Apply one partner command; every reply goes back to the request that made the claim."""
    return HANDLERS[type(cmd)](state, cmd, now)
