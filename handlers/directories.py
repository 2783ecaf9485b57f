"""Read models every worker and API replica keeps from the state topics, for geographic lookups.

They are plain in-memory structures fed record by record; candidate search reads them anywhere,
while the decisions that must not race (beds, inventory) stay with the single writer per key.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from geo.areas import Area, distance_to_area_km
from geo.hazards import HazardZones
from geo.index import PointIndex
from geo.union import union_areas
from handlers.incidents import Incident, PartnerReach
from handlers.reasons import Reason
from handlers.referrals import Alternative, Candidate
from handlers.shelters import Needs, Shelter, danger_reasons, unmet_needs
from handlers.taxonomy import Capability

ALTERNATIVES_SHOWN = 5


def _each(zones: HazardZones, sites: Sequence[Any]) -> list[list[str]]:
    inside = zones.containing_many([s.location.lat for s in sites], [s.location.lon for s in sites])
    return [list(keys) for keys in inside]


class IncidentDirectory:
    """Active incidents: their affected areas (whom a partner joining now should hear of; which sites
    lie in them) and their danger zones (where no referral goes).

    `sites` below are any objects with `.location.lat` and `.location.lon` (shelters, service sites)."""

    def __init__(self) -> None:
        self.incidents: dict[str, Incident] = {}
        self.areas: dict[str, Any] = {}
        """Affected areas of active incidents, as shapes, by incident id."""
        self.affected = HazardZones()
        self.danger = HazardZones()
        """Each active incident's danger zones as one shape, keyed by incident id."""
        self.statuses: dict[str, str] = {}
        """Every incident declared, active or closed: hours may be logged after a stand-down."""

    def apply(self, incident: Incident | None, key: str) -> None:
        if incident is None:
            self.statuses.pop(key, None)
        else:
            self.statuses[key] = incident.status
        if incident is None or incident.status != "active":
            self.incidents.pop(key, None)
            self.areas.pop(key, None)
            self.affected.remove(key)
            self.danger.remove(key)
            return
        self.incidents[key] = incident
        self.areas[key] = shape(incident.area)
        self.affected.set(key, self.areas[key])
        if incident.danger_zones:
            # areas in an incident's snapshot were validated as polygons before it was stored
            self.danger.set(key, union_areas(cast(Area, shape(z.area)) for z in incident.danger_zones))
        else:
            self.danger.remove(key)

    def area_of(self, incident: Incident) -> Any | None:
        """The affected area of this version of an active incident, if the directory has caught up with it."""
        known = self.incidents.get(incident.id)
        return self.areas[incident.id] if known is not None and known.version == incident.version else None

    def hazards_at(self, lat: float, lon: float) -> list[str]:
        """The active incidents with a danger zone holding the point, by id, sorted: no referral goes there."""
        return self.danger.containing(lat, lon)

    def hazards_at_each(self, sites: Sequence[Any]) -> list[list[str]]:
        """`hazards_at` for each site of a listing, in one pass."""
        return _each(self.danger, sites)

    def affected_at(self, lat: float, lon: float) -> list[str]:
        """The active incidents whose affected area holds the point, by id, sorted: never a reason to skip a site."""
        return self.affected.containing(lat, lon)

    def affected_at_each(self, sites: Sequence[Any]) -> list[list[str]]:
        """`affected_at` for each site of a listing, in one pass."""
        return _each(self.affected, sites)

    def reaching(self, place: PartnerPlace, reach_km: float) -> dict[str, PartnerReach]:
        """The active incidents that reach a partner, by incident id: the same test as `PartnerDirectory.in_reach`."""
        found = {}
        for incident_id, area in self.areas.items():
            reach = reach_of(area, place, reach_km)
            if reach is not None:
                found[incident_id] = reach
        return found


@dataclass(frozen=True)
class PartnerPlace:
    partner_id: str
    lat: float
    lon: float
    service_area: Any
    capabilities: tuple[Capability, ...]
    inventory: dict[str, int] = field(default_factory=dict)
    free: dict[str, int] = field(default_factory=dict)
    """Units not yet committed, as last seen: a hint for ranking; the partner's owner decides."""


