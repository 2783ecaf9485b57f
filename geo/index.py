"""A spatial index of named points (shelters, partners) that keeps up with a stream of moves."""

from __future__ import annotations

import bisect
import heapq
import math
from collections.abc import Iterable, Iterator

import numpy as np
import shapely

from geo.distance import Box, enclosing_boxes, geodesic_km_many

# Sphere of the same mean radius as WGS84, lat/lon taken as spherical. The ellipsoid's radii of
# curvature lie between 6335.439 km (the meridian at the equator) and 6399.594 km (at the
# poles), so a geodesic is at least 0.99442 and at most 1.00449 times the spherical distance.
# Rounded outward, and a metre wider for rounding, these bounds order and cut candidates on
# the sphere before any exact geodesic; tests/unit/geo checks them on random pairs.
# The sphere's distance comes from a dot product, good to a quarter metre near zero: hence
# the metre taken off.
_SPHERE_KM = 6371.0088
_GEODESIC_PER_SPHERE_MIN = 0.994
_GEODESIC_PER_SPHERE_MAX = 1.005
_ROUNDING_KM = 1e-3

# Points upserted since the last rebuild sit in a grid of this many degrees so that a query
# looks at the few cells around it instead of every pending point.
_DELTA_CELL_DEG = 1.0

_MIN_PENDING_BEFORE_REBUILD = 256
_PENDING_FRACTION_BEFORE_REBUILD = 0.10


