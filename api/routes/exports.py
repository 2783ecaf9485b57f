"""Exports for GIS and spreadsheets: incidents, shelters, service sites and partners as GeoJSON, commitments as CSV."""
from __future__ import annotations

import io
import json
from typing import Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from api.deps import AnyRole, ContainerDep, PartnerOrManager
from api.routes.resource_requests import seen_by
from api.schemas import JSON_ERRORS, Responses
from bus.topics import INCIDENT_STATE, PARTNER_STATE, REQUEST_STATE, SERVICE_STATE, SHELTER_STATE
from formats.exports import (
    COMMITMENT_COLUMNS,
    NOTICE,
    commitment_rows,
    feature_collection,
    incident_feature,
    partner_feature,
    service_feature,
    shelter_feature,
)
from formats.spreadsheets import SafeWriter
from handlers.common import ID_PATTERN

router = APIRouter(prefix="/v1/exports", tags=["exports"], responses=JSON_ERRORS)

GEOJSON = "application/geo+json"
_GEOJSON_OK: Responses = {200: {"content": {GEOJSON: {"schema": {"type": "object"}}},
                     "description": "a GeoJSON FeatureCollection (RFC 7946)"}}


def _geojson(collection: dict, filename: str) -> Response:
    return Response(json.dumps(collection, ensure_ascii=False, separators=(",", ":")), media_type=GEOJSON,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("/incidents.geojson", response_class=Response, responses=_GEOJSON_OK)
async def export_incidents(_: AnyRole, container: ContainerDep,
                           status: Literal["active", "closed"] | None = Query(None, description="only these")):
    """Incidents as GeoJSON Features: affected area, kind, severity, status, alerted partners, danger
    zones, CAP source."""
    incidents = sorted(container.views.all(INCIDENT_STATE).values(), key=lambda i: i.id)
    features = [incident_feature(i) for i in incidents if status is None or i.status == status]
    return _geojson(feature_collection(features), "muster-incidents.geojson")


@router.get("/shelters.geojson", response_class=Response, responses=_GEOJSON_OK)
async def export_shelters(_: AnyRole, container: ContainerDep):
    """Shelters as GeoJSON Points: services, free beds now, and the active incidents whose danger
    zones (`in_danger_zones`) or affected areas (`in_affected_areas`) they lie in; no holds."""
    shelters = sorted(container.views.all(SHELTER_STATE).values(), key=lambda s: s.id)
    features = [shelter_feature(s, danger, affected) for s, danger, affected
                in zip(shelters, container.incidents.hazards_at_each(shelters), container.incidents.affected_at_each(shelters), strict=True)]
    return _geojson(feature_collection(features, notice=NOTICE), "muster-shelters.geojson")


@router.get("/services.geojson", response_class=Response, responses=_GEOJSON_OK)
async def export_services(_: AnyRole, container: ContainerDep):
    """Every service site (not the overnight shelters) as a GeoJSON Point with its whole profile:
    type, street address, phone, hours, status, languages, needs. `muster export hsds` reads it."""
    sites = sorted(container.views.all(SERVICE_STATE).values(), key=lambda s: s.id)
    return _geojson(feature_collection([service_feature(s) for s in sites], notice=NOTICE), "muster-services.geojson")


@router.get("/partners.geojson", response_class=Response, responses=_GEOJSON_OK)
async def export_partners(_: AnyRole, container: ContainerDep,
                          geometry: Literal["base", "service_area"] = Query(
                              "base", description="each partner at its base (Point) or over its service area")):
    """Partners as GeoJSON: capabilities and inventory at their base or over their service area;
    never their commitments."""
    partners = sorted(container.views.all(PARTNER_STATE).values(), key=lambda p: p.id)
    features = [f for f in (partner_feature(p, geometry) for p in partners) if f is not None]
    return _geojson(feature_collection(features, notice=NOTICE), f"muster-partners-{geometry}.geojson")


@router.get("/commitments.csv", response_class=Response,
            responses={200: {"content": {"text/csv": {}}, "description": "one row per claim with units"}})
async def export_commitments(actor: PartnerOrManager, container: ContainerDep,
                             incident_id: str | None = Query(None, max_length=128, pattern=ID_PATTERN,
                                                              description="only this incident's")):
    """Resource commitments as CSV: request, incident, resource type, partner, units, status.
    A partner sees only its own commitments; a navigator none (403)."""
    requests = sorted(container.views.all(REQUEST_STATE).values(), key=lambda r: (r.raised_at, r.id))
    names = {p.id: p.name for p in container.views.all(PARTNER_STATE).values()}
    out = io.StringIO()
    writer = SafeWriter(out)
    writer.writerow(COMMITMENT_COLUMNS)
    for request in requests:
        if incident_id is None or request.incident_id == incident_id:
            writer.writerows(commitment_rows(seen_by(request, actor), names))
    suffix = f"-{incident_id}" if incident_id else ""
    return Response(out.getvalue(), media_type="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="muster-commitments{suffix}.csv"'})
