"""Open Referral HSDS 3.0 read into Muster's directory: the mapping, no I/O.

HSDS (the Human Services Data Specification) is how 211 directories exchange who offers what
where: organizations run services, services are offered at locations, and each pairing is a
`service_at_location`. Each service_at_location is one Muster site:

  a shelter    when it holds beds: it has an `x_muster_capacity` row, or its type (below) is
               overnight shelter; then the capacity row is required (PUT /v1/shelters/{id})
  a service    otherwise: a warming centre, charging station, meals, ... (PUT /v1/services/{id})

  id           the service_at_location id (HSDS ids are UUIDs, which Muster ids admit); an id
               Muster cannot take becomes `hsds-` and 24 hex digits of its SHA-256
  type         an `x_muster_service` row's service_type; else the taxonomy terms linked to the
               service_at_location or the service (Muster's own code, a 211/AIRS term or label by
               name, else its words); else the words of the service's name; else the importer's
               default type, if given; else the row is rejected
  name         "location name — service name" (one of them when they are the same)
  location     the location's latitude and longitude (WGS84); it must be physical and in Ontario
  address      the location's physical address (a postal one only when there is none); `place`
               is its "city, province"
  status       service status `active` is open (or `limited`, when the extension row says so);
               `temporarily closed` is closed; `inactive` and `defunct` are not imported
  hours        schedules of the service_at_location, else of the service, else of the location
               (formats/hsds_fields.py says which rules Muster reads)
  phone        the first voice number of the service_at_location, service, location, organization
  languages    ISO 639 codes of the language rows of the location and of the service, together
               (English when there are none); a phone's own languages are not the site's
  accessible   the extension row's flag; when blank, what the location's accessibility rows say
               about wheelchairs (no, when they say nothing)

Every problem of a row is reported, not only the first (`Rejection.reasons`).
"""
from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from formats import hsds_fields as fields
from formats.hsds_fields import Linked
from formats.hsds_tables import CAPACITY, SITE, Rejection, Row, Tables
from geo.ontario import why_not_in_ontario
from handlers.common import ID_PATTERN, describe_validation_error
from handlers.services import ServiceProfile
from handlers.shelters import ShelterProfile
from handlers.sites import BED_SERVICE, SERVICE_TYPES

DEFAULT_TYPES: tuple[str, ...] = tuple(t for t in SERVICE_TYPES if t != BED_SERVICE)
"""Types an import may give services whose type cannot be told (never beds: they need a count)."""

CAPACITY_COLUMNS = {
    "service_at_location_id": "the service_at_location this row counts beds for",
    "capacity": "beds in all (required, a whole number)",
    "occupancy": "beds taken now (blank is 0)",
    "accepts_pets": "true or false; blank is false",
    "accessible": "wheelchair accessible: true or false; blank: what the location's accessibility rows say",
    "families": "takes families with children: true or false; blank is false",
    "partner_id": "the Muster partner that runs the shelter and may update it (optional)",
    "status": "open, limited or closed; blank: from the service's HSDS status",
    "status_reason": "why it is limited or closed: no_power, no_heat, no_water, no_staff, full, damaged, other",
}
"""Muster's extension for beds: what a shelter has that HSDS 3.0 cannot say."""

SITE_COLUMNS = {
    "service_at_location_id": "the service_at_location this row describes",
    "service_type": f"one of {', '.join(DEFAULT_TYPES)}; blank: from taxonomy terms or the service's name",
    "accepts_pets": "true or false; blank is false",
    "accessible": "wheelchair accessible: true or false; blank: what the location's accessibility rows say",
    "families": "serves families with children: true or false; blank is true",
    "partner_id": "the Muster partner that runs the site and may update it (optional)",
    "status": "open, limited or closed; blank: from the service's HSDS status",
    "status_reason": "why it is limited or closed: no_power, no_heat, no_water, no_staff, full, damaged, other",
}
"""Muster's extension for every other service; optional, for what HSDS 3.0 cannot say."""

TRUE = {"true", "yes", "1"}
FALSE = {"false", "no", "0"}
STATUSES = ("active", "inactive", "defunct", "temporarily closed")
SITE_STATUSES = ("open", "limited", "closed")
_ID = re.compile(ID_PATTERN)


class Refused(ValueError):
    """Why one service_at_location cannot become a site: every reason found."""

    def __init__(self, reasons: Iterable[str]) -> None:
        self.reasons = tuple(reasons)
        super().__init__("; ".join(self.reasons))


@dataclass(frozen=True)
class ImportedShelter:
    id: str
    row: str
    profile: ShelterProfile


@dataclass(frozen=True)
class ImportedService:
    id: str
    row: str
    profile: ServiceProfile


