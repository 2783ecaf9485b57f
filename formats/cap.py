"""CAP 1.2 / CAP-CP alerts read into Muster incident commands: parsing and mapping, no HTTP, no clock.

Canada's public alerting system (NAAD, Alert Ready) and Environment Canada issue alerts in the
OASIS Common Alerting Protocol 1.2 with the Canadian Profile (CAP-CP): `info` blocks per language
(en-CA, fr-CA), areas as polygons, circles or Statistics Canada geocodes, and event codes from the
CAP-CP event list. ECCC's Updates carry every block of the alert: one group of blocks for the
areas still under it and one for the areas where it has ended. `read_alert` turns one alert,
read as of `now` (Muster's clock, passed in), into what Muster does with it:

  msgType Alert   -> DeclareIncident, id `cap_id(sender, identifier)`
  msgType Update  -> UpdateIncident of the incident its `references` name (update_id is `cap_id`
                     of the Update itself, so a re-sent Update applies once); EndAlert when the
                     Update ends the alert; and when Muster never saw the alert, DeclareIncident
                     from the Update alone, under the id of the alert it references first
  msgType Cancel  -> CloseIncident of the incident its `references` name

Only the blocks in one language are read (en-CA, else English, else the first block's). A block
has ended when its responseType is AllClear, when ECCC's `Alert_Location_Status` parameter says
ended (or cancelled, or transitioned_out: the area passed to another alert), or when its
`expires` is past `now`. The affected area is the union of the areas of blocks still in force;
when every block has ended, the alert has: an Alert is recorded closed and alerts nobody, an
Update ends what the alert declared and widens nothing. A block in force whose responseType
includes Evacuate or Avoid makes each of its areas a danger zone; Shelter, Prepare, Monitor,
Execute, Assess and None leave them affected area only, and a weather warning (thunderstorm,
wind, rain, snow, freezing rain, cold, heat, ...) never makes a danger zone. Areas outside
Ontario are left out (by their CAP-CP location codes, whose first two digits name the province,
else by Ontario's box); an alert with no area in Ontario is refused.

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
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring
from pydantic import TypeAdapter, ValidationError

from geo.areas import Area as GeoArea, AreaError, circle, polygon_from_geojson, to_geojson
from geo.ontario import area_in_ontario
from geo.union import union_areas, vertex_count
from handlers.common import MAX_AREA_VERTICES, Actor, Area, CircleArea, Point, describe_validation_error
from handlers.incidents import (
    MAX_DANGER_ZONES,
    CloseIncident,
    DangerZoneKind,
    DangerZoneSpec,
    DeclareIncident,
    EndAlert,
    IncidentChanges,
    IncidentDeclaration,
    IncidentSource,
    UpdateIncident,
    command_fields,
)
from handlers.taxonomy import IncidentKind, Severity

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
APPROXIMATE_RADIUS_KM = 15.0
"""How far around a named place an area given only by name (and geocodes) is taken to reach."""
MAX_INFOS = 20
MAX_AREAS = 100
MAX_CODES = 2000

EVENT_KINDS: dict[str, IncidentKind] = {
    "rainfall": "flood", "flood": "flood", "flashflood": "flood", "stormsurge": "flood", "highwater": "flood",
    "wildfire": "wildfire", "forestfire": "wildfire", "grassfire": "wildfire",
    "tornado": "tornado", "waterspout": "tornado",
    "freezingrain": "ice_storm", "icestorm": "ice_storm", "freezingdrizzle": "ice_storm",
    "winterstorm": "winter_storm", "blizzard": "winter_storm", "snowfall": "winter_storm", "snowsquall": "winter_storm",
    "blowingsnow": "winter_storm",
    "coldwave": "extreme_cold", "extremecold": "extreme_cold", "windchill": "extreme_cold", "arcticoutflow": "extreme_cold",
    "heat": "heat", "heatwave": "heat",
    "poweroutage": "power_outage", "power": "power_outage",
    "hazmat": "hazmat", "chemical": "hazmat",
}
"""CAP-CP event codes (profile:CAP-CP:Event:0.4), case folded, to Muster's incident kinds; others are `other`."""

SAME_KINDS: dict[str, IncidentKind] = {
    "FLW": "flood", "FFW": "flood", "FLA": "flood", "FFA": "flood", "FLS": "flood", "FFS": "flood",
    "TOR": "tornado", "TOA": "tornado", "FRW": "wildfire", "WSW": "winter_storm", "WSA": "winter_storm",
    "BZW": "winter_storm", "HMW": "hazmat", "CHW": "hazmat", "EVI": "evacuation",
}
"""SAME event codes, for alerts that carry no CAP-CP event code."""

