"""Every site a navigator can send a caller to, and the navigator's search over them.

The directory holds the service sites (handlers/services.py) and the overnight shelters
(handlers/shelters.py) as `SiteEntry`s: what a search filters on, the site's opening hours
compiled once, and its public fields ready to be written. Each service type has its own
`geo.index.PointIndex`, so a search for charging stations never reads a meal site; the types
asked for are read together, nearest first, and filtered for status, needs, open-now and danger
zones as they are read. A search stops once it has its page and the nearest sites it left out,
so its cost follows what it reads near the caller, not the size of the directory.
"""
from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import Any, Literal, Protocol

from geo.index import PointIndex
from handlers.common import Point
from handlers.services import ServiceSite
from handlers.shelters import Needs, Shelter
from handlers.sites import BED_SERVICE, SERVICE_TYPES, Opening, OpeningHours

VIEW_FIELDS = ("id", "name", "place", "location", "address", "phone", "schedules", "status", "status_reason",
               "languages", "accessible", "accepts_pets", "families", "partner_id", "updated_at")
"""The snapshot fields a site's view shows, shelters and services alike; a shelter's holds never."""


@dataclass(frozen=True, slots=True)
class SiteEntry:
    """One site as a search reads it. `view` is its public fields as JSON-ready data, built once
    per snapshot, so that a page costs a copy per site rather than a serialisation."""

    id: str
    service_type: str
    location: Point
    status: str
    status_reason: str | None
    accepts_pets: bool
    accessible: bool
    families: bool
    languages: frozenset[str]
    free_beds: int | None
    """Beds free now, for overnight shelters; None for every other site."""
    hours: OpeningHours
    view: dict[str, Any]


def _view(snapshot: ServiceSite | Shelter, service_type: str, description: str | None,
          free_beds: int | None) -> dict[str, Any]:
    view: dict[str, Any] = {"id": snapshot.id, "name": snapshot.name, "service_type": service_type}
    view.update(snapshot.model_dump(mode="json", include=set(VIEW_FIELDS)))
    view.update(description=description, free_beds=free_beds)
    return view


def entry_of_service(site: ServiceSite) -> SiteEntry:
    view = _view(site, site.service_type, site.description, None)
    return SiteEntry(site.id, site.service_type, site.location, site.status, site.status_reason, site.accepts_pets,
                     site.accessible, site.families, frozenset(site.languages), None, OpeningHours(site.schedules),
                     view)


def entry_of_shelter(shelter: Shelter) -> SiteEntry:
    view = _view(shelter, BED_SERVICE, None, shelter.free)
    return SiteEntry(shelter.id, BED_SERVICE, shelter.location, shelter.status, shelter.status_reason,
                     shelter.accepts_pets, shelter.accessible, shelter.families, frozenset(shelter.languages),
                     shelter.free, OpeningHours(shelter.schedules), view)


class ServiceDirectory:
    """Service sites and overnight shelters, by id and by type and place. Fed record by record
    from `service-state` (`apply_service`) and `shelter-state` (`apply_shelter`); shelters and
    service sites are two namespaces, kept apart here as on their topics."""

    def __init__(self) -> None:
        self.services: dict[str, SiteEntry] = {}
        self.shelters: dict[str, SiteEntry] = {}
        self._indexes: dict[str, PointIndex] = {service_type: PointIndex() for service_type in SERVICE_TYPES}

    def __len__(self) -> int:
        return len(self.services) + len(self.shelters)

    def apply_service(self, site: ServiceSite | None, key: str) -> None:
        self._put(self.services, key, None if site is None else entry_of_service(site))

    def apply_shelter(self, shelter: Shelter | None, key: str) -> None:
        self._put(self.shelters, key, None if shelter is None else entry_of_shelter(shelter))

    def _put(self, entries: dict[str, SiteEntry], key: str, entry: SiteEntry | None) -> None:
        old = entries.pop(key, None)
        if old is not None and (entry is None or old.service_type != entry.service_type):
            self._indexes[old.service_type].remove(key)
        if entry is None:
            return
        entries[key] = entry
        if old is None or old.service_type != entry.service_type or old.location != entry.location:
            self._indexes[entry.service_type].upsert(key, entry.location.lat, entry.location.lon)

    def get(self, key: str) -> SiteEntry | None:
        """A service site by id, else an overnight shelter."""
        return self.services.get(key) or self.shelters.get(key)

    def entry(self, service_type: str, key: str) -> SiteEntry:
        return (self.shelters if service_type == BED_SERVICE else self.services)[key]

    def nearest(self, lat: float, lon: float, radius_km: float, types: Iterable[str],
                first: int) -> Iterator[tuple[float, str, str]]:
        """(km, key, service type) of the sites of these types within radius_km, nearest first,
        ties by key; read lazily from each type's index, whose first batch holds `first` sites."""
        streams = [_flat(self._indexes[t].nearest_batches(lat, lon, radius_km, first=first), t)
                   for t in types if len(self._indexes[t])]
        return heapq.merge(*streams)


