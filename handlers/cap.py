"""CAP 1.2 / CAP-CP alerts read into Muster incident commands: parsing and mapping, no HTTP.

Canada's public alerting system (NAAD, Alert Ready) and Environment Canada issue alerts in the
OASIS Common Alerting Protocol 1.2 with the Canadian Profile (CAP-CP): one `info` block per
language (en-CA, fr-CA), areas as polygons, circles or Statistics Canada geocodes, and event
codes from the CAP-CP event list. `read_alert` turns one such alert into what Muster does with it:

  msgType Alert   -> DeclareIncident, id `cap_id(sender, identifier)`
  msgType Update  -> UpdateIncident of the incident its `references` name; update_id is
                     `cap_id` of the Update itself, so a re-sent Update applies once
  msgType Cancel  -> CloseIncident of the incident its `references` name

The XML is parsed with defusedxml and any DTD is refused, so entity expansion ("billion
laughs") and external entities never run. An area given only as geocodes is placed with the
offline gazetteer from its `areaDesc` names: a circle of APPROXIMATE_RADIUS_KM around each
named place, flagged as approximate in the incident's area note; a name it cannot place makes
the whole area approximate at best, and an area with no name it can place is refused.
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring
from pydantic import TypeAdapter, ValidationError

from geo.areas import AreaError, circle, polygon_from_geojson, to_geojson
from geo.union import union_areas, vertex_count
from handlers.common import MAX_AREA_VERTICES, Actor, Area, CircleArea, describe_validation_error
from handlers.incidents import (
    CloseIncident,
    DeclareIncident,
    IncidentChanges,
    IncidentDeclaration,
    IncidentSource,
    UpdateIncident,
)

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
APPROXIMATE_RADIUS_KM = 15.0
"""How far around a named place an area given only by name (and geocodes) is taken to reach."""
MAX_INFOS = 20
MAX_AREAS = 100
MAX_CODES = 2000

EVENT_KINDS: dict[str, str] = {
    "rainfall": "flood", "flood": "flood", "flashflood": "flood", "stormsurge": "flood", "highwater": "flood",
    "wildfire": "wildfire", "forestfire": "wildfire", "grassfire": "wildfire",
    "tornado": "tornado", "waterspout": "tornado",
    "freezingrain": "ice_storm", "icestorm": "ice_storm", "winterstorm": "ice_storm", "freezingdrizzle": "ice_storm",
    "coldwave": "extreme_cold", "extremecold": "extreme_cold", "windchill": "extreme_cold",
    "poweroutage": "power_outage", "power": "power_outage",
    "hazmat": "hazmat", "chemical": "hazmat",
}
"""CAP-CP event codes (profile:CAP-CP:Event:0.4), case folded, to Muster's incident kinds; others are `other`."""

SAME_KINDS: dict[str, str] = {
    "FLW": "flood", "FFW": "flood", "FLA": "flood", "FFA": "flood", "FLS": "flood", "FFS": "flood",
    "TOR": "tornado", "TOA": "tornado", "FRW": "wildfire", "WSW": "ice_storm", "WSA": "ice_storm",
    "HMW": "hazmat", "CHW": "hazmat",
}
"""SAME event codes, for alerts that carry no CAP-CP event code."""

SEVERITIES: dict[str, str] = {
    "Extreme": "extreme", "Severe": "severe", "Moderate": "moderate", "Minor": "minor",
    # CAP's Unknown is not Muster's lowest: an unknown threat is planned for as a moderate one.
    "Unknown": "moderate",
}

MsgType = Literal["Alert", "Update", "Cancel"]
_ID_UNSAFE = re.compile(r"[^A-Za-z0-9._:@-]+")
_NAME_SEPARATORS = re.compile(r"\s+-\s+|\s*[;,/&]\s*|\s+(?:and|et)\s+", re.IGNORECASE)
_NAME_PREFIX = re.compile(
    r"^(?:the\s+)?(?:city|town|township|municipality|village|county|region|regional municipality|"
    r"united counties|district|ville|canton|municipalité|comté|région)\s+(?:of|de|du|des|d')\s*",
    re.IGNORECASE,
)
_areas: TypeAdapter[Any] = TypeAdapter(Area)


class CapError(ValueError):
    """An alert Muster will not take; the message says why, for whoever sent it."""


class CapSyntaxError(CapError):
    """The body is not well-formed, safe XML (not XML at all, a DTD, entities)."""


