"""Incidents: declared, updated and stood down by managers; read by everyone."""
from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, HTTPException, Query, Response, status

from api.deps import AnyRole, ContainerDep, Manager
from api.schemas import ERRORS, Accepted, IdempotencyKey, IdPath, accepted, check_idempotency_key
from bus.topics import INCIDENT_STATE, INCIDENTS
from handlers.hours import HoursSum
from handlers.incidents import (
    CloseIncident,
    DeclareIncident,
    Incident,
    IncidentChanges,
    IncidentDeclaration,
    UpdateIncident,
)

router = APIRouter(prefix="/v1/incidents", tags=["incidents"], responses=ERRORS)


class IncidentOverview(Incident):
    """An incident as read: its state with the volunteer hours logged against it so far (a
    partner's own only, when a partner reads). The breakdown is at `/volunteer-hours`."""

    volunteer_hours: HoursSum


def _overview(c, incident: Incident, actor) -> IncidentOverview:
    hours = c.hours.summary(incident.id, actor.partner_id if actor.role == "partner" else None)
    return IncidentOverview(**dict(incident), volunteer_hours=hours)


def _accepted(id_: str):
    return accepted(f"/v1/incidents/{id_}", id_)


def _same_declaration(incident: Incident, body: IncidentDeclaration) -> bool:
    return (incident.kind, incident.title, incident.severity, incident.area_input) == (
        body.kind, body.title, body.severity, body.area.model_dump()
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=Incident,
    responses={200: {"model": Incident, "description": "already declared with this id"},
               202: {"model": Accepted}, 409: {"description": "this id names a different incident"}},
)
async def declare_incident(body: IncidentDeclaration, actor: Manager, c: ContainerDep, response: Response,
                           idempotency_key: IdempotencyKey = None):
    """Declare an incident; the same id again returns the incident already declared."""
    check_idempotency_key(idempotency_key, body.id)
    existing = c.views.get(INCIDENT_STATE, body.id)
    if existing is not None:
        if not _same_declaration(existing, body):
            raise HTTPException(status.HTTP_409_CONFLICT, f"incident {body.id!r} was declared with other details")
        response.status_code = status.HTTP_200_OK
        return existing
    command = DeclareIncident(**dict(body), actor=actor, accepted_at=c.clock())
    await c.publisher.send(INCIDENTS, body.id, command)
    incident = await c.views.wait_for(INCIDENT_STATE, body.id, lambda _: True, c.settings.reply_timeout_s)
    return incident if incident is not None else _accepted(body.id)


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
    """Change title, severity or area; partners newly in reach are alerted once."""
    incident = _get(c, incident_id)
    if incident.status == "closed":
        raise HTTPException(status.HTTP_409_CONFLICT, f"incident {incident_id!r} is closed")
    if body.update_id in incident.applied_updates:
        return incident
    command = UpdateIncident(**dict(body), id=incident_id, actor=actor, accepted_at=c.clock())
    await c.publisher.send(INCIDENTS, incident_id, command)
    updated = await c.views.wait_for(
        INCIDENT_STATE, incident_id, lambda i: body.update_id in i.applied_updates, c.settings.reply_timeout_s
    )
    return updated if updated is not None else _accepted(incident_id)


@router.post(
    "/{incident_id}/close",
    response_model=Incident,
    responses={202: {"model": Accepted}, 404: {"description": "no such incident"}},
)
async def close_incident(incident_id: IdPath, actor: Manager, c: ContainerDep):
    """Stand an incident down; its area no longer excludes shelters."""
    incident = _get(c, incident_id)
    if incident.status == "closed":
        return incident
    await c.publisher.send(INCIDENTS, incident_id, CloseIncident(id=incident_id, actor=actor, accepted_at=c.clock()))
    closed = await c.views.wait_for(INCIDENT_STATE, incident_id, lambda i: i.status == "closed", c.settings.reply_timeout_s)
    return closed if closed is not None else _accepted(incident_id)
