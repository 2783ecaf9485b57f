"""Incidents: declared, updated and stood down by emergency managers; alerts partners in reach.

Schemas (version 1) on the `incidents` topic, keyed by incident id:
  DeclareIncident, UpdateIncident, CloseIncident  (commands from managers)
  AlertPartner  (from the partners agent, for a partner that joins or moves within reach)
State on `incident-state` (compacted, keyed by incident id): Incident.
Facts on `alerts` (keyed by incident id): PartnerAlerted, once per partner per incident.
"""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, NamedTuple, Union

from pydantic import Field, TypeAdapter

from geo.areas import area_geometry, to_geojson
from handlers.common import MAX_AREA_VERTICES, Area, Command, Id, Message, Record, ShortText, Timestamp
from handlers.errors import Rejected
from handlers.taxonomy import Capability, IncidentKind, Severity, fitting_capabilities

APPLIED_UPDATES_KEPT = 256


class IncidentDeclaration(Message):
    """What a manager says when declaring: the body of `POST /v1/incidents`."""

    id: Id
    kind: IncidentKind
    title: ShortText
    severity: Severity
    area: Area


CodeMap = Annotated[
    dict[Annotated[str, Field(max_length=128)],
         Annotated[list[Annotated[str, Field(max_length=128)]], Field(max_length=2000)]],
    Field(max_length=20),
]
"""CAP name/value codes grouped by name (`profile:CAP-CP:Location:0.3` -> census subdivisions)."""


class IncidentSource(Record):
    """Where an incident came from when another system issued it: a CAP 1.2 alert (handlers/cap.py).

    Kept for the record and for finding the incident again from a later Update or Cancel; the
    location geocodes (e.g. Statistics Canada census subdivisions under CAP-CP) say where the issuer
    meant, independently of the area drawn."""

    standard: Literal["CAP 1.2"] = "CAP 1.2"
    profile: Annotated[str, Field(max_length=64)] | None = None
    sender: Annotated[str, Field(min_length=1, max_length=255)]
    identifier: Annotated[str, Field(min_length=1, max_length=255)]
    sent: Timestamp
    event: Annotated[str, Field(max_length=200)] | None = None
    urgency: Annotated[str, Field(max_length=32)] | None = None
    certainty: Annotated[str, Field(max_length=32)] | None = None
    expires: Timestamp | None = None
    event_codes: CodeMap = Field(default_factory=dict, description="eventCode values by valueName")
    geocodes: CodeMap = Field(default_factory=dict, description="area geocode values by valueName")


AreaNote = Annotated[str, Field(max_length=1000)]


class DeclareIncident(IncidentDeclaration, Command):
    """An emergency manager declares an incident; the incident id makes it idempotent."""

    type: Literal["DeclareIncident"] = "DeclareIncident"
    area_note: AreaNote | None = Field(None, description="what the issuer says of the area, e.g. that it is approximate")
    source: IncidentSource | None = None


class IncidentChanges(Message):
    """What a manager changes: the body of `PATCH /v1/incidents/{id}`."""

    update_id: Id
    title: ShortText | None = None
    severity: Severity | None = None
    area: Area | None = None


class UpdateIncident(IncidentChanges, Command):
    """Changes title, severity or area; `update_id` makes a retried update apply once."""

    type: Literal["UpdateIncident"] = "UpdateIncident"
    id: Id
    area_note: AreaNote | None = Field(None, description="what the issuer says of the new area")


class CloseIncident(Command):
    """Stands an incident down: its area stops excluding shelters."""

    type: Literal["CloseIncident"] = "CloseIncident"
    id: Id


class AlertPartner(Command):
    """A partner registered or moved within reach of an active incident: the incident's writer
    alerts it unless it already has, as it alerts partners in reach when an area is declared."""

    type: Literal["AlertPartner"] = "AlertPartner"
    id: Id
    partner_id: Id
    distance_km: float = Field(ge=0, allow_inf_nan=False)
    capabilities: list[Capability] = Field(min_length=1, max_length=12)


IncidentCommand = Annotated[
    Union[DeclareIncident, UpdateIncident, CloseIncident, AlertPartner], Field(discriminator="type")
]
incident_commands: TypeAdapter[IncidentCommand] = TypeAdapter(IncidentCommand)


class PartnerReach(NamedTuple):
    """A partner near an incident area, as found in the partner directory by geo/."""

    partner_id: str
    distance_km: float
    capabilities: tuple[str, ...]


class PartnerAlert(Record):
    partner_id: Id
    distance_km: float
    capabilities: list[str]
    alerted_at: Timestamp


class PartnerAlerted(Message):
    """A partner learned that an incident touches its base or service area."""

    type: Literal["PartnerAlerted"] = "PartnerAlerted"
    incident_id: Id
    partner_id: Id
    kind: IncidentKind
    title: str
    severity: Severity
    distance_km: float
    capabilities: list[str]
    at: Timestamp


class Incident(Message):
    """The incident as everyone sees it; `area` is the (possibly repaired) GeoJSON geometry."""

    type: Literal["Incident"] = "Incident"
    id: Id
    kind: IncidentKind
    title: str
    severity: Severity
    area: dict[str, Any]
    area_input: dict[str, Any]
    area_note: str | None = None
    source: IncidentSource | None = None
    status: Literal["active", "closed"] = "active"
    declared_at: Timestamp
    updated_at: Timestamp
    closed_at: Timestamp | None = None
    declared_by: str | None = None
    alerts: dict[str, PartnerAlert] = Field(default_factory=dict)
    applied_updates: list[str] = Field(default_factory=list)
    version: int = 1