@dataclass(frozen=True)
class CapReference:
    """One earlier message an Update or Cancel refers to: `sender,identifier,sent`."""

    sender: str
    identifier: str
    sent: datetime


@dataclass(frozen=True)
class CapIngest:
    """What an alert asks of Muster, ready to become a command once the caller is known."""

    msg_type: MsgType
    message_id: str
    """`cap_id` of this message: the incident id of an Alert, the update id of an Update."""
    source: IncidentSource
    references: tuple[CapReference, ...] = ()
    declaration: IncidentDeclaration | None = None
    changes: IncidentChanges | None = None
    area_note: str | None = None
    notes: tuple[str, ...] = field(default=())
    """What was assumed in reading the alert (e.g. severity Unknown read as moderate)."""

    def command(self, incident_id: str, actor: Actor | None, accepted_at: datetime | None):
        """The Muster command for this alert, addressed to `incident_id`."""
        if self.msg_type == "Alert":
            return DeclareIncident(**dict(self.declaration), area_note=self.area_note, source=self.source,
                                   actor=actor, accepted_at=accepted_at)
        if self.msg_type == "Update":
            return UpdateIncident(**dict(self.changes), id=incident_id, area_note=self.area_note, actor=actor,
                                  accepted_at=accepted_at)
        return CloseIncident(id=incident_id, actor=actor, accepted_at=accepted_at)


def cap_id(sender: str, identifier: str) -> str:
    """A Muster id for a CAP message, the same every time: `cap-<identifier>-<hash>`.

    The identifier is kept readable with anything outside Muster's id alphabet turned into `-`;
    the hash of sender and identifier together keeps two senders' identical identifiers apart.
    """
    digest = hashlib.sha256(f"{sender},{identifier}".encode()).hexdigest()[:10]
    readable = _ID_UNSAFE.sub("-", identifier).strip("-")[: 128 - len("cap--") - len(digest)]
    return f"cap-{readable}-{digest}" if readable else f"cap-{digest}"


def find_incident(references: Iterable[CapReference], incidents: Mapping[str, Any]) -> Any | None:
    """The incident an Update or Cancel refers to: declared by a referenced Alert, or else
    changed by a referenced Update (an Update may name only the Update before it)."""
    ids = [cap_id(r.sender, r.identifier) for r in references]
    for id_ in ids:
        if id_ in incidents:
            return incidents[id_]
    wanted = set(ids)
    for incident in incidents.values():
        if wanted.intersection(getattr(incident, "applied_updates", ())):
            return incident
    return None


def parse_xml(body: bytes | str) -> Element:
    """The alert's root element; no DTD, no entities, no external references, ever."""
    if not body or not body.strip():
        raise CapSyntaxError("the body is empty; send one CAP 1.2 <alert> as XML")
    try:
        return fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise CapSyntaxError(f"unsafe XML refused ({type(exc).__name__}): CAP alerts need no DTD or entities") from None
    except (ParseError, LookupError, ValueError) as exc:  # LookupError: an encoding no one knows
        raise CapSyntaxError(f"not well-formed XML: {exc}") from None


