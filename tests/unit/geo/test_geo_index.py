"""PointIndex answers exactly as a brute-force geodesic scan while updates stream in."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from geo import PointIndex, brute_force_within, geodesic_km
from geo.index import TagFilter

ONTARIO = dict(lat=(41.7, 56.9), lon=(-95.2, -74.3))


def _random_point(rng, lat=ONTARIO["lat"], lon=ONTARIO["lon"]):
    return float(rng.uniform(*lat)), float(rng.uniform(*lon))


def _nearest_by_brute_force(points, lat, lon, k):
    return brute_force_within(points, lat, lon, 1e9)[:k]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_index_matches_brute_force_geodesic_on_random_ontario_points(seed):
    rng = np.random.default_rng(seed)
    points = {f"shelter-{i}": _random_point(rng) for i in range(3000)}
    index = PointIndex((key, lat, lon) for key, (lat, lon) in points.items())
    for _ in range(40):
        lat, lon = _random_point(rng)
        radius = float(rng.choice([1.0, 25.0, 50.0, 200.0, 1500.0]))
        assert index.within(lat, lon, radius) == brute_force_within(points, lat, lon, radius)


def test_index_matches_brute_force_across_interleaved_moves_removals_and_queries():
    rng = np.random.default_rng(42)
    points: dict[str, tuple[float, float]] = {}
    index = PointIndex()
    for _step in range(6000):
        action = rng.random()
        key = f"partner-{rng.integers(1500)}"
        if action < 0.6:
            points[key] = _random_point(rng)
            index.upsert(key, *points[key])
        elif action < 0.8:
            points.pop(key, None)
            index.remove(key)
        else:
            lat, lon = _random_point(rng)
            radius = float(rng.uniform(0, 300))
            assert index.within(lat, lon, radius) == brute_force_within(points, lat, lon, radius)
        assert len(index) == len(points)
    assert index.rebuilds >= 2
    for key in list(points)[:50]:
        assert key in index
    assert "partner-never" not in index


def test_upserts_do_not_rebuild_the_table_until_a_query_finds_enough_pending():
    rng = np.random.default_rng(7)
    index = PointIndex((f"s{i}", *_random_point(rng)) for i in range(1000))
    assert index.rebuilds == 1
    for i in range(256):
        index.upsert(f"new-{i}", *_random_point(rng))
    index.within(44.6, -79.4, 50)
    assert index.rebuilds == 1, "256 pending changes are searched from the delta"
    index.upsert("one-more", *_random_point(rng))
    assert index.rebuilds == 1, "an upsert never rebuilds"
    index.within(44.6, -79.4, 50)
    assert index.rebuilds == 2
    index.within(44.6, -79.4, 50)
    assert index.rebuilds == 2


def test_pending_threshold_grows_with_the_index():
    rng = np.random.default_rng(8)
    index = PointIndex((f"s{i}", *_random_point(rng)) for i in range(10_000))
    for i in range(900):
        index.upsert(f"s{i}", *_random_point(rng))
        if i % 50 == 0:
            index.within(*_random_point(rng), 100)
    assert index.rebuilds == 1


def test_moving_a_point_back_and_forth_leaves_one_entry():
    index = PointIndex([("orillia-arena", 44.6082, -79.4197)])
    index.upsert("orillia-arena", 44.7, -79.5)
    index.upsert("orillia-arena", 44.6082, -79.4197)
    assert len(index) == 1
    assert [key for key, _ in index.within(44.6082, -79.4197, 1)] == ["orillia-arena"]
    assert index.within(44.7, -79.5, 1) == []


def test_removing_an_unknown_key_is_harmless():
    index = PointIndex([("a", 44.0, -79.0)])
    index.remove("never-there")
    index.remove("a")
    index.remove("a")
    assert len(index) == 0 and index.within(44.0, -79.0, 10) == []


def test_equal_distances_are_ordered_by_key():
    index = PointIndex([("b", 44.0, -79.0), ("a", 44.0, -79.0), ("c", 44.1, -79.0)])
    assert [key for key, _ in index.within(44.0, -79.0, 50)] == ["a", "b", "c"]


def test_limit_keeps_the_nearest():
    rng = np.random.default_rng(3)
    points = {f"s{i}": _random_point(rng) for i in range(2000)}
    index = PointIndex((key, *where) for key, where in points.items())
    assert index.within(45.0, -80.0, 400, limit=7) == brute_force_within(
        points, 45.0, -80.0, 400)[:7]
    assert index.within(45.0, -80.0, 400, limit=0) == []


def test_distances_are_wgs84_geodesics():
    index = PointIndex([("haileybury", 47.4475, -79.6327)])
    ((key, km),) = index.within(46.4917, -80.9930, 300)
    assert key == "haileybury"
    assert km == geodesic_km(46.4917, -80.9930, 47.4475, -79.6327)


@pytest.mark.parametrize("seed", [11, 12])
def test_nearest_equals_the_first_k_of_a_full_scan(seed):
    rng = np.random.default_rng(seed)
    points = {f"s{i}": _random_point(rng) for i in range(500)}
    index = PointIndex((key, *where) for key, where in points.items())
    for _ in range(20):
        lat, lon = _random_point(rng)
        k = int(rng.integers(1, 12))
        assert index.nearest(lat, lon, k) == _nearest_by_brute_force(points, lat, lon, k)


def test_nearest_stops_at_max_km_and_handles_an_empty_index():
    assert PointIndex().nearest(44.0, -79.0, 3) == []
    index = PointIndex([("far", 56.0, -88.0)])
    assert index.nearest(44.0, -79.0, 1, max_km=100) == []
    assert [key for key, _ in index.nearest(44.0, -79.0, 5)] == ["far"]


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_index_matches_brute_force_near_poles_and_the_antimeridian(data):
    lat = data.draw(st.floats(-90, 90))
    lon = data.draw(st.floats(-180, 180))
    seed = data.draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    spread = data.draw(st.sampled_from([0.5, 5.0, 40.0]))
    points = {}
    for i in range(300):
        plat = float(np.clip(lat + rng.normal(0, spread), -90, 90))
        plon = float((lon + rng.normal(0, spread) + 180.0) % 360.0 - 180.0)
        points[f"p{i}"] = (plat, plon)
    index = PointIndex()
    for key, where in points.items():
        index.upsert(key, *where)
    radius = data.draw(st.floats(0, 5000))
    assert index.within(lat, lon, radius) == brute_force_within(points, lat, lon, radius)


def test_points_on_the_edges_of_bands_and_of_the_map_are_found():
    from geo.index import _BAND_DEG

    edges = [(lat * _BAND_DEG, lon * _BAND_DEG) for lat in range(-8, 9) for lon in range(-6, 7)]
    edges += [(lat, lon) for lat in (-90.0, -89.5, 0.0, 89.5, 90.0) for lon in (-180.0, -179.9, 0.0, 179.9, 180.0)]
    rng = np.random.default_rng(12)
    edges += [(float(rng.uniform(-4, 4)), float(rng.uniform(-4, 4))) for _ in range(200)]
    points = {f"e{i}": where for i, where in enumerate(edges)}
    index = PointIndex((key, *where) for key, where in points.items())
    queries = [(0.0, 0.0), (_BAND_DEG, 0.0), (-_BAND_DEG, _BAND_DEG), (89.9, 180.0), (-89.9, -180.0), (0.0, 180.0)]
    queries += [(float(rng.uniform(-3, 3)), float(rng.uniform(-3, 3))) for _ in range(20)]
    for lat, lon in queries:
        for radius in (0.0, 27.8, 55.0, 300.0):
            expected = brute_force_within(points, lat, lon, radius)
            assert index.within(lat, lon, radius) == expected
            assert index.within(lat, lon, radius, limit=7) == expected[:7]


@pytest.mark.parametrize(("lat", "lon"), [(91.0, 0.0), (0.0, 180.5), (float("nan"), 0.0)])
def test_positions_off_the_globe_are_refused(lat, lon):
    with pytest.raises(ValueError, match="not a WGS84 position"):
        PointIndex().upsert("x", lat, lon)
    with pytest.raises(ValueError):
        PointIndex().within(lat, lon, 10)


def test_negative_radius_is_refused():
    with pytest.raises(ValueError, match="radius_km"):
        PointIndex().within(44.0, -79.0, -1)


def test_the_spherical_bounds_hold_the_geodesic_between_them_everywhere():
    from pyproj import Geod

    from geo.index import _dot_floor, _lower_km, _unit_vectors, _upper_km

    rng = np.random.default_rng(5)
    n = 300_000
    lat1, lon1 = rng.uniform(-90, 90, n), rng.uniform(-180, 180, n)
    step = rng.choice([1e-7, 1e-6, 1e-3, 0.1, 1.0, 10.0, 90.0], n)
    lat2 = np.clip(lat1 + rng.uniform(-step, step), -90, 90)
    lon2 = (lon1 + rng.uniform(-3 * step, 3 * step) + 180.0) % 360.0 - 180.0
    _, _, metres = Geod(ellps="WGS84").inv(lon1, lat1, lon2, lat2)
    dots = np.einsum("ij,ij->i", _unit_vectors(lat1, lon1), _unit_vectors(lat2, lon2))
    km = (metres / 1000.0).tolist()
    dots = dots.tolist()
    assert all(_lower_km(d) <= g <= _upper_km(d) for d, g in zip(dots, km, strict=True))
    assert all(d >= _dot_floor(g) for d, g in zip(dots, km, strict=True)), "a point is never cut within its own distance"


@pytest.mark.parametrize("seed", [21, 22, 23])
def test_nearest_batches_read_out_the_brute_force_order_however_far_they_are_read(seed):
    rng = np.random.default_rng(seed)
    points = {f"s{i:05d}": _random_point(rng) for i in range(4000)}
    for i in range(40):  # shelters sharing a building: equal distances, ordered by key
        points[f"twin-{i}"] = points[f"s{i:05d}"]
    index = PointIndex((key, *where) for key, where in points.items())
    for i in range(60):  # moved since the last rebuild: read from the delta
        where = _random_point(rng)
        index.upsert(f"s{i:05d}", *where)
        points[f"s{i:05d}"] = where
    for _ in range(30):
        lat, lon = _random_point(rng)
        radius = float(rng.choice([5.0, 50.0, 100.0, 400.0]))
        expected = brute_force_within(points, lat, lon, radius)
        read = int(rng.integers(0, len(expected) + 2))
        first = int(rng.integers(1, 40))
        batches = list(index.nearest_batches(lat, lon, radius, first=first))
        assert [pair for batch in batches for pair in batch] == expected
        assert all(batches) and len((batches or [[]])[0]) >= min(first, len(expected))
        assert index.within(lat, lon, radius, limit=read or None) == expected[:read or None]


def test_the_first_batch_computes_few_geodesics_when_read_for_a_few(monkeypatch):
    import geo.index

    rng = np.random.default_rng(8)
    points = {f"s{i}": _random_point(rng) for i in range(20000)}
    index = PointIndex((key, *where) for key, where in points.items())
    computed = []
    exact = geo.index.geodesic_km_each

    def counting(lat, lon, lats, lons):
        computed.append(len(lats))
        return exact(lat, lon, lats, lons)

    within_radius = len(brute_force_within(points, 45.0, -80.0, 100.0))
    monkeypatch.setattr(geo.index, "geodesic_km_each", counting)
    first = next(index.nearest_batches(45.0, -80.0, 100.0, first=25))
    assert len(first) >= 25
    assert 25 <= sum(computed) < within_radius / 2, (sum(computed), within_radius)


BITS = [0, 1, 2, 5, 63, 64, 65, 127, 128, 150, 199]
"""Tag bits in each 64-bit word of a 200-bit tag, at the edges of words too."""


def _random_tag(rng) -> int:
    return sum(1 << bit for bit in BITS if rng.random() < 0.5)


def _random_filter(rng) -> TagFilter:
    def some() -> int:
        return sum(1 << bit for bit in BITS if rng.random() < 0.15)

    return TagFilter(any_of=some(), all_of=some(), none_of=some())


@pytest.mark.parametrize("seed", [31, 32, 33])
def test_a_tag_filter_reads_exactly_the_points_it_passes_in_the_brute_force_order(seed):
    rng = np.random.default_rng(seed)
    points = {f"s{i:05d}": _random_point(rng, lat=(43.0, 46.0), lon=(-81.0, -76.0)) for i in range(3000)}
    tags = {key: _random_tag(rng) for key in points}
    index = PointIndex(((key, *where) for key, where in points.items()), tag_bits=200)
    for key in points:
        index.upsert(key, *points[key], tags[key])
    index.within(44.0, -79.0, 1.0)  # rebuilt with the tags
    for i in range(80):  # moved or retagged since the last rebuild: read from the delta
        key = f"s{i:05d}"
        tags[key] = _random_tag(rng)
        if i % 2:
            points[key] = _random_point(rng, lat=(43.0, 46.0), lon=(-81.0, -76.0))
        index.upsert(key, *points[key], tags[key])
    for _ in range(40):
        lat, lon = _random_point(rng, lat=(43.0, 46.0), lon=(-81.0, -76.0))
        radius = float(rng.choice([10.0, 60.0, 200.0]))
        where = _random_filter(rng)
        expected = brute_force_within({k: p for k, p in points.items() if where.passes(tags[k])}, lat, lon, radius)
        for expect in (None, 5, 50):
            batches = index.nearest_batches(lat, lon, radius, first=int(rng.integers(1, 30)), where=where,
                                            expect=expect)
            assert [pair for batch in batches for pair in batch] == expected, (where, expect)


def test_a_tag_filter_passes_a_point_with_any_of_all_of_and_none_of_its_bits():
    where = TagFilter(any_of=0b0011, all_of=0b0100, none_of=1 << 70)
    assert where.passes(0b0101) and where.passes(0b0110)
    assert not where.passes(0b0100)  # none of any_of
    assert not where.passes(0b0001)  # not all of all_of
    assert not where.passes(0b0101 | 1 << 70)  # one of none_of
    assert TagFilter().passes(0) and TagFilter(none_of=1).passes(2)


def test_a_tag_wider_than_the_index_was_made_for_is_refused():
    with pytest.raises(ValueError, match="at most 64 bits"):
        PointIndex().upsert("s", 44.0, -79.0, 1 << 64)


@pytest.mark.parametrize("expect", [1, 10, 200])
def test_reading_a_dense_city_in_two_steps_lists_what_one_reading_does(expect):
    rng = np.random.default_rng(5)
    points = {f"s{i:05d}": _random_point(rng, lat=(43.6, 43.8), lon=(-79.5, -79.2)) for i in range(5000)}
    points.update({f"far{i}": _random_point(rng) for i in range(500)})
    index = PointIndex((key, *where) for key, where in points.items())
    for lat, lon, radius in [(43.7, -79.4, 30.0), (43.7, -79.4, 0.5), (45.0, -80.0, 300.0), (43.65, -79.38, 5000.0)]:
        expected = brute_force_within(points, lat, lon, radius)
        batches = list(index.nearest_batches(lat, lon, radius, first=20, expect=expect))
        assert [pair for batch in batches for pair in batch] == expected
        assert all(batches)
