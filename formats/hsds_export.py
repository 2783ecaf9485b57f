"""Muster's directory written as an Open Referral HSDS 3.0 CSV package: the tables, no I/O.

Each site (shelter or other service) is one service at one location, run by an organization that
stands for its partner (or for Muster's directory when it has none). Its hours, phone, address,
languages, wheelchair access and type (a term of Muster's service-type taxonomy, named by its 211
term) are written where HSDS keeps them; beds go to `x_muster_capacity`, the rest HSDS cannot say
to `x_muster_service`. Importing the package (formats/hsds.py) gives the same directory.
"""
from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import time
from typing import Any

from formats.hsds import CAPACITY_COLUMNS, SITE_COLUMNS
from formats.hsds_tables import CAPACITY, PATHS, SITE
from formats.spreadsheets import spreadsheet_safe
from handlers.services import ServiceProfile
from handlers.shelters import ShelterProfile
from handlers.sites import BED_SERVICE, SERVICE_TYPE_LABELS, Schedule

_S, _N, _I, _B, _D, _T = "string", "number", "integer", "boolean", "date", "time"
COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "organization": (("id", _S), ("name", _S), ("description", _S)),
    "service": (("id", _S), ("organization_id", _S), ("name", _S), ("description", _S), ("status", _S)),
    "location": (("id", _S), ("location_type", _S), ("organization_id", _S), ("name", _S), ("latitude", _N),
                 ("longitude", _N)),
    "service_at_location": (("id", _S), ("service_id", _S), ("location_id", _S)),
    "address": (("id", _S), ("location_id", _S), ("address_1", _S), ("address_2", _S), ("city", _S),
                ("state_province", _S), ("postal_code", _S), ("country", _S), ("address_type", _S)),
    "phone": (("id", _S), ("service_at_location_id", _S), ("number", _S), ("type", _S)),
    "schedule": (("id", _S), ("service_at_location_id", _S), ("valid_from", _D), ("valid_to", _D), ("freq", _S),
                 ("byday", _S), ("description", _S), ("opens_at", _T), ("closes_at", _T)),
    "language": (("id", _S), ("service_id", _S), ("location_id", _S), ("code", _S)),
    "accessibility": (("id", _S), ("location_id", _S), ("description", _S)),
    "attribute": (("id", _S), ("link_id", _S), ("taxonomy_term_id", _S), ("link_entity", _S)),
    "taxonomy_term": (("id", _S), ("code", _S), ("name", _S), ("description", _S), ("taxonomy", _S),
                      ("language", _S), ("taxonomy_id", _S)),
    "taxonomy": (("id", _S), ("name", _S), ("description", _S)),
    CAPACITY: tuple((c, {"capacity": _I, "occupancy": _I}.get(c, _B if c in ("accepts_pets", "accessible", "families")
                                                              else _S)) for c in CAPACITY_COLUMNS),
    SITE: tuple((c, _B if c in ("accepts_pets", "accessible", "families") else _S) for c in SITE_COLUMNS),
}
"""The tables Muster writes, by HSDS resource name, with the columns it fills and their types."""

FOREIGN_KEYS: dict[str, list[tuple[str, str]]] = {
    "service": [("organization_id", "organization")], "location": [("organization_id", "organization")],
    "service_at_location": [("service_id", "service"), ("location_id", "location")],
    "address": [("location_id", "location")], "phone": [("service_at_location_id", "service_at_location")],
    "schedule": [("service_at_location_id", "service_at_location")], "language": [("location_id", "location")],
    "accessibility": [("location_id", "location")], "attribute": [("taxonomy_term_id", "taxonomy_term")],
    "taxonomy_term": [("taxonomy_id", "taxonomy")],
    CAPACITY: [("service_at_location_id", "service_at_location")], SITE: [("service_at_location_id", "service_at_location")],
}

TAXONOMY = "Muster service types"
WHEELCHAIR = "Wheelchair accessible"
_NAMESPACE = uuid.UUID("89748b40-1f2b-45ef-bb25-e2c38dc7bed1")

Site = ShelterProfile | ServiceProfile


