"""An Open Referral HSDS 3.0 directory read into shelters: what a 211 data steward's rows become
in Muster, what is rejected and why, and that an export reads back as the same shelters."""
from __future__ import annotations

import re

import pytest

from handlers.common import ID_PATTERN
from handlers.hsds import (
    COLUMNS,
    EXTENSION,
    PATHS,
    Row,
    datapackage,
    package_from,
    shelter_id,
    shelters_from,
    tables_from_json,
)
from handlers.shelters import ShelterProfile

ORG = "3e6c7171-c01e-4fcd-b8e9-bb7c040916b7"
WARMING = "bee18ace-f96d-4bdd-b97b-184d566fb8cb"
LINDSAY = "a6491097-718b-4710-b37d-5c44e382888c"
FENELON = "41a4a1f6-babf-40cd-9eee-d5d54a710054"
AT_LINDSAY = "4a165df5-ac01-4cc8-9eb0-3f5175bb73aa"
AT_FENELON = "ec859b21-4010-46a5-bbea-b107e08da803"


def rows(name: str, *records: dict) -> list[Row]:
    return [Row(f"{PATHS[name]} line {i + 2}", record) for i, record in enumerate(records)]


def directory(**changes) -> dict[str, list[Row]]:
    """The Lindsay warming centre, one service at one location, with its bed count; `changes`
    replace whole tables (a list of records) or update the single record of one (a dict)."""
    tables = {
        "organization": [{"id": ORG, "name": "Sample: Kawartha Lakes Emergency Social Services"}],
        "service": [{"id": WARMING, "organization_id": ORG, "name": "Emergency warming centre", "status": "active"}],
        "location": [{"id": LINDSAY, "location_type": "physical", "organization_id": ORG,
                      "name": "Sample: Lindsay Recreation Complex", "latitude": "44.35212", "longitude": "-78.72654"}],
        "service_at_location": [{"id": AT_LINDSAY, "service_id": WARMING, "location_id": LINDSAY}],
        "address": [{"id": "addr-1", "location_id": LINDSAY, "address_1": "133 Adelaide St S", "city": "Lindsay",
                     "state_province": "ON", "postal_code": "K9V 3K2", "country": "CA", "address_type": "physical"}],
        "language": [{"id": "lang-1", "location_id": LINDSAY, "code": "en"},
                     {"id": "lang-2", "location_id": LINDSAY, "code": "fr"}],
        EXTENSION: [{"service_at_location_id": AT_LINDSAY, "capacity": "120", "occupancy": "38",
                     "accepts_pets": "true", "accessible": "true", "families": "TRUE", "partner_id": ""}],
    }
    for name, change in changes.items():
        tables[name] = change if isinstance(change, list) else [{**tables[name][0], **change}]
    return {name: rows(name, *records) for name, records in tables.items()}


def rejection(**changes) -> str:
    found = shelters_from(directory(**changes))
    assert not found.shelters, found.shelters
    (rejected,) = found.rejected
    assert rejected.row == "service_at_location.csv line 2" and rejected.id == AT_LINDSAY
    return rejected.reason


