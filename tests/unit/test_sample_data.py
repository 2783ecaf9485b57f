"""Checks on the shipped Ontario sample data set (muster/data/*.json)."""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from pathlib import Path

import pytest
from pyproj import Geod
from shapely.geometry import Point, shape

DATA = Path(__file__).resolve().parents[2] / "muster" / "data"

CAPABILITIES = {
    "shelter", "canteen_truck", "food_kits", "first_aid", "search_and_rescue", "drone",
    "debris_clearing", "wellness_checks", "information_referral", "generators", "gps_units",
    "transport",
}
RESOURCE_TYPES = {
    "cots", "portable_shelters", "canteen_trucks", "food_kits", "first_aid_kits", "generators",
    "gps_units", "drones", "sar_teams", "chainsaw_crews", "vans",
}
# The capability a partner needs to hold each resource type.
RESOURCE_CAPABILITY = {
    "cots": "shelter", "portable_shelters": "shelter", "canteen_trucks": "canteen_truck",
    "food_kits": "food_kits", "first_aid_kits": "first_aid", "generators": "generators",
    "gps_units": "gps_units", "drones": "drone", "sar_teams": "search_and_rescue",
    "chainsaw_crews": "debris_clearing", "vans": "transport",
}
PUBLIC_NAMES = {
    "211 Ontario", "The Salvation Army Ontario", "Habitat for Humanity Windsor-Essex",
    "Feed Ontario", "St. John Ambulance Ontario",
}
KINDS = {"ice_storm", "flood", "wildfire", "tornado", "power_outage", "extreme_cold", "hazmat", "other"}
SEVERITIES = {"minor", "moderate", "severe", "extreme"}
ACTIVITIES = {"debris_clearing", "meals", "wellness_checks", "sheltering", "first_aid",
              "information_referral"}
PRIORITIES = {"urgent", "high", "normal", "low"}
LANGUAGES = {"en", "fr", "oj", "cr", "ar", "zh", "pa", "es"}
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

LAT_MIN, LAT_MAX = 41.6, 56.9
LON_MIN, LON_MAX = -95.2, -74.3

GEOD = Geod(ellps="WGS84")


def _load(name: str) -> dict:
    with (DATA / name).open(encoding="utf-8") as f:
        return json.load(f)


@pytest.fixture(scope="module")
def partners_doc() -> dict:
    return _load("partners.json")


@pytest.fixture(scope="module")
def shelters_doc() -> dict:
    return _load("shelters.json")


@pytest.fixture(scope="module")
def scenario() -> dict:
    return _load("scenario_ice_storm.json")


@pytest.fixture(scope="module")
def partners(partners_doc) -> list[dict]:
    return partners_doc["partners"]


@pytest.fixture(scope="module")
def shelters(shelters_doc) -> list[dict]:
    return shelters_doc["shelters"]


def _in_ontario_box(lat: float, lon: float) -> bool:
    return LAT_MIN <= lat <= LAT_MAX and LON_MIN <= lon <= LON_MAX


def _check_latlon(obj: dict, where: str) -> None:
    lat, lon = obj["lat"], obj["lon"]
    assert isinstance(lat, (int, float)) and isinstance(lon, (int, float)), where
    assert _in_ontario_box(lat, lon), f"{where}: ({lat}, {lon}) outside Ontario's bounding box"


def _check_area(area: dict, where: str) -> None:
    """An area is a closed GeoJSON Polygon or a {center, radius_km} circle, inside Ontario."""
    if area.get("type") == "Polygon":
        rings = area["coordinates"]
        assert rings, where
        for ring in rings:
            assert len(ring) >= 4, f"{where}: ring has fewer than 4 positions"
            assert ring[0] == ring[-1], f"{where}: polygon ring is not closed"
            for lon, lat in ring:
                assert _in_ontario_box(lat, lon), f"{where}: vertex ({lon}, {lat}) outside Ontario"
        poly = shape(area)
        assert poly.is_valid, f"{where}: invalid polygon"
        assert poly.area > 0, where
    else:
        assert set(area) == {"center", "radius_km"}, f"{where}: unknown area shape {sorted(area)}"
        _check_latlon(area["center"], f"{where} centre")
        assert isinstance(area["radius_km"], (int, float)) and area["radius_km"] > 0, where


