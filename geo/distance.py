"""Geodesic distances on the WGS84 ellipsoid, and search boxes guaranteed to hold a radius."""

from __future__ import annotations

import math

import numpy as np
import pyproj

# One Geod for the whole process: building it costs far more than a distance, and its methods
# are pure, so sharing it is safe.
GEOD = pyproj.Geod(ellps="WGS84")

# The shortest degree of latitude (the meridian at the equator, a(1-e^2)·pi/180) and the degree
# of longitude at the equator per unit cos(lat) (a·pi/180 — the prime vertical radius N is at
# least a everywhere). Dividing by these can only overestimate a span in degrees.
_KM_PER_DEG_LAT_MIN = 6335.439327 * math.pi / 180.0
_KM_PER_DEG_LON_AT_EQUATOR = 6378.137 * math.pi / 180.0
_SAFETY = 1.001

_ONE_CALL_EACH_UP_TO = 32

Box = tuple[float, float, float, float]


def geodesic_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """WGS84 geodesic distance in km (Karney's algorithm, as geopy's ``geodesic`` but cheaper)."""
    _, _, metres = GEOD.inv(lon1, lat1, lon2, lat2)
    return float(metres) / 1000.0


def geodesic_km_many(lat: float, lon: float, lats: np.ndarray | list[float], lons: np.ndarray | list[float]
                     ) -> np.ndarray:
    """Geodesic distances in km from one point to many, in one vectorised call."""
    lats = np.array(lats, dtype=np.float64)  # copies: pyproj writes its results over them
    lons = np.array(lons, dtype=np.float64)
    if lats.size == 0:
        return np.empty(lats.shape, dtype=np.float64)
    _, _, metres = GEOD.inv(np.full(lons.shape, float(lon)), np.full(lats.shape, float(lat)),
                            lons, lats, inplace=True)
    return np.asarray(metres) / 1000.0


def geodesic_km_each(lat: float, lon: float, lats: list[float], lons: list[float]) -> list[float]:
    """`geodesic_km_many` for lists. A few points are sent to PROJ one call each: setting up an
    array call costs as much as ~20 of those, and the same PROJ function runs either way, so the
    distances are the same."""
    if len(lats) > _ONE_CALL_EACH_UP_TO:
        return list(geodesic_km_many(lat, lon, lats, lons).tolist())
    inv, lat, lon = GEOD.inv, float(lat), float(lon)
    return [float(inv(lon, lat, x, y)[2]) / 1000.0 for x, y in zip(lons, lats, strict=True)]


def enclosing_boxes(lat: float, lon: float, radius_km: float) -> list[Box]:
    """(min_lon, min_lat, max_lon, max_lat) boxes that together hold every point within radius_km.

    A geodesic of length r from the centre never leaves the latitude band r / (shortest degree of
    latitude) wide, and along it each degree of longitude costs at least 111.32·cos(lat) km with
    lat the band's largest |lat|; so the spans below cannot miss a point. Where the band reaches a
    pole every longitude is possible; where it crosses the antimeridian the box is split in two.
    """
    radius_km = max(float(radius_km), 0.0)
    dlat = radius_km / _KM_PER_DEG_LAT_MIN * _SAFETY + 1e-9
    lat_lo, lat_hi = lat - dlat, lat + dlat
    if lat_lo <= -90.0 or lat_hi >= 90.0:
        return [(-180.0, max(lat_lo, -90.0), 180.0, min(lat_hi, 90.0))]
    cos_min = math.cos(math.radians(max(abs(lat_lo), abs(lat_hi))))
    dlon = radius_km / (_KM_PER_DEG_LON_AT_EQUATOR * cos_min) * _SAFETY + 1e-9
    if dlon >= 180.0:
        return [(-180.0, lat_lo, 180.0, lat_hi)]
    lon_lo, lon_hi = lon - dlon, lon + dlon
    if lon_lo < -180.0:
        return [(-180.0, lat_lo, lon_hi, lat_hi), (lon_lo + 360.0, lat_lo, 180.0, lat_hi)]
    if lon_hi > 180.0:
        return [(lon_lo, lat_lo, 180.0, lat_hi), (-180.0, lat_lo, lon_hi - 360.0, lat_hi)]
    return [(lon_lo, lat_lo, lon_hi, lat_hi)]