def read_alert(body: bytes | str, geocoder: Any = None) -> CapIngest:
    """Read one CAP 1.2 alert into what Muster should do; raises CapError saying why not.

    `geocoder` (geopy's interface: `geocode(query)` -> Location or None, optionally `suggest`)
    places areas given only by geocodes and names; without one such areas are refused.
    """
    root = parse_xml(body)
    if root.tag != f"{{{CAP_NS}}}alert":
        raise CapError(f"the root element is {_local(root.tag)!r} in namespace {_ns(root.tag)!r}; "
                       f"expected a CAP 1.2 <alert> in {CAP_NS}")
    identifier = _required(root, "identifier")
    sender = _required(root, "sender")
    sent = _when(_required(root, "sent"), "sent")
    status = _required(root, "status")
    if status != "Actual":
        raise CapError(f"status {status!r}: Muster acts only on Actual alerts, "
                       "not exercises, tests, system or draft messages")
    msg_type = _required(root, "msgType")
    if msg_type not in ("Alert", "Update", "Cancel"):
        raise CapError(f"msgType {msg_type!r}: Muster takes Alert, Update and Cancel")
    references = _references(_text(root, "references"))
    if msg_type != "Alert" and not references:
        raise CapError(f"an {msg_type} needs <references> naming the alert it {msg_type.lower()}s")
    codes = [c.strip() for c in _texts(root, "code")]
    profile = next((c.removeprefix("profile:") for c in codes if c.startswith("profile:CAP-CP:")), None)

    infos = root.findall(_q("info"))
    if len(infos) > MAX_INFOS:
        raise CapError(f"{len(infos)} <info> blocks, more than {MAX_INFOS}")
    info = _choose_info(infos)
    notes: list[str] = []
    event_codes = _codes(info, "eventCode") if info is not None else {}
    source = _source(sender, identifier, sent, profile, info, event_codes)
    base = dict(msg_type=msg_type, message_id=cap_id(sender, identifier), source=source, references=references)
    if msg_type == "Cancel":
        return CapIngest(**base)
    if info is None:
        raise CapError(f"an {msg_type} needs an <info> block saying what, how severe and where")

    title = _title(info, identifier)
    severity = _severity(info, notes)
    area, area_note = None, None
    if msg_type == "Alert" or info.find(_q("area")) is not None:  # an Update may leave the area as it is
        try:
            area, area_note = _area(info, geocoder)
        except AreaError as exc:
            raise CapError(f"the alert's area is not usable: {exc}") from None
    try:
        if msg_type == "Alert":
            declaration = IncidentDeclaration(id=base["message_id"], kind=kind_of(info, event_codes), title=title,
                                              severity=severity, area=area)
            return CapIngest(**base, declaration=declaration, area_note=area_note, notes=tuple(notes))
        changes = IncidentChanges(update_id=base["message_id"], title=title, severity=severity, area=area)
        return CapIngest(**base, changes=changes, area_note=area_note, notes=tuple(notes))
    except ValidationError as exc:
        raise CapError(f"the alert does not make a valid incident: {describe_validation_error(exc)}") from None


def kind_of(info: Element, event_codes: Mapping[str, list[str]] | None = None) -> str:
    """Muster's incident kind: from the CAP-CP event code, else a SAME code, else the event text."""
    event_codes = _codes(info, "eventCode") if event_codes is None else event_codes
    for name, values in event_codes.items():
        if name.startswith("profile:CAP-CP:Event:"):
            for value in values:
                if value.casefold() in EVENT_KINDS:
                    return EVENT_KINDS[value.casefold()]
    for name, values in event_codes.items():
        if name.upper() == "SAME":
            for value in values:
                if value.upper() in SAME_KINDS:
                    return SAME_KINDS[value.upper()]
    event = re.sub(r"[^a-z]", "", (_text(info, "event") or "").casefold())
    return EVENT_KINDS.get(event, "other")


# --- the alert's parts ----------------------------------------------------------------------


def _q(tag: str) -> str:
    return f"{{{CAP_NS}}}{tag}"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _ns(tag: str) -> str:
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""


def _text(element: Element, tag: str) -> str | None:
    child = element.find(_q(tag))
    if child is None or child.text is None:
        return None
    return child.text.strip() or None


def _texts(element: Element, tag: str) -> list[str]:
    return [c.text.strip() for c in element.findall(_q(tag)) if c.text and c.text.strip()]


def _required(element: Element, tag: str) -> str:
    value = _text(element, tag)
    if value is None:
        raise CapError(f"<{tag}> is missing or empty; CAP 1.2 requires it")
    return value