WEATHER_EVENTS = frozenset({
    "thunderstorm", "wind", "rainfall", "rain", "snowfall", "snow", "snowsquall", "blizzard", "blowingsnow",
    "freezingrain", "freezingdrizzle", "icestorm", "winterstorm", "flashfreeze", "frost", "fog", "hail",
    "coldwave", "extremecold", "windchill", "arcticoutflow", "heat", "heatwave", "hurricane", "tropicalstorm",
    "tornado", "waterspout", "squall", "duststorm", "airquality", "weather",
})
"""Weather warnings (the meteorological events of the CAP-CP event list, case folded): they say
who should watch out, never where a referral must not go, whatever their responseType."""

DANGER_RESPONSES = frozenset({"Evacuate", "Avoid"})
"""CAP responseTypes that make a block's areas danger zones; Shelter, Prepare, Execute, Monitor,
Assess, AllClear and None make them affected area only."""
ENDED_LOCATION_STATUSES = frozenset({"ended", "cancelled", "transitioned_out"})
"""ECCC `Alert_Location_Status` values saying the alert no longer covers the block's areas."""
ZONE_KINDS: dict[str, DangerZoneKind] = {"flood": "inundation", "wildfire": "fire", "hazmat": "hazmat"}
"""The kind of danger zone an Avoid block makes, by incident kind (Evacuate makes evacuation zones)."""
ONTARIO_SGC = "35"
"""Statistics Canada's province code for Ontario: the first two digits of its CAP-CP location codes."""
PROVINCES = {"10": "Newfoundland and Labrador", "11": "Prince Edward Island", "12": "Nova Scotia",
             "13": "New Brunswick", "24": "Quebec", "35": "Ontario", "46": "Manitoba", "47": "Saskatchewan",
             "48": "Alberta", "59": "British Columbia", "60": "Yukon", "61": "Northwest Territories", "62": "Nunavut"}
LOCATION_CODE = "profile:CAP-CP:Location:0.3"

