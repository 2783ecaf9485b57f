"""Service sites and shelters around Orillia, with street addresses, phones and hours, as the
service directory and the API's views hold them (snapshots made by the rules themselves)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from handlers.service_directory import ServiceDirectory
from handlers.services import RegisterService, ServiceSite, decide as decide_service
from handlers.shelters import RegisterShelter, Shelter, decide as decide_shelter

ORILLIA = (44.60868, -79.42068)
"""Orillia as the offline gazetteer places it: the town a caller's list is made from."""
DAY_9_TO_21 = [{"opens_at": "09:00", "closes_at": "21:00"}]
WEEKDAYS_8_TO_16 = [{"byday": ["MO", "TU", "WE", "TH", "FR"], "opens_at": "08:00", "closes_at": "16:00"}]


def service_site(site_id: str, service_type: str, lat: float, lon: float, at: datetime, **profile: Any) -> ServiceSite:
    """A service site snapshot (a 'Sample:' record in Orillia unless `profile` says otherwise)."""
    fields: dict[str, Any] = {
        "name": f"Sample: {site_id}", "service_type": service_type, "location": {"lat": lat, "lon": lon},
        "place": "Orillia, ON", "address": {"address_1": "36 Mississaga St W", "city": "Orillia", "postal_code": "L3V 3A6"},
        "phone": "705-555-0169", "languages": ["en", "fr"], "accessible": True,
    }
    site, _ = decide_service(None, RegisterService(id=site_id, **{**fields, **profile}), at)
    return site


def shelter(shelter_id: str, lat: float, lon: float, at: datetime, **profile: Any) -> Shelter:
    """An overnight shelter snapshot with 20 beds, all free."""
    fields: dict[str, Any] = {"name": f"Sample: {shelter_id}", "location": {"lat": lat, "lon": lon}, "capacity": 20,
                              "place": "Orillia, ON"}
    snapshot, _ = decide_shelter(None, RegisterShelter(id=shelter_id, **{**fields, **profile}), at)
    return snapshot


def directory_of(*sites: ServiceSite | Shelter) -> ServiceDirectory:
    """A service directory holding these sites and shelters."""
    directory = ServiceDirectory()
    for site in sites:
        if isinstance(site, Shelter):
            directory.apply_shelter(site, site.id)
        else:
            directory.apply_service(site, site.id)
    return directory
