"""(d) Hazard-zone membership: geo.hazards.HazardZones vs a loop over the polygons.

300 incident areas (seeded): geodesic circles and irregular star-shaped polygons across southern
Ontario, overlapping where they fall. Queries: half anywhere in the region, half near an area's
centre so that many fall inside one or more. The naive loop calls shapely's
`polygon.contains(Point)` on every area for every query, as one writes it first; a reference
loop does the same over prepared copies of the areas (shapely builds each one's edge index
once). HazardZones prepares its own copies: preparing is in place, and preparing the naive
loop's polygons would quietly make it the reference loop. HazardZones answers one point
(`containing`, as a referral checks each candidate) and blocks of 200 (`containing_many`, as
shelter listings and exports check every shelter).
"""
from __future__ import annotations

import math
import random
from collections.abc import Mapping

import shapely
from shapely.geometry import Point, Polygon
from shapely.geometry.base import BaseGeometry

from bench.timing import clock, collector_paused, in_turns
from geo.areas import circle
from geo.hazards import HazardZones

BLOCK = 200
REGION = (42.2, 50.5, -92.0, -74.6)
"""Southern and northwestern Ontario, where incidents (floods, ice storms, wildfires) happen."""


def areas(n: int, seed: int) -> dict[str, Polygon]:
    rng = random.Random(seed)
    out = {}
    lat0, lat1, lon0, lon1 = REGION
    for i in range(n):
        lat, lon = rng.uniform(lat0, lat1), rng.uniform(lon0, lon1)
        if i % 2 == 0:
            out[f"incident-{i:03d}"] = circle(lat, lon, rng.uniform(2, 30))
        else:
            k = rng.randint(12, 60)
            radius_deg = rng.uniform(0.03, 0.35)
            ring = []
            for j in range(k):
                angle = 2 * math.pi * j / k
                r = radius_deg * rng.uniform(0.4, 1.0)
                ring.append((lon + r * math.cos(angle) / math.cos(math.radians(lat)), lat + r * math.sin(angle)))
            out[f"incident-{i:03d}"] = Polygon(ring)
    return out


def queries(polygons: dict[str, Polygon], n: int, seed: int) -> list[tuple[float, float]]:
    rng = random.Random(seed)
    lat0, lat1, lon0, lon1 = REGION
    shapes = list(polygons.values())
    out = []
    for i in range(n):
        if i % 2 == 0:
            out.append((rng.uniform(lat0, lat1), rng.uniform(lon0, lon1)))
        else:
            shape = rng.choice(shapes)
            c = shape.centroid
            spread = max(shape.bounds[2] - shape.bounds[0], shape.bounds[3] - shape.bounds[1]) / 2
            out.append((c.y + rng.gauss(0, spread * 0.7), c.x + rng.gauss(0, spread * 0.7)))
    return out


def naive(polygons: Mapping[str, BaseGeometry], lat: float, lon: float) -> list[str]:
    point = Point(lon, lat)
    return sorted(key for key, polygon in polygons.items() if polygon.contains(point))


def run(n_areas: int, n_queries: int, seed: int = 300) -> dict:
    with collector_paused():
        return _measure(n_areas, n_queries, seed)


def _measure(n_areas: int, n_queries: int, seed: int) -> dict:
    polygons = areas(n_areas, seed)
    qs = queries(polygons, n_queries, seed + 1)
    prepared = {key: shapely.from_wkb(polygon.wkb) for key, polygon in polygons.items()}
    shapely.prepare(list(prepared.values()))
    zones = HazardZones()
    for key, polygon in polygons.items():
        zones.set(key, shapely.from_wkb(polygon.wkb))
    t = clock()
    zones.containing(*qs[0])  # the first query after a change builds the index
    build_s = clock() - t
    # In turns, block by block (`in_turns`), timed in CPU seconds of this thread with the collector
    # paused (`run`): time spent descheduled by other tenants, or in a full pass over this
    # process's other data, counts for none of them.
    blocks = [([lat for lat, _ in qs[i:i + BLOCK]], [lon for _, lon in qs[i:i + BLOCK]])
              for i in range(0, len(qs), BLOCK)]
    (got, batched, ref, ref_prepared), (zones_s, batch_s, naive_s, prepared_s) = in_turns([
        lambda block: [zones.containing(lat, lon) for lat, lon in zip(*block, strict=True)],
        lambda block: zones.containing_many(*block),  # sorted tuples, as listings read them; compared as lists below
        lambda block: [naive(polygons, lat, lon) for lat, lon in zip(*block, strict=True)],
        lambda block: [naive(prepared, lat, lon) for lat, lon in zip(*block, strict=True)],
    ], blocks)
    batched = [list(names) for names in batched]
    row = {
        "areas": n_areas, "queries": n_queries, "block": BLOCK, "index_build_s": round(build_s, 3),
        "queries_inside_any": sum(1 for r in ref if r) / n_queries,
        "zones_qps": round(n_queries / zones_s, 1), "naive_qps": round(n_queries / naive_s, 1),
        "batch_qps": round(n_queries / batch_s, 1),
        "prepared_qps": round(n_queries / prepared_s, 1),
        "identical_share": sum(a == b == c == d for a, b, c, d in zip(got, batched, ref, ref_prepared, strict=True)) / n_queries,
    }
    row["ratio_vs_naive"] = round(row["zones_qps"] / row["naive_qps"], 1)
    row["batch_ratio_vs_naive"] = round(row["batch_qps"] / row["naive_qps"], 1)
    row["batch_ratio_vs_prepared"] = round(row["batch_qps"] / row["prepared_qps"], 1)
    row["ratio_vs_prepared"] = round(row["zones_qps"] / row["prepared_qps"], 1)
    try:  # where the time goes: a query in a cell an edge crosses needs an exact shapely test
        crossed = [q for q in qs if zones._state(*q)[1]]
        row["queries_in_crossed_cells"] = round(len(crossed) / n_queries, 3)
        row["raster_cell_deg"] = round(1.0 / zones._scale, 5)
        clear = [q for q in qs if not zones._state(*q)[1]]
        for name, subset in (("us_per_crossed_query", crossed), ("us_per_clear_query", clear)):
            if subset:
                t = clock()
                for lat, lon in subset:
                    zones.containing(lat, lon)
                row[name] = round((clock() - t) / len(subset) * 1e6, 2)
    except AttributeError:
        pass
    return row