SEVERITIES: dict[str, Severity] = {
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
    """The incident this message declares, under `incident_id`: an Alert's, or an Update's when
    Muster never saw the alert (ECCC Updates carry every block, so they stand alone)."""
    changes: IncidentChanges | None = None
    danger_zones: tuple[DangerZoneSpec, ...] | None = ()
    """The danger zones the alert declares now: one per area of a block in force that says Evacuate
    or Avoid. None for an Update that gives no area: the zones stay as they are."""
    ended: bool = False
    """Every block has ended (AllClear, Alert_Location_Status ended, or expired as of `now`)."""
    area_note: str | None = None
    notes: tuple[str, ...] = field(default=())
    """What was assumed in reading the alert (e.g. severity Unknown read as moderate)."""

    @property
    def incident_id(self) -> str:
        """The id of the incident this message declares: an Alert's own, an Update's alert's (the
        oldest message it references by `sent`: ECCC references the whole chain back to its Alert)."""
        if self.msg_type == "Alert" or not self.references:
            return self.message_id
        first = min(self.references, key=lambda r: r.sent)
        return cap_id(first.sender, first.identifier)

    def command(self, incident_id: str, actor: Actor | None, accepted_at: datetime | None
                ) -> DeclareIncident | UpdateIncident | EndAlert | CloseIncident:
        """The Muster command for this alert, addressed to `incident_id`, an incident Muster knows
        (or, for an Alert, the one it declares)."""
        if self.msg_type == "Alert":
            return self.declare(actor, accepted_at)
        if self.msg_type == "Update":
            if self.ended:
                return EndAlert(id=incident_id, update_id=self.message_id, actor=actor, accepted_at=accepted_at)
            zones = None if self.danger_zones is None else list(self.danger_zones)
            assert self.changes is not None, "an Update is read with its changes"
            return UpdateIncident(**command_fields(self.changes), id=incident_id, area_note=self.area_note,
                                  alert_zones=zones, actor=actor, accepted_at=accepted_at)
        return CloseIncident(id=incident_id, actor=actor, accepted_at=accepted_at)

    def declare(self, actor: Actor | None, accepted_at: datetime | None) -> DeclareIncident:
        """The declaration of `incident_id`: from an Alert, or from an Update whose alert Muster never saw."""
        if self.declaration is None:
            raise CapError(f"a {self.msg_type} declares no incident")
        fields = {**command_fields(self.declaration), "danger_zones": list(self.danger_zones or ())}
        return DeclareIncident(**fields, area_note=self.area_note, source=self.source, ended=self.ended,
                               actor=actor, accepted_at=accepted_at)


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


def declared_by(incident: Any, ingest: CapIngest) -> bool:
    """Was the incident declared from this very message (an Alert, or an Update standing alone)?"""
    known = getattr(incident, "source", None)
    return known is not None and (known.sender, known.identifier) == (ingest.source.sender, ingest.source.identifier)


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


@dataclass(frozen=True)
class _Block:
    """One info block as read: in force or ended, and whether its areas are danger zones."""

    info: Element
    ended: bool
    danger: frozenset[str]
    """The responseTypes making its areas danger zones (Evacuate, Avoid), if any apply."""


def read_alert(body: bytes | str, geocoder: Any = None, *, now: datetime) -> CapIngest:
    """Read one CAP 1.2 alert into what Muster should do as of `now`; raises CapError saying why not.

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
    blocks = [_block(info, now) for info in _in_one_language(infos)]
    message_id = cap_id(sender, identifier)
    if msg_type == "Cancel":
        first = blocks[0].info if blocks else None
        source = _source(sender, identifier, sent, profile, first, _codes(first, "eventCode") if first else {}, {})
        return CapIngest(msg_type="Cancel", message_id=message_id, source=source, references=references)
    if not blocks:
        raise CapError(f"an {msg_type} needs an <info> block saying what, how severe and where")

    places = {id(b): _places_of(b.info, geocoder) for b in blocks}
    every = [p for found in places.values() for p in found]
    kept = {key: [p for p in found if p.in_ontario] for key, found in places.items()}
    # In force here: not ended, and (when the alert gives areas at all) over some of Ontario.
    in_force = [b for b in blocks if not b.ended and (kept[id(b)] or not every)]
    main = (in_force or blocks)[0].info
    notes: list[str] = []
    event_codes = _codes(main, "eventCode")
    kind = kind_of(main, event_codes)
    title, severity = _title(main, identifier), _severity(main, notes)
    base: dict[str, Any] = dict(msg_type=msg_type, message_id=message_id, references=references,
                                ended=not in_force, notes=tuple(notes))
    if not every:
        if msg_type == "Alert":
            raise CapError("the alert has no <area>; Muster needs to know where")
        # CAP lets an Update leave the area as it is: only what it says changes.
        source = _source(sender, identifier, sent, profile, main, event_codes, {})
        changes: IncidentChanges | None = IncidentChanges(update_id=message_id, title=title, severity=severity)
        return CapIngest(**base, source=source, changes=changes, danger_zones=None)
    if not any(kept.values()):
        raise CapError(f"no area of the alert is in Ontario: {_where_instead(every)}; "
                       "Muster coordinates Ontario's response only")
    covering = [p for b in (in_force or blocks) for p in kept[id(b)]]
    area, area_note = _affected(covering, [p for p in every if not p.in_ontario])
    zones = _danger_zones(in_force, kept, kind)
    source = _source(sender, identifier, sent, profile, main, event_codes, _geocodes(covering))
    ingest = CapIngest(**base, source=source, danger_zones=tuple(zones), area_note=area_note)
    try:
        declaration = IncidentDeclaration(id=ingest.incident_id, kind=kind, title=title, severity=severity, area=area)
        changes = None if msg_type == "Alert" else IncidentChanges(update_id=ingest.message_id, title=title,
                                                                     severity=severity, area=area)
    except ValidationError as exc:
        raise CapError(f"the alert does not make a valid incident: {describe_validation_error(exc)}") from None
    return replace(ingest, declaration=declaration, changes=changes)


def kind_of(info: Element, event_codes: Mapping[str, list[str]] | None = None) -> IncidentKind:
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
    return EVENT_KINDS.get(_event_text(info), "other")


def is_weather_warning(info: Element) -> bool:
    """Is the block a weather warning (by its CAP-CP event code, else its event text)?"""
    codes = [v.casefold() for name, values in _codes(info, "eventCode").items()
             if name.startswith("profile:CAP-CP:Event:") for v in values]
    return any(c in WEATHER_EVENTS for c in codes) if codes else _event_text(info) in WEATHER_EVENTS


# --- blocks ---------------------------------------------------------------------------------


def _in_one_language(infos: list[Element]) -> list[Element]:
    """The blocks in the language read: en-CA, else any English, else the first block's."""
    if not infos:
        return []
    languages = [(_text(i, "language") or "en-US").casefold() for i in infos]
    for wanted in ("en-ca", "en"):
        chosen = [i for i, language in zip(infos, languages, strict=True)
                  if language == wanted or (wanted == "en" and language.startswith("en"))]
        if chosen:
            return chosen
    return [i for i, language in zip(infos, languages, strict=True) if language == languages[0]]


def _block(info: Element, now: datetime) -> _Block:
    responses = set(_texts(info, "responseType"))
    statuses = {v.casefold() for v in _parameters(info, ":Alert_Location_Status")}
    expires = _text(info, "expires")
    expired = expires is not None and _when(expires, "expires") <= now
    ended = "AllClear" in responses or bool(statuses & ENDED_LOCATION_STATUSES) or expired
    danger = frozenset(responses & DANGER_RESPONSES) if not ended and not is_weather_warning(info) else frozenset()
    return _Block(info, ended, danger)


def _event_text(info: Element) -> str:
    return re.sub(r"[^a-z]", "", (_text(info, "event") or "").casefold())


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


def _parameters(info: Element, suffix: str) -> list[str]:
    """The values of the block's `<parameter>`s whose valueName ends with `suffix` (ECCC names the
    same parameter under layer versions 1.0 and 1.1)."""
    found = []
    for pair in info.findall(_q("parameter"))[:MAX_CODES]:
        name, value = _text(pair, "valueName"), _text(pair, "value")
        if name is not None and value is not None and name.endswith(suffix):
            found.append(value)
    return found


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
            event_codes: dict[str, list[str]], geocodes: dict[str, list[str]]) -> IncidentSource:
    fields: dict[str, Any] = {}
    if info is not None:
        expires = _text(info, "expires")
        fields = dict(event=(_text(info, "event") or "")[:200] or None, urgency=_text(info, "urgency"),
                      certainty=_text(info, "certainty"), expires=_when(expires, "expires") if expires else None)
        for when in ("effective", "onset"):
            if text := _text(info, when):
                _when(text, when)
    try:
        return IncidentSource(profile=profile, sender=sender, identifier=identifier, sent=sent,
                              event_codes=event_codes, geocodes=geocodes, **fields)
    except ValidationError as exc:
        raise CapError(f"the alert's identity or codes are out of bounds: {describe_validation_error(exc)}") from None


