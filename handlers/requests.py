"""Resource requests: a manager asks for units; partners commit them, in full or in part.

Schemas (version 1) on the `resource-requests` topic, keyed by request id:
  RaiseRequest, CancelRequest, FulfilRequest   commands from managers (via the API)
  InventoryClaimed, ClaimRefused               replies from the partner agents
State on `request-state` (compacted): ResourceRequest.

The request never decides a unit itself (EDXL-RM's request / commit / fulfil): the worker ranks
candidate partners from its replicated directory (the capability, free units, nearest first) and
the request asks them one at a time (ClaimInventory keyed by partner id) for what is still
needed, taking only what is free now. What no candidate could commit then waits at the nearest
partner that holds the resource type, in priority order, and is committed as units come back.
The rest stays open and visible as `remaining`. Cancel releases every claim (units go back to
the partners); fulfil consumes them (units were delivered and leave the partners' inventory).
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Any, Literal, NamedTuple, Union

from pydantic import AwareDatetime, Field, TypeAdapter

from geo.distance import geodesic_km
from handlers.common import Command, Id, KeyedById, Message, Point, Record, Timestamp
from handlers.errors import Rejected
from handlers.partners import (
    ClaimId,
    ClaimInventory,
    ClaimRefused,
    ConsumeClaim,
    InventoryClaimed,
    Priority,
    ReleaseClaim,
)
from handlers.taxonomy import PROVIDED_BY, ResourceType

MAX_QUANTITY = 100_000


class ResourceRequestBody(Message):
    """What a manager asks for: the body of `POST /v1/resource-requests`."""

    id: Id
    incident_id: Id
    resource_type: ResourceType
    quantity: int = Field(ge=1, le=MAX_QUANTITY)
    location: Point
    needed_by: AwareDatetime
    priority: Priority = "normal"


class RaiseRequest(ResourceRequestBody, Command, KeyedById):
    """Ask partners for units; the request id makes a retry one request."""

    type: Literal["RaiseRequest"] = "RaiseRequest"


class CancelRequest(Command, KeyedById):
    """No longer needed: every commitment is released back to its partner."""

    type: Literal["CancelRequest"] = "CancelRequest"
    id: Id


class FulfilRequest(Command, KeyedById):
    """Delivered: every commitment is consumed from its partner's inventory."""

    type: Literal["FulfilRequest"] = "FulfilRequest"
    id: Id


RequestMessage = Annotated[
    Union[RaiseRequest, CancelRequest, FulfilRequest, InventoryClaimed, ClaimRefused], Field(discriminator="type")
]
request_messages: TypeAdapter[RequestMessage] = TypeAdapter(RequestMessage)


class Candidate(Record):
    """A partner that may have units, as the worker's directory saw it."""

    partner_id: Id
    distance_km: float = Field(ge=0, le=40_000)
    free: int = Field(ge=0)


class Context(NamedTuple):
    """What the worker looked up for a new request: the incident's status, ranked candidates, and
    where the remainder may wait."""

    incident_status: str | None
    candidates: list[Candidate]
    wait_at: str | None


def rank_candidates(places: Iterable[Any], resource_type: str, location: Point, limit: int) -> tuple[list[Candidate], str | None]:
    """Partners with the capability and free units, nearest first; and the nearest partner that
    holds the type at all, where an unmet remainder can wait. `places` are directory entries with
    partner_id, lat, lon, capabilities, inventory and free."""
    needed = PROVIDED_BY[resource_type]
    holders = []
    for place in places:
        if needed not in place.capabilities or place.inventory.get(resource_type, 0) <= 0:
            continue
        km = geodesic_km(location.lat, location.lon, place.lat, place.lon)
        holders.append((km, place.partner_id, place.free.get(resource_type, 0)))
    holders.sort()
    candidates = [Candidate(partner_id=p, distance_km=round(km, 3), free=free) for km, p, free in holders if free > 0]
    return candidates[:limit], (holders[0][1] if holders else None)


ClaimState = Literal["asking", "open", "refused", "released", "consumed"]
LIVE = ("asking", "open")


