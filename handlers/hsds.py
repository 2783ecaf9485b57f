"""Open Referral HSDS 3.0 read into Muster shelters and written back: the mapping, no I/O.

HSDS (the Human Services Data Specification) is how 211 directories exchange who offers what
where: organizations run services, services are offered at locations, and each pairing is a
`service_at_location`. One service_at_location is one Muster shelter:

  shelter id   the service_at_location id (HSDS ids are UUIDs, which Muster ids admit); an id
               Muster cannot take becomes `hsds-` and 24 hex digits of its SHA-256
  name         "location name — service name" (one of them when they are the same)
  location     the location's latitude and longitude (WGS84); it must be physical and in Ontario
  place        "city, state_province" of the location's address (a physical one first)
  open         service status `active`; `temporarily closed` imports as closed; `inactive` and
               `defunct` services are not imported
  languages    ISO 639 codes of the language rows of the location or the service (else English)

HSDS has no bed count, so Muster adds one table, `x_muster_capacity`, keyed by
service_at_location id (EXTENSION_COLUMNS). A service_at_location without a row there is
rejected, not imported with no beds: a shelter without a count could never take a referral,
and it would overwrite the count of a shelter already in the directory.
"""
from __future__ import annotations

import hashlib
import math
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from geo.ontario import why_not_in_ontario
from handlers.common import ID_PATTERN, describe_validation_error
from handlers.exports import spreadsheet_safe
from handlers.shelters import ShelterProfile

COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "organization": (("id", "string"), ("name", "string"), ("description", "string")),
    "service": (("id", "string"), ("organization_id", "string"), ("name", "string"), ("status", "string")),
    "location": (("id", "string"), ("location_type", "string"), ("organization_id", "string"), ("name", "string"),
                 ("latitude", "number"), ("longitude", "number")),
    "service_at_location": (("id", "string"), ("service_id", "string"), ("location_id", "string")),
    "address": (("id", "string"), ("location_id", "string"), ("address_1", "string"), ("city", "string"),
                ("state_province", "string"), ("postal_code", "string"), ("country", "string"),
                ("address_type", "string")),
    "language": (("id", "string"), ("service_id", "string"), ("location_id", "string"), ("code", "string")),
    "x_muster_capacity": (("service_at_location_id", "string"), ("capacity", "integer"), ("occupancy", "integer"),
                          ("accepts_pets", "boolean"), ("accessible", "boolean"), ("families", "boolean"),
                          ("partner_id", "string")),
}
"""The tables Muster reads and writes, by HSDS resource name, with the columns it fills."""

PATHS = {
    "organization": "organizations.csv", "service": "services.csv", "location": "locations.csv",
    "service_at_location": "service_at_location.csv", "address": "addresses.csv", "language": "languages.csv",
    "x_muster_capacity": "x_muster_capacity.csv",
}
"""Where each table lies in an HSDS 3.0 CSV package, unless its datapackage.json says otherwise."""

EXTENSION = "x_muster_capacity"
EXTENSION_COLUMNS = {
    "service_at_location_id": "the service_at_location this row counts beds for",
    "capacity": "beds in all (required, a whole number)",
    "occupancy": "beds taken now (blank is 0)",
    "accepts_pets": "true or false; blank is false",
    "accessible": "wheelchair accessible: true or false; blank is false",
    "families": "takes families with children: true or false; blank is false",
    "partner_id": "the Muster partner that runs the shelter and may update it (optional)",
}
"""Muster's extension to HSDS: what a shelter has that HSDS 3.0 cannot say."""

TRUE = {"true", "yes", "1"}
FALSE = {"false", "no", "0", ""}
STATUSES = ("active", "inactive", "defunct", "temporarily closed")
_ID = re.compile(ID_PATTERN)
_NAMESPACE = uuid.UUID("89748b40-1f2b-45ef-bb25-e2c38dc7bed1")
_FORMULA_GUARD = "'"


class Refused(ValueError):
    """Why one service_at_location cannot become a shelter."""


@dataclass(frozen=True)
class Row:
    """One record of an HSDS table, and where it was read (for the report)."""

    ref: str
    fields: Mapping[str, Any]

    def text(self, name: str) -> str:
        value = self.fields.get(name)
        return "" if value is None else str(value).strip()


@dataclass(frozen=True)
class Rejection:
    row: str
    id: str | None
    reason: str


