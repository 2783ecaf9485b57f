"""One area from several (the parts of an alert merged), and areas oriented as RFC 7946 wants."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

import shapely
from shapely.geometry import MultiPolygon, Polygon, shape
from shapely.geometry.polygon import orient

from geo.areas import Area, AreaError


def union_areas(parts: Iterable[Area]) -> Area:
    """The union of polygonal parts: overlapping parts become one polygon, disjoint ones a
    MultiPolygon. A union of valid polygons is valid, so the result needs no repair."""
    parts = [p for p in parts if not p.is_empty]
    if not parts:
        raise AreaError("no area to merge")
    merged = shapely.union_all(parts)
    polygons = [p for p in shapely.get_parts(merged) if isinstance(p, Polygon) and p.area > 0]
    if not polygons:
        raise AreaError("the merged area encloses nothing")
    return polygons[0] if len(polygons) == 1 else MultiPolygon(polygons)


def vertex_count(geom: Area) -> int:
    """Positions in every ring, as GeoJSON would list them."""
    return int(shapely.get_num_coordinates(geom))


def oriented(geom: Area) -> Area:
    """Exterior rings counterclockwise, holes clockwise: the right-hand rule of RFC 7946 §3.1.6."""
    if isinstance(geom, Polygon):
        return orient(geom, 1.0)
    return MultiPolygon([orient(p, 1.0) for p in geom.geoms])


def oriented_geojson(geojson: dict[str, Any]) -> Area:
    """A GeoJSON Polygon or MultiPolygon, as a shapely area oriented by the right-hand rule."""
    return oriented(cast(Area, shape(geojson)))
