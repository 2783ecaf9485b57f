"""Merging alert areas, and orienting areas by RFC 7946's right-hand rule."""
from __future__ import annotations

import pytest
from shapely.geometry import MultiPolygon, Polygon

from geo.areas import AreaError, circle
from geo.union import oriented, oriented_geojson, union_areas, vertex_count

ORILLIA = circle(44.6087, -79.4207, 15)
BARRIE = circle(44.3894, -79.6903, 15)
WASHAGO = circle(44.75, -79.333, 15)


def test_disjoint_circles_stay_apart_and_overlapping_ones_become_one():
    assert isinstance(union_areas([ORILLIA, BARRIE]), MultiPolygon)
    merged = union_areas([ORILLIA, WASHAGO])
    assert isinstance(merged, Polygon) and merged.is_valid and merged.area > ORILLIA.area


def test_nothing_to_merge_is_an_area_error():
    with pytest.raises(AreaError):
        union_areas([])


def test_shells_turn_counterclockwise_and_holes_clockwise():
    clockwise = Polygon([(0, 0), (0, 1), (1, 1), (1, 0)], [[(0.2, 0.2), (0.4, 0.2), (0.4, 0.4), (0.2, 0.4)]])
    assert not clockwise.exterior.is_ccw
    fixed = oriented(clockwise)
    assert fixed.exterior.is_ccw and not fixed.interiors[0].is_ccw
    both = oriented_geojson({"type": "MultiPolygon", "coordinates": [[list(clockwise.exterior.coords)],
                                                                      [[[5, 5], [5, 6], [6, 6], [5, 5]]]]})
    assert all(p.exterior.is_ccw for p in both.geoms)
    assert vertex_count(fixed) == 10
