"""Incidents: declared, updated and stood down by managers; read by everyone."""
from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, HTTPException, Query, Response, status

from api.deps import AnyRole, ContainerDep, Manager
from api.round_trip import round_trip
from api.schemas import ERRORS, Accepted, IdempotencyKey, IdPath, check_idempotency_key
from bus.topics import INCIDENT_STATE, INCIDENTS
from handlers.common import ID_PATTERN
from handlers.hours import HoursSum
from handlers.incidents import (
    MAX_DANGER_ZONES,
    CloseIncident,
    DangerZoneChange,
    DeclareIncident,
    Incident,
    IncidentChanges,
    IncidentDeclaration,
    RemoveDangerZone,
    SetDangerZone,
    UpdateIncident,
    command_fields,
    same_declaration,
)

router = APIRouter(prefix="/v1/incidents", tags=["incidents"], responses=ERRORS)


class IncidentOverview(Incident):
    """An incident as read: its state with the volunteer hours logged against it so far (a
    partner's own only, when a partner reads). The breakdown is at `/volunteer-hours`."""

    volunteer_hours: HoursSum


def _overview(c, incident: Incident, actor) -> IncidentOverview:
    hours = c.hours.summary(incident.id, actor.partner_id if actor.role == "partner" else None)
    return IncidentOverview(**dict(incident), volunteer_hours=hours)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=Incident,
    responses={200: {"model": Incident, "description": "already declared with this id"},
               202: {"model": Accepted}, 409: {"description": "this id names a different incident"}},
)
async def declare_incident(body: IncidentDeclaration, actor: Manager, c: ContainerDep, response: Response,
                           idempotency_key: IdempotencyKey = None):
    """Declare an incident: its affected area, and its danger zones (where referrals never go) or,
    without `danger_zones`, its kind's default. The same id again returns the incident already declared."""
    check_idempotency_key(idempotency_key, body.id)
    existing = c.views.get(INCIDENT_STATE, body.id)
    if existing is not None:
        if not same_declaration(existing, body):
            raise HTTPException(status.HTTP_409_CONFLICT, f"incident {body.id!r} was declared with other details")
        response.status_code = status.HTTP_200_OK
        return existing
    command = DeclareIncident(**command_fields(body), actor=actor, accepted_at=c.clock())
    incident: Incident = await round_trip(c, INCIDENTS, command, INCIDENT_STATE, lambda _: True,
                                          href=f"/v1/incidents/{body.id}")
    return incident


@router.get("", response_model=list[IncidentOverview])
async def list_incidents(
    actor: AnyRole,
    c: ContainerDep,
    status_: Literal["active", "closed"] | None = Query(None, alias="status"),
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=1_000_000),
):
    """Incidents, newest first, with their areas, alerted partners and volunteer-hour totals."""
    incidents = [i for i in c.views.all(INCIDENT_STATE).values() if status_ is None or i.status == status_]
    incidents.sort(key=lambda i: (i.declared_at, i.id), reverse=True)
    return [_overview(c, i, actor) for i in incidents[offset : offset + limit]]


def _get(c, incident_id: str) -> Incident:
    incident = c.views.get(INCIDENT_STATE, incident_id)
    if incident is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no incident {incident_id!r}")
    return incident


@router.get("/{incident_id}", response_model=IncidentOverview, responses={404: {"description": "no such incident"}})
async def get_incident(incident_id: IdPath, actor: AnyRole, c: ContainerDep):
    """One incident: state, area, alerted partners, volunteer-hour totals."""
    return _overview(c, _get(c, incident_id), actor)


@router.patch(
    "/{incident_id}",
    response_model=Incident,
    responses={202: {"model": Accepted}, 404: {"description": "no such incident"}, 409: {"description": "closed"}},
)
async def update_incident(incident_id: IdPath, body: IncidentChanges, actor: Manager, c: ContainerDep):
    """Change title, severity or affected area; partners newly in reach are alerted once. A danger
    zone that is the whole area by the kind's default follows the new area; others stay as set."""
    incident = _get(c, incident_id)
    if incident.status == "closed":
        raise HTTPException(status.HTTP_409_CONFLICT, f"incident {incident_id!r} is closed")
    if body.update_id in incident.applied_updates:
        return incident
    command = UpdateIncident(**command_fields(body), id=incident_id, actor=actor, accepted_at=c.clock())
    return await _applied(c, command)