def _inside(area: dict, lat: float, lon: float) -> bool:
    if area.get("type") == "Polygon":
        return Point(lon, lat).within(shape(area))
    c = area["center"]
    _, _, metres = GEOD.inv(c["lon"], c["lat"], lon, lat)
    return metres <= area["radius_km"] * 1000.0


# ---------------------------------------------------------------- files


@pytest.mark.parametrize("name", ["partners.json", "shelters.json", "services.json", "scenario_ice_storm.json"])
def test_files_are_utf8_json_with_a_sample_notice(name):
    raw = (DATA / name).read_bytes()
    doc = json.loads(raw.decode("utf-8"))
    assert "sample" in doc["notice"].lower()


# ---------------------------------------------------------------- partners


def test_fourteen_partners_with_the_five_public_names(partners):
    assert len(partners) == 14
    names = {p["name"] for p in partners}
    assert PUBLIC_NAMES <= names


def test_partner_ids_unique_slugs(partners):
    ids = [p["id"] for p in partners]
    assert len(ids) == len(set(ids))
    assert all(SLUG.match(i) for i in ids), ids


def test_partner_sample_flag_and_names(partners):
    for p in partners:
        if p["name"] in PUBLIC_NAMES:
            assert p["sample"] is False, p["id"]
        else:
            assert p["sample"] is True, p["id"]
            assert p["name"].startswith("Sample: "), p["name"]
    assert sum(1 for p in partners if p["sample"]) == 9


def test_public_partner_capabilities(partners):
    by_name = {p["name"]: p for p in partners}
    assert {"information_referral", "wellness_checks"} <= set(by_name["211 Ontario"]["capabilities"])
    assert {"shelter", "canteen_truck", "food_kits"} <= set(
        by_name["The Salvation Army Ontario"]["capabilities"])
    assert "debris_clearing" in by_name["Habitat for Humanity Windsor-Essex"]["capabilities"]
    assert "food_kits" in by_name["Feed Ontario"]["capabilities"]
    assert {"first_aid", "wellness_checks"} <= set(
        by_name["St. John Ambulance Ontario"]["capabilities"])


def test_partner_capabilities_and_inventory_use_the_taxonomy(partners):
    for p in partners:
        caps = p["capabilities"]
        assert caps and len(caps) == len(set(caps)), p["id"]
        assert set(caps) <= CAPABILITIES, (p["id"], set(caps) - CAPABILITIES)
        inv = p["inventory"]
        assert set(inv) <= RESOURCE_TYPES, (p["id"], set(inv) - RESOURCE_TYPES)
        for rtype, qty in inv.items():
            assert isinstance(qty, int) and not isinstance(qty, bool) and qty > 0, (p["id"], rtype)
            assert RESOURCE_CAPABILITY[rtype] in caps, (
                f"{p['id']} holds {rtype} without capability {RESOURCE_CAPABILITY[rtype]}")


def test_partner_bases_and_service_areas(partners):
    polygons = 0
    for p in partners:
        base = p["base"]
        _check_latlon(base, f"{p['id']} base")
        assert re.match(r"^.+, ON$", base["place"]), base["place"]
        _check_area(p["service_area"], f"{p['id']} service_area")
        assert _inside(p["service_area"], base["lat"], base["lon"]), (
            f"{p['id']}: base lies outside its own service area")
        if p["service_area"].get("type") == "Polygon":
            polygons += 1
            poly = shape(p["service_area"])
            assert poly.equals(poly.convex_hull), f"{p['id']}: service polygon is not convex"
    assert polygons >= 3


# ---------------------------------------------------------------- shelters


