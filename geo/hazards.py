"""Active hazard zones: which incident areas hold, touch or come near a point."""

from __future__ import annotations

import math
from collections.abc import Sequence
from math import floor
from typing import cast

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from geo.areas import distance_to_area_km
from geo.distance import enclosing_boxes

# Point queries read a raster of lon/lat cells over the areas' bounding boxes. Its cell size
# is chosen so that neither the raster nor the areas' boxes together exceed this many cells
# (each as small an integer as the number of distinct cell states allows, 2 bytes for the
# benchmark's 300 areas): fine enough that few points land in a cell an edge crosses (4% of
# the benchmark's, half of which lie near an area), coarse enough that a rebuild stays well
# under a second (0.3 s for those 300).
_RASTER_CELL_BUDGET = 1 << 23
# Cells need be no finer than this fraction of the smallest area's box: a few areas get a
# raster of a few hundred thousand cells, built in milliseconds, not the whole budget.
_CELLS_ACROSS_SMALLEST_AREA = 512
_MIN_CELL_DEG = 1e-6
_MAX_CELL_DEG = 10.0

# What a raster cell says: (keys of areas wholly covering it, sorted; (key, prepared geometry)
# of each area an edge of which crosses it).
_State = tuple[tuple[str, ...], tuple[tuple[str, BaseGeometry], ...]]
_OUTSIDE, _COVERED, _CROSSED = 0, 1, 2
# The ufunc itself: shapely.intersects_xy prepares a scalar geometry again on every call, and
# these are prepared once, on rebuild.
_intersects_xy = shapely.lib.intersects_xy


