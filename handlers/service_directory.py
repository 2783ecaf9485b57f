"""Every site a navigator can send a caller to, and the navigator's search over them.

The directory holds the service sites (handlers/services.py) and the overnight shelters
(handlers/shelters.py) as `SiteEntry`s: what a search filters on, the site's opening hours
compiled once, and its public fields ready to be written. Each service type has its own
`geo.index.PointIndex`, so a search for charging stations never reads a meal site. Each site's
point is tagged with whether it can take anyone (not closed, not full), what it offers (pets,
wheelchair, families, each language) and the hours of the week its schedules surely keep it
closed, so the index itself leaves out, before any geodesic, the sites a search cannot list.
What no tag can say (open at this very minute, danger zones) is checked as the sites are read,
nearest first. A search stops once its page is full, so its cost follows what it reads near the
caller, not the size of the directory.
"""
from __future__ import annotations

import heapq
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import Any, Protocol

from geo.index import PointIndex, TagFilter
from handlers.common import Point
from handlers.reasons import Reason
from handlers.services import ServiceSite
from handlers.shelters import Needs, Shelter
from handlers.sites import (
    BED_SERVICE,
    HOURS_A_WEEK,
    SERVICE_TYPES,
    Moment,
    Opening,
    OpeningHours,
    StatusReason,
    closed_hours,
)

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
    status_reason: StatusReason | None
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


# A site's tag, bit by bit: usable (not closed, not full), pets, wheelchair, families, a bit per
# language (the first 60 seen; others are checked as sites are read), and from bit 64 one per hour
# of the week that its schedules surely keep it closed (handlers.sites.closed_hours).
_USABLE, _PETS, _WHEELCHAIR, _FAMILY = 1, 2, 4, 8
_FIRST_LANGUAGE_BIT = 4
LANGUAGE_BITS = 64 - _FIRST_LANGUAGE_BIT
_CLOSED_AT = 64
TAG_BITS = _CLOSED_AT + HOURS_A_WEEK
EXPECT = 16
"""A type's index first reads the sites within the radius that likely holds this many times its
first batch: in a city the nearest few lie within a few km, and the whole radius holds thousands."""


def _usable(entry: SiteEntry) -> bool:
    return not (entry.status == "closed" or entry.free_beds == 0
                or (entry.status == "limited" and entry.status_reason == "full"))


@dataclass(frozen=True)
class Wanted:
    """What a reading of the indexes keeps: sites of one of `types`, whose tags hold all of
    `all_of`, and (with `hour_of_week`) not surely closed that hour."""

    types: tuple[str, ...]
    all_of: int = 0
    hour_of_week: int | None = None

    def where(self) -> TagFilter | None:
        closed = 0 if self.hour_of_week is None else 1 << (_CLOSED_AT + self.hour_of_week)
        return TagFilter(all_of=self.all_of, none_of=closed) if self.all_of or closed else None


