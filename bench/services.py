"""(f) Service search: the navigator's search over the service directory vs a brute-force filter
and exact geodesic scan, on the same sites and queries, in one run.

Sites: `sites` generated across Ontario (seeded). Most lie around the gazetteer's towns, more
around bigger ones, spread by a few km; the rest anywhere in southern or northern Ontario. Every
service type, overnight shelters among them (some full); opening hours of every kind (around the
clock, daily, weekdays only, overnight, two stretches a day); some limited or closed; needs flags
and languages as a 211 directory has them. Queries: callers near towns (weighted by population),
one to three types each, most asking for sites open now, some with needs, at moments across one
Ontario day (a storm's calls), with incidents active: the sample scenario's two ice storms and
three floods.

Muster: `handlers.service_directory.search`, what `GET /v1/services` calls (one PointIndex per
type, read nearest first, filtered as read). Reference: the geodesic (pyproj, Karney, WGS84) from
the caller to every site in one vectorised call, then the type, radius and every other filter
applied to each site (the same rule, `exclusions`), then sorted by (distance, id). Identical means
the same results and the same left-out sites in the same order, each with the same distance to a
micrometre, opening and reasons. Both read opening hours from the sites' compiled `OpeningHours`,
warmed for the day before timing, as a running API's are after its first searches of the day.
"""
from __future__ import annotations

import math
import random
from datetime import datetime, timedelta
from typing import Any, cast

import numpy as np

from bench.timing import clock, collector_paused, in_turns
from geo.distance import geodesic_km_many
from geo.gazetteer import _places
from handlers.common import CircleArea, Point
from handlers.directories import IncidentDirectory
from handlers.incidents import DeclareIncident, decide as decide_incident
from handlers.service_directory import Found, ServiceDirectory, ServiceQuery, SiteEntry, exclusions, search
from handlers.services import RegisterService, decide as decide_service
from handlers.shelters import Needs, RegisterShelter, decide as decide_shelter
from handlers.sites import BED_SERVICE, ONTARIO, ServiceType
from muster.seed import sample

SOUTH = (42.0, 46.5, -83.0, -74.4)
NORTH = (46.5, 51.5, -94.5, -79.5)
BLOCK = 25
TOLERANCE_KM = 1e-9
DAY = datetime(2025, 3, 31, tzinfo=ONTARIO)  # a Monday in a storm
STORM_TYPES = ("warming_centre", "charging_station", "meals", "drinking_water", "overnight_shelter", "pharmacy",
               "transport", "pet_shelter", "medical_device_power")
TYPE_WEIGHTS: dict[ServiceType, int] = {"overnight_shelter": 3, "warming_centre": 6, "cooling_centre": 2, "charging_station": 6, "meals": 14,
                "food_bank": 14, "drinking_water": 4, "showers": 5, "pharmacy": 20, "medical_device_power": 3,
                "transport": 6, "pet_shelter": 3, "information_centre": 14}
LANGUAGES = ("fr", "ar", "zh", "pa", "es", "oj", "cr")


def _hours(rng: random.Random) -> list[dict]:
    kind = rng.random()
    if kind < 0.25:
        return []
    opens = rng.choice(("07:00", "08:00", "09:00", "10:00", "11:30"))
    closes = rng.choice(("16:00", "17:00", "18:00", "20:00", "21:00", "22:00"))
    if kind < 0.6:
        return [{"opens_at": opens, "closes_at": closes}]
    if kind < 0.8:
        return [{"byday": ["MO", "TU", "WE", "TH", "FR"], "opens_at": opens, "closes_at": closes}]
    if kind < 0.92:
        return [{"opens_at": rng.choice(("19:00", "20:00", "21:00")), "closes_at": rng.choice(("07:00", "08:00"))}]
    return [{"opens_at": "11:30", "closes_at": "13:30"}, {"opens_at": "17:00", "closes_at": "19:00"}]


def _town_point(rng: random.Random, towns, weights) -> tuple[float, float]:
    town = rng.choices(towns, weights)[0]
    spread_km = 1.5 + 2.0 * math.log10(max(int(town.get("population") or 500), 500) / 500 + 1)
    lat = float(town["latitude"]) + rng.gauss(0, spread_km) / 111.0
    lon = float(town["longitude"]) + rng.gauss(0, spread_km) / (111.0 * math.cos(math.radians(lat)))
    return lat, lon


def _anywhere(rng: random.Random) -> tuple[float, float]:
    lat0, lat1, lon0, lon1 = SOUTH if rng.random() < 0.8 else NORTH
    return rng.uniform(lat0, lat1), rng.uniform(lon0, lon1)


