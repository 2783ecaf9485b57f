"""Volunteer hours: partners log deployed volunteers; totals per incident, and a CSV for funders."""
from __future__ import annotations

import io
from typing import Literal

from fastapi import APIRouter, HTTPException, Query, Response, status
from fastapi.responses import PlainTextResponse

from api.deps import Container, ContainerDep, PartnerOrManager, PartnerRole
from api.refusals import no_incident, refusal, refused
from api.round_trip import round_trip
from api.schemas import ERRORS, Accepted, IdempotencyKey, IdPath, check_idempotency_key
from bus.topics import HOURS, HOURS_LOG, INCIDENT_STATE, PARTNER_STATE
from formats.spreadsheets import SafeWriter
from handlers.errors import Rejected
from handlers.hours import CSV_HEADER, HoursEntry, HoursLogged, IncidentHours, LogHours, check
from handlers.reasons import Reason

router = APIRouter(tags=["volunteer hours"], responses=ERRORS)


def _unprocessable(reason: Reason) -> HTTPException:
    return refused(status.HTTP_422_UNPROCESSABLE_CONTENT, reason)


@router.post(
    "/v1/volunteer-hours",
    status_code=status.HTTP_201_CREATED,
    response_model=HoursLogged,
    responses={200: {"model": HoursLogged, "description": "already logged with this id"},
               202: {"model": Accepted}, 403: {"description": "partners log hours for themselves only"},
               409: refusal("this id names a different entry (`id_in_use`)"),
               422: {"description": "an invalid entry; or refused, `detail` a Reason: unknown_incident, "
                                    "future_date, unknown_partner, unknown_entry or correction_mismatch"}},
)
async def log_hours(body: HoursEntry, actor: PartnerRole, container: ContainerDep, response: Response,
                    idempotency_key: IdempotencyKey = None):
    """Log volunteers deployed and their total hours for one day and activity. To fix an entry, log a
    new one with `corrects` set to its id: totals then count the new one instead."""
    check_idempotency_key(idempotency_key, body.id)
    if actor.role == "partner" and actor.partner_id != body.partner_id:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "a partner may log hours only for itself")
    existing = container.views.get(HOURS_LOG, body.id)
    if existing is not None:
        if not existing.same_entry(body):
            raise refused(status.HTTP_409_CONFLICT, Reason(
                code="id_in_use", message=f"entry {body.id!r} was logged with other details", id=body.id))
        response.status_code = status.HTTP_200_OK
        return existing
    incident = container.views.get(INCIDENT_STATE, body.incident_id)
    try:
        check(body, container.clock(), incident.status if incident is not None else None)
    except Rejected as exc:
        raise _unprocessable(exc.reason) from None
    if container.views.get(PARTNER_STATE, body.partner_id) is None:
        raise _unprocessable(Reason(code="unknown_partner", message=f"unknown partner {body.partner_id!r}",
                                    partner_id=body.partner_id))
    if body.corrects is not None:
        corrected = container.views.get(HOURS_LOG, body.corrects)
        if corrected is None:
            raise _unprocessable(Reason(code="unknown_entry", message=f"no entry {body.corrects!r} to correct",
                                        entry_id=body.corrects))
        if (corrected.partner_id, corrected.incident_id) != (body.partner_id, body.incident_id):
            raise _unprocessable(Reason(code="correction_mismatch", entry_id=body.corrects,
                                        message="a correction must keep the partner and incident of the entry it corrects"))
    command = LogHours(**dict(body), actor=actor, accepted_at=container.clock())
    entry: HoursLogged = await round_trip(container, HOURS, command, HOURS_LOG, lambda _: True,
                                          href=f"/v1/volunteer-hours/{body.id}")
    return entry


@router.get("/v1/volunteer-hours/{entry_id}", response_model=HoursLogged,
            responses={404: refusal("no such entry (`unknown_entry`)")})
async def get_hours(entry_id: IdPath, actor: PartnerOrManager, container: ContainerDep):
    """One logged entry; a partner sees only its own, a navigator none."""
    entry = container.views.get(HOURS_LOG, entry_id)
    if entry is None or (actor.role == "partner" and entry.partner_id != actor.partner_id):
        raise refused(status.HTTP_404_NOT_FOUND, Reason(code="unknown_entry", entry_id=entry_id,
                                                        message=f"no volunteer-hours entry {entry_id!r}"))
    return entry


def _csv(container: Container, totals: IncidentHours) -> str:
    out = io.StringIO()
    writer = SafeWriter(out)
    writer.writerow(CSV_HEADER)
    for row in totals.rows:
        partner = container.views.get(PARTNER_STATE, row.partner_id)
        writer.writerow([totals.incident_id, row.partner_id, partner.name if partner else "", row.activity,
                         row.date.isoformat(), row.entries, row.volunteers, f"{row.hours:.2f}"])
    return out.getvalue()


@router.get(
    "/v1/incidents/{incident_id}/volunteer-hours",
    response_model=IncidentHours,
    responses={200: {"content": {"text/csv": {}}, "description": "JSON totals, or CSV rows with `?format=csv`"},
               404: refusal("no such incident (`unknown_incident`)")},
)
async def incident_hours(incident_id: IdPath, actor: PartnerOrManager, container: ContainerDep,
                         format: Literal["json", "csv"] = Query("json", description="`csv` for a spreadsheet")):
    """Volunteer hours for an incident: totals by partner, activity and day; each correction counted
    instead of the entry it corrects. A partner sees only its own hours; a navigator none (403)."""
    if container.views.get(INCIDENT_STATE, incident_id) is None:
        raise refused(status.HTTP_404_NOT_FOUND, no_incident(incident_id))
    totals = container.hours.for_incident(incident_id, actor.partner_id if actor.role == "partner" else None)
    if format == "csv":
        return PlainTextResponse(
            _csv(container, totals), media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="volunteer-hours-{incident_id}.csv"'},
        )
    return totals
