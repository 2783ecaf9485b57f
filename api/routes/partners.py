"""Ontario Corps partners: admins keep the registry; everyone sees who can help with what."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Query, Response, status
from pydantic import BaseModel

from api.deps import Admin, AnyRole, ContainerDep
from api.round_trip import round_trip
from api.schemas import ERRORS, Accepted, IdPath
from bus.topics import PARTNER_STATE, PARTNERS
from handlers.common import Actor
from handlers.partners import Base, Partner, PartnerProfile, RegisterPartner
from handlers.taxonomy import Capability, ResourceType

router = APIRouter(prefix="/v1/partners", tags=["partners"], responses=ERRORS)


class CommitmentView(BaseModel):
    """Units a partner has promised to a resource request, and any still waiting for units."""

    claim_id: str
    request_id: str
    resource_type: str
    granted: int
    waiting: int
    priority: str


class PartnerView(BaseModel):
    """A partner's profile; its commitments only for admins, managers and the partner itself."""

    id: str
    name: str
    sample: bool
    capabilities: list[str]
    base: Base
    service_area: dict[str, Any] | None = None
    inventory: dict[str, int]
    updated_at: str
    committed: dict[str, int] | None = None
    free: dict[str, int] | None = None
    waiting: dict[str, int] | None = None
    shortfall: dict[str, int] | None = None
    commitments: list[CommitmentView] | None = None


def sees_commitments(actor: Actor, partner_id: str) -> bool:
    return actor.role in ("admin", "manager") or (actor.role == "partner" and actor.partner_id == partner_id)


def view_of(partner: Partner, actor: Actor) -> PartnerView:
    fields = partner.model_dump(mode="json", include={"id", "name", "sample", "capabilities", "base", "service_area",
                                                      "inventory", "updated_at"})
    if sees_commitments(actor, partner.id):
        open_claims = sorted((c for c in partner.claims.values() if c.status == "open"), key=lambda c: c.arrival)
        fields.update(
            committed=partner.committed, free=partner.free, waiting=partner.waiting, shortfall=partner.shortfall,
            commitments=[CommitmentView(**c.model_dump(include=set(CommitmentView.model_fields))) for c in open_claims],
        )
    return PartnerView(**fields)


@router.put(
    "/{partner_id}",
    response_model=PartnerView,
    response_model_exclude_none=True,
    responses={201: {"model": PartnerView, "description": "registered"}, 202: {"model": Accepted},
               422: {"description": "invalid profile, e.g. inventory its capabilities do not provide"}},
)
async def put_partner(partner_id: IdPath, body: PartnerProfile, actor: Admin, c: ContainerDep, response: Response):
    """Register or update a partner: capabilities, base, service area, inventory. Lowering inventory
    below what is committed keeps the commitments and shows the shortfall."""
    try:
        command = RegisterPartner(**dict(body), id=partner_id, actor=actor, accepted_at=c.clock())
    except ValueError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"invalid partner id {partner_id!r}") from exc
    existing = c.views.get(PARTNER_STATE, partner_id)
    if existing is not None and existing.profile() == body:
        return view_of(existing, actor)
    partner: Partner = await round_trip(c, PARTNERS, command, PARTNER_STATE, lambda p: p.profile() == body,
                                        href=f"/v1/partners/{partner_id}")
    if existing is None:
        response.status_code = status.HTTP_201_CREATED
    return view_of(partner, actor)


@router.get("", response_model=list[PartnerView], response_model_exclude_none=True)
async def list_partners(
    actor: AnyRole,
    c: ContainerDep,
    capability: Capability | None = Query(None, description="only partners with this capability"),
    resource_type: ResourceType | None = Query(None, description="only partners holding this resource type"),
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=1_000_000),
):
    """Partners by id, with what they can do and hold."""
    found = [
        p for p in sorted(c.views.all(PARTNER_STATE).values(), key=lambda p: p.id)
        if (capability is None or capability in p.capabilities)
        and (resource_type is None or p.inventory.get(resource_type, 0) > 0)
    ]
    return [view_of(p, actor) for p in found[offset : offset + limit]]


@router.get("/{partner_id}", response_model=PartnerView, response_model_exclude_none=True,
            responses={404: {"description": "no such partner"}})
async def get_partner(partner_id: IdPath, actor: AnyRole, c: ContainerDep):
    """One partner; its commitments only for admins, managers and the partner itself."""
    partner = c.views.get(PARTNER_STATE, partner_id)
    if partner is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no partner {partner_id!r}")
    return view_of(partner, actor)