def directory(n: int, seed: int) -> ServiceDirectory:
    """n generated sites across Ontario, registered through the rules as a worker would."""
    rng = random.Random(seed)
    towns = list(_places())
    weights = [int(t.get("population") or 500) ** 0.7 for t in towns]
    found = ServiceDirectory()
    types, type_weights = list(TYPE_WEIGHTS), list(TYPE_WEIGHTS.values())
    for i in range(n):
        lat, lon = _town_point(rng, towns, weights) if rng.random() < 0.85 else _anywhere(rng)
        service_type = rng.choices(types, type_weights)[0]
        state = rng.random()
        status = {"status": "closed", "status_reason": rng.choice(("no_power", "no_staff", "damaged"))} if state < 0.05 \
            else {"status": "limited", "status_reason": rng.choice(("no_heat", "full", "no_staff"))} if state < 0.1 else {}
        profile: dict[str, Any] = dict(name=f"Generated site {i}", location={"lat": lat, "lon": lon}, schedules=_hours(rng),
                       accessible=rng.random() < 0.7, accepts_pets=rng.random() < 0.15, families=rng.random() < 0.8,
                       languages=["en"] + ([rng.choice(LANGUAGES)] if rng.random() < 0.3 else []), **status)
        id_ = f"site-{i:06d}"
        if service_type == BED_SERVICE:
            capacity = rng.randint(10, 200)
            occupancy = capacity if rng.random() < 0.2 else rng.randint(0, capacity)  # a fifth are full
            shelter, _ = decide_shelter(None, RegisterShelter(id=id_, capacity=capacity, occupancy=occupancy, **profile),
                                        DAY)
            found.apply_shelter(shelter, id_)
        else:
            site, _ = decide_service(None, RegisterService(id=id_, service_type=service_type, **profile), DAY)
            found.apply_service(site, id_)
    return found


FLOODS = [("flood-bracebridge", 45.04, -79.31, 8), ("flood-ottawa-river", 45.47, -75.52, 6),
          ("flood-grand-river", 43.14, -80.26, 10)]


def incidents() -> IncidentDirectory:
    """The sample scenario's ice storms and three floods, active."""
    zones = IncidentDirectory()
    declared = [DeclareIncident(**incident) for incident in sample("scenario_ice_storm.json")["incidents"]]
    declared += [DeclareIncident(id=id_, kind="flood", title=id_, severity="severe",
                                 area=CircleArea(center=Point(lat=lat, lon=lon), radius_km=km))
                 for id_, lat, lon, km in FLOODS]
    for declaration in declared:
        incident, _ = decide_incident(None, declaration, DAY)
        assert incident is not None
        zones.apply(incident, incident.id)
    return zones


def queries(n: int, seed: int) -> list[tuple[float, float, ServiceQuery, datetime]]:
    rng = random.Random(seed)
    towns = list(_places())
    weights = [int(t.get("population") or 500) for t in towns]
    out = []
    for _ in range(n):
        lat, lon = _town_point(rng, towns, weights)
        types = tuple(rng.sample(STORM_TYPES, rng.choice((1, 1, 2, 3))))
        needs = Needs(pets=rng.random() < 0.15, wheelchair=rng.random() < 0.15, family=rng.random() < 0.2,
                      language=rng.choice(LANGUAGES) if rng.random() < 0.05 else None)
        query = ServiceQuery(types=types, needs=needs, open_now=rng.random() < 0.7, radius_km=50.0, limit=20,
                             excluded_limit=5)
        out.append((lat, lon, query, DAY + timedelta(minutes=rng.randrange(24 * 60))))
    return out


class BruteForce:
    """Every site's geodesic distance in one vectorised pyproj call, then every filter on every
    site of the asked types in the radius, then a sort: the search written without an index."""

    def __init__(self, sites: ServiceDirectory) -> None:
        self.entries: list[SiteEntry] = list(sites.services.values()) + list(sites.shelters.values())
        self.lats = np.array([e.location.lat for e in self.entries])
        self.lons = np.array([e.location.lon for e in self.entries])
        self.types = np.array([e.service_type for e in self.entries], dtype=object)

    def search(self, lat: float, lon: float, query: ServiceQuery, now: datetime,
               zones: IncidentDirectory) -> tuple[list[Found], list[Found]]:
        distances = geodesic_km_many(lat, lon, self.lats, self.lons)
        kept = np.flatnonzero((distances <= query.radius_km) & np.isin(self.types, query.wanted_types()))
        entries = [self.entries[i] for i in kept.tolist()]
        danger = zones.hazards_at_each(entries)
        judged = sorted(
            ((km, entry.id, entry, opening, inside, exclusions(entry, opening, inside, query, zones))
             for km, entry, inside in zip(distances[kept].tolist(), entries, danger, strict=True)
             for opening in (entry.hours.at(now),)),
            key=lambda row: (row[0], row[1]))
        results: list[tuple[Any, ...]] = []
        excluded: list[tuple[Any, ...]] = []
        for km, _, entry, opening, inside, reasons in judged:
            if len(results) == query.limit:
                break
            if not reasons:
                results.append((entry, km, opening, inside, reasons))
            elif len(excluded) < query.excluded_limit:
                excluded.append((entry, km, opening, inside, reasons))
        listed = results + excluded
        affected = dict(zip((id(row[0]) for row in listed), zones.affected_at_each([row[0] for row in listed]), strict=True))

        def found(row) -> Found:
            entry, km, opening, inside, reasons = row
            return Found(entry, km, opening, tuple(inside), tuple(affected[id(entry)]), tuple(reasons))

        return [found(r) for r in results], [found(r) for r in excluded]


