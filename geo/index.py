"""A spatial index of named points (shelters, partners) that keeps up with a stream of moves."""

from __future__ import annotations

import bisect
import math
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from geo.distance import Box, enclosing_boxes, geodesic_km_each, geodesic_km_many

# Sphere of the same mean radius as WGS84, lat/lon taken as spherical. The ellipsoid's radii of
# curvature lie between 6335.439 km (the meridian at the equator) and 6399.594 km (at the
# poles), so along any path the ellipsoid's length is 0.99442 to 1.00449 times the sphere's,
# and so is the shortest: a geodesic is at least 0.99442 and at most 1.00449 times the
# spherical distance. Rounded outward, and a metre wider for rounding, these bounds order and
# cut candidates on the sphere before any exact geodesic; tests/unit/geo checks them on random
# pairs. The sphere's distance comes from a dot product, good to a quarter metre near zero:
# hence the metre.
_SPHERE_KM = 6371.0088
_GEODESIC_PER_SPHERE_MIN = 0.994
_GEODESIC_PER_SPHERE_MAX = 1.005
_ROUNDING_KM = 1e-3

# Columns of the point table: unit vector, position, and the row's own number (as a float, exact
# below 2**53), so that a search reads everything it needs about a point from one slice.
_X, _Y, _Z, _LAT, _LON, _ID = range(6)
_WORD = (1 << 64) - 1


@dataclass(frozen=True)
class TagFilter:
    """Which points a search reads, by their tags (bit sets): those with at least one bit of
    `any_of` (when it is not 0), every bit of `all_of` and no bit of `none_of`."""

    any_of: int = 0
    all_of: int = 0
    none_of: int = 0

    def passes(self, tag: int) -> bool:
        return (tag & self.all_of == self.all_of and not tag & self.none_of
                and (not self.any_of or bool(tag & self.any_of)))

# The table is cut into bands of latitude this many degrees high, each sorted by longitude, so
# that the points in a search's box are one slice per band: a 100 km search reads ~5 slices
# holding a few times the points in its radius, where one band of latitude would hold the
# width of the province. Narrower bands cost more slices than they save in points.
_BAND_DEG = 0.5

# Points upserted since the last rebuild sit in a grid of this many degrees so that a query
# looks at the few cells around it instead of every pending point.
_DELTA_CELL_DEG = 1.0

_MIN_PENDING_BEFORE_REBUILD = 256
_PENDING_FRACTION_BEFORE_REBUILD = 0.10