class PartnerDirectory:
    """Where partners are based and what they serve, for alerting the ones an incident touches."""

    def __init__(self) -> None:
        self.places: dict[str, PartnerPlace] = {}

    def upsert(self, place: PartnerPlace) -> None:
        self.places[place.partner_id] = place

    def remove(self, partner_id: str) -> None:
        self.places.pop(partner_id, None)

    def in_reach(self, area: BaseGeometry, reach_km: float) -> list[PartnerReach]:
        """The partners the area reaches, as `reach_of` decides."""
        return [reach for place in self.places.values() if (reach := reach_of(area, place, reach_km)) is not None]


def reach_of(area: BaseGeometry, place: PartnerPlace, reach_km: float) -> PartnerReach | None:
    """An area reaches a partner whose base lies within `reach_km` of it or whose service area meets it."""
    distance = distance_to_area_km(area, place.lat, place.lon)
    serves = place.service_area is not None and place.service_area.intersects(area)
    if distance <= reach_km or serves:
        return PartnerReach(place.partner_id, distance, place.capabilities)
    return None


class ShelterDirectory:
    """Every shelter with its last known free beds, indexed by place for candidate search."""

    def __init__(self) -> None:
        self.shelters: dict[str, Shelter] = {}
        self.index = PointIndex()

    def apply(self, shelter: Shelter | None, key: str) -> None:
        if shelter is None:
            self.shelters.pop(key, None)
            self.index.remove(key)
            return
        old = self.shelters.get(key)
        self.shelters[key] = shelter
        if old is None or old.location != shelter.location:
            self.index.upsert(key, shelter.location.lat, shelter.location.lon)

    def near(self, lat: float, lon: float, radius_km: float) -> list[tuple[Shelter, float]]:
        return [(self.shelters[key], km) for key, km in self.index.within(lat, lon, radius_km)]

    def _reasons(self, shelters: list[Shelter], household: int, needs: Needs,
                 incidents: IncidentDirectory) -> list[list[Reason]]:
        """Why each shelter cannot take the household, for a batch: danger zones are checked for
        all of them in one pass. Lying in an affected area is never a reason."""
        inside = incidents.hazards_at_each(shelters)
        return [unmet_needs(shelter, household, needs, shelter.free)
                + danger_reasons({name: incidents.incidents[name].title for name in names})
                for shelter, names in zip(shelters, inside, strict=True)]

    def candidates(self, lat: float, lon: float, household: int, needs: Needs, radius_km: float,
                   incidents: IncidentDirectory, limit: int) -> tuple[list[Candidate], list[Alternative]]:
        """Open shelters with room that fit the needs, outside every danger zone, nearest first;
        and the nearest ones left out, with their reasons (as `unmet_needs` and `danger_reasons`
        give them; `beyond` first for those outside the radius, shown when none fits); distances in
        whole kilometres (they go to Kafka: the caller passes the centre of their cell, geo/cells.py). Shelters are read in batches nearest first, and
        exact distances are computed only as far as the search reads, so a dense city costs about
        what a sparse county does."""
        candidates: list[Candidate] = []
        excluded: list[Alternative] = []
        for batch in self.index.nearest_batches(lat, lon, radius_km, first=limit + ALTERNATIVES_SHOWN):
            shelters = [self.shelters[key] for key, _ in batch]
            for shelter, (_, km), reasons in zip(shelters, batch, self._reasons(shelters, household, needs, incidents), strict=True):
                if reasons:
                    if len(excluded) < ALTERNATIVES_SHOWN:
                        excluded.append(Alternative(shelter_id=shelter.id, name=shelter.name, distance_km=round(km), reasons=reasons))
                elif len(candidates) < limit:
                    candidates.append(Candidate(shelter_id=shelter.id, name=shelter.name, distance_km=round(km)))
                if len(candidates) >= limit and len(excluded) >= ALTERNATIVES_SHOWN:
                    return candidates, excluded
        if not candidates and len(excluded) < ALTERNATIVES_SHOWN:
            beyond = [(key, km) for key, km in self.index.nearest(lat, lon, ALTERNATIVES_SHOWN + len(excluded))
                      if km > radius_km][:ALTERNATIVES_SHOWN - len(excluded)]
            shelters = [self.shelters[key] for key, _ in beyond]
            far = Reason(code="beyond", message=f"beyond {radius_km:g} km", radius_km=radius_km)
            for shelter, (key, km), reasons in zip(shelters, beyond, self._reasons(shelters, household, needs, incidents),
                                                   strict=True):
                excluded.append(Alternative(shelter_id=key, name=shelter.name, distance_km=round(km),
                                            reasons=[far, *reasons]))
        return candidates, excluded
