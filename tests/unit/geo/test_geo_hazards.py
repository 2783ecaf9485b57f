"""HazardZones answers as a naive loop over every area would, without rebuilding per query."""

from itertools import pairwise

import numpy as np
import pytest
import shapely
from hypothesis import given, settings, strategies as st
from shapely.geometry import MultiPolygon, Point, Polygon

from geo import HazardZones, circle, distance_to_area_km, polygon_from_geojson


def _random_areas(rng, count):
    areas = {}
    for i in range(count):
        lat, lon = float(rng.uniform(42, 50)), float(rng.uniform(-95, -74))
        if i % 3:
            areas[f"incident-{i:03d}"] = circle(lat, lon, float(rng.uniform(1, 60)),
                                                segments=int(rng.integers(8, 80)))
        else:
            corners = [(lon + rng.uniform(-0.8, 0.8), lat + rng.uniform(-0.6, 0.6))
                       for _ in range(8)]
            areas[f"incident-{i:03d}"], _ = polygon_from_geojson(
                {"type": "Polygon", "coordinates": [[list(c) for c in corners]]})
    return areas


def _naive_containing(areas, lat, lon):
    point = Point(lon, lat)
    return sorted(key for key, geom in areas.items() if geom.intersects(point))


def _zones(areas):
    zones = HazardZones()
    for key, geom in areas.items():
        zones.set(key, geom)
    return zones


@pytest.mark.parametrize("seed", [1, 2])
def test_containment_matches_a_naive_loop_over_300_areas(seed):
    rng = np.random.default_rng(seed)
    areas = _random_areas(rng, 300)
    zones = _zones(areas)
    for _ in range(3000):
        lat, lon = float(rng.uniform(41.5, 50.5)), float(rng.uniform(-95.5, -73.5))
        expected = _naive_containing(areas, lat, lon)
        assert zones.containing(lat, lon) == expected
        assert zones.contains_any(lat, lon) == bool(expected)


def test_points_on_vertices_and_edges_count_as_touching():
    rng = np.random.default_rng(5)
    areas = _random_areas(rng, 60)
    zones = _zones(areas)
    for key, geom in areas.items():
        for part in shapely.get_parts(geom):
            coords = np.asarray(part.exterior.coords)
            midpoints = (coords[:-1] + coords[1:]) / 2
            for lon, lat in np.vstack((coords, midpoints)):
                if geom.intersects(Point(lon, lat)):
                    assert key in zones.containing(lat, lon)
                    assert zones.contains_any(lat, lon)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), count=st.integers(1, 12),
       size=st.sampled_from([0.001, 0.05, 1.0, 20.0]))
def test_containment_matches_naive_loop_for_tiny_huge_and_overlapping_areas(seed, count, size):
    rng = np.random.default_rng(seed)
    areas = {}
    for i in range(count):
        lon, lat = float(rng.uniform(-85, -75)), float(rng.uniform(42, 50))
        corners = [(lon + rng.uniform(-size, size), lat + rng.uniform(-size, size))
                   for _ in range(int(rng.integers(3, 9)))]
        hull = shapely.Polygon(corners).convex_hull
        if isinstance(hull, Polygon) and hull.area > 0:
            areas[f"z{i}"] = hull
    zones = _zones(areas)
    for _ in range(200):
        lon, lat = float(rng.uniform(-86, -74)), float(rng.uniform(41, 51))
        assert zones.containing(lat, lon) == _naive_containing(areas, lat, lon)


@pytest.mark.parametrize("radius_km", [0.2, 30.0, 400.0])
def test_one_incident_gets_a_small_index_that_still_answers_exactly_around_its_edge(radius_km):
    from geo.hazards import _CELLS_ACROSS_SMALLEST_AREA

    area = circle(44.6, -79.4, radius_km, segments=int(radius_km) % 50 + 12)
    zones = _zones({"storm": area})
    rng = np.random.default_rng(int(radius_km * 10))
    min_lon, min_lat, max_lon, max_lat = area.bounds
    lats = rng.uniform(min_lat, max_lat, 3000)
    lons = rng.uniform(min_lon, max_lon, 3000)
    expected = [_naive_containing({"storm": area}, lat, lon) for lat, lon in zip(lats, lons, strict=True)]
    assert [zones.containing(lat, lon) for lat, lon in zip(lats, lons, strict=True)] == expected
    assert [list(t) for t in zones.containing_many(lats, lons)] == expected
    assert 0 < sum(map(bool, expected)) < len(expected)
    assert zones._cells.size <= (_CELLS_ACROSS_SMALLEST_AREA + 2) ** 2, "a raster the size of the budget"