class HazardZones:
    """Incident areas by key, indexed for point-in-area and nearness queries.

    Areas change a few times a day while every candidate shelter is checked against them, so
    nothing is indexed on ``set``/``remove``; the first query after a change rebuilds (and
    counts in ``rebuilds``) an STRtree over the prepared areas and a raster of lon/lat cells.
    Each cell holds a state id naming the areas that wholly cover it and those whose edge
    crosses it. A point in a covered or clear cell is answered by one array read; only a point
    in a crossed cell is tested, exactly, against the few areas crossing it.
    """

    def __init__(self) -> None:
        self._areas: dict[str, BaseGeometry] = {}
        self._dirty = False
        self.rebuilds = 0
        self._keys: list[str] = []
        self._geoms = np.empty(0, dtype=object)
        self._tree: shapely.STRtree | None = None
        self._scale = 1.0
        self._x0 = self._y0 = self._nx = self._ny = 0
        self._states: list[_State] = [((), ())]
        self._decided: list[tuple[str, ...] | None] = [()]
        self._paint(np.zeros((0, 0), dtype=np.uint8))

    def __len__(self) -> int:
        return len(self._areas)

    def __contains__(self, key: object) -> bool:
        return key in self._areas

    def set(self, key: str, geom: BaseGeometry) -> None:
        """Add or replace the area for key: a lon/lat (Multi)Polygon, normally from geo.areas."""
        if not isinstance(geom, (Polygon, MultiPolygon)):
            raise ValueError(f"hazard area {key!r} must be a Polygon or MultiPolygon, "
                             f"got {type(geom).__name__}")
        if geom.is_empty:
            raise ValueError(f"hazard area {key!r} is empty")
        known = self._areas.get(key)
        if known is not None and shapely.equals_exact(known, geom, 0.0):
            # An incident update that leaves its area as it was (a title, a severity) keeps the
            # index: a rebuild takes ~0.4 s for 40 areas, and workers query it for every hold.
            return
        self._areas[key] = geom
        self._dirty = True

    def remove(self, key: str) -> None:
        """Drop an area; an unknown key is ignored so replayed events are harmless."""
        if self._areas.pop(key, None) is not None:
            self._dirty = True

    def containing(self, lat: float, lon: float) -> list[str]:
        """Keys of the areas that contain or touch the point, sorted.

        A referral calls this once per candidate shelter, so a point in a decided cell is
        answered from a precomputed list: no numpy scalar and no shapely call on that path."""
        state = self._state_id(lat, lon)
        decided = self._decided[state]
        return list(decided if decided is not None else self._exact(state, lat, lon))

    def containing_many(self, lats: Sequence[float], lons: Sequence[float]) -> list[tuple[str, ...]]:
        """`containing` for many points at once, as sorted tuples, for listings and exports of
        every shelter. The cells are read in plain Python: each numpy call costs tens of
        microseconds when the caches are cold (they are, between requests), more than a whole
        block of reads. The points in crossed cells are then tested in one call."""
        if self._dirty:
            self._rebuild()
        scale, x0, y0 = self._scale, self._x0, self._y0
        nx, ny, raster = self._nx, self._ny, self._raster
        if len(lats) != len(lons):
            raise ValueError(f"{len(lats)} lats but {len(lons)} lons")
        ids = []
        try:
            for lat, lon in zip(lats, lons, strict=True):
                x = floor(lon * scale) - x0
                y = floor(lat * scale) - y0
                ids.append(raster[y * nx + x] if 0 <= x < nx and 0 <= y < ny else 0)
        except (ValueError, OverflowError, TypeError):
            raise ValueError("not a position: every lat and lon must be a finite number") from None
        found = list(map(self._decided.__getitem__, ids))
        if None in found:
            self._decide_crossed(found, ids, lats, lons)
        return cast(list[tuple[str, ...]], found)  # no None is left: _decide_crossed fills each in

    def _decide_crossed(self, found: list[tuple[str, ...] | None], ids: list[int], lats: Sequence[float],
                        lons: Sequence[float]) -> None:
        """Fill in the points of crossed cells: one exact test per (point, area crossing its cell)."""
        points, keys, geoms, xs, ys = [], [], [], [], []
        for point, decided in enumerate(found):
            if decided is None:
                for key, geom in self._states[ids[point]][1]:
                    points.append(point)
                    keys.append(key)
                    geoms.append(geom)
                    xs.append(lons[point])
                    ys.append(lats[point])
        hits = _intersects_xy(np.array(geoms, dtype=object), np.array(xs, dtype=float),
                              np.array(ys, dtype=float)).tolist()
        more: dict[int, list[str]] = {point: [] for point in points}
        for point, key, hit in zip(points, keys, hits, strict=True):
            if hit:
                more[point].append(key)
        for point, keys_in in more.items():
            found[point] = _joined(self._states[ids[point]][0], keys_in)

    def contains_any(self, lat: float, lon: float) -> bool:
        """Whether any area contains or touches the point."""
        covering, crossing = self._state(lat, lon)
        return bool(covering) or any(_intersects_xy(geom, lon, lat) for _, geom in crossing)

    def _exact(self, state: int, lat: float, lon: float) -> tuple[str, ...]:
        """The areas holding a point in a crossed cell: one exact test per area crossing it."""
        covering, crossing = self._states[state]
        return _joined(covering, [key for key, geom in crossing if _intersects_xy(geom, lon, lat)])

    def within_reach(self, lat: float, lon: float, reach_km: float) -> list[tuple[str, float]]:
        """(key, km) for areas within reach_km of the point (0 when inside), nearest first."""
        if self._dirty:
            self._rebuild()
        if self._tree is None:
            return []
        boxes = np.array(enclosing_boxes(lat, lon, reach_km))
        hits = np.unique(self._tree.query(shapely.box(*boxes.T))[1])
        found = []
        for i in hits:
            distance = distance_to_area_km(self._geoms[i], lat, lon)
            if distance <= reach_km:
                found.append((distance, self._keys[i]))
        found.sort()
        return [(key, distance) for distance, key in found]

    def intersecting(self, geom: BaseGeometry) -> list[str]:
        """Keys of the areas that share any point with geom, sorted."""
        if self._dirty:
            self._rebuild()
        if self._tree is None:
            return []
        return sorted(self._keys[i] for i in self._tree.query(geom, predicate="intersects"))

    def _state(self, lat: float, lon: float) -> _State:
        """What the raster cell holding the point says (nothing, off the raster)."""
        state = self._state_id(lat, lon)  # first: it may rebuild self._states
        return self._states[state]

    def _state_id(self, lat: float, lon: float) -> int:
        """The state id of the raster cell holding the point (0, nothing, off the raster)."""
        if self._dirty:
            self._rebuild()
        try:
            x = floor(lon * self._scale) - self._x0
            y = floor(lat * self._scale) - self._y0
        except (ValueError, OverflowError, TypeError):
            raise ValueError(f"not a position: lat {lat!r}, lon {lon!r}") from None
        if 0 <= x < self._nx and 0 <= y < self._ny:
            return self._raster[y * self._nx + x]
        return 0

    def _rebuild(self) -> None:
        self._keys = sorted(self._areas)
        self._geoms = np.empty(len(self._keys), dtype=object)
        self._geoms[:] = [self._areas[key] for key in self._keys]
        shapely.prepare(self._geoms)
        self._tree = shapely.STRtree(self._geoms) if len(self._keys) else None
        self._rasterise()
        self._dirty = False
        self.rebuilds += 1

    def _rasterise(self) -> None:
        """Paint every area into the raster, combining states where areas overlap."""
        self._states = [((), ())]
        self._decided = [()]
        if not len(self._geoms):
            self._paint(np.zeros((0, 0), dtype=np.uint8))
            return
        bounds = shapely.bounds(self._geoms)
        spans = np.maximum(bounds[:, 2:] - bounds[:, :2], 0.0) + _MIN_CELL_DEG
        union = (bounds[:, 2].max() - bounds[:, 0].min() + _MIN_CELL_DEG) * (
            bounds[:, 3].max() - bounds[:, 1].min() + _MIN_CELL_DEG)
        extent = max(float(union), float(np.sum(spans[:, 0] * spans[:, 1])))
        smallest = float(np.min(np.max(spans, axis=1)))
        size = min(max(math.sqrt(extent / _RASTER_CELL_BUDGET), smallest / _CELLS_ACROSS_SMALLEST_AREA,
                       _MIN_CELL_DEG), _MAX_CELL_DEG)
        scale = self._scale = 1.0 / size
        self._x0 = math.floor(bounds[:, 0].min() * scale)
        self._y0 = math.floor(bounds[:, 1].min() * scale)
        nx = math.floor(bounds[:, 2].max() * scale) - self._x0 + 1
        ny = math.floor(bounds[:, 3].max() * scale) - self._y0 + 1
        raster = np.zeros((ny, nx), dtype=np.int32)

        state_ids: dict[tuple[tuple[str, ...], tuple[int, ...]], int] = {((), ()): 0}
        contents: list[tuple[tuple[str, ...], tuple[int, ...]]] = [((), ())]
        for i, box in enumerate(bounds):
            x0 = math.floor(box[0] * scale) - self._x0
            y0 = math.floor(box[1] * scale) - self._y0
            status = _classify(self._geoms[i], box, scale, self._x0 + x0, self._y0 + y0)
            window = raster[y0:y0 + status.shape[0], x0:x0 + status.shape[1]]
            painted = status != _OUTSIDE
            pairs = window[painted].astype(np.int64) * 3 + status[painted]
            unique, inverse = np.unique(pairs, return_inverse=True)
            new_ids = np.empty(len(unique), dtype=np.int32)
            for j, pair in enumerate(unique.tolist()):
                covering, crossing = contents[pair // 3]
                if pair % 3 == _COVERED:
                    content = (tuple(sorted((*covering, self._keys[i]))), crossing)
                else:
                    content = (covering, (*crossing, i))
                if content not in state_ids:
                    state_ids[content] = len(contents)
                    contents.append(content)
                new_ids[j] = state_ids[content]
            window[painted] = new_ids[inverse.reshape(-1)]

        self._states = [
            (covering, tuple((self._keys[j], self._geoms[j]) for j in crossing))
            for covering, crossing in contents]
        self._decided = [None if crossing else covering for covering, crossing in self._states]
        self._paint(raster.astype(np.min_scalar_type(len(contents) - 1)))

    def _paint(self, raster: np.ndarray) -> None:
        self._ny, self._nx = raster.shape
        self._cells = raster.reshape(-1)
        self._raster = memoryview(self._cells)  # type: ignore[arg-type]  # numpy types no buffer before 3.12


def _joined(covering: tuple[str, ...], crossing_hits: list[str]) -> tuple[str, ...]:
    """The keys of a cell's covering areas and of the crossing ones that hold the point, sorted."""
    return tuple(sorted((*covering, *crossing_hits))) if crossing_hits else covering


def _classify(geom: BaseGeometry, box: np.ndarray, scale: float,
              x0: int, y0: int) -> np.ndarray:
    """Status of each cell of geom's bounding box: outside, wholly covered, or crossed by an edge.

    The boundary is cut into pieces at most half a cell long, so each piece lies within the
    2x2 block of cells around its two ends; those blocks are the crossed cells. They are taken
    around the ends padded by a hair, so a point that floor() puts into a neighbouring cell by
    rounding still falls in a crossed cell when it is near the edge. Any other cell holds no
    boundary point, so it is wholly inside or wholly outside, and so is each run of such cells
    along a row: testing one centre per run decides all of them.
    """
    nx = math.floor(box[2] * scale) - x0 + 1
    ny = math.floor(box[3] * scale) - y0 + 1
    size = 1.0 / scale
    pad = size * 1e-6
    status = np.zeros((ny, nx), dtype=np.int8)
    if shapely.length(geom.boundary) > _RASTER_CELL_BUDGET * size / 2.0:
        # An edge so long and winding that cutting it up would cost more than the raster
        # itself: leave every cell to the exact test.
        status[:] = _CROSSED
        return status
    crossed = np.zeros((ny, nx), dtype=bool)
    boundary = shapely.segmentize(geom.boundary, size / 2.0)
    for line in shapely.get_parts(boundary):
        coords = shapely.get_coordinates(line)
        ends = np.stack((coords[:-1], coords[1:]))
        low = np.floor((ends.min(axis=0) - pad) * scale).astype(np.int64) - (x0, y0)
        high = np.floor((ends.max(axis=0) + pad) * scale).astype(np.int64) - (x0, y0)
        for cx in (low[:, 0], high[:, 0]):
            for cy in (low[:, 1], high[:, 1]):
                crossed[np.clip(cy, 0, ny - 1), np.clip(cx, 0, nx - 1)] = True

    clear = ~crossed
    starts = clear.copy()
    starts[:, 1:] &= ~clear[:, :-1]
    run = np.cumsum(starts.reshape(-1)).reshape(ny, nx) - 1
    first_y, first_x = np.nonzero(starts)
    if not len(first_x):
        status[crossed] = _CROSSED
        return status
    inside = shapely.intersects_xy(geom, (first_x + x0 + 0.5) * size, (first_y + y0 + 0.5) * size)
    status[clear & inside[np.maximum(run, 0)]] = _COVERED
    status[crossed] = _CROSSED
    return status