def package_from(shelters: Iterable[tuple[str, ShelterProfile]], services: Iterable[tuple[str, ServiceProfile]],
                 partner_names: Mapping[str, str]) -> dict[str, list[dict[str, str]]]:
    """The CSV tables of an HSDS 3.0 package for these sites, with Muster's extension tables.

    The service_at_location id is the site's id, so an import of the package finds the same sites.
    Text a spreadsheet could run as a formula is guarded with a leading apostrophe, which the
    import takes off again. The same directory always gives the same package."""
    tables: dict[str, list[dict[str, str]]] = {name: [] for name in COLUMNS}
    organizations: dict[str, dict[str, str]] = {}
    kinds: dict[str, None] = {}
    sites: list[tuple[str, Site, str]] = [(sid, s, BED_SERVICE) for sid, s in shelters]
    sites += [(sid, s, s.service_type) for sid, s in services]
    for sid, site, kind in sites:
        organization = _organization_for(site.partner_id, partner_names)
        organizations.setdefault(organization["id"], organization)
        kinds[kind] = None
        _write_site(tables, sid, site, kind, organization["id"])
        if isinstance(site, ShelterProfile):
            tables[CAPACITY].append({
                "service_at_location_id": sid, "capacity": str(site.capacity), "occupancy": str(site.occupancy),
                **_needs(site), "status": site.status, "status_reason": site.status_reason or "",
            })
        else:
            tables[SITE].append({"service_at_location_id": sid, "service_type": site.service_type, **_needs(site),
                                 "status": site.status, "status_reason": site.status_reason or ""})
    tables["organization"] = list(organizations.values())
    tables["taxonomy_term"] = [_term(kind) for kind in kinds]
    if kinds:
        tables["taxonomy"] = [{"id": _uuid("taxonomy", TAXONOMY), "name": TAXONOMY,
                               "description": "Muster's short list of the services 211 lists in an emergency, "
                                              "each named by its 211 (AIRS) term; its codes are Muster's."}]
    return tables


def _write_site(tables: dict[str, list[dict[str, str]]], sid: str, site: Site, kind: str, organization_id: str) -> None:
    service_id, location_id = _uuid("service", sid), _uuid("location", sid)
    name = spreadsheet_safe(site.name)
    description = site.description if isinstance(site, ServiceProfile) else None
    tables["service"].append({"id": service_id, "organization_id": organization_id, "name": name,
                              "description": spreadsheet_safe(description or ""),
                              "status": "temporarily closed" if site.status == "closed" else "active"})
    tables["location"].append({"id": location_id, "location_type": "physical", "organization_id": organization_id,
                               "name": name, "latitude": repr(site.location.lat), "longitude": repr(site.location.lon)})
    tables["service_at_location"].append({"id": sid, "service_id": service_id, "location_id": location_id})
    if (address := _address(sid, site)) is not None:
        tables["address"].append({"id": _uuid("address", sid), "location_id": location_id, **address,
                                  "country": "CA", "address_type": "physical"})
    if site.phone:
        tables["phone"].append({"id": _uuid("phone", sid), "service_at_location_id": sid,
                                "number": spreadsheet_safe(site.phone), "type": "voice"})
    tables["schedule"] += [_schedule(sid, i, s) for i, s in enumerate(site.schedules)]
    tables["language"] += [{"id": _uuid(f"language:{code}", sid), "service_id": "", "location_id": location_id,
                            "code": code} for code in site.languages]
    if site.accessible:
        tables["accessibility"].append({"id": _uuid("accessibility", sid), "location_id": location_id,
                                        "description": WHEELCHAIR})
    tables["attribute"].append({"id": _uuid("attribute", sid), "link_id": service_id,
                                "taxonomy_term_id": _uuid("taxonomy_term", kind), "link_entity": "service"})