class PointIndex:
    """Named points searchable by geodesic radius, updated in place as the stream runs.

    The points sit in a table sorted by band of latitude and then longitude, so the points in
    a search's boxes are a few slices of it, ordered by spherical distance in one numpy call.
    Sorting costs O(n log n), far more than one update, so updates never touch it: an upsert
    tombstones the key's row (if any) and records the new position in a small delta; a remove
    only tombstones.
    Queries search the table (skipping tombstones) plus the delta, and the first query after more
    keys than max(256, 10% of the size) have changed since the last rebuild rebuilds the table
    once. ``rebuilds`` counts those rebuilds.

    Distances are WGS84 geodesics computed only for candidates in boxes guaranteed to hold the
    radius (``enclosing_boxes``), so results equal a brute-force scan of every point.

    Each point may carry a `tag`: a bit set of up to `tag_bits` bits its owner gives meaning to
    (a service directory: the site's type, what it offers, the hours of the week it is surely
    closed). A search may read only the points whose tags pass a `TagFilter`, tested in the same
    numpy pass that gathers the candidates: one index then serves any combination of kinds at the
    cost of one, and points left out cost no geodesic. A search
    makes a handful of numpy calls whatever the table's size: between other work each one meets
    cold caches, and costs more than its arithmetic over a few hundred points.
    """

    def __init__(self, points: Iterable[tuple[str, float, float]] = (), tag_bits: int = 64) -> None:
        self.rebuilds = 0
        self.tag_bits = tag_bits
        self._words = max(1, -(-tag_bits // 64))
        self._table = np.empty((0, 6))
        self._tags = [np.empty(0, dtype=np.uint64) for _ in range(self._words)]
        """The tags' 64-bit words, lowest first, each a column in table order."""
        self._table_lons = array("d")
        self._bands: dict[int, tuple[int, int]] = {}
        self._keys: list[str] = []
        self._live = np.empty(0, dtype=bool)
        self._pos: dict[str, int] = {}
        self._dead = 0  # tombstoned rows, moved or removed
        self._removed = 0  # tombstoned keys not back in the delta
        self._delta: dict[str, tuple[float, float, int]] = {}
        self._delta_cells: dict[tuple[int, int], set[str]] = {}
        for key, lat, lon in points:
            self.upsert(key, lat, lon)
        if self._delta:
            self._rebuild()

    def __len__(self) -> int:
        return len(self._pos) - self._dead + len(self._delta)

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        if key in self._delta:
            return True
        pos = self._pos.get(key)
        return pos is not None and bool(self._live[pos])

    def upsert(self, key: str, lat: float, lon: float, tag: int = 0) -> None:
        """Add a point, move it or change its tag; cheap, never rebuilds the table."""
        lat, lon = _checked(lat, lon)
        if not 0 <= tag < 1 << self.tag_bits:
            raise ValueError(f"a tag is a bit set of at most {self.tag_bits} bits, got {tag!r}")
        pos = self._pos.get(key)
        if pos is not None:
            if self._live[pos]:
                row = self._table[pos]
                if row[_LAT] == lat and row[_LON] == lon and self._tag_at(pos) == tag:
                    return
                self._live[pos] = False
                self._dead += 1
            elif key not in self._delta:
                self._removed -= 1
        self._delta_discard(key)
        self._delta[key] = (lat, lon, tag)
        self._delta_cells.setdefault(_cell(lat, lon), set()).add(key)

    def remove(self, key: str) -> None:
        """Forget a point. Removing an unknown key does nothing, so replayed events are harmless."""
        was_pending = self._delta_discard(key)
        pos = self._pos.get(key)
        if pos is not None:
            if self._live[pos]:
                self._live[pos] = False
                self._dead += 1
                self._removed += 1
            elif was_pending:
                self._removed += 1

    def within(self, lat: float, lon: float, radius_km: float,
               limit: int | None = None) -> list[tuple[str, float]]:
        """(key, km) for points within radius_km, nearest first, ties by key; the first `limit`
        of them through `nearest_batches`, which computes no more geodesics than those need."""
        if limit is not None:
            found: list[tuple[str, float]] = []
            if limit > 0:
                for batch in self.nearest_batches(lat, lon, radius_km, first=limit):
                    found += batch
                    if len(found) >= limit:
                        break
            return found[:limit]
        rows, away, keys_of = self._candidates(lat, lon, radius_km)
        rows = rows[away <= -_dot_floor(radius_km)]
        distances = geodesic_km_many(lat, lon, rows[:, _LAT], rows[:, _LON])
        inside = np.flatnonzero(distances <= radius_km)
        return _ranked(np.array(keys_of(rows[inside, _ID].tolist()), dtype=object), distances[inside])

    def nearest_batches(self, lat: float, lon: float, radius_km: float, first: int = 32,
                        where: TagFilter | None = None,
                        expect: int | None = None) -> Iterator[list[tuple[str, float]]]:
        """(key, km) for points within radius_km in the order of `within`, in lists computed as
        they are read: the first holds at least `first` points (or all there are), each next one
        more, as exact geodesics are computed in doubling batches.

        Candidates are ordered by their spherical distance (by dot product, largest first), which
        bounds the geodesic from both sides. Each batch takes the next candidates and every one
        that might be nearer than the furthest of them; once computed, a point is listed as soon
        as no point not yet computed can be as near. A caller that stops after the nearest few
        pays for few geodesics, however many points lie in the radius.

        With `where`, only the points whose tags pass it are read.

        With `expect` (how many points the caller likely reads), a radius whose search boxes
        hold far more points than that is read in two steps, the same lists in the same order:
        first within the smaller radius whose boxes likely hold about `expect` (counted from the
        table, as if the points were spread evenly), then the rest. Where points are dense, a
        search that stops after the nearest few never gathers the whole radius's.
        """
        if expect is not None and radius_km > 0:
            held = self._held(lat, lon, radius_km)
            if held > expect:
                inner_km = radius_km * math.sqrt(expect / held)
                return self._in_two(lat, lon, radius_km, first, where, inner_km)
        return self._nearest_batches(lat, lon, radius_km, first, where)

    def _held(self, lat: float, lon: float, radius_km: float) -> int:
        """Points in the table rows a search of this radius would gather, without gathering them."""
        return sum(b - a for a, b in self._spans(enclosing_boxes(*_checked(lat, lon), radius_km))) + len(self._delta)

    def _in_two(self, lat: float, lon: float, radius_km: float, first: int, where: TagFilter | None,
                inner_km: float) -> Iterator[list[tuple[str, float]]]:
        yield from self._nearest_batches(lat, lon, inner_km, first, where)
        for batch in self._nearest_batches(lat, lon, radius_km, first, where, inner_km):
            batch = [(key, km) for key, km in batch if km > inner_km]  # read within the first radius
            if batch:
                yield batch

    def _nearest_batches(self, lat: float, lon: float, radius_km: float, first: int, where: TagFilter | None,
                         inner_km: float = -1.0) -> Iterator[list[tuple[str, float]]]:
        """As `nearest_batches`, leaving out before any geodesic the points surely within
        `inner_km` (read already, by `_growing`); those it cannot be sure of are still listed."""
        rows, away, keys_of = self._candidates(lat, lon, radius_km, where)
        if inner_km > 0:
            outside = away > -math.cos(max(inner_km - _ROUNDING_KM, 0.0) / _GEODESIC_PER_SPHERE_MAX / _SPHERE_KM)
            rows, away = rows[outside], away[outside]
        order, further = _more_by(away, 0, first * 4)
        beyond_radius = -_dot_floor(radius_km)
        ready: list[tuple[float, str]] = []
        done, batch = 0, first
        while True:
            if done == len(order) < len(away):
                order, further = _more_by(away, len(order), done + 1)
            bound = _lower_km(-further[done]) if done < len(order) else math.inf
            cut = bisect.bisect_left(ready, (bound,))
            if cut:
                yield [(key, distance) for distance, key in ready[:cut]]
                del ready[:cut]
            if bound > radius_km:
                return
            end = min(done + batch, len(away))
            if end > len(order):
                order, further = _more_by(away, len(order), end)
            reach = min(-_dot_floor(_upper_km(-further[end - 1])), beyond_radius)
            while len(order) < len(away) and reach >= further[-1]:
                order, further = _more_by(away, len(order), len(order) + 1)
            take = order[done:max(done + 1, bisect.bisect_right(further, reach))]
            done, batch = done + len(take), batch * 2
            lats, lons, ids = rows[take, _LAT:_ID + 1].T.tolist()
            ready += [(distance, key) for distance, key
                      in zip(geodesic_km_each(lat, lon, lats, lons), keys_of(ids), strict=True)
                      if distance <= radius_km]
            ready.sort()

    def _candidates(self, lat: float, lon: float, radius_km: float, where: TagFilter | None = None
                    ) -> tuple[np.ndarray, np.ndarray, Callable[[list[float]], list[str]]]:
        """Table rows of the points that may lie within radius_km and whose tags pass `where` (the
        delta's appended, with ids from len(table) on); minus the dot product of each one's unit
        vector with the query's, which grows with the spherical distance; and a function from
        rows' ids to their keys."""
        lat, lon = _checked(lat, lon)
        if math.isnan(radius_km) or radius_km < 0:
            raise ValueError(f"radius_km must be >= 0, got {radius_km!r}")
        self._rebuild_if_due()
        boxes = enclosing_boxes(lat, lon, radius_km)
        table, keys = self._table, self._keys
        spans = self._spans(boxes)

        def gather(column: np.ndarray) -> np.ndarray:
            if len(spans) == 1:
                return column[spans[0][0]:spans[0][1]]
            return np.concatenate([column[a:b] for a, b in spans]) if spans else column[:0]

        rows = gather(table)
        wanted = gather(self._live) if self._dead else None
        passed = None if where is None else self._passing(gather, where)
        if passed is not None:
            wanted = passed if wanted is None else wanted & passed
        if wanted is not None:
            rows = rows[wanted]
        delta_keys = self._delta_near(boxes) if self._delta else []
        if delta_keys and where is not None:
            delta_keys = [key for key in delta_keys if where.passes(self._delta[key][2])]
        if delta_keys:
            coords = np.array([self._delta[key][:2] for key in delta_keys], dtype=np.float64)
            rows = np.concatenate((rows, _table(coords[:, 0], coords[:, 1], len(table))))
        phi, lam = math.radians(lat), math.radians(lon)
        toward = (-math.cos(phi) * math.cos(lam), -math.cos(phi) * math.sin(lam), -math.sin(phi),
                  0.0, 0.0, 0.0)

        def keys_of(ids: list[float]) -> list[str]:
            if not delta_keys:
                return [keys[i] for i in map(int, ids)]
            return [keys[i] if i < len(keys) else delta_keys[i - len(keys)] for i in map(int, ids)]

        return rows, rows @ toward, keys_of

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

    def _split(self, tag: int) -> list[int]:
        """A tag as its 64-bit words, lowest first."""
        return [(tag >> (64 * word)) & _WORD for word in range(self._words)]

    def _tag_at(self, pos: int) -> int:
        return sum(int(words[pos]) << (64 * word) for word, words in enumerate(self._tags))

    def _passing(self, gather: Callable[[np.ndarray], np.ndarray], where: TagFilter) -> np.ndarray | None:
        """Which candidates pass `where` (None: all of them): `gather` takes a column in table
        order to the candidates'. Only the words `where` names are read."""
        passed: np.ndarray | None = None
        anything: np.ndarray | None = None
        for word, (any_of, all_of, none_of) in enumerate(zip(*(self._split(bits) for bits in (
                where.any_of, where.all_of, where.none_of)), strict=True)):
            if not (any_of or all_of or none_of):
                continue
            column = gather(self._tags[word])
            tests = []
            if all_of:
                tests.append((column & np.uint64(all_of)) == np.uint64(all_of))
            if none_of:
                tests.append((column & np.uint64(none_of)) == 0)
            for test in tests:
                passed = test if passed is None else passed & test
            if any_of:
                hit = (column & np.uint64(any_of)) != 0
                anything = hit if anything is None else anything | hit
        if anything is not None:
            passed = anything if passed is None else passed & anything
        return passed

    def _spans(self, boxes: list[Box]) -> list[tuple[int, int]]:
        """(start, end) of the table rows in the bands the boxes cross, within the boxes' longitudes."""
        lons, bands = self._table_lons, self._bands
        spans = []
        for band in range(_band_of(min(box[1] for box in boxes)), _band_of(max(box[3] for box in boxes)) + 1):
            span = bands.get(band)
            if span is not None:
                for min_lon, _, max_lon, _ in boxes:
                    start = bisect.bisect_left(lons, min_lon, *span)
                    end = bisect.bisect_right(lons, max_lon, start, span[1])
                    if start < end:
                        spans.append((start, end))
        return spans

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
        cell = _cell(old[0], old[1])
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
        live = self._live
        keys = [key for key, alive in zip(self._keys, live.tolist(), strict=True) if alive] + list(self._delta)
        delta = np.array(list(self._delta.values()), dtype=np.float64).reshape(-1, 3)
        lats = np.concatenate((self._table[live, _LAT], delta[:, 0]))
        lons = np.concatenate((self._table[live, _LON], delta[:, 1]))
        pending = np.array([self._split(tag) for _, _, tag in self._delta.values()],
                           dtype=np.uint64).reshape(-1, self._words)
        bands = np.floor(lats / _BAND_DEG).astype(np.int64)
        order = np.lexsort((lons, bands))
        lats, lons, bands = lats[order], lons[order], bands[order]
        self._table = _table(lats, lons, 0)
        self._tags = [np.concatenate((words[live], pending[:, word]))[order] for word, words in enumerate(self._tags)]
        self._table_lons = array("d", lons.tobytes())
        starts = np.flatnonzero(np.diff(bands, prepend=bands[:1] - 1)).tolist()
        self._bands = {int(bands[a]): (a, b) for a, b in zip(starts, starts[1:] + [len(bands)], strict=True)}
        self._keys = [keys[i] for i in order.tolist()]
        self._live = np.ones(len(keys), dtype=bool)
        self._pos = {key: i for i, key in enumerate(self._keys)}
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
    found = [(float(d), key) for key, d in zip(keys, distances, strict=True) if d <= radius_km]
    found.sort()
    return [(key, d) for d, key in found]


def _ranked(keys: np.ndarray, distances: np.ndarray) -> list[tuple[str, float]]:
    order = np.argsort(distances, kind="stable")
    ordered = distances[order]
    if len(ordered) > 1 and np.any(ordered[1:] == ordered[:-1]):
        return [(key, d) for d, key in sorted(zip(distances.tolist(), keys.tolist(), strict=True))]
    return list(zip(keys[order].tolist(), ordered.tolist(), strict=True))


def _table(lats: np.ndarray, lons: np.ndarray, first_id: int) -> np.ndarray:
    """Rows of the point table for these points, numbered from first_id."""
    ids = np.arange(first_id, first_id + len(lats), dtype=np.float64)
    return np.column_stack((_unit_vectors(lats, lons), lats, lons, ids))



def _unit_vectors(lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    """Rows x, y, z on the unit sphere, treating geodetic lat/lon as spherical (for the bounds)."""
    phi, lam = np.radians(lats), np.radians(lons)
    cos_phi = np.cos(phi)
    return np.stack((cos_phi * np.cos(lam), cos_phi * np.sin(lam), np.sin(phi)), axis=-1)


def _lower_km(dot: float) -> float:
    """No geodesic is shorter than this between points whose unit vectors' dot product is `dot`."""
    return math.acos(min(dot, 1.0)) * _SPHERE_KM * _GEODESIC_PER_SPHERE_MIN - _ROUNDING_KM


def _upper_km(dot: float) -> float:
    """No geodesic is longer than this between points whose unit vectors' dot product is `dot`."""
    return math.acos(max(min(dot, 1.0), -1.0)) * _SPHERE_KM * _GEODESIC_PER_SPHERE_MAX + _ROUNDING_KM


def _dot_floor(km: float) -> float:
    """Points whose dot product with the query is below this lie further than km. A hair lower
    than exact (dot products near 1 are spaced 1e-16 apart), so it never cuts a point that
    `_lower_km` would keep."""
    angle = (km + _ROUNDING_KM) / _GEODESIC_PER_SPHERE_MIN / _SPHERE_KM * (1 + 1e-9)
    return math.cos(min(angle, math.pi)) - 1e-15


def _more_by(values: np.ndarray, have: int, need: int) -> tuple[np.ndarray, list[float]]:
    """Positions of at least the `need` smallest values (four times `have`, as a search that
    read past the ones it had reads on), smallest first, ties by position, and the values in
    that order. Most searches read no further than the first few, so only those are sorted: a
    dense place's radius holds tens of thousands of candidates."""
    count = max(need, have * 4)
    if len(values) <= count * 8:  # sorting a few hundred costs less than one more numpy call
        order = np.argsort(values, kind="stable")
    else:
        picked = np.sort(values.argpartition(count - 1)[:count])
        order = picked[np.argsort(values[picked], kind="stable")]
    return order, values[order].tolist()


def _checked(lat: float, lon: float) -> tuple[float, float]:
    lat, lon = float(lat), float(lon)
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        raise ValueError(f"not a WGS84 position: lat {lat}, lon {lon}")
    return lat, lon


def _band_of(lat: float) -> int:
    return math.floor(lat / _BAND_DEG)


def _cell_of(degrees: float) -> int:
    return math.floor(degrees / _DELTA_CELL_DEG)


def _cell(lat: float, lon: float) -> tuple[int, int]:
    return _cell_of(lat), _cell_of(lon)
