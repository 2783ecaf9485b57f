"""Every 211 service, not only beds: service sites registered and marked open, limited or closed by
their operators, and the navigator's search over them and the overnight shelters."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import orjson
from fastapi import APIRouter, HTTPException, Query, Response, status
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from api.deps import AnyRole, ContainerDep, CurrentActor, Navigator
from api.places import Place, locate
from api.round_trip import round_trip
from api.schemas import ERRORS, JSON_ERRORS, LATITUDE, LONGITUDE, Accepted, IdPath, query_group
from api.service_list import LIST_MAX, PER_TYPE_MAX, gather, render_list
from bus.topics import SERVICE_STATE, SERVICES, SHELTER_STATE
from handlers.common import Actor, Point
from handlers.service_directory import ExclusionCode, ServiceQuery, look_at, search
from handlers.services import RegisterService, ServiceProfile, ServiceSite, SetServiceStatus
from handlers.shelters import Needs
from handlers.sites import Schedule, ServiceType, SiteStatus, StatusChange, StatusReason, StreetAddress

router = APIRouter(prefix="/v1/services", tags=["services"], responses=ERRORS)

DEFAULT_RADIUS_KM = 50.0
LIST_PATH = "list"
"""GET /v1/services/list is the printable list; PUT there answers 405, so no site takes `list` as its id."""


class Exclusion(BaseModel):
    """Why a site was left out: `code` for screens to translate, its parameters, and the English."""

    code: ExclusionCode
    message: str = Field(description="the reason in English, e.g. 'closed (no power)'")
    status_reason: StatusReason | None = Field(None, description="closed or full: what the operator said")
    opens_at: datetime | None = Field(None, description="not_open_now: when it next opens (Ontario time)")
    incidents: list[str] | None = Field(None, description="in_danger_zone: the incidents whose danger zones hold it")
    language: str | None = Field(None, description="no_language: the language asked for")


class SiteView(BaseModel):
    """A service site or an overnight shelter, as a navigator reads it and a caller's list prints it.

    `open_now`, `opens_at` and `closes_at` are computed from `schedules` in Ontario time at the
    moment of the answer (no schedules: open around the clock); `status` is what the operator or
    a manager said (open, limited or closed, with `status_reason`)."""

    id: str
    name: str
    service_type: ServiceType
    place: str | None = Field(description="town, e.g. 'Peterborough, ON'")
    location: Point
    address: StreetAddress | None
    phone: str | None
    schedules: list[Schedule]
    status: SiteStatus
    status_reason: StatusReason | None
    languages: list[str]
    accessible: bool = Field(description="wheelchair accessible")
    accepts_pets: bool
    families: bool
    description: str | None
    partner_id: str | None = Field(description="the partner that runs the site")
    free_beds: int | None = Field(description="beds free now, for overnight shelters; null for every other site")
    updated_at: datetime
    distance_km: float | None = Field(description="geodesic distance from the search point; null when read by id")
    open_now: bool
    opens_at: datetime | None = Field(description="when it next opens, if closed now")
    closes_at: datetime | None = Field(description="when it next closes, if open now")
    in_danger_zones: list[str] = Field(description="incidents whose danger zones hold the site: no caller is sent there")
    in_affected_areas: list[str] = Field(description="incidents whose affected area holds the site: no reason to skip it")
    reasons: list[Exclusion] = Field(description="why the site cannot serve the caller now; empty for a result")


class ServiceSearch(BaseModel):
    """The sites that fit, nearest first, and the nearest left out on the way, each with why."""

    at: datetime = Field(description="the moment `open_now` was computed for")
    center: Point = Field(description="where the search was made from")
    place: str | None = Field(description="the place name geocoded, when one was given")
    radius_km: float
    types: list[ServiceType] = Field(description="the service types searched")
    open_now: bool
    needs: Needs
    results: list[SiteView]
    excluded: list[SiteView] = Field(description="sites of those types left out before the last result (anywhere "
                                                 "in the radius when fewer fit), nearest first, with `reasons`")


CALLER = query_group(
    "caller", "where the caller is: `lat` and `lon`, or a `place` (a town or place, geocoded offline); one of the two",
    {"lat": {**LATITUDE, "description": "the caller's latitude (with lon)"},
     "lon": {**LONGITUDE, "description": "the caller's longitude (with lat)"},
     "place": {"type": "string", "minLength": 1, "maxLength": 200,
               "description": "instead of lat and lon: a town or place, geocoded offline"}},
    required=True,
    oneOf=[{"required": ["lat", "lon"], "not": {"required": ["place"]}},
           {"required": ["place"], "not": {"anyOf": [{"required": ["lat"]}, {"required": ["lon"]}]}}])


@router.get("", response_model=ServiceSearch, openapi_extra={"parameters": [CALLER]},
            responses={422: {"description": "invalid query, or an unknown place (`detail.suggestions` names "
                                            "places it may be)"}})
async def search_services(
    _: AnyRole,
    c: ContainerDep,
    lat: float | None = Query(None, ge=-90, le=90, include_in_schema=False),
    lon: float | None = Query(None, ge=-180, le=180, include_in_schema=False),
    place: str | None = Query(None, min_length=1, max_length=200, include_in_schema=False),
    type_: Annotated[list[ServiceType] | None, Query(alias="type", description="repeatable; every type if none")] = None,
    open_now: bool = Query(False, description="only sites open now in Ontario time; the rest are left out with when they open"),
    pets: bool = Query(False, description="the household has pets"),
    wheelchair: bool = Query(False, description="someone uses a wheelchair"),
    family: bool = Query(False, description="a family with children"),
    language: str | None = Query(None, pattern=r"^[a-z]{2,3}$", description="ISO 639 code the caller needs served in"),
    radius_km: float = Query(DEFAULT_RADIUS_KM, gt=0, le=500),
    limit: int = Query(20, ge=1, le=200),
    excluded_limit: int = Query(5, ge=0, le=50, description="at most this many left-out sites"),
):
    """Service sites and overnight shelters near a caller, nearest first: open, not full, outside
    every danger zone (inside an affected area is no reason to skip one), fitting the household.

    Give `lat` and `lon`, or `place`. The caller's location is used for this answer only: it is
    neither stored nor logged. Written with orjson from views built once per snapshot, so a page
    costs a copy per site."""
    if (lat is None) != (lon is None) or (lat is None) == (place is None):
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "give lat and lon, or place (not both)")
    center, place_name = await locate(c, Point(lat=lat, lon=lon) if place is None else Place(place=place))
    query = ServiceQuery(types=tuple(type_ or ()), needs=Needs(pets=pets, wheelchair=wheelchair, family=family,
                                                               language=language),
                         open_now=open_now, radius_km=radius_km, limit=limit, excluded_limit=excluded_limit)
    now = c.clock()
    results, excluded = search(c.services, center.lat, center.lon, query, now, c.incidents)
    page = {"at": now.isoformat(), "center": {"lat": center.lat, "lon": center.lon}, "place": place_name,
            "radius_km": radius_km, "types": list(query.wanted_types()), "open_now": open_now,
            "needs": query.needs.model_dump(), "results": [found.view() for found in results],
            "excluded": [found.view() for found in excluded]}
    return Response(orjson.dumps(page), media_type="application/json")


@router.get(f"/{LIST_PATH}", response_class=HTMLResponse,
            responses={**JSON_ERRORS, 200: {"content": {"text/html": {}}},
                       422: {"description": "invalid query or an unknown place (with suggestions)"}})
async def service_list(
    _: Navigator,
    c: ContainerDep,
    place: str = Query(min_length=1, max_length=200,
                       description="the caller's town, geocoded offline; the list is made from the town, never "
                                   "from the caller's exact point"),
    type_: Annotated[list[ServiceType] | None, Query(alias="type", description="repeatable; every type if none")] = None,
    open_now: bool = Query(False, description="only sites open at the moment of printing (Ontario time)"),
    pets: bool = Query(False, description="the household has pets"),
    wheelchair: bool = Query(False, description="someone uses a wheelchair"),
    family: bool = Query(False, description="a family with children"),
    language: str | None = Query(None, pattern=r"^[a-z]{2,3}$", description="ISO 639 code the caller needs served in"),
    radius_km: float = Query(DEFAULT_RADIUS_KM, gt=0, le=500),
    per_type: int = Query(3, ge=1, le=PER_TYPE_MAX,
                          description=f"sites of each type; at most {LIST_MAX} in all, so fewer of each for many types"),
    lang: Literal["en", "fr"] = Query("en"),
):
    """A printable service list for the caller, in English or French: for each type asked, the
    nearest sites the search would list (open, not full, outside every danger zone, fitting the
    household's needs), with street address, phone, distance and compass direction from the
    caller's town, hours ("open now, closes 22:00", "opens at 08:00") and a numbered map drawn
    in the page. Fits one or two printed pages.

    The town is used for this page only: nothing is written to Kafka (no audit record either:
    the list reads no caller record) and nothing is logged."""
    center, place_name = await locate(c, Place(place=place))
    query = ServiceQuery(types=tuple(type_ or ()), needs=Needs(pets=pets, wheelchair=wheelchair, family=family,
                                                               language=language),
                         open_now=open_now, radius_km=radius_km)
    found = gather(c.services, c.incidents, place_name or place, center.lat, center.lon, query, per_type, c.clock(),
                   lang)
    return HTMLResponse(render_list(found, lang))


def _view(c, site_id: str) -> dict:
    entry = c.services.get(site_id)
    if entry is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no service site or shelter {site_id!r}")
    return look_at(entry, c.clock(), c.incidents).view()


@router.get("/{service_id}", response_model=SiteView, responses={404: {"description": "no such site"}})
async def get_service(service_id: IdPath, _: AnyRole, c: ContainerDep):
    """One service site, or an overnight shelter by its id, as the search shows it (without a
    distance); `reasons` says why it cannot take a caller now (closed, full, in a danger zone)."""
    return _view(c, service_id)


def _may_change(actor: Actor, owner: str | None) -> bool:
    return actor.role in ("manager", "admin") or (actor.role == "partner" and actor.partner_id == owner)


@router.put(
    "/{service_id}",
    response_model=SiteView,
    status_code=status.HTTP_200_OK,
    responses={201: {"model": SiteView}, 202: {"model": Accepted},
               403: {"description": "only managers, admins and the owning partner"},
               409: {"description": "the id is an overnight shelter's, or `list` (the printable list's path)"}},
)
async def put_service(service_id: IdPath, body: ServiceProfile, actor: CurrentActor, c: ContainerDep,
                      response: Response):
    """Create or update a service site: type, place, street address, phone, hours, languages,
    accessibility, and open, limited or closed. Overnight shelters, which hold beds, are PUT at
    /v1/shelters/{id}. A partner may register and change only sites it runs (`partner_id`)."""
    if c.views.get(SHELTER_STATE, service_id) is not None:
        raise HTTPException(status.HTTP_409_CONFLICT, f"{service_id!r} is an overnight shelter; use /v1/shelters/{service_id}")
    existing = c.views.get(SERVICE_STATE, service_id)
    owner = existing.partner_id if existing is not None else body.partner_id
    if not (_may_change(actor, owner) and (actor.role != "partner" or body.partner_id == owner)):
        raise HTTPException(status.HTTP_403_FORBIDDEN,
                            "only a manager, an admin or the owning partner may change a service site")
    command = RegisterService(**dict(body), id=service_id, actor=actor, accepted_at=c.clock())
    await round_trip(c, SERVICES, command, SERVICE_STATE, lambda s: s.profile() == body,
                     href=f"/v1/services/{service_id}")
    if existing is None:
        response.status_code = status.HTTP_201_CREATED
    return _view(c, service_id)


@router.post(
    "/{service_id}/status",
    response_model=SiteView,
    responses={202: {"model": Accepted}, 403: {"description": "only managers, admins and the owning partner"},
               404: {"description": "no such service site"}},
)
async def set_service_status(service_id: IdPath, body: StatusChange, actor: CurrentActor, c: ContainerDep):
    """Mark a service site open, limited or closed, with why (`no_power`, `no_heat`, `no_staff`,
    `full`, ...), in one action. Closed sites are left out of every search with their reason."""
    site: ServiceSite | None = c.views.get(SERVICE_STATE, service_id)
    if site is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no service site {service_id!r}")
    if not _may_change(actor, site.partner_id):
        raise HTTPException(status.HTTP_403_FORBIDDEN,
                            "only a manager, an admin or the owning partner may change a service site")
    if (site.status, site.status_reason) != (body.status, body.reason):
        command = SetServiceStatus(**dict(body), id=service_id, actor=actor, accepted_at=c.clock())
        await round_trip(c, SERVICES, command, SERVICE_STATE,
                         lambda s: (s.status, s.status_reason) == (body.status, body.reason),
                         href=f"/v1/services/{service_id}")
    return _view(c, service_id)
