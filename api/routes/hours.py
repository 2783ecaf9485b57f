"""Volunteer hours: partners log deployed volunteers; totals per incident, and a CSV for funders."""
from __future__ import annotations

import csv
import io
from typing import Literal

from fastapi import APIRouter, HTTPException, Query, Response, status
from fastapi.responses import PlainTextResponse

from api.deps import ContainerDep, PartnerOrManager, PartnerRole
from api.round_trip import round_trip
from api.schemas import ERRORS, Accepted, IdempotencyKey, IdPath, check_idempotency_key
from bus.topics import HOURS, HOURS_LOG, INCIDENT_STATE, PARTNER_STATE
from handlers.errors import Rejected
from handlers.hours import CSV_HEADER, HoursEntry, HoursLogged, IncidentHours, LogHours, check

router = APIRouter(tags=["volunteer hours"], responses=ERRORS)


def _unprocessable(detail: str) -> HTTPException:
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail)


@router.post(
    "/v1/volunteer-hours",
    status_code=status.HTTP_201_CREATED,
    response_model=HoursLogged,
    responses={200: {"model": HoursLogged, "description": "already logged with this id"},
               202: {"model": Accepted}, 403: {"description": "partners log hours for themselves only"},
               409: {"description": "this id names a different entry"},
               422: {"description": "invalid entry, unknown incident or partner, or a bad correction"}},
)
async def log_hours(body: HoursEntry, actor: PartnerRole, c: ContainerDep, response: Response,
                    idempotency_key: IdempotencyKey = None):
    """Log volunteers deployed and their total hours for one day and activity. To fix an entry, log a
    new one with `corrects` set to its id: totals then count the new one instead."""
    check_idempotency_key(idempotency_key, body.id)
    if actor.role == "partner" and actor.partner_id != body.partner_id:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "a partner may log hours only for itself")
    existing = c.views.get(HOURS_LOG, body.id)
    if existing is not None:
        if not existing.same_entry(body):
            raise HTTPException(status.HTTP_409_CONFLICT, f"entry {body.id!r} was logged with other details")
        response.status_code = status.HTTP_200_OK
        return existing
    incident = c.views.get(INCIDENT_STATE, body.incident_id)
    try:
        check(body, c.clock(), incident.status if incident is not None else None)
    except Rejected as exc:
        raise _unprocessable(exc.reason) from None
    if c.views.get(PARTNER_STATE, body.partner_id) is None:
        raise _unprocessable(f"unknown partner {body.partner_id!r}")
    if body.corrects is not None:
        corrected = c.views.get(HOURS_LOG, body.corrects)
        if corrected is None:
            raise _unprocessable(f"no entry {body.corrects!r} to correct")
        if (corrected.partner_id, corrected.incident_id) != (body.partner_id, body.incident_id):
            raise _unprocessable("a correction must keep the partner and incident of the entry it corrects")
    command = LogHours(**dict(body), actor=actor, accepted_at=c.clock())
    entry: HoursLogged = await round_trip(c, HOURS, command, HOURS_LOG, lambda _: True,
                                          href=f"/v1/volunteer-hours/{body.id}")
    return entry


@router.get("/v1/volunteer-hours/{entry_id}", response_model=HoursLogged,
            responses={404: {"description": "no such entry"}})
async def get_hours(entry_id: IdPath, actor: PartnerOrManager, c: ContainerDep):
    """One logged entry; a partner sees only its own, a navigator none."""
    entry = c.views.get(HOURS_LOG, entry_id)
    if entry is None or (actor.role == "partner" and entry.partner_id != actor.partner_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no volunteer-hours entry {entry_id!r}")
    return entry


def _csv(c, totals: IncidentHours) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for row in totals.rows:
        partner = c.views.get(PARTNER_STATE, row.partner_id)
        writer.writerow([totals.incident_id, row.partner_id, partner.name if partner else "", row.activity,
                         row.date.isoformat(), row.entries, row.volunteers, f"{row.hours:.2f}"])
    return out.getvalue()


@router.get(
    "/v1/incidents/{incident_id}/volunteer-hours",
    response_model=IncidentHours,
    responses={200: {"content": {"text/csv": {}}, "description": "JSON totals, or CSV rows with `?format=csv`"},
               404: {"description": "no such incident"}},
)
async def incident_hours(incident_id: IdPath, actor: PartnerOrManager, c: ContainerDep,
                         format: Literal["json", "csv"] = Query("json", description="`csv` for a spreadsheet")):
    """Volunteer hours for an incident: totals by partner, activity and day; each correction counted
    instead of the entry it corrects. A partner sees only its own hours; a navigator none (403)."""
    if c.views.get(INCIDENT_STATE, incident_id) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no incident {incident_id!r}")
    totals = c.hours.for_incident(incident_id, actor.partner_id if actor.role == "partner" else None)
    if format == "csv":
        return PlainTextResponse(
            _csv(c, totals), media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="volunteer-hours-{incident_id}.csv"'},
        )
    return totals
