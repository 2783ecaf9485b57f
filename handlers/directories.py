"""Read models every worker and API replica keeps from the state topics, for geographic lookups.

They are plain in-memory structures fed record by record; candidate search reads them anywhere,
while the decisions that must not race (beds, inventory) stay with the single writer per key.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shapely.geometry import shape

from geo.areas import distance_to_area_km
from geo.hazards import HazardZones
from handlers.incidents import Incident, PartnerReach


class IncidentDirectory:
    """Active incident areas: where no shelter is offered."""

    def __init__(self) -> None:
        self.incidents: dict[str, Incident] = {}
        self.zones = HazardZones()

    def apply(self, incident: Incident | None, key: str) -> None:
        if incident is None or incident.status != "active":
            self.incidents.pop(key, None)
            self.zones.remove(key)
            return
        self.incidents[key] = incident
        self.zones.set(key, shape(incident.area))

    def hazards_at(self, lat: float, lon: float) -> list[str]:
        return self.zones.containing(lat, lon)


@dataclass(frozen=True)
class PartnerPlace:
    partner_id: str
    lat: float
    lon: float
    service_area: Any
    capabilities: tuple[str, ...]


class PartnerDirectory:
    """Where partners are based and what they serve, for alerting the ones an incident touches."""

    def __init__(self) -> None:
        self.places: dict[str, PartnerPlace] = {}

    def upsert(self, place: PartnerPlace) -> None:
        self.places[place.partner_id] = place

    def remove(self, partner_id: str) -> None:
        self.places.pop(partner_id, None)

    def in_reach(self, area, reach_km: float) -> list[PartnerReach]:
        """Partners whose base lies within `reach_km` of the area or whose service area meets it."""
        found = []
        for place in self.places.values():
            distance = distance_to_area_km(area, place.lat, place.lon)
            serves = place.service_area is not None and place.service_area.intersects(area)
            if distance <= reach_km or serves:
                found.append(PartnerReach(place.partner_id, distance, place.capabilities))
        return found