def _when(text: str, what: str) -> datetime:
    """A CAP datetime: ISO 8601 with its UTC offset ("2025-03-29T14:00:00-05:00")."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise CapError(f"{what} {text!r} is not a date and time like 2025-03-29T14:00:00-05:00") from None
    if value.tzinfo is None or value.utcoffset() is None:
        raise CapError(f"{what} {text!r} has no UTC offset; CAP requires one, e.g. 2025-03-29T14:00:00-05:00")
    return value


def _references(text: str | None) -> tuple[CapReference, ...]:
    if not text:
        return ()
    found = []
    for triple in text.split():
        parts = triple.split(",")
        if len(parts) != 3 or not all(parts):
            raise CapError(f"reference {triple[:300]!r} is not sender,identifier,sent")
        found.append(CapReference(parts[0], parts[1], _when(parts[2], "reference sent")))
    return tuple(found)


def _choose_info(infos: list[Element]) -> Element | None:
    """The en-CA block (an English one if none says en-CA), else the first."""
    if not infos:
        return None
    languages = [(_text(i, "language") or "en-US").casefold() for i in infos]
    for wanted in ("en-ca", "en"):
        for info, language in zip(infos, languages):
            if language == wanted or (wanted == "en" and language.startswith("en")):
                return info
    return infos[0]


def _codes(element: Element, tag: str) -> dict[str, list[str]]:
    """`<tag><valueName/><value/></tag>` pairs grouped by valueName, in order."""
    grouped: dict[str, list[str]] = {}
    count = 0
    for pair in element.findall(_q(tag)):
        name, value = _text(pair, "valueName"), _text(pair, "value")
        if name is None or value is None:
            raise CapError(f"a <{tag}> needs both <valueName> and <value>")
        count += 1
        if count > MAX_CODES:
            raise CapError(f"more than {MAX_CODES} <{tag}> entries")
        grouped.setdefault(name[:128], []).append(value[:128])
    if len(grouped) > 20:
        raise CapError(f"more than 20 kinds of <{tag}>")
    return grouped


def _source(sender: str, identifier: str, sent: datetime, profile: str | None, info: Element | None,
            event_codes: dict[str, list[str]]) -> IncidentSource:
    geocodes: dict[str, list[str]] = {}
    fields: dict[str, Any] = {}
    if info is not None:
        for area in info.findall(_q("area"))[:MAX_AREAS]:
            for name, values in _codes(area, "geocode").items():
                known = geocodes.setdefault(name, [])
                known += [v for v in values if v not in known]
        expires = _text(info, "expires")
        fields = dict(event=(_text(info, "event") or "")[:200] or None, urgency=_text(info, "urgency"),
                      certainty=_text(info, "certainty"), expires=_when(expires, "expires") if expires else None)
        for when in ("effective", "onset"):
            if _text(info, when):
                _when(_text(info, when), when)
    try:
        return IncidentSource(profile=profile, sender=sender, identifier=identifier, sent=sent,
                              event_codes=event_codes, geocodes=geocodes, **fields)
    except ValidationError as exc:
        raise CapError(f"the alert's identity or codes are out of bounds: {describe_validation_error(exc)}") from None


def _title(info: Element, identifier: str) -> str:
    title = _text(info, "headline") or _text(info, "event") or identifier
    return " ".join(title.split())[:200]


def _severity(info: Element, notes: list[str]) -> str:
    severity = _text(info, "severity")
    if severity is None:
        raise CapError("<severity> is missing; CAP 1.2 requires it in every <info>")
    if severity not in SEVERITIES:
        raise CapError(f"severity {severity!r} is not one of {', '.join(SEVERITIES)}")
    if severity == "Unknown":
        notes.append("severity Unknown read as moderate")
    return SEVERITIES[severity]


# --- areas ----------------------------------------------------------------------------------


def _area(info: Element, geocoder: Any) -> tuple[Any, str | None]:
    """The info block's areas as one Muster area, and a note when any part is approximate."""
    areas = info.findall(_q("area"))
    if not areas:
        raise CapError("the alert has no <area>; Muster needs to know where")
    if len(areas) > MAX_AREAS:
        raise CapError(f"{len(areas)} <area> blocks, more than {MAX_AREAS}")
    parts: list[Any] = []
    circles: list[CircleArea] = []
    placed: list[str] = []
    unplaced: list[str] = []
    repairs: list[str] = []
    for n, area in enumerate(areas, 1):
        where = f"area {n} ({(_text(area, 'areaDesc') or 'no areaDesc')[:80]})"
        polygons = _texts(area, "polygon")
        rings = _texts(area, "circle")
        for text in polygons:
            geom, note = _polygon(text, where)
            parts.append(geom)
            if note:
                repairs.append(f"{where}: {note}")
        for text in rings:
            found = _circle(text, where)
            circles.append(found)
            parts.append(circle(found.center.lat, found.center.lon, found.radius_km))
        if polygons or rings:
            continue
        names, missing = _places(area, where, geocoder)
        for name, lat, lon in names:
            parts.append(circle(lat, lon, APPROXIMATE_RADIUS_KM))
            placed.append(name)
        unplaced += missing
    notes = []
    if placed:
        notes.append(f"approximate: {APPROXIMATE_RADIUS_KM:g} km around {', '.join(placed)} "
                     "(the alert gave only geocodes and area names)")
    if unplaced:
        notes.append(f"not placed by the gazetteer, so not covered: {', '.join(unplaced)}")
    notes += repairs
    note = "; ".join(notes)[:1000] or None
    if len(parts) == 1 and len(circles) == 1:
        return circles[0], note
    try:
        merged = union_areas(parts)
    except AreaError as exc:
        raise CapError(f"the alert's areas make no area: {exc}") from None
    if vertex_count(merged) > MAX_AREA_VERTICES:
        raise CapError(f"the alert's areas have {vertex_count(merged)} vertices together, "
                       f"more than the limit of {MAX_AREA_VERTICES}")
    try:
        return _areas.validate_python(to_geojson(merged)), note
    except ValidationError as exc:
        raise CapError(f"the alert's area is not usable: {describe_validation_error(exc)}") from None