def _flat(batches: Iterator[list[tuple[str, float]]], service_type: str) -> Iterator[tuple[float, str, str]]:
    for batch in batches:
        for key, km in batch:
            yield km, key, service_type


ExclusionCode = Literal["closed", "full", "not_open_now", "in_danger_zone", "no_pets", "not_wheelchair_accessible",
                        "no_families", "no_language"]
"""Why a search left a site out; screens translate the code and read the parameters beside it."""


@dataclass(frozen=True, slots=True)
class Exclusion:
    """One reason a site was left out: a code, its parameters, and the English sentence."""

    code: ExclusionCode
    message: str
    status_reason: str | None = None
    opens_at: datetime | None = None
    incidents: tuple[str, ...] = ()
    language: str | None = None

    def as_json(self) -> dict[str, Any]:
        found: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.status_reason is not None:
            found["status_reason"] = self.status_reason
        if self.opens_at is not None:
            found["opens_at"] = self.opens_at.isoformat()
        if self.incidents:
            found["incidents"] = list(self.incidents)
        if self.language is not None:
            found["language"] = self.language
        return found


@dataclass(frozen=True)
class ServiceQuery:
    """What the navigator asks for: site types (none: every type), the household's needs, open
    now only or not, how far, how many sites and how many of the nearest left out to show."""

    types: tuple[str, ...] = ()
    needs: Needs = field(default_factory=Needs)
    open_now: bool = False
    radius_km: float = 50.0
    limit: int = 20
    excluded_limit: int = 5

    def wanted_types(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.types)) if self.types else SERVICE_TYPES


class Zones(Protocol):
    """Where the incidents are, as handlers.directories.IncidentDirectory answers it."""

    incidents: dict[str, Any]

    def hazards_at_each(self, sites: list[Any]) -> list[list[str]]: ...

    def affected_at_each(self, sites: list[Any]) -> list[list[str]]: ...


def exclusions(entry: SiteEntry, opening: Opening, danger_zones: list[str], query: ServiceQuery,
               zones: Zones) -> list[Exclusion]:
    """Why this site cannot serve this caller now (empty when it can): closed, full, not open now
    (when only open sites are wanted), inside a danger zone, or not fitting the household."""
    found: list[Exclusion] = []
    if entry.status == "closed":
        reason = entry.status_reason
        found.append(Exclusion("closed", f"closed ({reason.replace('_', ' ')})" if reason else "closed",
                               status_reason=reason))
    elif entry.free_beds == 0 or (entry.status == "limited" and entry.status_reason == "full"):
        found.append(Exclusion("full", "full: no free beds" if entry.free_beds == 0 else "full", status_reason="full"))
    if query.open_now and not opening.open:
        when = opening.opens_at
        found.append(Exclusion("not_open_now", f"not open now; opens {when:%a %d %b %H:%M}" if when else
                               "not open now, and no opening in the days ahead", opens_at=when))
    if danger_zones:
        titles = ", ".join(getattr(zones.incidents.get(name), "title", name) for name in danger_zones)
        found.append(Exclusion("in_danger_zone", f"inside a danger zone: {titles}", incidents=tuple(danger_zones)))
    needs = query.needs
    if needs.pets and not entry.accepts_pets:
        found.append(Exclusion("no_pets", "no pets"))
    if needs.wheelchair and not entry.accessible:
        found.append(Exclusion("not_wheelchair_accessible", "not wheelchair accessible"))
    if needs.family and not entry.families:
        found.append(Exclusion("no_families", "no families"))
    if needs.language and needs.language not in entry.languages:
        found.append(Exclusion("no_language", f"no service in {needs.language}", language=needs.language))
    return found