class PointIndex:
    """Named points searchable by geodesic radius, updated in place as the stream runs.

    Rebuilding an STRtree costs O(n log n), far more than one update, so updates never touch it:
    an upsert tombstones the key's tree entry (if any) and records the new position in a small
    delta; a remove only tombstones. Queries search the tree (skipping tombstones) plus the
    delta, and the first query after more keys than max(256, 10% of the size) have changed
    since the last rebuild rebuilds the tree once. ``rebuilds`` counts those rebuilds.

    Distances are WGS84 geodesics computed only for the candidates in a box guaranteed to hold
    the radius (``enclosing_boxes``), so results equal a brute-force scan of every point.
    """

    def __init__(self, points: Iterable[tuple[str, float, float]] = ()) -> None:
        self.rebuilds = 0
        self._tree: shapely.STRtree | None = None
        self._tree_keys = np.empty(0, dtype=object)
        self._tree_lat = np.empty(0)
        self._tree_lon = np.empty(0)
        self._tree_xyz = _unit_vectors(np.empty(0), np.empty(0))
        self._tree_live = np.empty(0, dtype=bool)
        self._tree_pos: dict[str, int] = {}
        self._dead = 0  # tombstoned tree entries, moved or removed
        self._removed = 0  # tombstoned keys not back in the delta
        self._delta: dict[str, tuple[float, float]] = {}
        self._delta_cells: dict[tuple[int, int], set[str]] = {}
        for key, lat, lon in points:
            self.upsert(key, lat, lon)
        if self._delta:
            self._rebuild()

    def __len__(self) -> int:
        return len(self._tree_pos) - self._dead + len(self._delta)

    def __contains__(self, key: object) -> bool:
        if key in self._delta:
            return True
        pos = self._tree_pos.get(key)  # type: ignore[arg-type]
        return pos is not None and bool(self._tree_live[pos])

    def upsert(self, key: str, lat: float, lon: float) -> None:
        """Add a point or move it; cheap, never rebuilds the tree."""
        lat, lon = _checked(lat, lon)
        pos = self._tree_pos.get(key)
        if pos is not None:
            if self._tree_live[pos]:
                if self._tree_lat[pos] == lat and self._tree_lon[pos] == lon:
                    return
                self._tree_live[pos] = False
                self._dead += 1
            elif key not in self._delta:
                self._removed -= 1
        self._delta_discard(key)
        self._delta[key] = (lat, lon)
        self._delta_cells.setdefault(_cell(lat, lon), set()).add(key)

    def remove(self, key: str) -> None:
        """Forget a point. Removing an unknown key does nothing, so replayed events are harmless."""
        was_pending = self._delta_discard(key)
        pos = self._tree_pos.get(key)
        if pos is not None:
            if self._tree_live[pos]:
                self._tree_live[pos] = False
                self._dead += 1
                self._removed += 1
            elif was_pending:
                self._removed += 1

    def within(self, lat: float, lon: float, radius_km: float,
               limit: int | None = None) -> list[tuple[str, float]]:
        """(key, km) for points within radius_km, nearest first, ties by key."""
        if limit is not None:
            if limit <= 0:
                return []
            found = self.nearest_first(lat, lon, radius_km, batch=limit)
            return [pair for pair, _ in zip(found, range(limit))]
        _, lats, lons, keys_at = self._candidates(lat, lon, radius_km)
        if not len(lats):
            return []
        distances = geodesic_km_many(lat, lon, lats, lons)
        inside = np.nonzero(distances <= radius_km)[0]
        return _ranked(keys_at(inside), distances[inside])

    def nearest_first(self, lat: float, lon: float, radius_km: float,
                      batch: int = 32) -> Iterator[tuple[str, float]]:
        """(key, km) for points within radius_km in the order of `within`, computed as they are read.

        Candidates are ordered by their spherical distance, which bounds the geodesic from below;
        exact geodesics are computed in doubling batches (the first of `batch`: how many the
        caller expects to read), and a point is yielded once no point not yet computed can be as
        near. A caller that stops after the nearest few pays for few geodesics, however many
        points lie in the radius.
        """
        sphere, lats, lons, keys_at = self._candidates(lat, lon, radius_km)
        lower = sphere * _GEODESIC_PER_SPHERE_MIN - _ROUNDING_KM
        order = _smallest_first(lower, batch * 4)
        bounds = lower[order].tolist()
        ready: list[tuple[float, str]] = []
        done = 0
        while True:
            bound = bounds[done] if done < len(order) else math.inf
            while ready and ready[0][0] < bound:
                distance, key = heapq.heappop(ready)
                yield key, distance
            if bound > radius_km:
                return
            # The next `batch`, and every candidate that might be nearer than the furthest of
            # them: once computed, each of the batch is known to come before the rest.
            end = min(done + batch, len(lower))
            if end > len(order):
                order, bounds = _all_by(lower)
            ceiling = sphere[order[end - 1]] * _GEODESIC_PER_SPHERE_MAX + _ROUNDING_KM
            if len(order) < len(lower) and ceiling >= bounds[-1]:
                order, bounds = _all_by(lower)
            reach = bisect.bisect_right(bounds, ceiling)
            take = order[done:reach]
            done, batch = done + len(take), batch * 2
            distances = geodesic_km_many(lat, lon, lats[take], lons[take])
            inside = np.nonzero(distances <= radius_km)[0]
            for key, distance in zip(keys_at(take[inside]).tolist(), distances[inside].tolist()):
                heapq.heappush(ready, (distance, key))

    def _candidates(self, lat: float, lon: float, radius_km: float):
        """Spherical km, lats and lons of the points that may lie within radius_km, and a
        function from positions in those arrays to the points' keys (built only when asked)."""
        lat, lon = _checked(lat, lon)
        if math.isnan(radius_km) or radius_km < 0:
            raise ValueError(f"radius_km must be >= 0, got {radius_km!r}")
        self._rebuild_if_due()
        boxes = enclosing_boxes(lat, lon, radius_km)
        hits = self._tree_hits(boxes)
        ux, uy, uz = _unit_vectors(lat, lon)
        x, y, z = self._tree_xyz
        dot = x[hits] * ux + y[hits] * uy + z[hits] * uz
        lats, lons = self._tree_lat[hits], self._tree_lon[hits]
        delta_keys = self._delta_near(boxes) if self._delta else []
        if delta_keys:
            coords = np.array([self._delta[key] for key in delta_keys], dtype=np.float64)
            dx, dy, dz = _unit_vectors(coords[:, 0], coords[:, 1])
            dot = np.concatenate((dot, dx * ux + dy * uy + dz * uz))
            lats = np.concatenate((lats, coords[:, 0]))
            lons = np.concatenate((lons, coords[:, 1]))
        sphere = _sphere_km(dot)
        near = np.nonzero(sphere * _GEODESIC_PER_SPHERE_MIN - _ROUNDING_KM <= radius_km)[0]

        def keys_at(positions: np.ndarray) -> np.ndarray:
            picked = near[positions]
            from_tree = picked < len(hits)
            if from_tree.all():
                return self._tree_keys[hits[picked]]
            extra = np.array(delta_keys, dtype=object)[picked[~from_tree] - len(hits)]
            keys = np.empty(len(picked), dtype=object)
            keys[from_tree] = self._tree_keys[hits[picked[from_tree]]]
            keys[~from_tree] = extra
            return keys

        return sphere[near], lats[near], lons[near], keys_at

    def nearest(self, lat: float, lon: float, k: int,
                max_km: float = 20000.0) -> list[tuple[str, float]]:
        """The k nearest points no further than max_km, nearest first, ties by key.

        Searches growing radii; once a radius holds k points, no point outside it can be nearer.
        """
        if k <= 0 or not len(self):
            return []
        radius = min(10.0, max_km)
        while True:
            found = self.within(lat, lon, radius, limit=k)
            if len(found) >= k or radius >= max_km:
                return found
            radius = min(radius * 4.0, max_km)

    def _tree_hits(self, boxes: list[Box]) -> np.ndarray:
        """Positions in the tree arrays of live points inside the boxes."""
        if self._tree is None:
            return np.empty(0, dtype=np.intp)
        if len(boxes) == 1:
            hits = self._tree.query(shapely.box(*boxes[0]))
        else:
            hits = np.unique(self._tree.query(shapely.box(*np.array(boxes).T))[1])
        return hits[self._tree_live[hits]] if self._dead else hits

    def _delta_near(self, boxes: list[Box]) -> list[str]:
        cells: set[tuple[int, int]] = set()
        for min_lon, min_lat, max_lon, max_lat in boxes:
            lat_lo, lat_hi = _cell_of(min_lat), _cell_of(max_lat)
            lon_lo, lon_hi = _cell_of(min_lon), _cell_of(max_lon)
            if (lat_hi - lat_lo + 1) * (lon_hi - lon_lo + 1) > len(self._delta_cells):
                return list(self._delta)
            cells.update((i, j) for i in range(lat_lo, lat_hi + 1)
                         for j in range(lon_lo, lon_hi + 1))
        found: list[str] = []
        for cell in cells:
            members = self._delta_cells.get(cell)
            if members:
                found.extend(members)
        return found

    def _delta_discard(self, key: str) -> bool:
        old = self._delta.pop(key, None)
        if old is None:
            return False
        cell = _cell(*old)
        members = self._delta_cells[cell]
        members.discard(key)
        if not members:
            del self._delta_cells[cell]
        return True

    def _rebuild_if_due(self) -> None:
        pending = len(self._delta) + self._removed
        if pending > max(_MIN_PENDING_BEFORE_REBUILD, _PENDING_FRACTION_BEFORE_REBUILD * len(self)):
            self._rebuild()

    def _rebuild(self) -> None:
        live = self._tree_live
        keys = list(self._tree_keys[live]) + list(self._delta)
        delta = np.array(list(self._delta.values()), dtype=np.float64).reshape(-1, 2)
        lats = np.concatenate((self._tree_lat[live], delta[:, 0]))
        lons = np.concatenate((self._tree_lon[live], delta[:, 1]))
        self._tree_keys = np.array(keys, dtype=object)
        self._tree_lat, self._tree_lon = lats, lons
        self._tree_xyz = _unit_vectors(lats, lons)
        self._tree_live = np.ones(len(keys), dtype=bool)
        self._tree_pos = {key: i for i, key in enumerate(keys)}
        self._tree = shapely.STRtree(shapely.points(lons, lats)) if keys else None
        self._dead = 0
        self._removed = 0
        self._delta = {}
        self._delta_cells = {}
        self.rebuilds += 1