def test_forty_shelters_unique_sample_names(shelters):
    assert len(shelters) == 40
    ids = [s["id"] for s in shelters]
    assert len(ids) == len(set(ids))
    assert all(SLUG.match(i) for i in ids), ids
    for s in shelters:
        assert s["name"].startswith("Sample: "), s["name"]
        assert re.match(r"^.+, ON$", s["place"]), s["place"]


def test_shelter_fields(shelters):
    for s in shelters:
        _check_latlon(s["location"], s["id"])
        cap, occ = s["capacity"], s["occupancy"]
        assert isinstance(cap, int) and 20 <= cap <= 300, s["id"]
        assert isinstance(occ, int) and 0 <= occ <= cap, s["id"]
        for flag in ("open", "accepts_pets", "accessible", "families"):
            assert isinstance(s[flag], bool), (s["id"], flag)
        assert s["languages"] and set(s["languages"]) <= LANGUAGES, s["id"]
    assert any(not s["open"] for s in shelters)
    assert sum(1 for s in shelters if s["open"]) > len(shelters) // 2
    used = {lang for s in shelters for lang in s["languages"]}
    assert used == LANGUAGES


def test_shelter_partner_has_shelter_capability(shelters, partners):
    by_id = {p["id"]: p for p in partners}
    linked = 0
    for s in shelters:
        pid = s["partner_id"]
        if pid is None:
            continue
        linked += 1
        assert pid in by_id, f"{s['id']}: unknown partner {pid}"
        assert "shelter" in by_id[pid]["capabilities"], f"{s['id']}: {pid} lacks shelter capability"
    assert linked > 0


# ---------------------------------------------------------------- scenario


def test_incidents(scenario):
    incidents = scenario["incidents"]
    ids = [i["id"] for i in incidents]
    assert len(ids) == len(set(ids)) == 2
    for inc in incidents:
        assert inc["kind"] in KINDS
        assert inc["severity"] in SEVERITIES
        assert inc["title"]
        _check_area(inc["area"], inc["id"])


def test_volunteer_hours(scenario, partners):
    incident_ids = {i["id"] for i in scenario["incidents"]}
    partner_ids = {p["id"] for p in partners}
    entries = scenario["volunteer_hours"]
    assert 25 <= len(entries) <= 40
    ids = [e["id"] for e in entries]
    assert len(ids) == len(set(ids))
    for e in entries:
        assert e["incident_id"] in incident_ids, e["id"]
        assert e["partner_id"] in partner_ids, e["id"]
        assert isinstance(e["volunteers"], int) and e["volunteers"] > 0, e["id"]
        assert isinstance(e["hours"], (int, float)) and e["hours"] > 0, e["id"]
        assert e["activity"] in ACTIVITIES, e["id"]
        assert date(2025, 3, 30) <= date.fromisoformat(e["date"]) <= date(2025, 4, 6), e["id"]


def test_resource_requests(scenario):
    incident_ids = {i["id"] for i in scenario["incidents"]}
    reqs = scenario["resource_requests"]
    assert reqs
    ids = [r["id"] for r in reqs]
    assert len(ids) == len(set(ids))
    for r in reqs:
        assert r["incident_id"] in incident_ids, r["id"]
        assert r["resource_type"] in RESOURCE_TYPES, r["id"]
        assert isinstance(r["quantity"], int) and r["quantity"] > 0, r["id"]
        _check_latlon(r["location"], r["id"])
        assert r["priority"] in PRIORITIES, r["id"]
        assert r["needed_by"].endswith("-04:00"), r["id"]
        assert datetime.fromisoformat(r["needed_by"]).utcoffset() is not None, r["id"]


def test_each_incident_has_shelters_inside_and_most_outside(scenario, shelters):
    for inc in scenario["incidents"]:
        inside = [s["id"] for s in shelters
                  if _inside(inc["area"], s["location"]["lat"], s["location"]["lon"])]
        assert inside, f"no sample shelter inside {inc['id']}"
        assert len(inside) <= 4, (inc["id"], inside)
    union_inside = {
        s["id"] for s in shelters for inc in scenario["incidents"]
        if _inside(inc["area"], s["location"]["lat"], s["location"]["lon"])
    }
    assert len(union_inside) < len(shelters) // 4


