"""Incidents: declared, updated and stood down by emergency managers; alerts partners in reach.

An incident has an affected area (`area`: who is alerted, what reports count) and zero or more
danger zones (evacuation, inundation, fire, hazmat perimeters) that referrals never enter. A
declaration that gives no zones gets its kind's defaults (DEFAULT_DANGER_ZONES): the whole area
for a flood, wildfire, hazmat spill, evacuation or tornado; none for an ice storm, winter storm,
heat, power outage, extreme cold or other.

Schemas on the `incidents` topic, keyed by incident id:
  DeclareIncident, UpdateIncident (version 2; version 1, without danger zones, still accepted),
  CloseIncident, SetDangerZone, RemoveDangerZone, EndAlert  (commands from managers and CAP alerts)
  AlertPartner  (from the partners agent, for a partner that joins or moves within reach)
State on `incident-state` (compacted, keyed by incident id): Incident, version 2. A stored
version 1 snapshot is upcast on reading (`upcast_v1`): it reads as if declared under version 2,
with its kind's default danger zones.
Facts on `alerts` (keyed by incident id): PartnerAlerted, once per partner per incident.
"""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, NamedTuple, Union

from pydantic import AfterValidator, Field, TypeAdapter, model_validator

from geo.areas import area_geometry, to_geojson
from geo.ontario import why_area_not_in_ontario
from handlers.common import MAX_AREA_VERTICES, Area, Command, Id, KeyedById, Message, Record, ShortText, Timestamp
from handlers.errors import Rejected
from handlers.taxonomy import Capability, IncidentKind, Severity, fitting_capabilities

APPLIED_UPDATES_KEPT = 256
MAX_DANGER_ZONES = 50

DangerZoneKind = Literal["evacuation", "inundation", "fire", "hazmat", "other"]
ZoneOrigin = Literal["default", "manager", "alert"]

DEFAULT_ZONE_ID = "whole-area"
DEFAULT_DANGER_ZONES: dict[str, DangerZoneKind] = {
    "flood": "inundation",
    "wildfire": "fire",
    "hazmat": "hazmat",
    "evacuation": "evacuation",
    # A tornado incident is declared after touchdown, over its damage path: debris, downed lines,
    # unsafe buildings. (A tornado *warning* from a CAP feed says where to take shelter: an affected
    # area, decided by the alert's responseType, not by this table.)
    "tornado": "other",
}
"""The incident kinds whose whole affected area is one danger zone (of this kind) when the
declaration gives no zones. Every other kind has none: ice storm, winter storm, heat, power outage,
extreme cold and other keep their warming and cooling centres open to the people inside them."""


def _zone_in_ontario(area):
    geometry, _ = area_geometry(area.model_dump(), max_vertices=MAX_AREA_VERTICES)
    reason = why_area_not_in_ontario(geometry)
    if reason is not None:
        raise ValueError(f"a danger zone must be in Ontario: {reason}")
    return area


ZoneArea = Annotated[Area, AfterValidator(_zone_in_ontario)]
"""A danger zone's area: an Area (validated, repairable) that reaches into Ontario."""
ZoneNote = Annotated[str, Field(max_length=500, description="what a navigator should know, e.g. 'boil-water advisory'")]


class DangerZoneSpec(Record):
    """A danger zone as a manager (or an alert) gives it: referrals never go inside it. Its area
    must reach into Ontario (41.6 to 56.9°N, 74.3 to 95.2°W): one wholly outside is refused (422)."""

    id: Id = Field(description="the zone's id within its incident, chosen by the client")
    kind: DangerZoneKind
    area: ZoneArea
    note: ZoneNote | None = None


def _unique_zone_ids(zones: list[DangerZoneSpec] | None) -> list[DangerZoneSpec] | None:
    if zones is not None:
        ids = [z.id for z in zones]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"danger zone ids must be unique; repeated: {', '.join(repeated)}")
    return zones


ZoneSpecs = Annotated[list[DangerZoneSpec], Field(max_length=MAX_DANGER_ZONES), AfterValidator(_unique_zone_ids)]


class DangerZone(Record):
    """A danger zone as stored: its area repaired as the incident's is, and where it came from."""

    id: Id
    kind: DangerZoneKind
    area: dict[str, Any] = Field(description="the (possibly repaired) GeoJSON Polygon or MultiPolygon")
    area_input: dict[str, Any] | None = None
    area_note: str | None = None
    note: str | None = None
    origin: ZoneOrigin = Field(description="`default`: the whole area by the incident kind's default (it "
                               "follows the area); `manager`: set by a manager; `alert`: from a CAP alert "
                               "whose responseType says Evacuate or Avoid (it ends with the alert)")
    set_at: Timestamp
    set_by: str | None = None


