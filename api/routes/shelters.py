"""The shelter directory: managers and owning partners keep it current; everyone can search it."""
from __future__ import annotations

import orjson
from fastapi import APIRouter, HTTPException, Query, Response, status
from pydantic import BaseModel, Field

from api.deps import AnyRole, ContainerDep, CurrentActor
from api.round_trip import round_trip
from api.schemas import ERRORS, LATITUDE, LONGITUDE, IdPath, query_group
from bus.topics import SHELTER_STATE, SHELTERS
from handlers.shelters import RegisterShelter, SetShelterStatus, Shelter, ShelterProfile, ShelterStatusChange
from handlers.sites import Schedule, SiteStatus, StatusReason, StreetAddress

router = APIRouter(prefix="/v1/shelters", tags=["shelters"], responses=ERRORS)


class ShelterView(BaseModel):
    """A shelter with its free beds now, its distance from the search point, and the active
    incidents it lies in: danger zones (no referrals) apart from affected areas (no reason to skip)."""

    id: str
    name: str
    place: str | None
    location: dict
    capacity: int
    occupancy: int
    held: int
    confirmed: int
    free: int
    shortfall: int
    open: bool
    status: SiteStatus = Field(description="open, limited (still takes referrals) or closed (takes none)")
    status_reason: StatusReason | None = Field(None, description="why the shelter is limited or closed")
    accepts_pets: bool
    accessible: bool
    families: bool
    languages: list[str]
    partner_id: str | None
    address: StreetAddress | None = None
    phone: str | None = None
    schedules: list[Schedule] = []
    distance_km: float | None = None
    in_danger_zones: list[str] = Field(
        [], description="active incidents with a danger zone holding the shelter: it gets no referrals")
    in_affected_areas: list[str] = Field(
        [], description="active incidents whose affected area holds the shelter: no reason to skip it "
        "(a warming centre inside an ice storm is there for the people in it)")
    updated_at: str


_FROM_SNAPSHOT = frozenset(ShelterView.model_fields) - {"distance_km", "in_danger_zones", "in_affected_areas"}


def view_of(c, shelter: Shelter, distance_km: float | None = None, in_danger_zones: list[str] | None = None,
            in_affected_areas: list[str] | None = None) -> dict:
    """A ShelterView as JSON-ready data: one pydantic-core dump of the snapshot's public fields,
    so a listing of hundreds is not validated into views and then serialised again."""
    lat, lon = shelter.location.lat, shelter.location.lon
    view = shelter.model_dump(mode="json", include=_FROM_SNAPSHOT)
    view["distance_km"] = None if distance_km is None else round(distance_km, 3)
    view["in_danger_zones"] = c.incidents.hazards_at(lat, lon) if in_danger_zones is None else in_danger_zones
    view["in_affected_areas"] = c.incidents.affected_at(lat, lon) if in_affected_areas is None else in_affected_areas
    return view


@router.put(
    "/{shelter_id}",
    response_model=ShelterView,
    status_code=status.HTTP_200_OK,
    responses={201: {"model": ShelterView}, 202: {"description": "accepted, not yet visible"},
               403: {"description": "only managers, admins and the owning partner"}},
)
async def put_shelter(shelter_id: IdPath, body: ShelterProfile, actor: CurrentActor, c: ContainerDep, response: Response):
    """Create or update a shelter's profile: capacity, occupancy, services, open or closed."""
    existing = c.views.get(SHELTER_STATE, shelter_id)
    owner = existing.partner_id if existing is not None else body.partner_id
    allowed = actor.role in ("manager", "admin") or (
        actor.role == "partner" and actor.partner_id == owner and body.partner_id == owner
    )
    if not allowed:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "only a manager, an admin or the owning partner may change a shelter")
    command = RegisterShelter(**dict(body), id=shelter_id, actor=actor, accepted_at=c.clock())
    shelter: Shelter = await round_trip(c, SHELTERS, command, SHELTER_STATE, lambda s: s.profile() == body,
                                        href=f"/v1/shelters/{shelter_id}")
    if existing is None:
        response.status_code = status.HTTP_201_CREATED
    return view_of(c, shelter)