def brute_force_within(points: dict[str, tuple[float, float]], lat: float, lon: float,
                       radius_km: float) -> list[tuple[str, float]]:
    """Reference for PointIndex.within: the geodesic to every (lat, lon) point, same order."""
    if not points:
        return []
    keys = list(points)
    coords = np.array([points[key] for key in keys], dtype=np.float64)
    distances = geodesic_km_many(lat, lon, coords[:, 0], coords[:, 1])
    found = [(float(d), key) for key, d in zip(keys, distances) if d <= radius_km]
    found.sort()
    return [(key, d) for d, key in found]


def _ranked(keys: np.ndarray, distances: np.ndarray) -> list[tuple[str, float]]:
    order = np.argsort(distances, kind="stable")
    ordered = distances[order]
    if len(ordered) > 1 and np.any(ordered[1:] == ordered[:-1]):
        return [(key, d) for d, key in sorted(zip(distances.tolist(), keys.tolist()))]
    return list(zip(keys[order].tolist(), ordered.tolist()))


def _unit_vectors(lats, lons) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """x, y, z on the unit sphere, treating geodetic lat/lon as spherical (for the ordering bound)."""
    phi, lam = np.radians(lats), np.radians(lons)
    cos_phi = np.cos(phi)
    return cos_phi * np.cos(lam), cos_phi * np.sin(lam), np.sin(phi)


def _sphere_km(dot: np.ndarray) -> np.ndarray:
    """Distance on the sphere between unit vectors whose dot product is `dot`."""
    chord = np.sqrt(np.maximum(2.0 - 2.0 * dot, 0.0))
    return 2.0 * np.arcsin(np.minimum(chord / 2.0, 1.0)) * _SPHERE_KM


def _smallest_first(values: np.ndarray, count: int) -> np.ndarray:
    """Positions of the `count` smallest values, in order: most searches read no further."""
    if len(values) <= count:
        return np.argsort(values, kind="stable")
    picked = np.argpartition(values, count - 1)[:count]
    return picked[np.argsort(values[picked], kind="stable")]


def _all_by(values: np.ndarray) -> tuple[np.ndarray, list[float]]:
    order = np.argsort(values, kind="stable")
    return order, values[order].tolist()


def _checked(lat: float, lon: float) -> tuple[float, float]:
    lat, lon = float(lat), float(lon)
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        raise ValueError(f"not a WGS84 position: lat {lat}, lon {lon}")
    return lat, lon


def _cell_of(degrees: float) -> int:
    return math.floor(degrees / _DELTA_CELL_DEG)


def _cell(lat: float, lon: float) -> tuple[int, int]:
    return _cell_of(lat), _cell_of(lon)