class RequestClaim(Record):
    """One claim this request made on a partner, as far as the partner's replies tell."""

    claim_id: ClaimId
    partner_id: Id
    asked: int
    wait: bool = False
    granted: int = 0
    waiting: int = 0
    status: ClaimState
    reason: str | None = None


Status = Literal["open", "committed", "cancelled", "fulfilled"]


class ResourceRequest(Message, KeyedById):
    """A request as everyone sees it: `commitments` units per partner, `remaining` still needed.

    For a fulfilled request `commitments` are what was delivered; a cancelled one has none."""

    type: Literal["ResourceRequest"] = "ResourceRequest"
    id: Id
    incident_id: Id
    resource_type: ResourceType
    quantity: int
    location: Point
    needed_by: Timestamp
    priority: Priority
    status: Status = "open"
    commitments: dict[str, int] = Field(default_factory=dict)
    committed: int = 0
    remaining: int
    waiting: int = 0
    waiting_at: Id | None = Field(None, description="the partner where `waiting` units wait")
    wait_at: Id | None = Field(None, description="where the remainder may wait once no candidate is left")
    claims: dict[str, RequestClaim] = Field(default_factory=dict)
    candidates: list[Candidate] = Field(default_factory=list)
    asking: ClaimId | None = None
    raised_by: str | None = None
    raised_at: Timestamp
    updated_at: Timestamp
    closed_at: Timestamp | None = None
    version: int = 1

    def body(self) -> ResourceRequestBody:
        return ResourceRequestBody.model_validate(self.model_dump(include=set(ResourceRequestBody.model_fields)))


Out = ClaimInventory | ReleaseClaim | ConsumeClaim


def _recount(request: ResourceRequest, claims: dict[str, RequestClaim], now: datetime, **changes) -> ResourceRequest:
    status = changes.get("status", request.status)
    counted = ("consumed",) if status == "fulfilled" else ("open",)
    commitments: dict[str, int] = {}
    for claim in claims.values():
        if claim.status in counted and claim.granted:
            commitments[claim.partner_id] = commitments.get(claim.partner_id, 0) + claim.granted
    committed = sum(commitments.values())
    waiting = [c for c in claims.values() if c.status == "open" and c.waiting]
    if status in ("open", "committed"):
        status = "committed" if committed >= request.quantity else "open"
    return request.model_copy(update={
        **changes, "status": status, "claims": claims, "commitments": commitments, "committed": committed,
        "remaining": max(0, request.quantity - committed) if status != "cancelled" else 0,
        "waiting": sum(c.waiting for c in waiting), "waiting_at": waiting[0].partner_id if waiting else None,
        "updated_at": now, "version": request.version + 1,
    })


def _ask(request: ResourceRequest, now: datetime) -> tuple[ResourceRequest, list[Out]]:
    """Ask the next candidate for what is still needed; when none is left, let it wait (once)."""
    if request.status != "open" or request.asking is not None:
        return request, []
    outstanding = sum(c.granted + c.waiting if c.status == "open" else c.asked
                      for c in request.claims.values() if c.status in LIVE)
    needed = request.quantity - outstanding
    if needed <= 0:
        return request, []
    candidates = list(request.candidates)
    if candidates:
        partner_id, wait = candidates.pop(0).partner_id, False
    elif request.wait_at is not None and not any(c.wait for c in request.claims.values()):
        partner_id, wait = request.wait_at, True
    else:
        return request, []
    claim_id = f"{request.id}.{len(request.claims) + 1}"
    claim = RequestClaim(claim_id=claim_id, partner_id=partner_id, asked=needed, wait=wait, status="asking")
    asked = _recount(request, {**request.claims, claim_id: claim}, now, candidates=candidates, asking=claim_id)
    return asked, [ClaimInventory(partner_id=partner_id, claim_id=claim_id, request_id=request.id,
                                  resource_type=request.resource_type, quantity=needed, priority=request.priority,
                                  wait=wait)]