@dataclass(frozen=True)
class ImportedShelter:
    id: str
    row: str
    profile: ShelterProfile


@dataclass(frozen=True)
class Directory:
    """What an HSDS directory holds for Muster: shelters, and the rows that cannot be shelters."""

    rows: int
    shelters: tuple[ImportedShelter, ...]
    rejected: tuple[Rejection, ...]
    warnings: tuple[Rejection, ...] = ()


Tables = Mapping[str, Sequence[Row]]


def shelter_id(service_at_location_id: str) -> str:
    """The shelter id for a service_at_location: its own id when Muster can take it."""
    if len(service_at_location_id) <= 128 and _ID.match(service_at_location_id):
        return service_at_location_id
    return "hsds-" + hashlib.sha256(service_at_location_id.encode()).hexdigest()[:24]


def shelters_from(tables: Tables, rejected: Iterable[Rejection] = ()) -> Directory:
    """Every service_at_location mapped to a shelter or rejected with its reason.

    `rejected` are items a reader could not even turn into rows; they count as rows read."""
    warnings: list[Rejection] = []
    services = _index(tables, "service", warnings)
    locations = _index(tables, "location", warnings)
    capacity = _group(tables, EXTENSION, "service_at_location_id")
    addresses = _group(tables, "address", "location_id")
    languages = (_group(tables, "language", "location_id"), _group(tables, "language", "service_id"))
    rejections = list(rejected)
    read = len(rejections)
    shelters: list[ImportedShelter] = []
    first_seen: dict[str, str] = {}
    for row in tables.get("service_at_location", ()):
        read += 1
        raw_id = row.text("id")
        try:
            if not raw_id:
                raise Refused("no id")
            if raw_id in first_seen:
                raise Refused(f"duplicate id: {first_seen[raw_id]} has it too")
            first_seen[raw_id] = row.ref
            shelters.append(_shelter(row, services, locations, capacity, addresses, languages, warnings))
        except Refused as exc:
            rejections.append(Rejection(row.ref, raw_id or None, str(exc)))
    for sal_id, rows in capacity.items():
        if sal_id not in first_seen:
            warnings += [Rejection(r.ref, sal_id or None, f"{EXTENSION} row for a service_at_location not in the "
                                   "directory; ignored") for r in rows]
    return Directory(read, tuple(shelters), tuple(rejections), tuple(warnings))


def _index(tables: Tables, name: str, warnings: list[Rejection]) -> dict[str, Row]:
    """Rows by id; a repeated id keeps its first row (a differing repeat is worth a warning)."""
    found: dict[str, Row] = {}
    for row in tables.get(name, ()):
        key = row.text("id")
        if key in found:
            if row.fields != found[key].fields:
                warnings.append(Rejection(row.ref, key, f"another {name} has this id ({found[key].ref}); "
                                          "the first is used"))
            continue
        found[key] = row
    return found


def _group(tables: Tables, name: str, by: str) -> dict[str, list[Row]]:
    grouped: dict[str, list[Row]] = {}
    for row in tables.get(name, ()):
        if row.text(by):
            grouped.setdefault(row.text(by), []).append(row)
    return grouped


def _shelter(row: Row, services: Mapping[str, Row], locations: Mapping[str, Row],
             capacity: Mapping[str, list[Row]], addresses: Mapping[str, list[Row]],
             languages: tuple[Mapping[str, list[Row]], Mapping[str, list[Row]]],
             warnings: list[Rejection]) -> ImportedShelter:
    service = _referenced(row, "service_id", services, "service")
    location = _referenced(row, "location_id", locations, "location")
    counts = capacity.get(row.text("id"), [])
    if not counts:
        raise Refused(f"no {EXTENSION} row: HSDS has no bed count, and Muster needs one to offer beds here")
    if len(counts) > 1:
        raise Refused(f"{len(counts)} {EXTENSION} rows ({', '.join(r.ref for r in counts)}); which count is right?")
    (count,) = counts
    body = {
        "name": _name(location, service),
        "location": _point(location),
        "place": _place(addresses.get(location.text("id"), [])),
        "open": _open(service),
        "capacity": _whole(count, "capacity", required=True),
        "occupancy": _whole(count, "occupancy"),
        "accepts_pets": _flag(count, "accepts_pets"),
        "accessible": _flag(count, "accessible"),
        "families": _flag(count, "families"),
        "partner_id": count.text("partner_id") or None,
    }
    spoken = _languages(languages[0].get(location.text("id"), []) + languages[1].get(service.text("id"), []), warnings)
    if spoken:
        body["languages"] = spoken
    if not body["name"]:
        raise Refused("neither its location nor its service has a name")
    try:
        profile = ShelterProfile.model_validate({k: v for k, v in body.items() if v is not None})
    except ValidationError as exc:
        raise Refused(describe_validation_error(exc)) from None
    return ImportedShelter(shelter_id(row.text("id")), row.ref, profile)