class IncidentDeclaration(Message):
    """What a manager says when declaring: the body of `POST /v1/incidents`."""

    v: Literal[1, 2] = 2
    id: Id
    kind: IncidentKind
    title: ShortText
    severity: Severity
    area: Area = Field(description="the affected area: who is alerted, what reports count")
    danger_zones: ZoneSpecs | None = Field(
        None, description="where referrals never go, each with an id of its own (a repeated id is refused, 422); "
        "omitted: the kind's default (the whole area for flood, wildfire, hazmat, evacuation and tornado; none for "
        "the others); `[]`: none")


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


class DeclareIncident(IncidentDeclaration, Command, KeyedById):
    """An emergency manager (or a CAP alert) declares an incident; the incident id makes it idempotent.

    Version 2 may give danger zones; version 1 never does, so it gets its kind's defaults."""

    type: Literal["DeclareIncident"] = "DeclareIncident"
    area_note: AreaNote | None = Field(None, description="what the issuer says of the area, e.g. that it is approximate")
    source: IncidentSource | None = None
    ended: bool = Field(False, description="the issuer had ended it already (a CAP alert past its expiry): "
                        "recorded as closed, and no partner is alerted")


class IncidentChanges(Message):
    """What a manager changes: the body of `PATCH /v1/incidents/{id}`."""

    update_id: Id
    title: ShortText | None = None
    severity: Severity | None = None
    area: Area | None = None


class UpdateIncident(IncidentChanges, Command, KeyedById):
    """Changes title, severity or area; `update_id` makes a retried update apply once. A danger
    zone that is the whole area by the kind's default follows a new area.

    Version 2 may carry `alert_zones`: the danger zones the CAP alert behind the incident now
    declares, which replace those its earlier messages set (a manager's zones stay)."""

    v: Literal[1, 2] = 2
    type: Literal["UpdateIncident"] = "UpdateIncident"
    id: Id
    area_note: AreaNote | None = Field(None, description="what the issuer says of the new area")
    alert_zones: ZoneSpecs | None = None


class DangerZoneChange(Message):
    """What a manager sets: the body of `PUT /v1/incidents/{id}/danger-zones/{zone_id}`. The area
    must reach into Ontario (41.6 to 56.9°N, 74.3 to 95.2°W): one wholly outside is refused (422)."""

    update_id: Id = Field(description="client-chosen; a retried change applies once")
    kind: DangerZoneKind
    area: ZoneArea
    note: ZoneNote | None = None


class SetDangerZone(DangerZoneChange, Command, KeyedById):
    """Adds a danger zone to an active incident, or replaces the zone of that id."""

    type: Literal["SetDangerZone"] = "SetDangerZone"
    id: Id
    zone_id: Id


class RemoveDangerZone(Command, KeyedById):
    """Removes a danger zone from an active incident; removing one that is gone changes nothing."""

    type: Literal["RemoveDangerZone"] = "RemoveDangerZone"
    id: Id
    zone_id: Id
    update_id: Id


class EndAlert(Command, KeyedById):
    """The CAP alert an incident came from has ended (responseType AllClear, ECCC's
    Alert_Location_Status ended, or past its expiry): what the alert declared ends with it. The
    incident closes, unless a manager has set danger zones on it: those stay, with the affected
    area, while the alert's own zones go. Nothing is widened and nobody is alerted."""

    type: Literal["EndAlert"] = "EndAlert"
    id: Id
    update_id: Id


class CloseIncident(Command, KeyedById):
    """Stands an incident down: its area stops excluding shelters."""

    type: Literal["CloseIncident"] = "CloseIncident"
    id: Id


class AlertPartner(Command, KeyedById):
    """A partner registered or moved within reach of an active incident: the incident's writer
    alerts it unless it already has, as it alerts partners in reach when an area is declared."""

    type: Literal["AlertPartner"] = "AlertPartner"
    id: Id
    partner_id: Id
    distance_km: float = Field(ge=0, allow_inf_nan=False)
    capabilities: list[Capability] = Field(min_length=1, max_length=12)


