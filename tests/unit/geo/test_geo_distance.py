"""Geodesic distances agree with geopy, and search boxes never miss a point in range."""

import math

import numpy as np
import pytest
from geopy.distance import geodesic
from hypothesis import given, settings, strategies as st

from geo import geodesic_km, geodesic_km_many
from geo.distance import GEOD, enclosing_boxes

TORONTO = (43.6532, -79.3832)
OTTAWA = (45.4215, -75.6972)
THUNDER_BAY = (48.3809, -89.2477)


def test_toronto_to_ottawa_matches_geopy_geodesic():
    assert geodesic_km(*TORONTO, *OTTAWA) == pytest.approx(geodesic(TORONTO, OTTAWA).km, rel=1e-9)


def test_vectorised_distances_equal_one_at_a_time():
    lats = np.array([OTTAWA[0], THUNDER_BAY[0], TORONTO[0]])
    lons = np.array([OTTAWA[1], THUNDER_BAY[1], TORONTO[1]])
    many = geodesic_km_many(*TORONTO, lats, lons)
    one_by_one = [geodesic_km(*TORONTO, lat, lon) for lat, lon in zip(lats, lons, strict=True)]
    assert many.tolist() == one_by_one
    assert many[2] == 0.0


def test_vectorised_distances_of_no_points_is_empty():
    assert geodesic_km_many(*TORONTO, np.array([]), np.array([])).shape == (0,)


def _in_boxes(boxes, lat, lon):
    return any(x0 <= lon <= x1 and y0 <= lat <= y1 for x0, y0, x1, y1 in boxes)


@settings(max_examples=400, deadline=None)
@given(lat=st.floats(-90, 90), lon=st.floats(-180, 180),
       radius_km=st.floats(0.01, 3000), azimuth=st.floats(0, 360), fraction=st.floats(0, 1))
def test_search_boxes_hold_every_point_within_the_radius_even_at_poles_and_antimeridian(
        lat, lon, radius_km, azimuth, fraction):
    end_lon, end_lat, _ = GEOD.fwd(lon, lat, azimuth, radius_km * fraction * 1000.0)
    assert geodesic_km(lat, lon, end_lat, end_lon) <= radius_km * 1.000001
    assert _in_boxes(enclosing_boxes(lat, lon, radius_km), end_lat, end_lon)


def test_search_box_across_the_antimeridian_is_split_in_two():
    boxes = enclosing_boxes(51.9, 179.95, 20)
    assert len(boxes) == 2
    assert _in_boxes(boxes, 51.9, -179.9)


def test_search_box_reaching_a_pole_spans_every_longitude():
    (box,) = enclosing_boxes(89.9, -80.0, 50)
    assert box[0] == -180.0 and box[2] == 180.0 and box[3] == 90.0


def test_ontario_latitudes_make_boxes_wider_in_longitude_than_latitude():
    ((x0, y0, x1, y1),) = enclosing_boxes(*TORONTO, 50)
    assert (x1 - x0) > (y1 - y0)
    assert math.isclose((y1 - y0) / 2, 50 / 110.574, rel_tol=0.01)