@dataclass(frozen=True, slots=True)
class Found:
    """A site a search read: how far, open or not and until when, the danger zones and affected
    areas it lies in, and why it was left out (nothing, for a result)."""

    entry: SiteEntry
    distance_km: float | None
    opening: Opening
    danger_zones: tuple[str, ...]
    affected_areas: tuple[str, ...]
    reasons: tuple[Exclusion, ...] = ()

    def view(self) -> dict[str, Any]:
        """The site as the API writes it: its public fields, then what this search found."""
        opening = self.opening
        view = dict(self.entry.view)
        view["distance_km"] = None if self.distance_km is None else round(self.distance_km, 3)
        view["open_now"] = opening.open
        view["opens_at"] = opening.opens_at.isoformat() if opening.opens_at else None
        view["closes_at"] = opening.closes_at.isoformat() if opening.closes_at else None
        view["in_danger_zones"] = list(self.danger_zones)
        view["in_affected_areas"] = list(self.affected_areas)
        view["reasons"] = [reason.as_json() for reason in self.reasons]
        return view


def look_at(entry: SiteEntry, now: datetime, zones: Zones, distance_km: float | None = None) -> Found:
    """One site as a search would show it, with no needs asked of it: for reading a site by id."""
    opening = entry.hours.at(now)
    danger = zones.hazards_at_each([entry])[0]
    reasons = exclusions(entry, opening, danger, ServiceQuery(), zones)
    return Found(entry, distance_km, opening, tuple(danger), tuple(zones.affected_at_each([entry])[0]), tuple(reasons))


def search(directory: ServiceDirectory, lat: float, lon: float, query: ServiceQuery, now: datetime,
           zones: Zones) -> tuple[list[Found], list[Found]]:
    """The sites of the asked types within the radius that can serve the caller now, nearest
    first (ties by id), at most `query.limit`; and the sites left out on the way to the last of
    them (anywhere in the radius when fewer fit), nearest first, at most `query.excluded_limit`,
    each with its reasons. Sites are read in growing batches, each checked against the danger
    zones in one call, until the page is full or the radius is read: left-out sites further than
    the page would cost reading on, and the caller's choice is among the nearer ones."""
    wanted = query.limit + query.excluded_limit
    if query.limit <= 0:
        return [], []
    stream = directory.nearest(lat, lon, query.radius_km, query.wanted_types(), first=wanted)
    kept: list[tuple[SiteEntry, float, Opening, list[str], list[Exclusion]]] = []
    fits = left_out = 0
    size = wanted
    while fits < query.limit:
        batch = list(islice(stream, size))
        if not batch:
            break
        entries = [directory.entry(service_type, key) for _, key, service_type in batch]
        for (km, _, _), entry, danger in zip(batch, entries, zones.hazards_at_each(entries)):
            opening = entry.hours.at(now)
            reasons = exclusions(entry, opening, danger, query, zones)
            if reasons and left_out < query.excluded_limit:
                left_out += 1
                kept.append((entry, km, opening, danger, reasons))
            elif not reasons:
                fits += 1
                kept.append((entry, km, opening, danger, reasons))
                if fits == query.limit:
                    break
        size *= 2
    results: list[Found] = []
    excluded: list[Found] = []
    affected = zones.affected_at_each([entry for entry, *_ in kept])
    for (entry, km, opening, danger, reasons), areas in zip(kept, affected):
        (excluded if reasons else results).append(Found(entry, km, opening, tuple(danger), tuple(areas), tuple(reasons)))
    return results, excluded