def _name(location: Row, service: Row) -> str:
    """"Lindsay Recreation Complex — Overnight emergency shelter": where, then what, as a
    navigator would say it; one of them when the other is missing, the same or too long."""
    where, what = _unguarded(location.text("name")), _unguarded(service.text("name"))
    if not where or not what:
        return where or what
    both = f"{where} — {what}"
    return where if where.casefold() == what.casefold() or len(both) > 200 else both


def _referenced(row: Row, column: str, table: Mapping[str, Row], name: str) -> Row:
    key = row.text(column)
    if not key:
        raise Refused(f"no {column}")
    if key not in table:
        raise Refused(f"{column} {key} names no {name} in the directory")
    return table[key]


def _label(row: Row) -> str:
    """How a report names a service or location: its name if it has one, else its id."""
    return repr(_unguarded(row.text("name"))) if row.text("name") else row.text("id")


def _point(location: Row) -> dict[str, float]:
    kind = location.text("location_type").casefold()
    if kind and kind != "physical":
        raise Refused(f"location {_label(location)} is {kind}: a shelter needs a physical location")
    lat, lon = location.text("latitude"), location.text("longitude")
    if not lat or not lon:
        raise Refused(f"location {_label(location)} has no latitude and longitude")
    values = []
    for name, text, limit in (("latitude", lat, 90), ("longitude", lon, 180)):
        try:
            value = float(text)
        except ValueError:
            raise Refused(f"{name} {text!r} is not a number") from None
        if not math.isfinite(value) or abs(value) > limit:
            raise Refused(f"{name} {text} is outside -{limit} to {limit}")
        values.append(value)
    if (why := why_not_in_ontario(*values)) is not None:
        raise Refused(why)
    return {"lat": values[0], "lon": values[1]}


def _place(addresses: Sequence[Row]) -> str | None:
    """The town people know the shelter by: a physical address's city and province."""
    for address in sorted(addresses, key=lambda a: a.text("address_type").casefold() != "physical"):
        parts = [_unguarded(address.text("city")), _unguarded(address.text("state_province"))]
        if parts[0]:
            return ", ".join(p for p in parts if p)
    return None


def _open(service: Row) -> bool:
    status = service.text("status").casefold()
    if status == "active":
        return True
    if status == "temporarily closed":
        return False
    if status in STATUSES:
        raise Refused(f"service {_label(service)} is {status}")
    if not status:
        raise Refused(f"service {_label(service)} has no status")
    raise Refused(f"service status {status!r} is not one of {', '.join(STATUSES)}")


def _whole(row: Row, name: str, required: bool = False) -> int:
    text = row.text(name)
    if not text:
        if required:
            raise Refused(f"{EXTENSION} has no {name}")
        return 0
    try:
        value = float(text)
    except ValueError:
        raise Refused(f"{name} {text!r} is not a whole number") from None
    if not value.is_integer():
        raise Refused(f"{name} {text!r} is not a whole number")
    if value < 0:
        raise Refused(f"{name} {text} is negative")
    return int(value)


def _flag(row: Row, name: str) -> bool:
    """True or false; blank is false, so a household is never sent on an unknown."""
    text = row.text(name).casefold()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise Refused(f"{name} {text!r} is not true or false")


def _languages(rows: Sequence[Row], warnings: list[Rejection]) -> list[str]:
    codes: list[str] = []
    for row in rows:
        code = row.text("code").casefold()
        if not re.fullmatch(r"[a-z]{2,3}", code):
            warnings.append(Rejection(row.ref, row.text("id") or None,
                                      f"language code {row.text('code')!r} is not ISO 639; left out"))
        elif code not in codes:
            codes.append(code)
    return codes


def _unguarded(text: str) -> str:
    """Text as written before an export guarded it against spreadsheets (see spreadsheet_safe)."""
    return text[1:] if text.startswith(_FORMULA_GUARD) and spreadsheet_safe(text[1:]) != text[1:] else text