def _title(info: Element, identifier: str) -> str:
    title = _text(info, "headline") or _text(info, "event") or identifier
    return " ".join(title.split())[:200]


def _severity(info: Element, notes: list[str]) -> Severity:
    severity = _text(info, "severity")
    if severity is None:
        raise CapError("<severity> is missing; CAP 1.2 requires it in every <info>")
    if severity not in SEVERITIES:
        raise CapError(f"severity {severity!r} is not one of {', '.join(SEVERITIES)}")
    if severity == "Unknown":
        notes.append("severity Unknown read as moderate")
    return SEVERITIES[severity]


# --- areas ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Place:
    """One <area> of a block as read: its shapes (or, outside Ontario, none) and what was assumed."""

    description: str
    location_codes: tuple[str, ...]
    geocodes: dict[str, list[str]]
    in_ontario: bool
    parts: tuple[Any, ...] = ()
    circle: CircleArea | None = None
    """Set when the area is exactly one CAP circle, kept as a circle in km."""
    placed: tuple[str, ...] = ()
    unplaced: tuple[str, ...] = ()
    repairs: tuple[str, ...] = ()


def _places_of(info: Element, geocoder: Any) -> list[_Place]:
    areas = info.findall(_q("area"))
    if len(areas) > MAX_AREAS:
        raise CapError(f"{len(areas)} <area> blocks, more than {MAX_AREAS}")
    return [_place(area, n, geocoder) for n, area in enumerate(areas, 1)]


def _place(area: Element, n: int, geocoder: Any) -> _Place:
    """One area: left out unread when its CAP-CP location codes are all another province's (a BC
    alert's "Richmond" is not Ontario's); else its polygons and circles, or its names placed."""
    description = _text(area, "areaDesc") or "no areaDesc"
    where = f"area {n} ({description[:80]})"
    geocodes = _codes(area, "geocode")
    location = tuple(geocodes.get(LOCATION_CODE, ()))
    if location and not any(code.startswith(ONTARIO_SGC) for code in location):
        return _Place(description, location, geocodes, in_ontario=False)
    parts: list[Any] = []
    circles: list[CircleArea] = []
    repairs: list[str] = []
    polygons, rings = _texts(area, "polygon"), _texts(area, "circle")
    for text in polygons:
        geom, note = _polygon(text, where)
        parts.append(geom)
        if note:
            repairs.append(f"{where}: {note}")
    for text in rings:
        found = _circle(text, where)
        circles.append(found)
        parts.append(circle(found.center.lat, found.center.lon, found.radius_km))
    placed: list[str] = []
    missing: list[str] = []
    if not (polygons or rings):
        names, missing = _places(area, where, geocoder)
        for name, lat, lon in names:
            parts.append(circle(lat, lon, APPROXIMATE_RADIUS_KM))
            placed.append(name)
    in_ontario = bool(location) or any(area_in_ontario(part) for part in parts)
    return _Place(description, location, geocodes, in_ontario, tuple(parts),
                  circles[0] if len(parts) == 1 and len(circles) == 1 else None,
                  tuple(placed), tuple(missing), tuple(repairs))


