"""Incident areas: circles, GeoJSON validation and repair, distance and area on the ellipsoid."""

import math

import numpy as np
import pytest
import shapely
from shapely.geometry import MultiPolygon, Polygon

from geo import (
    AreaError,
    area_geometry,
    area_km2,
    circle,
    distance_to_area_km,
    geodesic_km,
    geodesic_km_many,
    polygon_from_geojson,
    to_geojson,
)
from geo.distance import GEOD

ORILLIA = (44.6082, -79.4197)


def _square(lon0=-79.5, lat0=44.5, side=0.2):
    return [[lon0, lat0], [lon0 + side, lat0], [lon0 + side, lat0 + side],
            [lon0, lat0 + side], [lon0, lat0]]


def _polygon(*rings):
    return {"type": "Polygon", "coordinates": [list(ring) for ring in rings]}


class TestCircle:
    @pytest.mark.parametrize("radius_km", [0.5, 12.0, 150.0, 500.0])
    @pytest.mark.parametrize("centre", [ORILLIA, (56.0, -87.6), (42.0, -82.9)])
    def test_points_at_99_percent_of_the_radius_are_inside_and_101_percent_outside(
            self, centre, radius_km):
        area = circle(*centre, radius_km)
        azimuths = np.linspace(0.0, 360.0, 181)
        for fraction, expected in ((0.99, True), (1.01, False)):
            lons, lats, _ = GEOD.fwd(np.full(181, centre[1]), np.full(181, centre[0]), azimuths,
                                     np.full(181, radius_km * fraction * 1000.0))
            assert shapely.intersects_xy(area, lons, lats).tolist() == [expected] * 181

    def test_vertices_lie_exactly_on_the_radius(self):
        area = circle(*ORILLIA, 25.0, segments=16)
        lons, lats = np.asarray(area.exterior.xy)
        assert np.allclose(geodesic_km_many(*ORILLIA, lats, lons), 25.0, rtol=1e-9)
        assert len(area.exterior.coords) == 17

    def test_circle_area_is_pi_r_squared_on_the_ellipsoid(self):
        assert area_km2(circle(*ORILLIA, 40.0, segments=256)) == pytest.approx(
            math.pi * 40.0**2, rel=1e-3)

    def test_circle_across_the_antimeridian_is_refused(self):
        with pytest.raises(AreaError, match="antimeridian"):
            circle(52.0, 179.9, 50.0)

    def test_circle_around_a_pole_is_refused(self):
        with pytest.raises(AreaError, match="pole"):
            circle(89.8, 0.0, 50.0)