IncidentCommand = Annotated[
    Union[DeclareIncident, UpdateIncident, CloseIncident, AlertPartner, SetDangerZone, RemoveDangerZone, EndAlert],
    Field(discriminator="type"),
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

    @property
    def key(self) -> str:
        return self.incident_id


class Incident(Message, KeyedById):
    """The incident as everyone sees it; `area` is the (possibly repaired) GeoJSON geometry of the
    affected area, `danger_zones` where referrals never go while it is active.

    Version 2; a version 1 record is upcast as it is read (`upcast_v1`)."""

    v: Literal[2] = 2
    type: Literal["Incident"] = "Incident"
    id: Id
    kind: IncidentKind
    title: str
    severity: Severity
    area: dict[str, Any] = Field(description="the affected area: who is alerted, what reports count")
    area_input: dict[str, Any]
    danger_zones: list[DangerZone] = Field(default_factory=list)
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

    @model_validator(mode="before")
    @classmethod
    def _upcast(cls, data: Any) -> Any:
        return upcast_v1(data) if isinstance(data, dict) else data

    def zone(self, zone_id: str) -> DangerZone | None:
        return next((z for z in self.danger_zones if z.id == zone_id), None)


def default_zones(kind: str, area: dict[str, Any], area_input: dict[str, Any] | None,
                  at: datetime | str) -> list[dict[str, Any]]:
    """The danger zones an incident of `kind` has when its declaration gives none: the whole
    affected area for the kinds in DEFAULT_DANGER_ZONES, else none. As plain data, so an upcast
    of stored JSON and a declaration build the same zone."""
    zone_kind = DEFAULT_DANGER_ZONES.get(kind)
    if zone_kind is None:
        return []
    return [{"id": DEFAULT_ZONE_ID, "kind": zone_kind, "area": area, "area_input": area_input,
             "origin": "default", "set_at": at}]


def upcast_v1(record: dict[str, Any]) -> dict[str, Any]:
    """A stored incident snapshot of version 1 (before danger zones) as version 2.

    Version 1 excluded referrals from every active incident's whole area; version 2 reads the
    record as if it had been declared under version 2 without zones: its kind's defaults, set when
    it was declared. So a stored flood keeps its whole area as a danger zone, and a stored ice storm
    stops excluding the warming centres inside it. Any other version is returned as it is."""
    if record.get("v", 1) != 1 or "danger_zones" in record:
        return record
    zones = default_zones(record.get("kind", ""), record.get("area"), record.get("area_input"),
                          record.get("declared_at"))
    return {**record, "v": 2, "danger_zones": zones}


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


def zone_of(spec: DangerZoneSpec | SetDangerZone, zone_id: str, origin: ZoneOrigin, now: datetime,
            actor: str | None) -> DangerZone:
    """A stored danger zone from what was given: its area validated and repaired by geo/."""
    geometry, note = geometry_of(spec.area)
    return DangerZone(id=zone_id, kind=spec.kind, area=to_geojson(geometry), area_input=spec.area.model_dump(),
                      area_note=note, note=spec.note, origin=origin, set_at=now, set_by=actor)


def _by(cmd: Command) -> str | None:
    return cmd.actor.sub if cmd.actor else None


def declare(state: Incident | None, cmd: DeclareIncident, now: datetime, reach: list[PartnerReach]):
    if state is not None:
        return state, []
    geometry, note = geometry_of(cmd.area)
    area, area_input = to_geojson(geometry), cmd.area.model_dump()
    if cmd.danger_zones is None:
        zones = [DangerZone.model_validate(z) for z in default_zones(cmd.kind, area, area_input, now)]
    else:
        origin: ZoneOrigin = "alert" if cmd.source is not None else "manager"
        zones = [zone_of(z, z.id, origin, now, _by(cmd)) for z in cmd.danger_zones]
    incident = Incident(
        id=cmd.id,
        kind=cmd.kind,
        title=cmd.title,
        severity=cmd.severity,
        area=area,
        area_input=area_input,
        danger_zones=zones,
        area_note=_notes(cmd.area_note, note),
        source=cmd.source,
        status="closed" if cmd.ended else "active",
        declared_at=now,
        updated_at=now,
        closed_at=now if cmd.ended else None,
        declared_by=_by(cmd),
    )
    if cmd.ended:
        return incident, []
    return _alert(incident, reach, now)


def _open(state: Incident | None, incident_id: str) -> Incident:
    if state is None:
        raise Rejected(f"unknown incident {incident_id!r}")
    if state.status == "closed":
        raise Rejected(f"incident {incident_id!r} is closed")
    return state


def _applied(state: Incident, update_id: str, now: datetime) -> dict[str, Any]:
    """What every applied change records: when, a new version, and its id against a retry."""
    return {"updated_at": now, "version": state.version + 1,
            "applied_updates": (state.applied_updates + [update_id])[-APPLIED_UPDATES_KEPT:]}


def update(state: Incident | None, cmd: UpdateIncident, now: datetime, reach: list[PartnerReach]):
    if state is not None and cmd.update_id in state.applied_updates:
        return state, []
    state = _open(state, cmd.id)
    changes = _applied(state, cmd.update_id, now)
    if cmd.title is not None:
        changes["title"] = cmd.title
    if cmd.severity is not None:
        changes["severity"] = cmd.severity
    zones = list(state.danger_zones)
    if cmd.area is not None:
        geometry, note = geometry_of(cmd.area)
        area, area_input = to_geojson(geometry), cmd.area.model_dump()
        changes.update(area=area, area_input=area_input, area_note=_notes(cmd.area_note, note))
        zones = [z.model_copy(update={"area": area, "area_input": area_input, "set_at": now})
                 if z.origin == "default" else z for z in zones]
    if cmd.alert_zones is not None:
        kept = [z for z in zones if z.origin != "alert"]
        taken = {z.id for z in kept}  # a manager's zone of the same id wins over the alert's
        zones = kept + [zone_of(z, z.id, "alert", now, _by(cmd)) for z in cmd.alert_zones if z.id not in taken]
    changes["danger_zones"] = zones
    incident = state.model_copy(update=changes)
    return _alert(incident, reach if cmd.area is not None else [], now)


def set_zone(state: Incident | None, cmd: SetDangerZone, now: datetime, reach: list[PartnerReach]):
    if state is not None and cmd.update_id in state.applied_updates:
        return state, []
    state = _open(state, cmd.id)
    zone = zone_of(cmd, cmd.zone_id, "manager", now, _by(cmd))
    zones = [zone if z.id == cmd.zone_id else z for z in state.danger_zones]
    if state.zone(cmd.zone_id) is None:
        if len(zones) >= MAX_DANGER_ZONES:
            raise Rejected(f"incident {cmd.id!r} has {len(zones)} danger zones, the most it may have")
        zones.append(zone)
    return state.model_copy(update={**_applied(state, cmd.update_id, now), "danger_zones": zones}), []


def remove_zone(state: Incident | None, cmd: RemoveDangerZone, now: datetime, reach: list[PartnerReach]):
    if state is not None and cmd.update_id in state.applied_updates:
        return state, []
    state = _open(state, cmd.id)
    zones = [z for z in state.danger_zones if z.id != cmd.zone_id]
    return state.model_copy(update={**_applied(state, cmd.update_id, now), "danger_zones": zones}), []


def end_alert(state: Incident | None, cmd: EndAlert, now: datetime, reach: list[PartnerReach]):
    if state is None:
        raise Rejected(f"unknown incident {cmd.id!r}")
    if cmd.update_id in state.applied_updates or state.status == "closed":
        return state, []
    changes = _applied(state, cmd.update_id, now)
    kept = [z for z in state.danger_zones if z.origin == "manager"]
    if kept:
        changes.update(danger_zones=kept, area_note=_notes(state.area_note, "the alert has ended"))
    else:
        changes.update(status="closed", closed_at=now)
    return state.model_copy(update=changes), []


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


def _declared_zones(incident: Incident) -> list[tuple]:
    return [(z.id, z.kind, z.area_input, z.note) for z in incident.danger_zones if z.origin != "alert"]


def same_declaration(incident: Incident, declaration: IncidentDeclaration) -> bool:
    """Is this the declaration the incident was made from? (A repeat is answered with the incident;
    anything else under its id is a conflict.) Zones given or defaulted count while the incident is
    as declared; once changed, what it was declared with is known by its kind, title, severity and area."""
    if (incident.kind, incident.title, incident.severity, incident.area_input) != (
            declaration.kind, declaration.title, declaration.severity, declaration.area.model_dump()):
        return False
    if incident.version > 1:
        return True
    if declaration.danger_zones is None:
        area_input = declaration.area.model_dump()
        given = [(z["id"], z["kind"], area_input, None) for z in default_zones(declaration.kind, {}, area_input, "")]
    else:
        given = [(z.id, z.kind, z.area.model_dump(), z.note) for z in declaration.danger_zones]
    return _declared_zones(incident) == given


def command_fields(body: Message) -> dict[str, Any]:
    """A request body's fields for the command it becomes, which carries its own schema version."""
    return {name: value for name, value in body if name != "v"}


def affected_area(cmd: IncidentCommand) -> Area | None:
    """The affected area a command declares or changes to, if any: partners in reach of it are
    the ones `decide` may alert. A danger zone's area alerts nobody."""
    return cmd.area if isinstance(cmd, (DeclareIncident, UpdateIncident)) else None


HANDLERS = {
    DeclareIncident: declare,
    UpdateIncident: update,
    CloseIncident: close,
    AlertPartner: alert_partner,
    SetDangerZone: set_zone,
    RemoveDangerZone: remove_zone,
    EndAlert: end_alert,
}


def decide(state: Incident | None, cmd: IncidentCommand, now: datetime, reach: list[PartnerReach] = ()):
    """Apply one incident command; `reach` lists partners near the command's affected area
    (`affected_area`), if it has one. Raises Rejected for a change to an unknown or closed incident."""
    return HANDLERS[type(cmd)](state, cmd, now, list(reach))