def raise_request(state: ResourceRequest | None, cmd: RaiseRequest, now: datetime, context: Context | None):
    if state is not None:
        return state, []
    if context is None or context.incident_status is None:
        raise Rejected(f"unknown incident {cmd.incident_id!r}")
    if context.incident_status != "active":
        raise Rejected(f"incident {cmd.incident_id!r} is {context.incident_status}")
    request = ResourceRequest(
        **cmd.model_dump(include=set(ResourceRequestBody.model_fields) - {"v"}),
        remaining=cmd.quantity, candidates=context.candidates, wait_at=context.wait_at,
        raised_by=cmd.actor.sub if cmd.actor else None, raised_at=now, updated_at=now, version=0,
    )
    return _ask(request, now)


def _stray(reply: InventoryClaimed, request_id: str, resource_type: str) -> list[Out]:
    """Units committed to a claim this request does not hold go straight back."""
    return [ReleaseClaim(partner_id=reply.partner_id, claim_id=reply.claim_id, request_id=request_id,
                         resource_type=resource_type)]


def claimed(state: ResourceRequest | None, reply: InventoryClaimed, now: datetime, context=None):
    claim = state.claims.get(reply.claim_id) if state else None
    if claim is None or claim.partner_id != reply.partner_id:
        return state, _stray(reply, reply.request_id, reply.resource_type)
    if claim.status == "refused":
        return state, _stray(reply, state.id, state.resource_type)
    if claim.status == "released" or (claim.status != "asking" and reply.granted <= claim.granted and reply.waiting >= claim.waiting):
        return state, []
    if claim.status == "consumed":
        # Granted before the partner consumed the claim, so delivered with it.
        updated = claim.model_copy(update={"granted": max(claim.granted, reply.granted)})
        return _recount(state, {**state.claims, claim.claim_id: updated}, now), []
    updated = claim.model_copy(update={"status": "open", "granted": max(claim.granted, reply.granted),
                                       "waiting": reply.waiting if reply.granted >= claim.granted else claim.waiting})
    changes = {"asking": None} if state.asking == claim.claim_id else {}
    request = _recount(state, {**state.claims, claim.claim_id: updated}, now, **changes)
    return _ask(request, now)


def refused(state: ResourceRequest | None, reply: ClaimRefused, now: datetime, context=None):
    claim = state.claims.get(reply.claim_id) if state else None
    if claim is None or claim.status != "asking":
        return state, []
    updated = claim.model_copy(update={"status": "refused", "reason": reply.reason})
    request = _recount(state, {**state.claims, claim.claim_id: updated}, now, asking=None)
    return _ask(request, now)


def _close(state: ResourceRequest, now: datetime, status: Literal["released", "consumed"], make) -> tuple[ResourceRequest, list[Out]]:
    claims = dict(state.claims)
    out: list[Out] = []
    for claim in state.claims.values():
        if claim.status in LIVE:
            claims[claim.claim_id] = claim.model_copy(update={"status": status, "waiting": 0})
            out.append(make(partner_id=claim.partner_id, claim_id=claim.claim_id, request_id=state.id,
                            resource_type=state.resource_type))
    new = _recount(state, claims, now, status="cancelled" if status == "released" else "fulfilled",
                   candidates=[], asking=None, closed_at=now)
    return new, out


def cancel(state: ResourceRequest | None, cmd: CancelRequest, now: datetime, context=None):
    if state is None:
        raise Rejected(f"unknown request {cmd.id!r}")
    if state.status == "cancelled":
        return state, []
    if state.status == "fulfilled":
        raise Rejected(f"request {cmd.id!r} was already fulfilled")
    return _close(state, now, "released", ReleaseClaim)


def fulfil(state: ResourceRequest | None, cmd: FulfilRequest, now: datetime, context=None):
    if state is None:
        raise Rejected(f"unknown request {cmd.id!r}")
    if state.status == "fulfilled":
        return state, []
    if state.status == "cancelled":
        raise Rejected(f"request {cmd.id!r} was cancelled")
    return _close(state, now, "consumed", ConsumeClaim)


HANDLERS = {
    RaiseRequest: raise_request, CancelRequest: cancel, FulfilRequest: fulfil,
    InventoryClaimed: claimed, ClaimRefused: refused,
}


def decide(state: ResourceRequest | None, message: RequestMessage, now: datetime, context: Context | None = None):
    """Apply one request message: a manager's command or a partner's reply; out go partner commands."""
    return HANDLERS[type(message)](state, message, now, context)