class TestGeoJsonIsValidatedAndRepaired:
    def test_a_clean_polygon_comes_back_unchanged_without_a_note(self):
        geom, note = polygon_from_geojson(_polygon(_square()))
        assert note is None
        assert geom.equals(shapely.box(-79.5, 44.5, -79.3, 44.7))

    def test_bow_tie_is_repaired_into_its_two_triangles_with_a_note(self):
        bow_tie = _polygon([[-80, 43], [-79, 44], [-79, 43], [-80, 44], [-80, 43]])
        geom, note = polygon_from_geojson(bow_tie)
        assert note is not None and note.startswith("repaired: Self-intersection")
        assert isinstance(geom, MultiPolygon) and geom.is_valid and len(geom.geoms) == 2
        assert geom.area == pytest.approx(0.5)

    def test_overlapping_multipolygon_parts_are_merged(self):
        overlapping = {"type": "MultiPolygon", "coordinates": [
            [_square(-79.5, 44.5, 0.2)], [_square(-79.4, 44.5, 0.2)]]}
        geom, note = polygon_from_geojson(overlapping)
        assert note and note.startswith("repaired:")
        assert geom.is_valid and geom.area == pytest.approx(0.06)

    def test_unclosed_ring_is_closed_and_the_note_says_so(self):
        open_ring = _square()[:-1]
        geom, note = polygon_from_geojson(_polygon(open_ring))
        assert note == "closed ring 0 (its last position did not repeat the first)"
        assert geom.equals(shapely.box(-79.5, 44.5, -79.3, 44.7))

    def test_hole_is_kept(self):
        geom, _ = polygon_from_geojson(_polygon(_square(side=1.0), _square(-79.2, 44.8, 0.2)))
        assert isinstance(geom, Polygon) and len(geom.interiors) == 1
        assert not shapely.intersects_xy(geom, -79.1, 44.9)

    def test_altitude_in_positions_is_accepted_and_dropped(self):
        ring = [[lon, lat, 250.0] for lon, lat in _square()]
        geom, _ = polygon_from_geojson(_polygon(ring))
        assert not geom.has_z

    @pytest.mark.parametrize(("position", "message"), [
        ([-79.4, 123.0], "ring 0 position 2: latitude 123.0 out of range -90..90"),
        ([-190.0, 44.6], "ring 0 position 2: longitude -190.0 out of range -180..180"),
        (["-79.4", 44.6], "ring 0 position 2: longitude '-79.4' is not a number"),
        ([-79.4, True], "ring 0 position 2: latitude True is not a number"),
        ([-79.4, math.inf], "ring 0 position 2: latitude inf is not finite"),
        ([-79.4], "ring 0 position 2: expected [lon, lat], got [-79.4]"),
    ])
    def test_bad_position_is_refused_naming_where_and_what(self, position, message):
        ring = _square()
        ring[2] = position
        with pytest.raises(AreaError) as refused:
            polygon_from_geojson(_polygon(ring))
        assert str(refused.value) == message

    def test_bad_position_in_a_multipolygon_names_the_polygon(self):
        bad = _square()
        bad[1] = [-79.3, -91]
        with pytest.raises(AreaError, match=r"^polygon 1 ring 0 position 1: latitude -91.0 out"):
            polygon_from_geojson({"type": "MultiPolygon", "coordinates": [[_square()], [bad]]})

    def test_too_many_vertices_are_refused(self):
        ring = [[-79.0 + 0.001 * math.cos(t), 44.0 + 0.001 * math.sin(t)]
                for t in np.linspace(0, 2 * math.pi, 5001)]
        with pytest.raises(AreaError, match="5001 vertices, more than the limit of 5000"):
            polygon_from_geojson(_polygon(ring))
        geom, _ = polygon_from_geojson(_polygon(ring), max_vertices=6000)
        assert geom.is_valid

    def test_ring_with_fewer_than_four_positions_is_refused(self):
        with pytest.raises(AreaError, match="ring 0: 3 positions; a ring needs at least 4"):
            polygon_from_geojson(_polygon([[-79.5, 44.5], [-79.3, 44.5], [-79.5, 44.5]]))

    def test_flat_polygon_with_no_area_is_refused_with_the_reason(self):
        flat = [[-79.5, 44.5], [-79.4, 44.5], [-79.3, 44.5], [-79.5, 44.5]]
        with pytest.raises(AreaError, match="encloses nothing"):
            polygon_from_geojson(_polygon(flat))

    @pytest.mark.parametrize(("obj", "message"), [
        ({"type": "Point", "coordinates": [-79.4, 44.6]}, "'Point' is not an area"),
        ({"type": "Polygon", "coordinates": []}, "non-empty list of rings"),
        ({"type": "Polygon", "coordinates": [{"lon": 1}]}, "ring 0: expected a list of positions"),
        ({"type": "MultiPolygon", "coordinates": []}, "non-empty list of polygons"),
        ([1, 2], "must be a GeoJSON object"),
    ])
    def test_malformed_geojson_is_refused(self, obj, message):
        with pytest.raises(AreaError, match=message):
            polygon_from_geojson(obj)


class TestAreaGeometry:
    def test_circle_area_dispatches_to_a_geodesic_circle(self):
        geom, note = area_geometry({"center": {"lat": 44.6082, "lon": -79.4197}, "radius_km": 5})
        assert note is None
        assert geom.equals(circle(*ORILLIA, 5))

    def test_geojson_area_dispatches_to_validation(self):
        geom, _ = area_geometry(_polygon(_square()))
        assert geom.equals(shapely.box(-79.5, 44.5, -79.3, 44.7))

    @pytest.mark.parametrize(("area", "message"), [
        ({"center": {"lat": 44.6, "lon": -79.4}, "radius_km": 0}, "radius_km 0.0 out of range"),
        ({"center": {"lat": 44.6, "lon": -79.4}, "radius_km": 500.5}, "must be > 0 and <= 500"),
        ({"center": {"lat": 95, "lon": -79.4}, "radius_km": 5}, "latitude 95.0 out of range"),
        ({"center": {"lat": 44.6}, "radius_km": 5}, "center.lon None is not a number"),
        ({"radius_km": 5}, '"center"'),
        ({"kind": "flood"}, "GeoJSON Polygon/MultiPolygon or"),
    ])
    def test_bad_circle_is_refused_with_the_reason(self, area, message):
        with pytest.raises(AreaError, match=message):
            area_geometry(area)

    def test_area_error_is_a_value_error(self):
        assert issubclass(AreaError, ValueError)