def _pair(text: str, where: str) -> tuple[float, float]:
    parts = text.split(",")
    if len(parts) != 2:
        raise CapError(f"{where}: {text[:60]!r} is not a lat,lon pair")
    try:
        lat, lon = float(parts[0]), float(parts[1])
    except ValueError:
        raise CapError(f"{where}: {text[:60]!r} is not a lat,lon pair of numbers") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise CapError(f"{where}: {text[:60]!r} is out of range (lat -90..90, lon -180..180)")
    return lat, lon


def _polygon(text: str, where: str):
    """A CAP polygon, "lat,lon lat,lon ..." (a closed ring of at least 4 points), as shapely."""
    pairs = text.split()
    if len(pairs) > MAX_AREA_VERTICES:
        raise CapError(f"{where}: a polygon of {len(pairs)} points, more than the limit of {MAX_AREA_VERTICES}")
    points = [_pair(p, f"{where} polygon point {i + 1}") for i, p in enumerate(pairs)]
    if len(points) < 4:
        raise CapError(f"{where}: a polygon needs at least 4 points (the first repeated last), got {len(points)}")
    try:
        return polygon_from_geojson({"type": "Polygon", "coordinates": [[[lon, lat] for lat, lon in points]]})
    except AreaError as exc:
        raise CapError(f"{where}: {exc}") from None


def _circle(text: str, where: str) -> CircleArea:
    """A CAP circle, "lat,lon radius_km"."""
    parts = text.split()
    if len(parts) != 2:
        raise CapError(f"{where}: circle {text[:60]!r} is not 'lat,lon radius_km'")
    lat, lon = _pair(parts[0], f"{where} circle centre")
    try:
        radius = float(parts[1])
    except ValueError:
        raise CapError(f"{where}: circle radius {parts[1][:20]!r} is not a number") from None
    try:
        found = CircleArea(center={"lat": lat, "lon": lon}, radius_km=radius)
    except ValidationError:
        raise CapError(f"{where}: circle radius {radius:g} km must be more than 0 and at most 500") from None
    try:
        circle(lat, lon, radius)
    except AreaError as exc:
        raise CapError(f"{where}: {exc}") from None
    return found


def area_names(description: str) -> list[str]:
    """Place names in an areaDesc: "City of Orillia - Barrie; Midland" -> Orillia, Barrie, Midland."""
    names = []
    for piece in _NAME_SEPARATORS.split(description):
        name = _NAME_PREFIX.sub("", piece.strip()).strip(" .")
        if name and name not in names:
            names.append(name)
    return names


def _places(area: Element, where: str, geocoder: Any) -> tuple[list[tuple[str, float, float]], list[str]]:
    """Named places of an area with no polygon or circle, placed by the geocoder; and the names
    it could not place. Refused when it places none."""
    description = _text(area, "areaDesc")
    if not description:
        raise CapError(f"{where}: no polygon, circle or areaDesc, so Muster cannot tell where it is")
    if geocoder is None:
        raise CapError(f"{where}: no polygon or circle, and no geocoder to place {description!r}")
    found: list[tuple[str, float, float]] = []
    missing: list[str] = []
    whole = _geocode(geocoder, description)
    candidates = [(description, whole)] if whole is not None else [(n, None) for n in area_names(description)]
    for name, location in candidates[:20]:
        location = location or _geocode(geocoder, name)
        if location is None:
            missing.append(name)
        else:
            found.append((name, float(location.latitude), float(location.longitude)))
    if not found:
        suggest: Callable[[str], list[str]] | None = getattr(geocoder, "suggest", None)
        hints = [s for name in missing for s in (suggest(name) if suggest else [])][:5]
        hint = f" (did you mean {', '.join(hints)}?)" if hints else ""
        raise CapError(f"{where}: no polygon or circle, and the gazetteer knows no place named "
                       f"{', '.join(repr(m) for m in missing)}{hint}")
    return found, missing


def _geocode(geocoder: Any, name: str):
    try:
        return geocoder.geocode(f"{name}, ON")
    except Exception as exc:  # a geopy service geocoder may fail in many ways; the sender needs to know
        raise CapError(f"the geocoder could not look up {name!r} ({type(exc).__name__}); "
                       "send the area as a polygon or circle") from None
