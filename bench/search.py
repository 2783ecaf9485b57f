"""(c) Candidate search: geo.index.PointIndex vs a vectorised geodesic scan vs geopy.

Shelters are random points in Ontario's bounding box (seeded); queries are random points in the
same box with the referral radius. A referral reads the nearest shelters within the radius until
it has `MAX_CANDIDATES` that fit, so the headline search is the nearest 25 within 100 km
(`within(..., limit=25)`, the path `ShelterDirectory.candidates` reads through); the search for
every shelter in the radius is measured beside it. The vectorised scan is the reference: pyproj's
WGS84 geodesic (Karney) to every point in one call, kept within the radius, ranked by (distance,
key); geopy's `geodesic` per point is the scan a first version would write. Identical means the
same shelters in the same order, every distance within a micrometre.
"""
from __future__ import annotations

import numpy as np

from bench.timing import clock, collector_paused, in_turns
from geo.distance import geodesic_km_many
from geo.index import PointIndex

ONTARIO = (41.68, 56.86, -95.16, -74.32)  # min lat, max lat, min lon, max lon
TOLERANCE_KM = 1e-9
NEAREST = 25
"""Candidates a referral reads: MUSTER_MAX_CANDIDATES' default."""
BLOCK = 50
"""Queries a method answers back to back before the next takes its turn."""


def points(n: int, seed: int) -> tuple[list[str], np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    lat0, lat1, lon0, lon1 = ONTARIO
    keys = [f"s{i:06d}" for i in range(n)]
    return keys, rng.uniform(lat0, lat1, n), rng.uniform(lon0, lon1, n)


class VectorisedScan:
    """Every point's geodesic distance in one vectorised pyproj call; arrays built once."""

    def __init__(self, keys: list[str], lats: np.ndarray, lons: np.ndarray) -> None:
        self.keys = np.array(keys, dtype=object)
        self.lats, self.lons = lats, lons

    def within(self, lat: float, lon: float, radius_km: float) -> list[tuple[str, float]]:
        distances = geodesic_km_many(lat, lon, self.lats, self.lons)
        inside = np.nonzero(distances <= radius_km)[0]
        found = sorted(zip(distances[inside].tolist(), self.keys[inside].tolist(), strict=True))
        return [(key, d) for d, key in found]


def geopy_within(keys, lats, lons, lat: float, lon: float, radius_km: float) -> list[tuple[str, float]]:
    """The scan one writes first: geopy's geodesic to every point, one at a time."""
    from geopy.distance import geodesic

    found = []
    for key, plat, plon in zip(keys, lats.tolist(), lons.tolist(), strict=True):
        km = geodesic((lat, lon), (plat, plon)).km
        if km <= radius_km:
            found.append((km, key))
    found.sort()
    return [(key, d) for d, key in found]


def same(a: list[tuple[str, float]], b: list[tuple[str, float]], tol_km: float = TOLERANCE_KM) -> bool:
    return [k for k, _ in a] == [k for k, _ in b] and all(abs(x - y) <= tol_km for (_, x), (_, y) in zip(a, b, strict=True))


def run(sizes: list[int], queries: int, geopy_queries: dict[int, int], radius_km: float = 100.0,
        seed: int = 2025, k: int = NEAREST) -> list[dict]:
    with collector_paused():
        return [_size(n, queries, geopy_queries.get(n, 0), radius_km, seed, k) for n in sizes]


def _size(n: int, queries: int, g: int, radius_km: float, seed: int, k: int) -> dict:
    """Every measurement at n shelters, with g geopy queries."""
    keys, lats, lons = points(n, seed + n)
    t = clock()
    index = PointIndex(zip(keys, lats.tolist(), lons.tolist(), strict=True))
    build_s = clock() - t
    scan = VectorisedScan(keys, lats, lons)
    qkeys, qlats, qlons = points(queries, seed + 1)
    qs = list(zip(qlats.tolist(), qlons.tolist(), strict=True))
    index.within(*qs[0], radius_km)  # warm-up
    scan.within(*qs[0], radius_km)
    # As in (d): each method answers a block of queries back to back (`in_turns`), as geopy's scan
    # below and the vectorised scan inside its one call run warm; CPU time of this thread, so that
    # time spent descheduled by other tenants counts for none of them; the collector paused
    # (`run`), so that a full pass over this process's other data lands on none of them.
    def nearest_k(lat: float, lon: float) -> list[tuple[str, float]]:
        return index.within(lat, lon, radius_km, limit=k)

    after_scan_s = 0.0

    def scan_then_nearest(block: list[tuple[float, float]]) -> list[list[tuple[str, float]]]:
        """The scan of each query, then the nearest k timed alone, with the caches the scan left cold."""
        nonlocal after_scan_s
        found = []
        for lat, lon in block:
            found.append(scan.within(lat, lon, radius_km))
            t = clock()
            nearest_k(lat, lon)
            after_scan_s += clock() - t
        return found

    (nearest, full, ref), (nearest_s, full_s, scan_and_after_s) = in_turns([
        lambda block: [nearest_k(lat, lon) for lat, lon in block],
        lambda block: [index.within(lat, lon, radius_km) for lat, lon in block],
        scan_then_nearest,
    ], [qs[i:i + BLOCK] for i in range(0, len(qs), BLOCK)])
    scan_s = scan_and_after_s - after_scan_s
    row = {
        "shelters": n, "radius_km": radius_km, "nearest": k, "queries": queries,
        "index_build_s": round(build_s, 3),
        "mean_candidates": round(float(np.mean([len(r) for r in ref])), 1),
        "index_qps": round(queries / nearest_s, 1), "vectorised_qps": round(queries / scan_s, 2),
        "index_after_scan_qps": round(queries / after_scan_s, 1),
        "identical_share": sum(same(a, b[:k]) for a, b in zip(nearest, ref, strict=True)) / queries,
        "full_index_qps": round(queries / full_s, 1),
        "full_identical_share": sum(same(a, b) for a, b in zip(full, ref, strict=True)) / queries,
    }
    row["ratio_vs_vectorised"] = round(row["index_qps"] / row["vectorised_qps"], 1)
    row["full_ratio_vs_vectorised"] = round(row["full_index_qps"] / row["vectorised_qps"], 1)
    if g:
        gres, geopy_s, index_g = [], 0.0, 0.0
        for lat, lon in qs[:g]:  # and the index on these very queries, right after each geopy scan
            t = clock()
            gres.append(geopy_within(keys, lats, lons, lat, lon, radius_km)[:k])
            geopy_s += clock() - t
            t = clock()
            index.within(lat, lon, radius_km, limit=k)
            index_g += clock() - t
        row["geopy_queries"] = g
        row["geopy_qps"] = round(g / geopy_s, 4)
        # geopy's cost is the same for any query (it reads every shelter), so a few queries
        # give its rate; the index's rate is over every query above. Right after geopy's seconds
        # of Python the index runs with every cache cold: that rate is kept beside it.
        row["ratio_vs_geopy"] = round(row["index_qps"] / row["geopy_qps"], 0)
        row["index_after_geopy_qps"] = round(g / index_g, 1)
        # geopy (geographiclib in Python) and pyproj (PROJ's C port) agree to nanometres
        row["identical_share_vs_geopy"] = sum(same(a, b, 1e-6) for a, b in zip(nearest[:g], gres, strict=True)) / g
    return row