def test_to_geojson_uses_lists_and_round_trips():
    geojson = to_geojson(shapely.box(-79.5, 44.5, -79.3, 44.7))
    assert geojson["type"] == "Polygon"
    assert isinstance(geojson["coordinates"], list)
    assert isinstance(geojson["coordinates"][0][0], list)
    geom, note = polygon_from_geojson(geojson)
    assert note is None and geom.equals(shapely.box(-79.5, 44.5, -79.3, 44.7))


class TestDistanceToArea:
    def test_point_inside_or_on_the_edge_is_at_zero(self):
        square = shapely.box(-79.5, 44.5, -79.3, 44.7)
        assert distance_to_area_km(square, 44.6, -79.4) == 0.0
        assert distance_to_area_km(square, 44.5, -79.4) == 0.0
        assert distance_to_area_km(square, 44.7, -79.5) == 0.0

    def test_distance_from_the_centre_of_a_circle_outside_it(self):
        area = circle(*ORILLIA, 10.0, segments=256)
        lat = 44.9
        expected = geodesic_km(*ORILLIA, lat, ORILLIA[1]) - 10.0
        assert distance_to_area_km(area, lat, ORILLIA[1]) == pytest.approx(expected, rel=1e-3)

    def test_point_in_a_hole_is_measured_to_the_hole_edge(self):
        geom, _ = polygon_from_geojson(_polygon(_square(side=1.0), _square(-79.2, 44.8, 0.2)))
        assert distance_to_area_km(geom, 44.9, -79.1) == pytest.approx(
            geodesic_km(44.9, -79.1, 44.9, -79.0), rel=0.01)

    @pytest.mark.parametrize("seed", range(5))
    def test_distance_matches_a_dense_sampling_of_the_boundary_within_one_percent(self, seed):
        rng = np.random.default_rng(seed)
        area = shapely.Polygon(
            [(-80 + rng.uniform(-1, 1), 45 + rng.uniform(-1, 1)) for _ in range(3)]).convex_hull
        dense = shapely.get_coordinates(shapely.segmentize(area.boundary, 0.0005))
        for _ in range(10):
            lat, lon = 45 + rng.uniform(-4, 4), -80 + rng.uniform(-6, 6)
            if shapely.intersects_xy(area, lon, lat):
                continue
            reference = geodesic_km_many(lat, lon, dense[:, 1], dense[:, 0]).min()
            assert distance_to_area_km(area, lat, lon) == pytest.approx(reference, rel=0.01)


class TestArea:
    def test_one_degree_square_at_the_equator(self):
        assert area_km2(shapely.box(0, 0, 1, 1)) == pytest.approx(12308.78, rel=1e-4)

    def test_winding_order_does_not_change_the_area(self):
        square = shapely.box(-79.5, 44.5, -79.3, 44.7)
        clockwise = square.reverse()
        mixed = MultiPolygon([square, shapely.box(-78.5, 44.5, -78.3, 44.7).reverse()])
        assert area_km2(clockwise) == pytest.approx(area_km2(square))
        assert area_km2(mixed) == pytest.approx(2 * area_km2(square), rel=1e-3)

    def test_holes_are_subtracted(self):
        geom, _ = polygon_from_geojson(_polygon(_square(side=1.0), _square(-79.2, 44.8, 0.2)))
        whole = area_km2(shapely.box(-79.5, 44.5, -78.5, 45.5))
        hole = area_km2(shapely.box(-79.2, 44.8, -79.0, 45.0))
        assert area_km2(geom) == pytest.approx(whole - hole)


# Found by the OpenAPI fuzz: subnormal coordinates in crossing rings make GEOS's repair give up.
RINGS_GEOS_CANNOT_REPAIR = [
    [[0.0, 0.0], [0.0, -83.28985641252069], [-1.8059944946243577e-264, 30.417304388650408],
     [-9.166922285497776, 90.0], [-2.225073858507e-311, 3.652063683660519e-221], [-1.9, -15.858672317540112]],
    [[-115.8704642880903, -80.06615217787193], [98.68946208622418, -89.0], [102.09713738855737, 81.53341794014699]],
    [[-180.0, 1.1754943508222875e-38], [-2.2250738585072014e-308, -13.270603010678215],
     [-61.399557729211196, 1.9643909052401104e-90], [0.0, -90.0], [179.0, 62.25979289831437],
     [-124.34249818409657, -8.205593314803522e-74], [177.00855732809686, -6.103515625e-05]],
]


def test_an_area_geos_cannot_repair_is_refused_with_the_reason_not_a_crash():
    with pytest.raises(AreaError, match="cannot be repaired"):
        area_geometry({"type": "Polygon", "coordinates": RINGS_GEOS_CANNOT_REPAIR})