def test_point_in_a_hole_is_not_in_the_area():
    donut = Polygon(shapely.box(-80, 44, -79, 45).exterior.coords,
                    [shapely.box(-79.8, 44.2, -79.2, 44.8).exterior.coords])
    zones = _zones({"donut": donut})
    assert zones.containing(44.5, -79.5) == []
    assert zones.containing(44.1, -79.5) == ["donut"]
    assert zones.containing(44.2, -79.5) == ["donut"], "the hole's edge belongs to the area"


def test_multipolygon_parts_are_both_hazardous():
    parts = MultiPolygon([shapely.box(-80, 44, -79.9, 44.1), shapely.box(-79, 44, -78.9, 44.1)])
    zones = _zones({"floods": parts})
    assert zones.contains_any(44.05, -79.95) and zones.contains_any(44.05, -78.95)
    assert not zones.contains_any(44.05, -79.5)


def test_areas_are_indexed_once_per_change_not_per_query():
    rng = np.random.default_rng(9)
    zones = _zones(_random_areas(rng, 50))
    assert zones.rebuilds == 0
    for _ in range(100):
        zones.contains_any(45.0, -80.0)
        zones.within_reach(45.0, -80.0, 30)
    assert zones.rebuilds == 1
    zones.set("incident-new", circle(45.0, -80.0, 5))
    zones.remove("incident-000")
    assert zones.rebuilds == 1
    assert zones.containing(45.0, -80.0)[-1] == "incident-new"
    assert zones.rebuilds == 2


def test_setting_an_area_again_unchanged_keeps_the_index_and_a_changed_one_rebuilds_it():
    zones = _zones({"orillia-storm": circle(44.6, -79.42, 10)})
    zones.contains_any(44.6, -79.42)
    zones.set("orillia-storm", circle(44.6, -79.42, 10))
    zones.contains_any(44.6, -79.42)
    assert zones.rebuilds == 1
    zones.set("orillia-storm", circle(44.6, -79.42, 12))
    assert zones.contains_any(44.6, -79.42 - 0.14) and zones.rebuilds == 2


def test_removing_an_area_stops_it_matching_and_unknown_keys_are_ignored():
    zones = _zones({"barrie-fire": circle(44.39, -79.69, 10)})
    assert zones.containing(44.39, -79.69) == ["barrie-fire"]
    zones.remove("barrie-fire")
    zones.remove("never-declared")
    assert len(zones) == 0 and "barrie-fire" not in zones
    assert zones.containing(44.39, -79.69) == []
    assert zones.within_reach(44.39, -79.69, 100) == []
    assert zones.intersecting(shapely.box(-80, 44, -79, 45)) == []


def test_within_reach_lists_areas_by_distance_with_zero_inside():
    rng = np.random.default_rng(4)
    areas = _random_areas(rng, 200)
    zones = _zones(areas)
    for _ in range(30):
        lat, lon = float(rng.uniform(42, 50)), float(rng.uniform(-95, -74))
        reach = float(rng.choice([0.0, 10.0, 80.0]))
        expected = sorted((distance_to_area_km(geom, lat, lon), key)
                          for key, geom in areas.items()
                          if distance_to_area_km(geom, lat, lon) <= reach)
        assert zones.within_reach(lat, lon, reach) == [(key, d) for d, key in expected]
    inside = zones.within_reach(44.6, -79.4, 5) if zones.contains_any(44.6, -79.4) else None
    if inside:
        assert inside[0][1] == 0.0