@dataclass(frozen=True)
class Directory:
    """What an HSDS directory holds for Muster: shelters, other service sites, and the rows that
    are neither (with every reason), and warnings about what was left out of imported sites."""

    rows: int
    shelters: tuple[ImportedShelter, ...]
    services: tuple[ImportedService, ...]
    rejected: tuple[Rejection, ...]
    warnings: tuple[Rejection, ...] = ()


def site_id(service_at_location_id: str) -> str:
    """The shelter or service id for a service_at_location: its own id when Muster can take it."""
    if len(service_at_location_id) <= 128 and _ID.match(service_at_location_id):
        return service_at_location_id
    return "hsds-" + hashlib.sha256(service_at_location_id.encode()).hexdigest()[:24]


@dataclass(frozen=True)
class _Index:
    """The directory's tables, indexed for reading one service_at_location at a time."""

    services: Mapping[str, Row]
    locations: Mapping[str, Row]
    capacity: Mapping[str, list[Row]]
    extras: Mapping[str, list[Row]]
    addresses: Mapping[str, list[Row]]
    accessibility: Mapping[str, list[Row]]
    schedules: Linked
    phones: Linked
    languages: Linked
    terms: Mapping[str, list[Row]]
    default_type: str | None


def sites_from(tables: Tables, rejected: Iterable[Rejection] = (), warnings: Iterable[Rejection] = (),
               default_type: str | None = None) -> Directory:
    """Every service_at_location mapped to a shelter or a service site, or rejected with its reasons.

    `rejected` are items a reader could not even turn into rows; they count as rows read.
    `default_type` (one of DEFAULT_TYPES) is given to services whose type cannot be told, with a
    warning; without it they are rejected."""
    if default_type is not None and default_type not in DEFAULT_TYPES:
        raise ValueError(f"default type {default_type!r} is not one of {', '.join(DEFAULT_TYPES)}")
    warned = list(warnings)
    index = _Index(
        services=_index(tables, "service", warned), locations=_index(tables, "location", warned),
        capacity=_group(tables, CAPACITY, "service_at_location_id"), extras=_group(tables, SITE, "service_at_location_id"),
        addresses=_group(tables, "address", "location_id"), accessibility=_group(tables, "accessibility", "location_id"),
        schedules=Linked(tables.get("schedule", ())), phones=Linked(tables.get("phone", ())),
        languages=Linked(tables.get("language", ())), terms=_terms(tables), default_type=default_type,
    )
    rejections = list(rejected)
    read = len(rejections)
    shelters: list[ImportedShelter] = []
    services: list[ImportedService] = []
    first_seen: dict[str, str] = {}
    for row in tables.get("service_at_location", ()):
        read += 1
        raw_id = row.text("id")
        try:
            if not raw_id:
                raise Refused(["no id"])
            if raw_id in first_seen:
                raise Refused([f"duplicate id: {first_seen[raw_id]} has it too"])
            first_seen[raw_id] = row.ref
            site = _site(row, index, warned)
            if isinstance(site, ImportedShelter):
                shelters.append(site)
            else:
                services.append(site)
        except Refused as exc:
            rejections.append(Rejection(row.ref, raw_id or None, exc.reasons))
    for name, grouped in ((CAPACITY, index.capacity), (SITE, index.extras)):
        for sal_id, rows in grouped.items():
            if sal_id not in first_seen:
                warned += [Rejection(r.ref, sal_id, (f"{name} row for a service_at_location not in the directory; "
                                                     "ignored",)) for r in rows]
    return Directory(read, tuple(shelters), tuple(services), tuple(rejections), tuple(dict.fromkeys(warned)))


def _index(tables: Tables, name: str, warnings: list[Rejection]) -> dict[str, Row]:
    """Rows by id; a repeated id keeps its first row (a repeat that says otherwise is worth a
    warning; JSON repeats an object wherever it is nested, with or without its parent's id)."""
    found: dict[str, Row] = {}
    for row in tables.get(name, ()):
        key = row.text("id")
        if key in found:
            first = found[key].fields
            if any(first[k] != v for k, v in row.fields.items() if k in first):
                warnings.append(Rejection(row.ref, key, (f"another {name} has this id ({found[key].ref}); "
                                                         "the first is used",)))
            continue
        found[key] = row
    return found


def _group(tables: Tables, name: str, by: str) -> dict[str, list[Row]]:
    grouped: dict[str, list[Row]] = {}
    for row in tables.get(name, ()):
        if row.text(by):
            grouped.setdefault(row.text(by), []).append(row)
    return grouped


def _terms(tables: Tables) -> dict[str, list[Row]]:
    """Taxonomy terms by the id of the service or service_at_location an attribute links them to."""
    terms = {row.text("id"): row for row in tables.get("taxonomy_term", ())}
    linked: dict[str, list[Row]] = {}
    for attribute in tables.get("attribute", ()):
        term = terms.get(attribute.text("taxonomy_term_id"))
        entity = attribute.text("link_entity").casefold()
        if term is not None and attribute.text("link_id") and entity in ("", "service", "service_at_location"):
            linked.setdefault(attribute.text("link_id"), []).append(term)
    return linked