class TestAWarmingCentreBecomesAShelter:
    def test_every_field_is_taken_from_its_hsds_home(self):
        found = shelters_from(directory())
        assert (found.rows, found.rejected, found.warnings) == (1, (), ())
        (shelter,) = found.shelters
        assert shelter.id == AT_LINDSAY and shelter.row == "service_at_location.csv line 2"
        assert shelter.profile == ShelterProfile(
            name="Sample: Lindsay Recreation Complex — Emergency warming centre",
            location={"lat": 44.35212, "lon": -78.72654}, place="Lindsay, ON", capacity=120, occupancy=38,
            open=True, accepts_pets=True, accessible=True, families=True, languages=["en", "fr"], partner_id=None,
        )

    def test_one_service_at_two_locations_is_two_shelters_named_by_their_service_at_location(self):
        fenelon = {"id": FENELON, "location_type": "physical", "name": "Sample: Fenelon Falls Community Centre",
                   "latitude": "44.53687", "longitude": "-78.74215"}
        found = shelters_from(directory(
            location=[directory()["location"][0].fields, fenelon],
            service_at_location=[{"id": AT_LINDSAY, "service_id": WARMING, "location_id": LINDSAY},
                                 {"id": AT_FENELON, "service_id": WARMING, "location_id": FENELON}],
            x_muster_capacity=[{"service_at_location_id": AT_LINDSAY, "capacity": "120"},
                               {"service_at_location_id": AT_FENELON, "capacity": "60"}],
        ))
        assert [(s.id, s.profile.capacity, s.profile.place) for s in found.shelters] == [
            (AT_LINDSAY, 120, "Lindsay, ON"), (AT_FENELON, 60, None)]
        assert found.shelters[1].profile.languages == ["en"]

    def test_a_temporarily_closed_service_is_imported_closed(self):
        (shelter,) = shelters_from(directory(service={"status": "Temporarily Closed"})).shelters
        assert shelter.profile.open is False

    def test_blank_needs_mean_no_and_blank_occupancy_means_empty(self):
        (shelter,) = shelters_from(directory(x_muster_capacity=[
            {"service_at_location_id": AT_LINDSAY, "capacity": "40", "occupancy": "", "accepts_pets": "",
             "accessible": " ", "families": "no", "partner_id": "salvation-army-on"}])).shelters
        profile = shelter.profile
        assert (profile.occupancy, profile.accepts_pets, profile.accessible, profile.families) == (0,) + (False,) * 3
        assert profile.partner_id == "salvation-army-on"

    def test_a_name_the_location_and_service_share_is_said_once(self):
        (shelter,) = shelters_from(directory(service={"name": "sample: lindsay recreation complex"})).shelters
        assert shelter.profile.name == "Sample: Lindsay Recreation Complex"
        (shelter,) = shelters_from(directory(location={"name": ""})).shelters
        assert shelter.profile.name == "Emergency warming centre"
        (shelter,) = shelters_from(directory(service={"name": "x" * 190})).shelters
        assert shelter.profile.name == "Sample: Lindsay Recreation Complex"

    def test_the_physical_address_names_the_town(self):
        postal = {"id": "addr-0", "location_id": LINDSAY, "city": "Peterborough", "state_province": "ON",
                  "address_type": "postal"}
        physical = {"id": "addr-1", "location_id": LINDSAY, "city": "Lindsay", "address_type": "physical"}
        (shelter,) = shelters_from(directory(address=[postal, physical])).shelters
        assert shelter.profile.place == "Lindsay"

    def test_languages_of_the_location_and_the_service_count_once_each_and_non_codes_are_left_out(self):
        found = shelters_from(directory(language=[
            {"id": "l1", "location_id": LINDSAY, "code": "EN"}, {"id": "l2", "service_id": WARMING, "code": "oj"},
            {"id": "l3", "service_id": WARMING, "location_id": LINDSAY, "code": "en"},
            {"id": "l4", "location_id": LINDSAY, "code": "French"}]))
        assert found.shelters[0].profile.languages == ["en", "oj"]
        (warning,) = found.warnings
        assert warning.id == "l4" and "not ISO 639" in warning.reason

    def test_ids_muster_cannot_take_are_mapped_the_same_way_every_time(self):
        assert shelter_id(AT_LINDSAY) == AT_LINDSAY
        odd = shelter_id("SAL #17 (Lindsay)")
        assert odd == shelter_id("SAL #17 (Lindsay)") != shelter_id("SAL #18 (Lindsay)")
        assert re.match(ID_PATTERN, odd) and odd.startswith("hsds-")
        assert shelter_id("x" * 129).startswith("hsds-")
        found = shelters_from(directory(service_at_location={"id": "SAL #17 (Lindsay)"},
                                        x_muster_capacity={"service_at_location_id": "SAL #17 (Lindsay)"}))
        assert found.shelters[0].id == odd