def test_intersecting_matches_naive_loop():
    rng = np.random.default_rng(6)
    areas = _random_areas(rng, 150)
    zones = _zones(areas)
    for _ in range(30):
        lat, lon = float(rng.uniform(42, 50)), float(rng.uniform(-95, -74))
        probe = circle(lat, lon, float(rng.uniform(5, 100)))
        assert zones.intersecting(probe) == sorted(
            key for key, geom in areas.items() if geom.intersects(probe))


@pytest.mark.parametrize("geom", [Point(-79, 44), shapely.LineString([(-79, 44), (-78, 45)]),
                                  Polygon()])
def test_only_non_empty_polygonal_areas_are_accepted(geom):
    with pytest.raises(ValueError, match="hazard area"):
        HazardZones().set("bad", geom)


def test_non_finite_query_is_refused():
    zones = _zones({"a": circle(44.0, -79.0, 5)})
    with pytest.raises(ValueError, match="not a position"):
        zones.contains_any(float("nan"), -79.0)


def test_no_areas_means_nothing_is_hazardous():
    zones = HazardZones()
    assert zones.containing(44.0, -79.0) == [] and not zones.contains_any(44.0, -79.0)


@pytest.mark.parametrize("seed", [3, 4])
def test_many_points_at_once_name_the_areas_a_naive_loop_names_for_each(seed):
    rng = np.random.default_rng(seed)
    areas = _random_areas(rng, 300)
    zones = _zones(areas)
    lats = rng.uniform(41.0, 51.0, 4000)  # some off the raster on every side
    lons = rng.uniform(-96.0, -73.0, 4000)
    edges = [(float(lat), float(lon)) for geom in list(areas.values())[:40]
             for lon, lat in np.asarray(shapely.get_parts(geom)[0].exterior.coords)[:5]]
    lats = np.concatenate((lats, [lat for lat, _ in edges]))
    lons = np.concatenate((lons, [lon for _, lon in edges]))
    found = zones.containing_many(lats, lons)
    assert [list(names) for names in found] == [_naive_containing(areas, lat, lon) for lat, lon in zip(lats.tolist(), lons.tolist(), strict=True)]
    assert any(len(names) > 1 for names in found)


def test_many_points_with_no_areas_or_no_points_are_simple():
    assert HazardZones().containing_many([44.0, 45.0], [-79.0, -80.0]) == [(), ()]
    zones = _zones({"a": circle(44.0, -79.0, 5.0)})
    assert zones.containing_many([], []) == []
    for lat, lon in ((float("nan"), -79.0), (44.0, float("-inf")), (None, -79.0), ("north", -79.0)):
        with pytest.raises(ValueError, match="not a position"):
            zones.containing_many([44.0, lat], [-79.0, lon])
    with pytest.raises(ValueError, match="2 lats but 1 lons"):
        zones.containing_many([44.0, 44.1], [-79.0])


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), count=st.integers(1, 8))
def test_points_on_cell_edges_vertices_and_polygon_edges_get_the_exact_answer(seed, count):
    rng = np.random.default_rng(seed)
    areas = _random_areas(rng, count)
    zones = _zones(areas)
    zones.containing(45.0, -80.0)
    size = 1.0 / zones._scale
    lats, lons = [], []
    for geom in areas.values():
        coords = np.asarray(shapely.get_parts(geom)[0].exterior.coords)
        for (lon, lat), (lon2, lat2) in pairwise(coords[:13]):
            on_grid_lon, on_grid_lat = np.floor(lon / size) * size, np.floor(lat / size) * size
            for point_lon, point_lat in ((lon, lat), ((lon + lon2) / 2, (lat + lat2) / 2),
                                         (on_grid_lon, lat), (lon, on_grid_lat),
                                         (on_grid_lon, on_grid_lat)):
                lons.append(float(point_lon))
                lats.append(float(point_lat))
    expected = [_naive_containing(areas, lat, lon) for lat, lon in zip(lats, lons, strict=True)]
    assert [zones.containing(lat, lon) for lat, lon in zip(lats, lons, strict=True)] == expected
    assert [list(names) for names in zones.containing_many(lats, lons)] == expected