def _site(row: Row, index: _Index, warnings: list[Rejection]) -> ImportedShelter | ImportedService:
    problems = list(row.problems)
    service = _referenced(row, "service_id", index.services, "service", problems)
    location = _referenced(row, "location_id", index.locations, "location", problems)
    sal_id = row.text("id")
    kind_problems: list[str] = []  # reported after where the site is, as a steward reads a row
    kind, extension = _kind(row, service, index, kind_problems, warnings)
    body: dict[str, Any] = {}
    if service is not None:
        body["status"] = _status(service, extension, problems)
    if location is not None:
        body["location"] = _point(location, problems)
        body["address"], body["place"] = fields.street_address(index.addresses.get(location.text("id"), []), warnings)
    problems += kind_problems
    service_id, location_id = row.text("service_id"), row.text("location_id")
    organization_id = service.text("organization_id") if service is not None else ""
    body["schedules"] = fields.schedules(index.schedules.levels(sal_id, service_id, location_id), problems, warnings)
    body["phone"] = fields.phone(index.phones.levels(sal_id, service_id, location_id, organization_id), warnings)
    spoken = index.languages.levels(sal_id, service_id, location_id)
    body["languages"] = fields.languages(spoken["location"] + spoken["service"], warnings) or None
    wheelchair = fields.wheelchair(index.accessibility.get(location_id, [])) if location is not None else None
    if extension is not None:
        body |= _extension(extension, kind, problems)
        body["status_reason"] = extension.text("status_reason") or None
    if body.get("accessible") is None:
        body["accessible"] = wheelchair
    body["name"] = _name(location, service) if location is not None or service is not None else ""
    if not body["name"] and service is not None and location is not None:
        problems.append("neither its location nor its service has a name")
    if kind != BED_SERVICE:
        body["service_type"] = kind
        body["description"] = _description(row, service, warnings)
    if problems:
        raise Refused(problems)
    present = {k: v for k, v in body.items() if v is not None}
    try:
        if kind == BED_SERVICE:
            return ImportedShelter(site_id(sal_id), row.ref, ShelterProfile.model_validate(present))
        return ImportedService(site_id(sal_id), row.ref, ServiceProfile.model_validate(present))
    except ValidationError as exc:
        raise Refused([describe_validation_error(exc)]) from None


def _kind(row: Row, service: Row | None, index: _Index, problems: list[str],
          warnings: list[Rejection]) -> tuple[str | None, Row | None]:
    """What the site offers (BED_SERVICE for beds), and the extension row that goes with it.

    A capacity row makes a shelter whatever else is said; a service said to be an overnight shelter
    needs one. Several types said at once: the first in SERVICE_TYPES order, with a warning."""
    sal_id = row.text("id")
    counts, extras = index.capacity.get(sal_id, []), index.extras.get(sal_id, [])
    for name, rows in ((CAPACITY, counts), (SITE, extras)):
        if len(rows) > 1:
            problems.append(f"{len(rows)} {name} rows ({', '.join(r.ref for r in rows)}); which one is right?")
    extra = extras[0] if len(extras) == 1 else None
    explicit = extra.text("service_type") if extra is not None else ""
    if explicit and explicit not in SERVICE_TYPES:
        problems.append(f"{SITE} service_type {explicit!r} is not one of {', '.join(DEFAULT_TYPES)}")
        explicit = ""
    if counts:
        if explicit and explicit != BED_SERVICE:
            problems.append(f"{SITE} says {explicit}, but an {CAPACITY} row counts beds here; which is it?")
        return BED_SERVICE, counts[0] if len(counts) == 1 else None
    if explicit:
        kind: str | None = explicit
    elif service is None:
        return None, extra
    else:
        terms = index.terms.get(sal_id, []) + index.terms.get(service.text("id"), [])
        said = [k for term in terms for k in fields.types_of_term(term)] or fields.types_in(service.clean("name"))
        kind, others = fields.first_type(said)
        if others:
            fields.warn(warnings, row, f"its taxonomy terms or name also say {', '.join(others)}; listed as {kind}")
        if kind is None and index.default_type is not None:
            kind = index.default_type
            fields.warn(warnings, row, f"no service type in its taxonomy terms or name; imported as {kind} "
                                       "(the default type)")
        if kind is None:
            names = ", ".join(repr(t.clean("name")) for t in terms) or "none"
            problems.append(f"no service type: neither its taxonomy terms ({names}) nor its name "
                            f"{service.label()} say one; add a 211 taxonomy term such as 'Warming Centers', "
                            f"a service_type in {SITE}, or import with --default-type")
    if kind == BED_SERVICE:
        problems.append(f"no {CAPACITY} row: HSDS has no bed count, and Muster needs one to offer beds here")
        return kind, None
    return kind, extra