async def _applied(c, command: UpdateIncident | SetDangerZone | RemoveDangerZone) -> Incident:
    """Send a change and answer with the incident once it shows, or 202 after the reply deadline."""
    return await round_trip(c, INCIDENTS, command, INCIDENT_STATE, lambda i: command.update_id in i.applied_updates,
                            href=f"/v1/incidents/{command.id}")


def _changeable(c, incident_id: str, update_id: str) -> tuple[Incident, bool]:
    """The incident a change is for, and whether that change is applied already; 409 once closed."""
    incident = _get(c, incident_id)
    if update_id in incident.applied_updates:
        return incident, True
    if incident.status == "closed":
        raise HTTPException(status.HTTP_409_CONFLICT, f"incident {incident_id!r} is closed")
    return incident, False


@router.put(
    "/{incident_id}/danger-zones/{zone_id}",
    response_model=Incident,
    responses={202: {"model": Accepted}, 404: {"description": "no such incident"},
               409: {"description": "the incident is closed, or has the most danger zones it may have"},
               422: {"description": "an invalid area, or one wholly outside Ontario"}},
)
async def set_danger_zone(incident_id: IdPath, zone_id: IdPath, body: DangerZoneChange, actor: Manager,
                          c: ContainerDep):
    """Add a danger zone (evacuation, inundation, fire, hazmat, other) to an active incident, or
    replace the zone of this id: no referral goes inside it. Its area is validated and repaired as
    an incident's is; `update_id` makes a retry apply once."""
    incident, done = _changeable(c, incident_id, body.update_id)
    if done:
        return incident
    if incident.zone(zone_id) is None and len(incident.danger_zones) >= MAX_DANGER_ZONES:
        raise HTTPException(status.HTTP_409_CONFLICT,
                            f"incident {incident_id!r} has {MAX_DANGER_ZONES} danger zones, the most it may have")
    command = SetDangerZone(**command_fields(body), id=incident_id, zone_id=zone_id, actor=actor,
                            accepted_at=c.clock())
    return await _applied(c, command)


@router.delete(
    "/{incident_id}/danger-zones/{zone_id}",
    response_model=Incident,
    responses={202: {"model": Accepted}, 404: {"description": "no such incident, or no such zone on it"},
               409: {"description": "the incident is closed"}},
)
async def remove_danger_zone(
    incident_id: IdPath, zone_id: IdPath, actor: Manager, c: ContainerDep,
    update_id: str = Query(..., min_length=1, max_length=128, pattern=ID_PATTERN,
                           description="client-chosen id of this removal; a retry with it applies once"),
):
    """Remove a danger zone from an active incident: referrals may go there again (unless another
    zone holds it). The affected area stays as it is."""
    incident, done = _changeable(c, incident_id, update_id)
    if done:
        return incident
    if incident.zone(zone_id) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"incident {incident_id!r} has no danger zone {zone_id!r}")
    command = RemoveDangerZone(id=incident_id, zone_id=zone_id, update_id=update_id, actor=actor,
                               accepted_at=c.clock())
    return await _applied(c, command)


@router.post(
    "/{incident_id}/close",
    response_model=Incident,
    responses={202: {"model": Accepted}, 404: {"description": "no such incident"}},
)
async def close_incident(incident_id: IdPath, actor: Manager, c: ContainerDep):
    """Stand an incident down; its danger zones no longer exclude shelters."""
    incident = _get(c, incident_id)
    if incident.status == "closed":
        return incident
    command = CloseIncident(id=incident_id, actor=actor, accepted_at=c.clock())
    closed: Incident = await round_trip(c, INCIDENTS, command, INCIDENT_STATE, lambda i: i.status == "closed",
                                        href=f"/v1/incidents/{incident_id}")
    return closed
