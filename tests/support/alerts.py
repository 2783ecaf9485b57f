"""Partner alerts on a real broker: the Orillia ice storm as a manager declares it, and the alerts
its incident's writer sent."""
from __future__ import annotations

from collections import Counter

from handlers.incidents import PartnerAlerted
from tests.support.kafka import read_all

ORILLIA = (44.6082, -79.4197)
THUNDER_BAY = {"lat": 48.3809, "lon": -89.2477, "place": "Thunder Bay, ON"}


def storm(incident_id: str, radius_km: float) -> dict:
    return {"id": incident_id, "kind": "ice_storm", "title": "Ice storm — Orillia", "severity": "severe",
            "area": {"center": {"lat": ORILLIA[0], "lon": ORILLIA[1]}, "radius_km": radius_km}}


def alerts_for(env: dict, incident_id: str) -> Counter:
    return Counter(PartnerAlerted.model_validate_json(value).partner_id
                   for key, value, _, _ in read_all(env, "alerts") if key == incident_id.encode())
