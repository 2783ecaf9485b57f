"""Exports for other tools: GeoJSON features (RFC 7946) and CSV rows from Muster's snapshots.

Pure functions of the state records. What leaves here is what anyone signed in may see: no bed
holds (they name referrals), no caller data, no staff accounts; sample records keep their
"Sample:" names and partners their `sample` flag.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal

from geo.areas import area_geometry, to_geojson
from geo.union import oriented, oriented_geojson
from handlers.common import MAX_AREA_VERTICES
from handlers.incidents import Incident
from handlers.partners import Partner
from handlers.requests import ResourceRequest
from handlers.services import PROFILE_FIELDS, ServiceSite
from handlers.shelters import Shelter

NOTICE = ("Shelter, capability and inventory records are illustrative samples where marked "
          "(\"Sample:\" names, sample: true); partner names are public organisations.")

COMMITMENT_COLUMNS = (
    "request_id", "incident_id", "resource_type", "partner_id", "partner_name", "units", "waiting", "status",
    "request_status", "priority", "needed_by", "claim_id",
)
"""The columns of commitments.csv: one row per claim that has (or waits for) units."""

CLAIM_STATUS = {"open": "committed", "consumed": "delivered", "released": "released"}


def feature_collection(features: Iterable[dict[str, Any]], **members: Any) -> dict[str, Any]:
    """A FeatureCollection; `members` become foreign members (e.g. a notice about sample data)."""
    return {"type": "FeatureCollection", **members, "features": list(features)}


def _feature(id_: str, geometry: dict[str, Any], properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "id": id_, "geometry": geometry, "properties": properties}


def _point(lat: float, lon: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [lon, lat]}


def _area(geojson: dict[str, Any]) -> dict[str, Any]:
    """An area with exterior rings counterclockwise and holes clockwise (RFC 7946 §3.1.6)."""
    return to_geojson(oriented_geojson(geojson))


def incident_feature(incident: Incident) -> dict[str, Any]:
    """An incident's affected area with what it is, how severe, whom it alerted and its danger zones
    (each with its own oriented geometry); not who declared it or set a zone."""
    properties = incident.model_dump(mode="json", include={
        "kind", "title", "severity", "status", "area_note", "declared_at", "updated_at", "closed_at", "source",
    })
    zones = [{**zone.model_dump(mode="json", include={"id", "kind", "note", "origin", "set_at"}),
              "geometry": _area(zone.area)} for zone in incident.danger_zones]
    properties = {"id": incident.id, **properties, "alerted_partners": sorted(incident.alerts), "danger_zones": zones}
    return _feature(incident.id, _area(incident.area), properties)


def shelter_feature(shelter: Shelter, in_danger_zones: list[str], in_affected_areas: list[str]) -> dict[str, Any]:
    """A shelter's location, services and free beds now, and the active incidents it lies in (their
    danger zones apart from their affected areas); never its holds."""
    properties = shelter.model_dump(mode="json", include={
        "name", "place", "capacity", "occupancy", "free", "open", "accepts_pets", "accessible", "families",
        "languages", "partner_id", "updated_at",
    })
    available = shelter.open and shelter.free > 0 and not in_danger_zones
    properties = {"id": shelter.id, **properties, "in_danger_zones": in_danger_zones,
                  "in_affected_areas": in_affected_areas, "available": available}
    return _feature(shelter.id, _point(shelter.location.lat, shelter.location.lon), properties)


def service_feature(site: ServiceSite) -> dict[str, Any]:
    """A service site's location and everything its operator says about it (type, address, phone,
    hours, status, languages, needs), so that the feature is the profile PUT /v1/services/{id} set."""
    properties = site.model_dump(mode="json", include=set(PROFILE_FIELDS - {"v", "location"} | {"updated_at"}))
    return _feature(site.id, _point(site.location.lat, site.location.lon), {"id": site.id, **properties})


def partner_feature(partner: Partner, geometry: Literal["base", "service_area"] = "base") -> dict[str, Any] | None:
    """A partner at its base, or over its service area (None if it has none); what it can do and
    holds, never what it has committed to whom."""
    properties = partner.model_dump(mode="json", include={"name", "sample", "capabilities", "inventory", "updated_at"})
    properties = {"id": partner.id, **properties, "place": partner.base.place}
    if geometry == "base":
        return _feature(partner.id, _point(partner.base.lat, partner.base.lon), properties)
    if partner.service_area is None:
        return None
    area, _ = area_geometry(partner.service_area.model_dump(), max_vertices=MAX_AREA_VERTICES)
    return _feature(partner.id, to_geojson(oriented(area)), properties)


def commitment_rows(request: ResourceRequest, partner_names: Mapping[str, str]) -> list[list[str]]:
    """One row per claim of the request with units committed, delivered, released or waiting.

    The request is as the caller may see it: a partner's view holds only its own claims."""
    rows = []
    for claim in sorted(request.claims.values(), key=lambda c: c.claim_id):
        if claim.status not in CLAIM_STATUS or not (claim.granted or claim.waiting):
            continue
        status = CLAIM_STATUS[claim.status] if claim.granted else "waiting"
        rows.append([
            request.id, request.incident_id, request.resource_type, claim.partner_id,
            partner_names.get(claim.partner_id, ""), str(claim.granted), str(claim.waiting), status,
            request.status, request.priority, request.needed_by.isoformat(), claim.claim_id,
        ])
    return rows