class _Counting:
    """The zones, counting the sites a search reads (it checks each one's danger zones once)."""

    def __init__(self, zones: IncidentDirectory) -> None:
        self.zones, self.incidents, self.read = zones, zones.incidents, 0

    def hazards_at_each(self, sites):
        self.read += len(sites)
        return self.zones.hazards_at_each(sites)

    def affected_at_each(self, sites):
        return self.zones.affected_at_each(sites)


def where_the_time_goes(found: ServiceDirectory, qs, zones: IncidentDirectory) -> dict:
    """Untimed evidence: sites read and index readings per query, and the share of a search's
    CPU spent getting the next site from the indexes (ordering by exact distance) rather than in
    judging, listing and describing the sites."""
    counting, in_indexes, readings = _Counting(zones), [0.0], [0]
    nearest = found.nearest

    def timed_nearest(*args, **kwargs):
        readings[0] += 1
        stream = nearest(*args, **kwargs)

        def timed():
            while True:
                t = clock()
                item = next(stream, None)
                in_indexes[0] += clock() - t
                if item is None:
                    return
                yield item

        return timed()

    found.nearest = timed_nearest  # type: ignore[method-assign]
    try:
        t = clock()
        for lat, lon, q, now in qs:
            search(found, lat, lon, q, now, counting)
        total = clock() - t
    finally:
        del found.nearest
    return {"mean_sites_read": round(counting.read / len(qs), 1), "mean_index_readings": round(readings[0] / len(qs), 2),
            "index_share": round(in_indexes[0] / total, 2) if total else None}


def same(a: tuple[list[Found], list[Found]], b: tuple[list[Found], list[Found]]) -> bool:
    def key(found: Found):
        return (found.entry.id, found.opening, found.danger_zones, found.affected_areas, found.reasons)

    return all(len(x) == len(y) and [key(f) for f in x] == [key(f) for f in y]
               and all(abs(cast(float, f.distance_km) - cast(float, g.distance_km)) <= TOLERANCE_KM for f, g in zip(x, y, strict=True))
               for x, y in zip(a, b, strict=True))


def run(sites: int, n_queries: int, seed: int = 60) -> dict:
    with collector_paused():
        return _measure(sites, n_queries, seed)


def _measure(sites: int, n_queries: int, seed: int) -> dict:
    t = clock()
    found = directory(sites, seed)
    build_s = clock() - t
    zones = incidents()
    brute = BruteForce(found)
    qs = queries(n_queries, seed + 1)
    for entry in brute.entries:  # the day's hours compiled once, as a running API's are
        entry.hours.at(DAY)

    def muster(block):
        return [search(found, lat, lon, q, now, zones) for lat, lon, q, now in block]

    def reference(block):
        return [brute.search(lat, lon, q, now, zones) for lat, lon, q, now in block]

    lat, lon, _, now = qs[0]
    search(found, lat, lon, ServiceQuery(open_now=True, needs=Needs(pets=True)), now, zones)  # every index built
    muster(qs[:2])
    (got, ref), (muster_s, ref_s) = in_turns([muster, reference], [qs[i:i + BLOCK] for i in range(0, len(qs), BLOCK)])
    in_radius = [int(np.count_nonzero((geodesic_km_many(lat, lon, brute.lats, brute.lons) <= q.radius_km)
                                      & np.isin(brute.types, q.wanted_types()))) for lat, lon, q, _ in qs]
    row = {**where_the_time_goes(found, qs, zones), 
        "sites": sites, "queries": n_queries, "radius_km": qs[0][2].radius_km, "limit": qs[0][2].limit,
        "excluded_limit": qs[0][2].excluded_limit, "build_s": round(build_s, 2),
        "shelters": len(found.shelters), "open_now_share": sum(q.open_now for _, _, q, _ in qs) / n_queries,
        "needs_share": sum(q.needs != Needs() for _, _, q, _ in qs) / n_queries,
        "mean_sites_of_the_types_in_radius": round(float(np.mean(in_radius)), 1),
        "mean_results": round(float(np.mean([len(r) for r, _ in got])), 1),
        "mean_excluded": round(float(np.mean([len(e) for _, e in got])), 1),
        "muster_qps": round(n_queries / muster_s, 1), "brute_force_qps": round(n_queries / ref_s, 2),
        "identical_share": sum(same(a, b) for a, b in zip(got, ref, strict=True)) / n_queries,
    }
    row["ratio"] = round(row["muster_qps"] / row["brute_force_qps"], 1)
    return row