def tables_from_json(document: Any) -> tuple[dict[str, list[Row]], list[Rejection]]:
    """HSDS 3.0 JSON as tables: compiled services (with service_at_locations) or compiled
    service_at_locations (with service and location), alone, in a list or in an API page
    (`contents`). Muster's count rides on each service_at_location as `x_muster_capacity`."""
    if isinstance(document, dict) and isinstance(document.get("contents"), list):
        items = [(f"$.contents[{i}]", item) for i, item in enumerate(document["contents"])]
    elif isinstance(document, list):
        items = [(f"$[{i}]", item) for i, item in enumerate(document)]
    else:
        items = [("$", document)]
    tables: dict[str, list[Row]] = {name: [] for name in COLUMNS}
    rejected: list[Rejection] = []
    for ref, item in items:
        if not isinstance(item, dict):
            rejected.append(Rejection(ref, None, "not a JSON object"))
        elif "service_at_locations" in item:
            _service_from_json(ref, item, tables, rejected)
        elif isinstance(item.get("service"), dict) or isinstance(item.get("location"), dict):
            service = item.get("service")
            if isinstance(service, dict):
                _add(tables, "service", f"{ref}.service", {**service, "organization_id": _organization_id(service)})
                _languages_from_json(tables, f"{ref}.service", service, "service_id")
            _service_at_location_from_json(ref, item, _id_of(service) or item.get("service_id"), tables, rejected)
        else:
            rejected.append(Rejection(ref, _id_of(item), "neither an HSDS service with service_at_locations nor "
                                      "a service_at_location with its service and location"))
    return tables, rejected


def _service_from_json(ref: str, service: dict, tables: dict[str, list[Row]], rejected: list[Rejection]) -> None:
    _add(tables, "service", ref, {**service, "organization_id": _organization_id(service)})
    _languages_from_json(tables, ref, service, "service_id")
    places = service["service_at_locations"]
    if not isinstance(places, list):
        rejected.append(Rejection(f"{ref}.service_at_locations", _id_of(service), "service_at_locations is not a list"))
        return
    for j, item in enumerate(places):
        where = f"{ref}.service_at_locations[{j}]"
        if isinstance(item, dict):
            _service_at_location_from_json(where, item, service.get("id"), tables, rejected)
        else:
            rejected.append(Rejection(where, None, "not a JSON object"))


def _service_at_location_from_json(ref: str, item: dict, service_id: Any, tables: dict[str, list[Row]],
                                   rejected: list[Rejection]) -> None:
    location = item.get("location")
    if isinstance(location, dict):
        _add(tables, "location", f"{ref}.location", location)
        for k, address in enumerate(location.get("addresses") or ()):
            if isinstance(address, dict):
                _add(tables, "address", f"{ref}.location.addresses[{k}]",
                     {**address, "location_id": location.get("id")})
        _languages_from_json(tables, f"{ref}.location", location, "location_id")
    capacity = item.get(EXTENSION)
    if capacity is not None and not isinstance(capacity, dict):
        rejected.append(Rejection(ref, _id_of(item), f"{EXTENSION} is not an object"))
        return
    _add(tables, "service_at_location", ref, {
        "id": item.get("id"), "service_id": service_id, "location_id": _id_of(location) or item.get("location_id"),
    })
    if capacity is not None:
        _add(tables, EXTENSION, f"{ref}.{EXTENSION}", {**capacity, "service_at_location_id": item.get("id")})


def _languages_from_json(tables: dict[str, list[Row]], ref: str, owner: dict, key: str) -> None:
    for k, language in enumerate(owner.get("languages") or ()):
        if isinstance(language, dict):
            _add(tables, "language", f"{ref}.languages[{k}]", {**language, key: owner.get("id")})


def _add(tables: dict[str, list[Row]], name: str, ref: str, fields: Mapping[str, Any]) -> None:
    tables[name].append(Row(ref, fields))


def _id_of(item: Any) -> str | None:
    return str(item["id"]) if isinstance(item, dict) and item.get("id") is not None else None


def _organization_id(service: Mapping[str, Any]) -> Any:
    return _id_of(service.get("organization")) or service.get("organization_id")


