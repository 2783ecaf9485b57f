"""Resource requests: managers ask for units, partners commit them; cancel returns, fulfil consumes."""
from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query, Response, status

from api.deps import AnyRole, Container, ContainerDep, Manager
from api.refusals import refusal, refused
from api.round_trip import NotShownYet, round_trip
from api.schemas import ERRORS, Accepted, IdempotencyKey, IdPath, check_idempotency_key
from bus.topics import INCIDENT_STATE, REQUEST_STATE, REQUESTS
from handlers.common import Actor
from handlers.incidents import incident_closed, unknown_incident
from handlers.reasons import Reason
from handlers.requests import CancelRequest, FulfilRequest, RaiseRequest, ResourceRequest, ResourceRequestBody
from handlers.taxonomy import ResourceType

router = APIRouter(prefix="/v1/resource-requests", tags=["resource requests"], responses=ERRORS)


def seen_by(request: ResourceRequest, actor: Actor) -> ResourceRequest:
    """A partner sees the totals but only its own commitments and claims, never the others'; a
    navigator sees none (their work with callers never needs a partner's commitments)."""
    if actor.role in ("manager", "admin"):
        return request
    own = actor.partner_id if actor.role == "partner" else None
    return request.model_copy(update={
        "commitments": {p: n for p, n in request.commitments.items() if p == own},
        "claims": {k: claim for k, claim in request.claims.items() if claim.partner_id == own},
        "candidates": [],
        "waiting_at": request.waiting_at if request.waiting_at == own else None,
        "asking": None,
    })


def _get(container: Container, request_id: str) -> ResourceRequest:
    request = container.views.get(REQUEST_STATE, request_id)
    if request is None:
        raise refused(status.HTTP_404_NOT_FOUND, Reason(code="unknown_request", request_id=request_id,
                                                        message=f"no resource request {request_id!r}"))
    return request


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ResourceRequest,
    responses={200: {"model": ResourceRequest, "description": "already raised with this id"},
               202: {"model": Accepted},
               409: refusal("this id names a different request (`id_in_use`), or the incident is closed "
                            "(`incident_closed`)"),
               422: {"description": "an invalid request; or an unknown incident, `detail` an `unknown_incident` "
                                    "Reason"}},
)
async def raise_request(body: ResourceRequestBody, actor: Manager, container: ContainerDep, response: Response,
                        idempotency_key: IdempotencyKey = None):
    """Ask partners for units of one resource type; commitments may come from several partners, the
    rest stays open as `remaining`. The same id again returns the request already raised."""
    check_idempotency_key(idempotency_key, body.id)
    existing = container.views.get(REQUEST_STATE, body.id)
    if existing is not None:
        if existing.body() != body:
            raise refused(status.HTTP_409_CONFLICT, Reason(
                code="id_in_use", message=f"request {body.id!r} was raised with other details", id=body.id))
        response.status_code = status.HTTP_200_OK
        return existing
    incident = container.views.get(INCIDENT_STATE, body.incident_id)
    if incident is None:
        raise refused(status.HTTP_422_UNPROCESSABLE_CONTENT, unknown_incident(body.incident_id))
    if incident.status != "active":
        raise refused(status.HTTP_409_CONFLICT, incident_closed(body.incident_id))
    command = RaiseRequest(**dict(body), actor=actor, accepted_at=container.clock())
    # Answer once the first round of claims has been answered, if that is soon; else as it is now.
    try:
        request: ResourceRequest | None = await round_trip(container, REQUESTS, command, REQUEST_STATE, lambda r: r.asking is None,
                                                    href=f"/v1/resource-requests/{body.id}")
    except NotShownYet:
        request = container.views.get(REQUEST_STATE, body.id)
        if request is None:
            raise
    return request


@router.get("", response_model=list[ResourceRequest])
async def list_requests(
    actor: AnyRole,
    container: ContainerDep,
    incident_id: str | None = Query(None, max_length=128),
    status_: Literal["open", "committed", "cancelled", "fulfilled"] | None = Query(None, alias="status"),
    resource_type: ResourceType | None = Query(None),
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=1_000_000),
):
    """Resource requests, newest first: status, commitments per partner, remaining."""
    found = [
        r for r in container.views.all(REQUEST_STATE).values()
        if (incident_id is None or r.incident_id == incident_id) and (status_ is None or r.status == status_)
        and (resource_type is None or r.resource_type == resource_type)
    ]
    found.sort(key=lambda r: (r.raised_at, r.id), reverse=True)
    return [seen_by(r, actor) for r in found[offset : offset + limit]]


NO_REQUEST = refusal("no such request (`unknown_request`)")


@router.get("/{request_id}", response_model=ResourceRequest, responses={404: NO_REQUEST})
async def get_request(request_id: IdPath, actor: AnyRole, container: ContainerDep):
    """One request: status, commitments per partner, remaining, and what waits at a partner
    (a partner sees only its own commitments)."""
    return seen_by(_get(container, request_id), actor)


async def _end(container, request_id: str, command: CancelRequest | FulfilRequest, ends_as: str, conflicts_with: str,
               why: Reason) -> ResourceRequest:
    """Cancel and fulfil alike: idempotent once ended that way, a conflict (`why`) if ended the other way."""
    request = _get(container, request_id)
    if request.status == ends_as:
        return request
    if request.status == conflicts_with:
        raise refused(status.HTTP_409_CONFLICT, why)
    return await round_trip(container, REQUESTS, command, REQUEST_STATE, lambda r: r.status == ends_as,
                            href=f"/v1/resource-requests/{request_id}")


@router.post(
    "/{request_id}/cancel",
    response_model=ResourceRequest,
    responses={202: {"model": Accepted}, 404: NO_REQUEST, 409: refusal("already fulfilled (`request_fulfilled`)")},
)
async def cancel_request(request_id: IdPath, actor: Manager, container: ContainerDep):
    """No longer needed: every commitment goes back to its partner."""
    return await _end(container, request_id, CancelRequest(id=request_id, actor=actor, accepted_at=container.clock()),
                      "cancelled", "fulfilled", Reason(code="request_fulfilled", request_id=request_id,
                                                       message=f"request {request_id!r} was already fulfilled"))


@router.post(
    "/{request_id}/fulfil",
    response_model=ResourceRequest,
    responses={202: {"model": Accepted}, 404: NO_REQUEST, 409: refusal("cancelled (`request_cancelled`)")},
)
async def fulfil_request(request_id: IdPath, actor: Manager, container: ContainerDep):
    """Delivered: the committed units leave the partners' inventory; anything still waiting is dropped."""
    return await _end(container, request_id, FulfilRequest(id=request_id, actor=actor, accepted_at=container.clock()),
                      "fulfilled", "cancelled", Reason(code="request_cancelled", request_id=request_id,
                                                       message=f"request {request_id!r} was cancelled"))