def _notes(*notes: str | None) -> str | None:
    return "; ".join(n for n in notes if n) or None


def geometry_of(area) -> tuple[Any, str | None]:
    """The shapely geometry of a validated Area and the note on any repair made to it."""
    return area_geometry(area.model_dump(), max_vertices=MAX_AREA_VERTICES)


def _alert(incident: Incident, reach: list[PartnerReach], now: datetime) -> tuple[Incident, list[PartnerAlerted]]:
    alerts = dict(incident.alerts)
    out = []
    for partner in sorted(reach, key=lambda r: (r.distance_km, r.partner_id)):
        if partner.partner_id in alerts:
            continue
        fits = fitting_capabilities(incident.kind, partner.capabilities)
        if not fits:
            continue
        distance = round(partner.distance_km, 3)
        alerts[partner.partner_id] = PartnerAlert(
            partner_id=partner.partner_id, distance_km=distance, capabilities=fits, alerted_at=now
        )
        out.append(
            PartnerAlerted(
                incident_id=incident.id,
                partner_id=partner.partner_id,
                kind=incident.kind,
                title=incident.title,
                severity=incident.severity,
                distance_km=distance,
                capabilities=fits,
                at=now,
            )
        )
    if out:
        incident = incident.model_copy(update={"alerts": alerts})
    return incident, out


def declare(state: Incident | None, cmd: DeclareIncident, now: datetime, reach: list[PartnerReach]):
    if state is not None:
        return state, []
    geometry, note = geometry_of(cmd.area)
    incident = Incident(
        id=cmd.id,
        kind=cmd.kind,
        title=cmd.title,
        severity=cmd.severity,
        area=to_geojson(geometry),
        area_input=cmd.area.model_dump(),
        area_note=_notes(cmd.area_note, note),
        source=cmd.source,
        declared_at=now,
        updated_at=now,
        declared_by=cmd.actor.sub if cmd.actor else None,
    )
    return _alert(incident, reach, now)


def update(state: Incident | None, cmd: UpdateIncident, now: datetime, reach: list[PartnerReach]):
    if state is None:
        raise Rejected(f"unknown incident {cmd.id!r}")
    if cmd.update_id in state.applied_updates:
        return state, []
    if state.status == "closed":
        raise Rejected(f"incident {cmd.id!r} is closed")
    changes: dict[str, Any] = {
        "updated_at": now,
        "version": state.version + 1,
        "applied_updates": (state.applied_updates + [cmd.update_id])[-APPLIED_UPDATES_KEPT:],
    }
    if cmd.title is not None:
        changes["title"] = cmd.title
    if cmd.severity is not None:
        changes["severity"] = cmd.severity
    if cmd.area is not None:
        geometry, note = geometry_of(cmd.area)
        changes.update(area=to_geojson(geometry), area_input=cmd.area.model_dump(),
                       area_note=_notes(cmd.area_note, note))
    incident = state.model_copy(update=changes)
    return _alert(incident, reach if cmd.area is not None else [], now)


def close(state: Incident | None, cmd: CloseIncident, now: datetime, reach: list[PartnerReach]):
    if state is None:
        raise Rejected(f"unknown incident {cmd.id!r}")
    if state.status == "closed":
        return state, []
    return state.model_copy(
        update={"status": "closed", "closed_at": now, "updated_at": now, "version": state.version + 1}
    ), []


def alert_partner(state: Incident | None, cmd: AlertPartner, now: datetime, reach: list[PartnerReach]):
    """Nothing to say of an incident stood down (or unknown) by the time the alert arrives."""
    if state is None or state.status == "closed":
        return state, []
    return _alert(state, [PartnerReach(cmd.partner_id, cmd.distance_km, tuple(cmd.capabilities))], now)


def _asking(incident_id: str, reach: PartnerReach, now: datetime) -> AlertPartner:
    return AlertPartner(id=incident_id, partner_id=reach.partner_id, distance_km=reach.distance_km,
                        capabilities=list(reach.capabilities), accepted_at=now)


def alerts_for_partner(reaching: dict[str, PartnerReach], now: datetime) -> list[AlertPartner]:
    """What a partner that joined or moved asks of each active incident that reaches it."""
    return [_asking(incident_id, reach, now) for incident_id, reach in sorted(reaching.items())]


def missed_alerts(incident: Incident, reach: list[PartnerReach], now: datetime) -> list[AlertPartner]:
    """The partners in reach of an active incident that it has not alerted and should have: a
    partner that registered while the incident was declared can be missed by both workers, each
    directory not yet having seen the other's news."""
    if incident.status != "active":
        return []
    return [_asking(incident.id, partner, now) for partner in sorted(reach, key=lambda r: (r.distance_km, r.partner_id))
            if partner.partner_id not in incident.alerts and fitting_capabilities(incident.kind, partner.capabilities)]


HANDLERS = {
    DeclareIncident: declare,
    UpdateIncident: update,
    CloseIncident: close,
    AlertPartner: alert_partner,
}


def decide(state: Incident | None, cmd: IncidentCommand, now: datetime, reach: list[PartnerReach] = ()):
    """Apply one incident command; `reach` lists partners near the command's area, if it has one."""
    return HANDLERS[type(cmd)](state, cmd, now, list(reach))