def _may_run(actor, shelter: Shelter) -> bool:
    """Managers and admins, and the partner that runs the shelter."""
    return actor.role in ("manager", "admin") or (
        actor.role == "partner" and shelter.partner_id is not None and actor.partner_id == shelter.partner_id)


@router.post(
    "/{shelter_id}/status",
    response_model=ShelterView,
    responses={202: {"description": "accepted, not yet visible"},
               403: {"description": "only managers, admins and the partner that runs the shelter"},
               404: {"description": "no such shelter"},
               422: {"description": "invalid status, or a reason missing (limited, closed) or given (open)"}},
)
async def set_shelter_status(shelter_id: IdPath, body: ShelterStatusChange, actor: CurrentActor, c: ContainerDep):
    """Mark a shelter open, limited or closed, and why (no power, no heat, no staff, ...), in one action.

    Only the status and its reason change. A closed shelter gets no referrals and every bed held
    or confirmed there is flagged for the navigator to call the caller back; a limited one still
    takes referrals and shows its reason."""
    existing = c.views.get(SHELTER_STATE, shelter_id)
    if existing is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no shelter {shelter_id!r}")
    if not _may_run(actor, existing):
        raise HTTPException(status.HTTP_403_FORBIDDEN,
                            "only a manager, an admin or the partner that runs the shelter may change its status")
    command = SetShelterStatus(shelter_id=shelter_id, status=body.status, reason=body.reason,
                               actor=actor, accepted_at=c.clock())
    shelter: Shelter = await round_trip(c, SHELTERS, command, SHELTER_STATE,
                                        lambda s: (s.status, s.status_reason) == (body.status, body.reason),
                                        href=f"/v1/shelters/{shelter_id}")
    return view_of(c, shelter)


NEAR = query_group("near", "the point to search from: `lat` and `lon` together, or neither (every shelter, by id)",
                   {"lat": LATITUDE, "lon": LONGITUDE}, dependentRequired={"lat": ["lon"], "lon": ["lat"]})


@router.get("", response_model=list[ShelterView], openapi_extra={"parameters": [NEAR]},
            responses={422: {"description": "invalid query, e.g. `lat` without `lon`"}})
async def list_shelters(
    _: AnyRole,
    c: ContainerDep,
    lat: float | None = Query(None, ge=-90, le=90, include_in_schema=False),
    lon: float | None = Query(None, ge=-180, le=180, include_in_schema=False),
    radius_km: float = Query(50, gt=0, le=2000),
    available: bool = Query(False, description="only open shelters with free beds outside every danger zone "
                            "(a shelter in an affected area counts)"),
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=1_000_000),
):
    """Shelters near a point (nearest first) or all of them, with beds available now.

    Filtered first, and only the page is turned into views and written, here: FastAPI would
    validate each entry against ShelterView again before serialising it. Building a view for every
    shelter in reach and validating the page took 12 ms for 935 shelters within 50 km of Toronto
    (2,000 in the directory), five times finding them and their hazards; the page alone, 0.6 ms."""
    if (lat is None) != (lon is None):
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "give both lat and lon, or neither")
    if lat is not None:
        near = c.shelters.near(lat, lon, radius_km)
    else:
        near = [(s, None) for s in sorted(c.views.all(SHELTER_STATE).values(), key=lambda s: s.id)]
    danger = c.incidents.hazards_at_each([s for s, _ in near])
    found = [(s, km, zones) for (s, km), zones in zip(near, danger)
             if not available or (s.open and s.free > 0 and not zones)]
    page = found[offset : offset + limit]
    affected = c.incidents.affected_at_each([s for s, _, _ in page])
    page = [view_of(c, s, km, zones, areas) for (s, km, zones), areas in zip(page, affected)]
    return Response(orjson.dumps(page), media_type="application/json")


@router.get("/{shelter_id}", response_model=ShelterView, responses={404: {"description": "no such shelter"}})
async def get_shelter(shelter_id: IdPath, _: AnyRole, c: ContainerDep):
    """One shelter and its beds."""
    shelter = c.views.get(SHELTER_STATE, shelter_id)
    if shelter is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no shelter {shelter_id!r}")
    return view_of(c, shelter)