class ServiceDirectory:
    """Service sites and overnight shelters, by id and by type and place. Fed record by record
    from `service-state` (`apply_service`) and `shelter-state` (`apply_shelter`); shelters and
    service sites are two namespaces, kept apart here as on their topics (overnight shelters
    have their own type, so their own index). Not thread-safe: the API applies and searches on
    its one event loop."""

    def __init__(self) -> None:
        self.services: dict[str, SiteEntry] = {}
        self.shelters: dict[str, SiteEntry] = {}
        self._indexes = {service_type: PointIndex(tag_bits=TAG_BITS) for service_type in SERVICE_TYPES}
        self._language_bits: dict[str, int] = {}

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
        self._indexes[entry.service_type].upsert(key, entry.location.lat, entry.location.lon, self._tag(entry))

    def _tag(self, entry: SiteEntry) -> int:
        tag = 0
        for bit, has in ((_USABLE, _usable(entry)), (_PETS, entry.accepts_pets), (_WHEELCHAIR, entry.accessible),
                         (_FAMILY, entry.families)):
            if has:
                tag |= bit
        for language in entry.languages:
            language_bit = self._language_bits.get(language)
            if language_bit is None and len(self._language_bits) < LANGUAGE_BITS:
                language_bit = self._language_bits[language] = 1 << (_FIRST_LANGUAGE_BIT + len(self._language_bits))
            tag |= language_bit or 0
        for hour, closed in enumerate(closed_hours(entry.hours.schedules)):
            if closed:
                tag |= 1 << (_CLOSED_AT + hour)
        return tag

    def get(self, key: str) -> SiteEntry | None:
        """A service site by id, else an overnight shelter."""
        return self.services.get(key) or self.shelters.get(key)

    def entry(self, service_type: str, key: str) -> SiteEntry:
        """A site as `nearest` names it, by its type and id."""
        return (self.shelters if service_type == BED_SERVICE else self.services)[key]

    def needs_bits(self, needs: Needs) -> int | None:
        """The tag bits of the sites that meet these needs; None when the language asked for is
        one no site offers. A language without a bit (there were too many) is left to the reading."""
        bits = 0
        for bit, wanted in ((_PETS, needs.pets), (_WHEELCHAIR, needs.wheelchair), (_FAMILY, needs.family)):
            if wanted:
                bits |= bit
        if needs.language:
            language_bit = self._language_bits.get(needs.language)
            if language_bit is None and len(self._language_bits) < LANGUAGE_BITS:
                return None  # every language seen has a bit while there is room: no site offers this one
            bits |= language_bit or 0
        return bits

    def nearest(self, lat: float, lon: float, radius_km: float, wanted: Wanted,
                first: int) -> Iterator[tuple[float, str, str]]:
        """(km, key, type) of the sites `wanted` keeps within radius_km, nearest first, ties by
        key, read lazily from each type's index: together their first batches hold about `first`."""
        where = wanted.where()
        indexes = [(t, self._indexes[t]) for t in wanted.types if len(self._indexes[t])]
        each = max(8, -(-first // max(len(indexes), 1)))
        streams = [_flat(index.nearest_batches(lat, lon, radius_km, each, where, each * EXPECT), t)
                   for t, index in indexes]
        return streams[0] if len(streams) == 1 else heapq.merge(*streams)


def _flat(batches: Iterator[list[tuple[str, float]]], service_type: str) -> Iterator[tuple[float, str, str]]:
    for batch in batches:
        for key, km in batch:
            yield km, key, service_type


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
               zones: Zones) -> list[Reason]:
    """Why this site cannot serve this caller now (empty when it can), as reasons (handlers/reasons.py):
    closed (with its `status_reason`), full, not_open_now (when only open sites are wanted; with
    `opens_at` when it opens in the days ahead), in_danger_zone (the `incidents` and their
    `titles`), no_pets, not_wheelchair_accessible, no_families, no_language."""
    found: list[Reason] = []
    if entry.status == "closed":
        reason = entry.status_reason
        found.append(Reason(code="closed", message=f"closed ({reason.replace('_', ' ')})", status_reason=reason)
                     if reason else Reason(code="closed", message="closed"))
    elif entry.free_beds == 0 or (entry.status == "limited" and entry.status_reason == "full"):
        found.append(Reason(code="full", message="full: no free beds" if entry.free_beds == 0 else "full",
                            status_reason="full"))
    if query.open_now and not opening.open:
        when = opening.opens_at
        found.append(Reason(code="not_open_now", message=f"not open now; opens {when:%a %d %b %H:%M}", opens_at=when)
                     if when else Reason(code="not_open_now", message="not open now, and no opening in the days ahead"))
    if danger_zones:
        titles = [getattr(zones.incidents.get(name), "title", name) for name in danger_zones]
        found.append(Reason(code="in_danger_zone", message=f"inside a danger zone: {', '.join(titles)}",
                            incidents=list(danger_zones), titles=titles))
    needs = query.needs
    if needs.pets and not entry.accepts_pets:
        found.append(Reason(code="no_pets", message="no pets"))
    if needs.wheelchair and not entry.accessible:
        found.append(Reason(code="not_wheelchair_accessible", message="not wheelchair accessible"))
    if needs.family and not entry.families:
        found.append(Reason(code="no_families", message="no families"))
    if needs.language and needs.language not in entry.languages:
        found.append(Reason(code="no_language", message=f"no service in {needs.language}", language=needs.language))
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
    reasons: tuple[Reason, ...] = ()

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
        view["reasons"] = [_json_ready(reason) for reason in self.reasons]
        return view


def _json_ready(reason: Reason) -> dict[str, Any]:
    ready: dict[str, Any] = dict(reason)
    if "opens_at" in ready:
        ready["opens_at"] = ready["opens_at"].isoformat()
    return ready


def look_at(entry: SiteEntry, now: datetime, zones: Zones, distance_km: float | None = None) -> Found:
    """One site as a search would show it, with no needs asked of it: for reading a site by id."""
    opening = entry.hours.at(now)
    danger = zones.hazards_at_each([entry])[0]
    reasons = exclusions(entry, opening, danger, ServiceQuery(), zones)
    return Found(entry, distance_km, opening, tuple(danger), tuple(zones.affected_at_each([entry])[0]), tuple(reasons))


def _left_out(entry: SiteEntry, opening: Opening | None, danger_zones: list[str], needs: Needs) -> bool:
    """Whether `exclusions` would find any reason, without writing them: most sites a search reads
    are only counted, never shown. `opening` is None when the search does not ask for open-now."""
    return bool(not _usable(entry) or (opening is not None and not opening.open) or danger_zones
                or (needs.pets and not entry.accepts_pets) or (needs.wheelchair and not entry.accessible)
                or (needs.family and not entry.families) or (needs.language and needs.language not in entry.languages))


Read = tuple[SiteEntry, float, list[str], bool]
"""A site a search keeps: entry, distance, danger zones, left out or not."""


def search(directory: ServiceDirectory, lat: float, lon: float, query: ServiceQuery, now: datetime,
           zones: Zones) -> tuple[list[Found], list[Found]]:
    """The sites of the asked types within the radius that can serve the caller now, nearest
    first (ties by id), at most `query.limit`; and the sites left out on the way to the last of
    them (anywhere in the radius when fewer fit), nearest first, at most `query.excluded_limit`,
    each with its reasons: left-out sites further than the page would cost reading on, and the
    caller's choice is among the nearer ones.

    Sites are read nearest first in batches, each checked against the danger zones in one call,
    until the page is full or the radius is read. When the caller needs something or only sites
    open now, the indexes are asked for the sites that can be (usable, meeting the needs, not
    surely closed this hour), and the left-out sites come from a second reading of every site
    of those types that stops at the last result."""
    if query.limit <= 0:
        return [], []
    moment = Moment.of(now)
    types = query.wanted_types()
    needs_bits = directory.needs_bits(query.needs)
    hour = moment.hour_of_week if query.open_now else None
    if needs_bits == 0 and hour is None:
        stream = directory.nearest(lat, lon, query.radius_km, Wanted(types), query.limit + query.excluded_limit)
        kept = _read(directory, stream, query, moment, zones, query.excluded_limit)
    else:
        kept = [] if needs_bits is None else _read(
            directory, directory.nearest(lat, lon, query.radius_km, Wanted(types, _USABLE | needs_bits, hour),
                                         query.limit), query, moment, zones, 0)
        if query.excluded_limit:
            last = kept[-1] if len(kept) == query.limit else None
            stream = directory.nearest(lat, lon, query.radius_km, Wanted(types), query.excluded_limit * 2)
            kept = sorted(kept + _left_out_before(directory, stream, last, query, moment, zones),
                          key=lambda read: (read[1], read[0].id))
    results: list[Found] = []
    excluded: list[Found] = []
    affected = zones.affected_at_each([entry for entry, *_ in kept])
    for (entry, km, danger, out), areas in zip(kept, affected, strict=True):
        opening = entry.hours.at_moment(moment)
        reasons = tuple(exclusions(entry, opening, danger, query, zones)) if out else ()
        (excluded if out else results).append(Found(entry, km, opening, tuple(danger), tuple(areas), reasons))
    return results, excluded


def _batches(directory: ServiceDirectory, stream: Iterator[tuple[float, str, str]], size: int,
             zones: Zones) -> Iterator[list[tuple[tuple[float, str, str], SiteEntry, list[str]]]]:
    """The stream in batches of growing size, each site with its entry and its danger zones."""
    services, shelters = directory.services, directory.shelters
    while batch := list(islice(stream, size)):
        entries = [(shelters if service_type == BED_SERVICE else services)[key] for _, key, service_type in batch]
        yield list(zip(batch, entries, zones.hazards_at_each(entries), strict=True))
        size *= 2


def _read(directory: ServiceDirectory, stream: Iterator[tuple[float, str, str]], query: ServiceQuery,
          moment: Moment, zones: Zones, excluded_limit: int) -> list[Read]:
    """The first `query.limit` sites that fit and the first `excluded_limit` left out among
    those read on the way, in stream order."""
    kept: list[Read] = []
    fits = left_out = 0
    for batch in _batches(directory, stream, query.limit + excluded_limit, zones):
        for (km, _, _), entry, danger in batch:
            opening = entry.hours.at_moment(moment) if query.open_now else None
            if not _left_out(entry, opening, danger, query.needs):
                fits += 1
                kept.append((entry, km, danger, False))
                if fits == query.limit:
                    return kept
            elif left_out < excluded_limit:
                left_out += 1
                kept.append((entry, km, danger, True))
    return kept


def _left_out_before(directory: ServiceDirectory, stream: Iterator[tuple[float, str, str]], last: Read | None,
                     query: ServiceQuery, moment: Moment, zones: Zones) -> list[Read]:
    """The first `query.excluded_limit` sites left out, read nearest first, no further than
    `last` (the last result when the page is full, else the radius)."""
    kept: list[Read] = []
    bound = None if last is None else (last[1], last[0].id)
    for batch in _batches(directory, stream, query.excluded_limit * 2, zones):
        for (km, key, _), entry, danger in batch:
            if bound is not None and (km, key) >= bound:
                return kept
            opening = entry.hours.at_moment(moment) if query.open_now else None
            if _left_out(entry, opening, danger, query.needs):
                kept.append((entry, km, danger, True))
                if len(kept) == query.excluded_limit:
                    return kept
    return kept
