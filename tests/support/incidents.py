"""Incidents to test with: a declaration of the Orillia ice storm, and records as older versions of
Muster stored them, for the upcast tests."""
from __future__ import annotations

from handlers.incidents import DeclareIncident

ORILLIA = {"center": {"lat": 44.6082, "lon": -79.4197}, "radius_km": 15}


def declaration(**changes) -> DeclareIncident:
    fields = dict(id="ice-storm-orillia", kind="ice_storm", title="Ice storm — Orillia", severity="severe", area=ORILLIA)
    fields.update(changes)
    return DeclareIncident(**fields)


V1_FLOOD = {"v": 1, "type": "Incident", "id": "flood-bracebridge", "kind": "flood", "title": "Muskoka River flooding",
            "severity": "severe", "area": {"type": "Polygon", "coordinates": [[
                [-79.36, 45.0], [-79.26, 45.0], [-79.26, 45.08], [-79.36, 45.08], [-79.36, 45.0]]]},
            "area_input": {"center": {"lat": 45.04, "lon": -79.31}, "radius_km": 4}, "area_note": None,
            "source": None, "status": "active", "declared_at": "2025-03-30T12:00:00Z",
            "updated_at": "2025-03-30T12:00:00Z", "closed_at": None, "declared_by": "emo-muskoka", "alerts": {},
            "applied_updates": [], "version": 1}
"""An incident snapshot as schema version 1 stored it, before danger zones: a flood near Bracebridge."""