class TestRowsThatCannotBeShelters:
    @pytest.mark.parametrize(("latitude", "longitude", "reason"), [
        ("", "-78.72654", "has no latitude and longitude"),
        ("44.35212", "", "has no latitude and longitude"),
        ("forty-four", "-78.72654", "latitude 'forty-four' is not a number"),
        ("95", "-78.72654", "latitude 95 is outside -90 to 90"),
        ("44.35", "-200", "longitude -200 is outside -180 to 180"),
        ("nan", "-78.72654", "latitude nan is outside -90 to 90"),
        ("-78.72654", "44.35212", "look swapped"),
        ("44.35212", "78.72654", "longitude 78.72654 should be negative"),
        ("0", "0", "is outside Ontario"),
        ("49.2827", "-123.1207", "is outside Ontario"),
    ])
    def test_coordinates_that_are_missing_wrong_or_outside_ontario(self, latitude, longitude, reason):
        assert reason in rejection(location={"latitude": latitude, "longitude": longitude})

    def test_a_virtual_location_has_no_beds(self):
        assert "is virtual: a shelter needs a physical location" in rejection(location={"location_type": "virtual"})

    @pytest.mark.parametrize(("status", "reason"), [
        ("inactive", "service 'Emergency warming centre' is inactive"),
        ("defunct", "is defunct"),
        ("", "has no status"),
        ("open", "service status 'open' is not one of active, inactive, defunct, temporarily closed"),
    ])
    def test_a_service_not_offered_now(self, status, reason):
        assert reason in rejection(service={"status": status})

    def test_references_to_services_and_locations_not_in_the_directory(self):
        assert rejection(service_at_location={"service_id": "nope"}) == (
            "service_id nope names no service in the directory")
        assert rejection(service_at_location={"location_id": "gone"}) == (
            "location_id gone names no location in the directory")
        assert rejection(service_at_location={"location_id": ""}) == "no location_id"

    def test_without_a_bed_count_a_row_is_rejected_not_imported_empty(self):
        assert rejection(x_muster_capacity=[]).startswith("no x_muster_capacity row")
        assert rejection(x_muster_capacity={"capacity": ""}) == "x_muster_capacity has no capacity"
        twice = [{"service_at_location_id": AT_LINDSAY, "capacity": "10"}] * 2
        assert "2 x_muster_capacity rows" in rejection(x_muster_capacity=twice)

    @pytest.mark.parametrize(("column", "value", "reason"), [
        ("capacity", "forty", "capacity 'forty' is not a whole number"),
        ("capacity", "12.5", "capacity '12.5' is not a whole number"),
        ("capacity", "-3", "capacity -3 is negative"),
        ("capacity", "200000", "capacity: Input should be less than or equal to 100000"),
        ("occupancy", "lots", "occupancy 'lots' is not a whole number"),
        ("accepts_pets", "maybe", "accepts_pets 'maybe' is not true or false"),
        ("partner_id", "Salvation Army", "partner_id: String should match pattern"),
    ])
    def test_bad_numbers_and_flags_in_the_extension(self, column, value, reason):
        assert reason in rejection(x_muster_capacity={column: value})

    def test_a_whole_number_written_with_a_decimal_point_is_still_whole(self):
        assert shelters_from(directory(x_muster_capacity={"capacity": "40.0"})).shelters[0].profile.capacity == 40

    def test_a_repeated_service_at_location_id_keeps_the_first(self):
        same = {"id": AT_LINDSAY, "service_id": WARMING, "location_id": LINDSAY}
        found = shelters_from(directory(service_at_location=[same, same]))
        assert [s.row for s in found.shelters] == ["service_at_location.csv line 2"]
        (duplicate,) = found.rejected
        assert duplicate.row == "service_at_location.csv line 3"
        assert duplicate.reason == "duplicate id: service_at_location.csv line 2 has it too"
        assert found.rows == 2

    def test_no_id_no_shelter(self):
        found = shelters_from(directory(service_at_location={"id": ""}))
        assert [(r.id, r.reason) for r in found.rejected] == [(None, "no id")]

    def test_a_differing_repeat_of_a_location_is_a_warning_and_the_first_is_used(self):
        first = directory()["location"][0].fields
        found = shelters_from(directory(location=[first, {**first, "latitude": "0"}]))
        assert found.shelters[0].profile.location.lat == 44.35212
        assert [w.reason for w in found.warnings] == [
            "another location has this id (locations.csv line 2); the first is used"]
        assert not shelters_from(directory(location=[first, first])).warnings

    def test_a_count_for_a_service_at_location_not_in_the_directory_is_a_warning(self):
        counts = [{"service_at_location_id": AT_LINDSAY, "capacity": "120"},
                  {"service_at_location_id": "elsewhere", "capacity": "5"}]
        found = shelters_from(directory(x_muster_capacity=counts))
        assert len(found.shelters) == 1
        assert [(w.row, w.id) for w in found.warnings] == [("x_muster_capacity.csv line 3", "elsewhere")]


def compiled_service(**capacity) -> dict:
    return {
        "id": WARMING, "name": "Emergency warming centre", "status": "active",
        "organization": {"id": ORG, "name": "Sample: Kawartha Lakes Emergency Social Services"},
        "languages": [{"id": "l-svc", "code": "oj"}],
        "service_at_locations": [{
            "id": AT_LINDSAY,
            "location": {"id": LINDSAY, "location_type": "physical", "name": "Sample: Lindsay Recreation Complex",
                         "latitude": 44.35212, "longitude": -78.72654,
                         "addresses": [{"id": "a1", "city": "Lindsay", "state_province": "ON",
                                        "address_type": "physical"}],
                         "languages": [{"id": "l-loc", "code": "en"}]},
            EXTENSION: {"capacity": 120, "occupancy": 38, "accepts_pets": True, "accessible": True, "families": False,
                        **capacity},
        }],
    }