def _referenced(row: Row, column: str, table: Mapping[str, Row], name: str, problems: list[str]) -> Row | None:
    key = row.text(column)
    if not key:
        problems.append(f"no {column}")
    elif key not in table:
        problems.append(f"{column} {key} names no {name} in the directory")
    else:
        return table[key]
    return None


def _status(service: Row, extension: Row | None, problems: list[str]) -> str | None:
    """open, limited or closed: the HSDS status, refined by the extension row's."""
    status = service.text("status").casefold()
    if status not in ("active", "temporarily closed"):
        if status in STATUSES:
            problems.append(f"service {service.label()} is {status}")
        elif not status:
            problems.append(f"service {service.label()} has no status")
        else:
            problems.append(f"service status {status!r} is not one of {', '.join(STATUSES)}")
        return None
    said = "open" if status == "active" else "closed"
    muster = extension.text("status").casefold() if extension is not None else ""
    if not muster:
        return said
    if muster not in SITE_STATUSES:
        problems.append(f"status {muster!r} is not one of {', '.join(SITE_STATUSES)}")
    elif (muster == "closed") != (said == "closed"):
        problems.append(f"the extension says {muster} but the service is {status}")
    return muster


def _point(location: Row, problems: list[str]) -> dict[str, float] | None:
    kind = location.text("location_type").casefold()
    if kind and kind != "physical":
        problems.append(f"location {location.label()} is {kind}: a caller needs a physical place to go to")
        return None
    lat, lon = location.text("latitude"), location.text("longitude")
    if not lat or not lon:
        problems.append(f"location {location.label()} has no latitude and longitude")
        return None
    values = []
    for name, text, limit in (("latitude", lat, 90), ("longitude", lon, 180)):
        try:
            value = float(text)
        except ValueError:
            problems.append(f"{name} {text!r} is not a number")
            continue
        if not math.isfinite(value) or abs(value) > limit:
            problems.append(f"{name} {text} is outside -{limit} to {limit}")
            continue
        values.append(value)
    if len(values) < 2:
        return None
    if (why := why_not_in_ontario(*values)) is not None:
        problems.append(why)
        return None
    return {"lat": values[0], "lon": values[1]}


def _extension(row: Row, kind: str | None, problems: list[str]) -> dict[str, Any]:
    """What an extension row says: beds for a shelter, needs and partner for every site. Blank
    needs are no for beds (a household is never sent on a guess); for other services, the
    service's defaults (no pets, families welcome)."""
    body: dict[str, Any] = {name: _flag(row, name, problems) for name in ("accepts_pets", "accessible", "families")}
    body["partner_id"] = row.text("partner_id") or None
    if kind == BED_SERVICE:
        body["capacity"] = _whole(row, "capacity", problems, required=True)
        body["occupancy"] = _whole(row, "occupancy", problems)
        body["accepts_pets"] = bool(body["accepts_pets"])
        body["families"] = bool(body["families"])
    return body


def _whole(row: Row, name: str, problems: list[str], required: bool = False) -> int | None:
    text = row.text(name)
    if not text:
        if required:
            problems.append(f"{CAPACITY} has no {name}")
        return None if required else 0
    try:
        value = float(text)
    except ValueError:
        problems.append(f"{name} {text!r} is not a whole number")
        return None
    if not value.is_integer():
        problems.append(f"{name} {text!r} is not a whole number")
    elif value < 0:
        problems.append(f"{name} {text} is negative")
    else:
        return int(value)
    return None


def _flag(row: Row, name: str, problems: list[str]) -> bool | None:
    """True, false, or None when blank."""
    text = row.text(name).casefold()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    if text:
        problems.append(f"{name} {text!r} is not true or false")
    return None


def _name(location: Row | None, service: Row | None) -> str:
    """"Lindsay Recreation Complex — Overnight emergency shelter": where, then what, as a
    navigator would say it; one of them when the other is missing, the same or too long."""
    where = location.clean("name") if location is not None else ""
    what = service.clean("name") if service is not None else ""
    if not where or not what:
        return where or what
    both = f"{where} — {what}"
    return where if where.casefold() == what.casefold() or len(both) > 200 else both


def _description(row: Row, service: Row | None, warnings: list[Rejection]) -> str | None:
    """What the service offers there: the service_at_location's description, else the service's,
    shortened at a word to the 200 characters a caller's list has room for."""
    text = " ".join((row.clean("description") or (service.clean("description") if service else "")).split())
    if len(text) <= 200:
        return text or None
    fields.warn(warnings, row, "description shortened to 200 characters")
    return text[:199].rsplit(" ", 1)[0] + "…"
