"""Service sites to test with: the Peterborough library's charging station."""
from __future__ import annotations

from datetime import datetime, timezone

from handlers.services import RegisterService

NOON = datetime(2025, 3, 30, 16, 0, tzinfo=timezone.utc)
"""Noon in Ontario (EDT) on the day of the storm: the library is open."""
LIBRARY = "ptbo-library-charging"


def charging_station(**changes) -> RegisterService:
    profile = {"name": "Sample: Peterborough library charging station", "service_type": "charging_station",
               "location": {"lat": 44.3047, "lon": -78.3199}, "place": "Peterborough, ON",
               "address": {"address_1": "345 Aylmer St N", "city": "Peterborough", "postal_code": "K9H 3V7"},
               "phone": "705-555-0150", "schedules": [{"opens_at": "09:00", "closes_at": "21:00"}],
               "languages": ["en", "fr"], "accessible": True, "partner_id": "salvation-army-on"}
    return RegisterService(id=LIBRARY, **{**profile, **changes})
