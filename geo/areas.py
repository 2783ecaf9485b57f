"""Incident areas: validate, repair or reject GeoJSON and circles; measure them geodesically."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon, mapping
from shapely.geometry.polygon import orient

from geo.distance import GEOD

MAX_CIRCLE_RADIUS_KM = 500.0

# Edges are straight in lon/lat; distance_to_area_km cuts them to this length before projecting
# so that a projected chord stays within metres of the edge it stands for.
_MAX_SEGMENT_DEG = 0.1

Area = Polygon | MultiPolygon


class AreaError(ValueError):
    """An area was refused; the message says what was wrong and where, for whoever sent it."""


def circle(lat: float, lon: float, radius_km: float, segments: int = 64) -> Polygon:
    """A polygon whose vertices lie exactly radius_km (geodesic) from the centre.

    Circles that would cross the antimeridian or enclose a pole are refused: as lon/lat polygons
    they would wrap the wrong way round the globe, and no Ontario incident needs one.
    """
    if not (math.isfinite(radius_km) and radius_km > 0):
        raise AreaError(f"radius_km must be a positive number, got {radius_km!r}")
    if segments < 3:
        raise AreaError(f"a circle needs at least 3 segments, got {segments}")
    _check_lat_lon(lat, lon, "center")
    azimuths = np.linspace(0.0, 360.0, segments, endpoint=False)
    lons, lats, _ = GEOD.fwd(np.full(segments, float(lon)), np.full(segments, float(lat)),
                             azimuths, np.full(segments, radius_km * 1000.0))
    lons, lats = np.asarray(lons), np.asarray(lats)
    for pole in (90.0, -90.0):
        _, _, to_pole = GEOD.inv(lon, lat, lon, pole)
        if to_pole <= radius_km * 1000.0:
            raise AreaError(f"a circle of {radius_km} km around ({lat}, {lon}) encloses a pole")
    unwrapped = lon + (lons - lon + 540.0) % 360.0 - 180.0
    if unwrapped.min() < -180.0 or unwrapped.max() > 180.0:
        raise AreaError(
            f"a circle of {radius_km} km around ({lat}, {lon}) crosses the antimeridian")
    return Polygon(np.column_stack((lons, lats)))


def polygon_from_geojson(obj: dict, max_vertices: int = 5000) -> tuple[Area, str | None]:
    """Turn a GeoJSON Polygon or MultiPolygon into a valid shapely area, with a note on any fix.

    Unclosed rings are closed and invalid shapes (a bow-tie, overlapping parts) are repaired with
    make_valid, keeping only the polygonal parts, because a field coordinator drawing an
    evacuation zone should not be refused over a crossed edge; the note tells them what changed.
    Anything that cannot be read as an area is refused with the reason and its position.
    """
    if not isinstance(obj, dict):
        raise AreaError(f"an area must be a GeoJSON object, got {type(obj).__name__}")
    kind = obj.get("type")
    coordinates = obj.get("coordinates")
    if kind == "Polygon":
        polygons = [coordinates]
        labels = [""]
    elif kind == "MultiPolygon":
        if not isinstance(coordinates, list) or not coordinates:
            raise AreaError("MultiPolygon coordinates must be a non-empty list of polygons")
        polygons = coordinates
        labels = [f"polygon {k} " for k in range(len(coordinates))]
    else:
        raise AreaError(
            f"GeoJSON type {kind!r} is not an area; expected 'Polygon' or 'MultiPolygon'")

    _check_structure(polygons, labels, max_vertices)
    notes: list[str] = []
    shapes = []
    for rings, label in zip(polygons, labels):
        closed = [_read_ring(ring, f"{label}ring {r}", notes) for r, ring in enumerate(rings)]
        shapes.append(Polygon(closed[0], closed[1:]))
    geom: Any = shapes[0] if kind == "Polygon" else MultiPolygon(shapes)

    if not geom.is_valid:
        reason = shapely.is_valid_reason(geom)
        try:
            geom = _polygonal_part(shapely.make_valid(geom))
        except shapely.errors.GEOSException as exc:  # GEOS gives up on some degenerate rings: refuse, not crash
            raise AreaError(f"the area cannot be repaired ({reason}): {exc}") from exc
        if geom is None:
            raise AreaError(f"the area encloses nothing: {reason}")
        notes.append(f"repaired: {reason}")
    elif geom.area <= 0:
        raise AreaError("the area encloses nothing")
    return geom, "; ".join(notes) or None


def area_geometry(area: dict, max_vertices: int = 5000) -> tuple[Area, str | None]:
    """An incident area from either GeoJSON or ``{"center": {"lat", "lon"}, "radius_km"}``."""
    if not isinstance(area, dict):
        raise AreaError(f"an area must be an object, got {type(area).__name__}")
    if "type" in area:
        return polygon_from_geojson(area, max_vertices)
    if "center" in area or "radius_km" in area:
        center = area.get("center")
        if not isinstance(center, dict):
            raise AreaError('a circle needs "center": {"lat": ..., "lon": ...}')
        lat = _number(center.get("lat"), "center.lat")
        lon = _number(center.get("lon"), "center.lon")
        _check_lat_lon(lat, lon, "center")
        radius = _number(area.get("radius_km"), "radius_km")
        if not 0 < radius <= MAX_CIRCLE_RADIUS_KM:
            raise AreaError(
                f"radius_km {radius} out of range: must be > 0 and <= {MAX_CIRCLE_RADIUS_KM:g}")
        return circle(lat, lon, radius), None
    raise AreaError('an area must be a GeoJSON Polygon/MultiPolygon or {"center", "radius_km"}')


def to_geojson(geom: shapely.Geometry) -> dict:
    """GeoJSON for a geometry, with lists rather than tuples so it compares equal to parsed JSON."""
    return _listify(mapping(geom))


def distance_to_area_km(geom: shapely.Geometry, lat: float, lon: float) -> float:
    """Geodesic km from a point to the nearest point of an area; 0 inside or on its edge.

    The boundary is projected azimuthal-equidistantly about the point (azimuth and geodesic
    distance of each vertex, from one vectorised Geod call), where distance from the origin is
    the true geodesic distance; the nearest point is then a planar question. Working in degrees
    instead would misjudge which edge is nearest wherever a degree of longitude is short.
    """
    if shapely.intersects_xy(geom, lon, lat):
        return 0.0
    boundary = shapely.segmentize(geom.boundary, _MAX_SEGMENT_DEG)

    def project(coords: np.ndarray) -> np.ndarray:
        count = len(coords)
        azimuth, _, metres = GEOD.inv(np.full(count, float(lon)), np.full(count, float(lat)),
                                      coords[:, 0], coords[:, 1])
        azimuth = np.radians(azimuth)
        return np.column_stack((metres * np.sin(azimuth), metres * np.cos(azimuth)))

    projected = shapely.transform(boundary, project)
    return float(shapely.distance(projected, shapely.Point(0.0, 0.0))) / 1000.0


def area_km2(geom: shapely.Geometry) -> float:
    """Geodesic area in km².

    Each polygon is oriented first, because pyproj adds hole areas with their signs and sums
    parts as given, so a clockwise shell or mixed orientations would otherwise cancel out.
    """
    total = 0.0
    for part in shapely.get_parts(geom):
        if isinstance(part, Polygon) and not part.is_empty:
            signed, _ = GEOD.geometry_area_perimeter(orient(part, 1.0))
            total += abs(signed)
    return total / 1e6


def _check_structure(polygons: list, labels: list[str], max_vertices: int) -> None:
    """Check nesting and the vertex budget before reading numbers: huge input is refused cheaply."""
    vertices = 0
    for rings, label in zip(polygons, labels):
        where = label.strip() or "Polygon"
        if not isinstance(rings, list) or not rings:
            raise AreaError(f"{where}: coordinates must be a non-empty list of rings")
        for r, ring in enumerate(rings):
            if not isinstance(ring, list):
                raise AreaError(
                    f"{label}ring {r}: expected a list of positions, got {type(ring).__name__}")
            vertices += len(ring)
    if vertices > max_vertices:
        raise AreaError(f"the area has {vertices} vertices, more than the limit of {max_vertices}")


def _read_ring(ring: list, where: str, notes: list[str]) -> list[tuple[float, float]]:
    positions = []
    for p, position in enumerate(ring):
        at = f"{where} position {p}"
        if not isinstance(position, (list, tuple)) or not 2 <= len(position) <= 3:
            raise AreaError(f"{at}: expected [lon, lat], got {position!r}")
        lon = _number(position[0], f"{at}: longitude")
        lat = _number(position[1], f"{at}: latitude")
        _check_lat_lon(lat, lon, at)
        positions.append((lon, lat))
    if positions and positions[0] != positions[-1]:
        positions.append(positions[0])
        notes.append(f"closed {where} (its last position did not repeat the first)")
    if len(positions) < 4:
        raise AreaError(f"{where}: {len(positions)} positions; a ring needs at least 4 "
                        "(3 corners and the first repeated at the end)")
    return positions


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise AreaError(f"{what} {value!r} is not a number")
    value = float(value)
    if not math.isfinite(value):
        raise AreaError(f"{what} {value} is not finite")
    return value


def _check_lat_lon(lat: float, lon: float, where: str) -> None:
    if not -90.0 <= lat <= 90.0:
        raise AreaError(f"{where}: latitude {float(lat)} out of range -90..90")
    if not -180.0 <= lon <= 180.0:
        raise AreaError(f"{where}: longitude {float(lon)} out of range -180..180")


def _polygonal_part(geom: shapely.Geometry) -> Area | None:
    parts = [p for p in shapely.get_parts(geom) if isinstance(p, (Polygon, MultiPolygon))]
    parts = [p for p in parts if p.area > 0]
    if not parts:
        return None
    merged = shapely.union_all(parts)
    return merged if isinstance(merged, (Polygon, MultiPolygon)) else _polygonal_part(merged)


def _listify(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_listify(v) for v in value]
    if isinstance(value, dict):
        return {k: _listify(v) for k, v in value.items()}
    return value