def _address(sid: str, site: Site) -> dict[str, str] | None:
    """The street address; a site known only by its town gets one with the street left blank."""
    if site.address is not None:
        a = site.address
        return {"address_1": spreadsheet_safe(a.address_1), "address_2": spreadsheet_safe(a.address_2 or ""),
                "city": spreadsheet_safe(a.city), "state_province": a.state_province,
                "postal_code": spreadsheet_safe(a.postal_code or "")}
    if not site.place:
        return None
    city, _, province = site.place.rpartition(", ") if ", " in site.place else (site.place, "", "")
    return {"address_1": "", "address_2": "", "city": spreadsheet_safe(city),
            "state_province": spreadsheet_safe(province), "postal_code": ""}


def _schedule(sid: str, i: int, schedule: Schedule) -> dict[str, str]:
    """Weekly hours in HSDS form; all day is 00:00 to 23:59, as HSDS advises for 24-hour services."""
    opens, closes = schedule.opens_at, schedule.closes_at
    if opens is None or closes is None:
        opens, closes = time(0), time(23, 59)
    return {"id": _uuid(f"schedule:{i}", sid), "service_at_location_id": sid,
            "valid_from": schedule.valid_from.isoformat() if schedule.valid_from else "",
            "valid_to": schedule.valid_to.isoformat() if schedule.valid_to else "",
            "freq": "WEEKLY", "byday": ",".join(schedule.byday) or "MO,TU,WE,TH,FR,SA,SU",
            "description": spreadsheet_safe(schedule.description or ""),
            "opens_at": opens.isoformat(), "closes_at": closes.isoformat()}


def _needs(site: Site) -> dict[str, str]:
    return {"accepts_pets": _bool(site.accepts_pets), "accessible": _bool(site.accessible),
            "families": _bool(site.families), "partner_id": site.partner_id or ""}


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _term(kind: str) -> dict[str, str]:
    label = SERVICE_TYPE_LABELS[kind]
    return {"id": _uuid("taxonomy_term", kind), "code": kind, "name": label.airs_terms[0] if label.airs_terms else label.en,
            "description": f"{label.en} / {label.fr}", "taxonomy": TAXONOMY, "language": "en",
            "taxonomy_id": _uuid("taxonomy", TAXONOMY)}


def _organization_for(partner_id: str | None, partner_names: Mapping[str, str]) -> dict[str, str]:
    if partner_id is None:
        return {"id": _uuid("organization", ""), "name": "Muster directory",
                "description": "Sites kept in Muster's directory without an owning partner."}
    return {"id": _uuid("organization", partner_id),
            "name": spreadsheet_safe(partner_names.get(partner_id, partner_id)),
            "description": f"Ontario Corps partner agency (Muster partner {partner_id})."}


def _uuid(kind: str, key: str) -> str:
    """The same id for the same site in every export, so exports can be compared and merged."""
    return str(uuid.uuid5(_NAMESPACE, f"{kind}:{key}"))


def datapackage(notice: str) -> dict[str, Any]:
    """The datapackage.json of an exported package: HSDS 3.0 resources and Muster's extensions."""
    described = {CAPACITY: (CAPACITY_COLUMNS, "Muster's extension to HSDS 3.0: beds and household needs of each "
                                              "shelter, keyed by service_at_location id."),
                 SITE: (SITE_COLUMNS, "Muster's extension to HSDS 3.0: type, needs and status of each site that "
                                      "holds no beds, keyed by service_at_location id.")}
    resources = []
    for name, columns in COLUMNS.items():
        notes = described.get(name, ({}, ""))[0]
        schema: dict[str, Any] = {"fields": [{"name": c, "type": kind, **({"description": notes[c]} if c in notes else {})}
                                             for c, kind in columns]}
        schema["primaryKey"] = "service_at_location_id" if name in described else "id"
        if name in FOREIGN_KEYS:
            schema["foreignKeys"] = [{"fields": f, "reference": {"resource": r, "fields": "id"}}
                                     for f, r in FOREIGN_KEYS[name]]
        resource = {"name": name, "path": PATHS[name], "profile": "tabular-data-resource", "format": "csv",
                    "mediatype": "text/csv", "schema": schema}
        if name in described:
            resource["description"] = described[name][1]
        resources.append(resource)
    return {"name": "muster-directory", "title": "Muster directory of shelters and services (Open Referral HSDS 3.0)",
            "profile": "tabular-data-package", "version": "3.0.0", "description": notice, "resources": resources}