# ---------------------------------------------------------------- service sites and how to reach a site

FICTIONAL_PHONE = re.compile(r"^(416|519|613|705|807|905)-555-01[0-9]{2}$")
STORM_TYPES = {"warming_centre", "charging_station", "meals", "drinking_water", "pharmacy", "transport", "pet_shelter"}
NEAR_THE_STORM_KM = 60


@pytest.fixture(scope="module")
def services() -> list[dict]:
    return _load("services.json")["services"]


def test_service_sites_are_samples_the_api_takes_with_unique_ids(services):
    from handlers.services import ServiceProfile

    ids = [s["id"] for s in services]
    assert len(ids) == len(set(ids)) and all(SLUG.match(i) for i in ids), ids
    for site in services:
        assert site["name"].startswith("Sample: "), site["name"]
        ServiceProfile.model_validate({k: v for k, v in site.items() if k != "id"})


def test_every_storm_service_is_offered_and_every_partner_named_exists(services, partners):
    assert STORM_TYPES <= {s["service_type"] for s in services}
    partner_ids = {p["id"] for p in partners}
    assert {s["partner_id"] for s in services if s.get("partner_id")} <= partner_ids


def test_service_sites_are_in_real_ontario_towns_near_the_storm(services, scenario):
    from geo.areas import area_geometry, distance_to_area_km
    from geo.gazetteer import OntarioGazetteer

    gazetteer = OntarioGazetteer()
    storms = [area_geometry(incident["area"])[0] for incident in scenario["incidents"]]
    for site in services:
        lat, lon = site["location"]["lat"], site["location"]["lon"]
        town = gazetteer.geocode(site["place"])
        assert town is not None, f"{site['id']}: {site['place']} is not an Ontario town the gazetteer knows"
        assert site["address"]["city"] == site["place"].removesuffix(", ON"), site["id"]
        _, _, metres = GEOD.inv(town.longitude, town.latitude, lon, lat)
        assert metres < 8000, f"{site['id']} is {metres / 1000:.1f} km from {site['place']}"
        assert min(distance_to_area_km(storm, lat, lon) for storm in storms) < NEAR_THE_STORM_KM, site["id"]
    towns = {s["place"] for s in services}
    assert {"Peterborough, ON", "Lindsay, ON", "Orillia, ON"} <= towns


def test_service_hours_include_overnight_and_weekday_only_sites_and_sites_open_around_the_clock(services):
    schedules = [s["schedules"] for s in services]
    assert any(any(h["closes_at"] <= h["opens_at"] for h in hours) for hours in schedules)
    assert any(hours and all(h.get("byday") and not {"SA", "SU"} & set(h["byday"]) for h in hours) for hours in schedules)
    assert any(hours == [] for hours in schedules)
    assert {s["status"] for s in services if "status" in s} == {"closed", "limited"}


def test_every_shelter_has_a_street_address_a_phone_and_hours_the_api_takes(shelters):
    from handlers.shelters import ShelterProfile

    for shelter in shelters:
        ShelterProfile.model_validate({k: v for k, v in shelter.items() if k != "id"})
        assert shelter["address"]["city"] == shelter["place"].removesuffix(", ON"), shelter["id"]
        assert shelter["address"]["address_1"][0].isdigit(), shelter["id"]
    assert any(shelter["schedules"] for shelter in shelters) and any(not shelter["schedules"] for shelter in shelters)


def test_phone_numbers_are_fictional_and_each_site_has_its_own(shelters, services):
    phones = [site["phone"] for site in shelters + services]
    assert all(FICTIONAL_PHONE.match(phone) for phone in phones), [p for p in phones if not FICTIONAL_PHONE.match(p)]
    assert len(phones) == len(set(phones))
