"""Town-sized cells: every caller in one is measured from its centre, which is never their point."""
from __future__ import annotations

import itertools
import math

import pytest

from geo.cells import CELL_KM, cell_centre
from geo.distance import geodesic_km

ONTARIO_POINTS = [(42.0 + 0.37 * i, -95.1 + 0.61 * j) for i, j in itertools.product(range(41), range(30))]


@pytest.mark.parametrize("lat,lon", ONTARIO_POINTS[::37])
def test_a_cell_is_about_two_kilometres_square_and_holds_its_point(lat, lon):
    centre = cell_centre(lat, lon)
    assert geodesic_km(lat, lon, *centre) <= CELL_KM / math.sqrt(2) * 1.01
    north = 0.45 * CELL_KM / 111.2
    east = 0.45 * CELL_KM / (111.2 * math.cos(math.radians(centre[0])))
    for d_lat, d_lon in ((north, 0), (-north, 0), (0, east), (0, -east)):
        assert cell_centre(centre[0] + d_lat, centre[1] + d_lon) == centre
    assert geodesic_km(centre[0] - north, centre[1], centre[0] + north, centre[1]) >= 0.85 * CELL_KM
    assert geodesic_km(centre[0], centre[1] - east, centre[0], centre[1] + east) >= 0.85 * CELL_KM


def test_two_callers_more_than_a_kilometre_apart_in_one_town_share_a_cell():
    centre = cell_centre(44.6089, -79.4197)  # Orillia
    corner_a = (centre[0] - 0.008, centre[1] - 0.011)
    corner_b = (centre[0] + 0.008, centre[1] + 0.011)
    assert cell_centre(*corner_a) == cell_centre(*corner_b) == centre
    assert geodesic_km(*corner_a, *corner_b) > 1.0