def package_from(shelters: Iterable[tuple[str, ShelterProfile]],
                 partner_names: Mapping[str, str]) -> dict[str, list[dict[str, str]]]:
    """The CSV tables of an HSDS 3.0 package for these shelters, with Muster's capacity table.

    Each shelter is one service at one location, run by an organization standing for its
    partner (or for Muster's directory when it has none). The service_at_location id is the
    shelter id, so an import of the package finds the same shelters. Muster keeps a town, not
    a street address: addresses carry city and province only. Text a spreadsheet could run as
    a formula is guarded with a leading apostrophe, which the import takes off again."""
    tables: dict[str, list[dict[str, str]]] = {name: [] for name in COLUMNS}
    organizations: dict[str, dict[str, str]] = {}
    for sid, shelter in shelters:
        organization = _organization_for(shelter.partner_id, partner_names)
        organizations.setdefault(organization["id"], organization)
        service_id, location_id = _uuid("service", sid), _uuid("location", sid)
        name = spreadsheet_safe(shelter.name)
        tables["service"].append({"id": service_id, "organization_id": organization["id"], "name": name,
                                  "status": "active" if shelter.open else "temporarily closed"})
        tables["location"].append({"id": location_id, "location_type": "physical",
                                   "organization_id": organization["id"], "name": name,
                                   "latitude": repr(shelter.location.lat), "longitude": repr(shelter.location.lon)})
        tables["service_at_location"].append({"id": sid, "service_id": service_id, "location_id": location_id})
        if shelter.place:
            city, _, province = shelter.place.rpartition(", ") if ", " in shelter.place else (shelter.place, "", "")
            tables["address"].append({
                "id": _uuid("address", sid), "location_id": location_id, "address_1": "",
                "city": spreadsheet_safe(city), "state_province": spreadsheet_safe(province), "postal_code": "",
                "country": "CA", "address_type": "physical",
            })
        tables["language"] += [{"id": _uuid(f"language:{code}", sid), "service_id": "", "location_id": location_id,
                                "code": code} for code in shelter.languages]
        tables[EXTENSION].append({
            "service_at_location_id": sid, "capacity": str(shelter.capacity), "occupancy": str(shelter.occupancy),
            **{k: str(getattr(shelter, k)).lower() for k in ("accepts_pets", "accessible", "families")},
            "partner_id": shelter.partner_id or "",
        })
    tables["organization"] = list(organizations.values())
    return tables


def _organization_for(partner_id: str | None, partner_names: Mapping[str, str]) -> dict[str, str]:
    if partner_id is None:
        return {"id": _uuid("organization", ""), "name": "Muster shelter directory",
                "description": "Shelters kept in Muster's directory without an owning partner."}
    return {"id": _uuid("organization", partner_id),
            "name": spreadsheet_safe(partner_names.get(partner_id, partner_id)),
            "description": f"Ontario Corps partner agency (Muster partner {partner_id})."}


def _uuid(kind: str, key: str) -> str:
    """The same id for the same shelter in every export, so exports can be compared and merged."""
    return str(uuid.uuid5(_NAMESPACE, f"{kind}:{key}"))


def datapackage(notice: str) -> dict[str, Any]:
    """The datapackage.json of an exported package: HSDS 3.0 resources and Muster's extension."""
    keys = {"service": [("organization_id", "organization")], "location": [("organization_id", "organization")],
            "service_at_location": [("service_id", "service"), ("location_id", "location")],
            "address": [("location_id", "location")], "language": [("location_id", "location")],
            EXTENSION: [("service_at_location_id", "service_at_location")]}
    resources = []
    for name, columns in COLUMNS.items():
        schema: dict[str, Any] = {"fields": [
            {"name": column, "type": kind, **({"description": EXTENSION_COLUMNS[column]} if name == EXTENSION else {})}
            for column, kind in columns]}
        schema["primaryKey"] = "service_at_location_id" if name == EXTENSION else "id"
        if name in keys:
            schema["foreignKeys"] = [{"fields": f, "reference": {"resource": r, "fields": "id"}} for f, r in keys[name]]
        resource = {"name": name, "path": PATHS[name], "profile": "tabular-data-resource", "format": "csv",
                    "mediatype": "text/csv", "schema": schema}
        if name == EXTENSION:
            resource["description"] = ("Muster's extension to HSDS 3.0: beds and household needs of each shelter, "
                                       "keyed by service_at_location id.")
        resources.append(resource)
    return {"name": "muster-shelter-directory", "title": "Muster shelter directory (Open Referral HSDS 3.0)",
            "profile": "tabular-data-package", "version": "3.0.0", "description": notice, "resources": resources}