class TestHsdsJson:
    def test_a_compiled_service_with_its_service_at_locations(self):
        found = shelters_from(*tables_from_json(compiled_service()))
        (shelter,) = found.shelters
        assert shelter.id == AT_LINDSAY and shelter.row == "$.service_at_locations[0]"
        assert shelter.profile.place == "Lindsay, ON" and shelter.profile.languages == ["en", "oj"]
        assert (shelter.profile.capacity, shelter.profile.accepts_pets, shelter.profile.families) == (120, True, False)

    def test_a_list_of_services_and_an_api_page_of_them(self):
        assert shelters_from(*tables_from_json([compiled_service()])).shelters[0].row == "$[0].service_at_locations[0]"
        page = {"total_items": 1, "page_number": 1, "contents": [compiled_service()]}
        assert shelters_from(*tables_from_json(page)).shelters[0].row == "$.contents[0].service_at_locations[0]"

    def test_compiled_service_at_locations_with_their_service_and_location(self):
        service = compiled_service()
        (at,) = service.pop("service_at_locations")
        found = shelters_from(*tables_from_json([{**at, "service": service}]))
        (shelter,) = found.shelters
        assert shelter.row == "$[0]" and shelter.profile.name.endswith("— Emergency warming centre")

    def test_the_same_location_under_two_services_is_read_once(self):
        night = {**compiled_service(), "id": "night", "name": "Overnight shelter"}
        night["service_at_locations"] = [{**night["service_at_locations"][0], "id": "night-at-lindsay"}]
        found = shelters_from(*tables_from_json([compiled_service(), night]))
        assert [s.id for s in found.shelters] == [AT_LINDSAY, "night-at-lindsay"] and not found.warnings

    def test_items_that_are_not_services_or_service_at_locations_are_rejected_and_counted(self):
        no_count = compiled_service()
        no_count["service_at_locations"][0][EXTENSION] = "120 beds"
        found = shelters_from(*tables_from_json([42, {"id": "org-1", "name": "an organization"}, no_count]))
        assert found.rows == 3 and not found.shelters
        assert [(r.row, r.reason) for r in found.rejected] == [
            ("$[0]", "not a JSON object"),
            ("$[1]", "neither an HSDS service with service_at_locations nor a service_at_location with its "
                     "service and location"),
            ("$[2].service_at_locations[0]", "x_muster_capacity is not an object"),
        ]

    def test_a_service_at_location_without_capacity_says_so(self):
        service = compiled_service()
        del service["service_at_locations"][0][EXTENSION]
        (rejected,) = shelters_from(*tables_from_json(service)).rejected
        assert rejected.row == "$.service_at_locations[0]" and rejected.reason.startswith("no x_muster_capacity row")


def as_tables(package: dict[str, list[dict[str, str]]]) -> dict[str, list[Row]]:
    return {name: rows(name, *records) for name, records in package.items()}


class TestExportReadsBackAsTheSameShelters:
    def test_round_trip(self):
        shelters = [
            ("orillia-rotary-place", ShelterProfile(
                name="Sample: Orillia Rotary Place warming centre", location={"lat": 44.5953, "lon": -79.4417},
                place="Orillia, ON", capacity=200, occupancy=164, accepts_pets=True, accessible=True, families=True,
                languages=["en", "fr"], partner_id="sample-orillia-responders")),
            ("closed-hall", ShelterProfile(name="=HYPERLINK(\"x\")", location={"lat": 44.3, "lon": -78.3},
                                           capacity=10, open=False, languages=["oj"])),
            ("no-town", ShelterProfile(name="Sample: Kenora hall", location={"lat": 49.7671, "lon": -94.4894},
                                       place="Kenora", capacity=0)),
        ]
        package = package_from(shelters, {"sample-orillia-responders": "Sample: Orillia area responders"})
        found = shelters_from(as_tables(package))
        assert (found.rejected, found.warnings) == ((), ())
        assert [(s.id, s.profile) for s in found.shelters] == shelters
        assert package["location"][1]["name"] == "'=HYPERLINK(\"x\")"
        assert package["service"][1]["status"] == "temporarily closed"
        assert [o["name"] for o in package["organization"]] == ["Sample: Orillia area responders",
                                                                "Muster shelter directory"]
        assert package_from(shelters, {}) == package_from(shelters, {}), "exports are deterministic"

    def test_every_table_has_its_columns_and_the_descriptor_lists_them(self):
        package = package_from([("s1", ShelterProfile(name="Sample: a", location={"lat": 44.3, "lon": -78.3},
                                                      place="Lindsay, ON", capacity=5))], {})
        descriptor = datapackage("notice")
        assert [r["name"] for r in descriptor["resources"]] == list(COLUMNS) == list(package)
        for resource in descriptor["resources"]:
            assert resource["path"] == PATHS[resource["name"]]
            assert [f["name"] for f in resource["schema"]["fields"]] == [c for c, _ in COLUMNS[resource["name"]]]
            assert all(set(row) == {c for c, _ in COLUMNS[resource["name"]]} for row in package[resource["name"]])