def _where_instead(places: Iterable[_Place]) -> str:
    """Where the areas of an alert refused as not Ontario's lie, in words its sender can check."""
    places = list(places)
    names = list(dict.fromkeys(p.description for p in places))
    codes = sorted({code[:2] for p in places for code in p.location_codes})
    named = ", ".join(names)[:300] or "its areas"
    if codes:
        provinces = " and ".join(PROVINCES.get(code, f"province code {code}") for code in codes)
        return f"{named} lie in {provinces} (by their CAP-CP location codes)"
    return f"{named} lie outside Ontario"


def _as_area(places: list[_Place], what: str) -> Any:
    """One Muster area from some places: a single circle stays a circle, the rest are merged."""
    if len(places) == 1 and places[0].circle is not None:
        return places[0].circle
    try:
        merged = union_areas(part for place in places for part in place.parts)
    except AreaError as exc:
        raise CapError(f"{what} make no area: {exc}") from None
    if vertex_count(merged) > MAX_AREA_VERTICES:
        raise CapError(f"{what} have {vertex_count(merged)} vertices together, "
                       f"more than the limit of {MAX_AREA_VERTICES}")
    try:
        return _areas.validate_python(to_geojson(merged))
    except ValidationError as exc:
        raise CapError(f"{what} are not usable: {describe_validation_error(exc)}") from None


def _affected(places: list[_Place], left_out: list[_Place]) -> tuple[Any, str | None]:
    """The affected area of the places, and a note on what is approximate or left out."""
    placed = list(dict.fromkeys(name for p in places for name in p.placed))
    unplaced = list(dict.fromkeys(name for p in places for name in p.unplaced))
    outside = list(dict.fromkeys(p.description for p in left_out))
    notes = []
    if placed:
        notes.append(f"approximate: {APPROXIMATE_RADIUS_KM:g} km around {', '.join(placed)} "
                     "(the alert gave only geocodes and area names)")
    if unplaced:
        notes.append(f"not placed by the gazetteer, so not covered: {', '.join(unplaced)}")
    if outside:
        notes.append(f"left out, outside Ontario: {', '.join(outside)}")
    notes += [repair for p in places for repair in p.repairs]
    return _as_area(places, "the alert's areas"), "; ".join(notes)[:1000] or None


def _danger_zones(in_force: list[_Block], kept: dict[int, list[_Place]], kind: str) -> list[DangerZoneSpec]:
    """One danger zone per area of each block in force that says Evacuate or Avoid."""
    zones: list[DangerZoneSpec] = []
    for block in in_force:
        if not block.danger:
            continue
        zone_kind = "evacuation" if "Evacuate" in block.danger else ZONE_KINDS.get(kind, "other")
        for place in kept[id(block)]:
            area = _as_area([place], f"the danger zone {place.description[:80]!r}")
            try:
                zones.append(DangerZoneSpec(id=f"alert-area-{len(zones) + 1}", kind=zone_kind, area=area,
                                            note=place.description[:500]))
            except ValidationError as exc:
                raise CapError(f"the danger zone {place.description[:80]!r} is not usable: "
                               f"{describe_validation_error(exc)}") from None
    if len(zones) > MAX_DANGER_ZONES:
        raise CapError(f"the alert makes {len(zones)} danger zones, more than the {MAX_DANGER_ZONES} an incident may have")
    return zones


def _geocodes(places: list[_Place]) -> dict[str, list[str]]:
    """The geocodes of the places, by valueName, each once."""
    merged: dict[str, list[str]] = {}
    for place in places:
        for name, values in place.geocodes.items():
            known = merged.setdefault(name, [])
            known += [v for v in values if v not in known]
    return merged


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


def _polygon(text: str, where: str) -> tuple[GeoArea, str | None]:
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
        found = CircleArea(center=Point(lat=lat, lon=lon), radius_km=radius)
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


def _geocode(geocoder: Any, name: str) -> Any:
    try:
        return geocoder.geocode(f"{name}, ON")
    except Exception as exc:  # a geopy service geocoder may fail in many ways; the sender needs to know
        raise CapError(f"the geocoder could not look up {name!r} ({type(exc).__name__}); "
                       "send the area as a polygon or circle") from None
