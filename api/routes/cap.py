"""CAP 1.2 / CAP-CP alerts in: an alert declares, updates, ends or stands down an incident."""
from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response, status
from fastapi.concurrency import run_in_threadpool

from api.deps import ContainerDep, Manager
from api.round_trip import round_trip
from api.schemas import ERRORS, Accepted, Problem
from bus.topics import INCIDENT_STATE, INCIDENTS
from handlers.cap import CapError, CapIngest, CapSyntaxError, declared_by, find_incident, read_alert
from handlers.incidents import Incident

router = APIRouter(prefix="/v1/incidents", tags=["incidents"], responses=ERRORS)

MEDIA_TYPES = ("application/xml", "application/cap+xml", "text/xml")
_XML_BODY = {"schema": {"type": "string", "description": "one CAP 1.2 <alert> element"}}


def _same_alert(incident: Incident, ingest: CapIngest) -> bool:
    """Is this the alert the incident was declared from? Once Updates or a Cancel have changed
    the incident, a re-broadcast original is known by its identity (sender, identifier, sent).
    An incident declared from a later Update of this alert (Muster saw that first) stands."""
    if incident.source is not None and not declared_by(incident, ingest):
        return True
    if incident.version > 1 and incident.source is not None:
        known, sent = incident.source, ingest.source
        return (known.sender, known.identifier, known.sent) == (sent.sender, sent.identifier, sent.sent)
    body = ingest.declaration
    return (incident.kind, incident.title, incident.severity, incident.area_input) == (
        body.kind, body.title, body.severity, body.area.model_dump()
    )


async def _read(request: Request, c) -> CapIngest:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in MEDIA_TYPES:
        raise HTTPException(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
                            f"send the CAP alert as {' or '.join(MEDIA_TYPES)}, "
                            f"not {media_type or 'no content type'!r}")
    body = await request.body()
    try:
        return await run_in_threadpool(lambda: read_alert(body, c.geocoder, now=c.clock()))
    except CapSyntaxError as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, f"CAP alert refused: {exc}") from None
    except CapError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"CAP alert refused: {exc}") from None


@router.post(
    "/cap",
    status_code=status.HTTP_201_CREATED,
    response_model=Incident,
    responses={
        200: {"model": Incident, "description": "an Update or Cancel applied, or this message already ingested"},
        202: {"model": Accepted},
        400: {"model": Problem, "description": "not well-formed XML, or unsafe XML (a DTD, entities)"},
        409: {"description": "this alert id names a different incident, or the incident is closed"},
        415: {"model": Problem, "description": "not application/xml, application/cap+xml or text/xml"},
        422: {"description": "not a CAP 1.2 alert Muster can act on; `detail` says why (e.g. no area in "
                             "Ontario, an unknown place)"},
    },
    openapi_extra={"requestBody": {"required": True, "content": {t: _XML_BODY for t in MEDIA_TYPES}}},
)
async def ingest_cap(request: Request, actor: Manager, c: ContainerDep, response: Response):
    """Ingest a CAP 1.2 / CAP-CP alert as of Muster's clock. Alert declares an incident (recorded
    closed, alerting nobody, if already past `expires`); Update changes it to the areas still under
    the alert, or ends what the alert declared when every block has ended (AllClear, ECCC's
    Alert_Location_Status ended, or expired); an Update of an alert Muster never saw declares the
    incident from the Update alone; Cancel stands it down (found through `references`). Blocks
    whose responseType says Evacuate or Avoid make danger zones; the rest, and every weather
    warning, make the affected area only. An alert with no area in Ontario is refused (422)."""
    ingest = await _read(request, c)
    if ingest.msg_type == "Alert":
        incident_id = ingest.message_id
        existing = c.views.get(INCIDENT_STATE, incident_id)
        if existing is not None:
            if not _same_alert(existing, ingest):
                raise HTTPException(status.HTTP_409_CONFLICT,
                                    f"incident {incident_id!r} was declared with other details")
            response.status_code = status.HTTP_200_OK
            return existing
        return await _declare(c, ingest, actor)

    incident = find_incident(ingest.references, c.views.all(INCIDENT_STATE))
    if incident is None:
        if ingest.msg_type == "Update" and ingest.declaration is not None:
            return await _declare(c, ingest, actor)
        named = ", ".join(r.identifier for r in ingest.references)[:500]
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            f"CAP {ingest.msg_type} refers to no incident Muster knows (references: {named})")
    response.status_code = status.HTTP_200_OK
    if ingest.msg_type == "Update":
        update_id = ingest.message_id
        if update_id in incident.applied_updates or declared_by(incident, ingest):
            return incident
        if incident.status == "closed":
            if ingest.ended:
                return incident
            raise HTTPException(status.HTTP_409_CONFLICT, f"incident {incident.id!r} is closed")
        wanted = lambda i: update_id in i.applied_updates or i.status == "closed"  # noqa: E731
    else:
        if incident.status == "closed":
            return incident
        wanted = lambda i: i.status == "closed"  # noqa: E731
    command = ingest.command(incident.id, actor, c.clock())
    return await round_trip(c, INCIDENTS, command, INCIDENT_STATE, wanted, href=f"/v1/incidents/{incident.id}")


async def _declare(c, ingest: CapIngest, actor) -> Incident:
    """Declare the incident this Alert (or Update standing alone) describes; 201 once it shows."""
    return await round_trip(c, INCIDENTS, ingest.declare(actor, c.clock()), INCIDENT_STATE, lambda _: True,
                            href=f"/v1/incidents/{ingest.incident_id}")
