"""Ontario's extent: tells a mistyped coordinate from a place in the province.

A bounding box, not the border: a point just over it in Quebec, Manitoba or Michigan passes.
What it catches is the usual damage in shared directories: a missing minus sign, latitude and
longitude swapped, or zeros where a coordinate was never filled in.
"""
from __future__ import annotations

from shapely.geometry import box
from shapely.geometry.base import BaseGeometry

SOUTH, NORTH = 41.6, 56.9
WEST, EAST = -95.2, -74.3


def in_ontario(lat: float, lon: float) -> bool:
    return SOUTH <= lat <= NORTH and WEST <= lon <= EAST


def why_not_in_ontario(lat: float, lon: float) -> str | None:
    """None for a point in Ontario, else what seems wrong with it, in words a data steward can act on."""
    if in_ontario(lat, lon):
        return None
    if in_ontario(lon, lat):
        return f"latitude {lat} and longitude {lon} look swapped"
    if in_ontario(lat, -lon):
        return f"longitude {lon} should be negative (west of Greenwich)"
    return f"({lat}, {lon}) is outside Ontario ({SOUTH} to {NORTH}°N, {-EAST} to {-WEST}°W)"


_BOX = box(WEST, SOUTH, EAST, NORTH)


def area_in_ontario(geom: BaseGeometry) -> bool:
    """Whether an area reaches into Ontario's box at all (a zone may run over the border)."""
    return bool(geom.intersects(_BOX))


def why_area_not_in_ontario(geom: BaseGeometry) -> str | None:
    """None for an area that reaches into Ontario, else where it is instead, in words a manager can act on."""
    if area_in_ontario(geom):
        return None
    west, south, east, north = geom.bounds
    return (f"the area ({south:.2f} to {north:.2f}°N, {-east:.2f} to {-west:.2f}°W) lies wholly outside Ontario "
            f"({SOUTH} to {NORTH}°N, {-EAST} to {-WEST}°W)")
