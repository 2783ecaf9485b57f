"""HSDS 3.0 JSON in every form a 211 system publishes it, read as the CSV package is: compiled
services and service_at_locations, organizations with their services, tabular JSON, API pages."""
from __future__ import annotations

import copy

from formats.hsds import sites_from
from formats.hsds_json import tables_from_json
from formats.hsds_tables import CAPACITY
from tests.support.hsds import AT_LINDSAY, LINDSAY, ORG, WARMING

CHARGING = "5b924fa4-4955-4d60-8b88-57aeb45d23d5"


def compiled_service(**capacity) -> dict:
    """The Lindsay warming centre as a compiled HSDS service, with its bed count."""
    return {
        "id": WARMING, "name": "Emergency warming centre", "status": "active",
        "organization": {"id": ORG, "name": "Sample: Kawartha Lakes Emergency Social Services"},
        "languages": [{"id": "l-svc", "code": "oj"}],
        "service_at_locations": [{
            "id": AT_LINDSAY,
            "location": {"id": LINDSAY, "location_type": "physical", "name": "Sample: Lindsay Recreation Complex",
                         "latitude": 44.35212, "longitude": -78.72654,
                         "addresses": [{"id": "a1", "address_1": "133 Adelaide St S", "city": "Lindsay",
                                        "state_province": "ON", "address_type": "physical"}],
                         "languages": [{"id": "l-loc", "code": "en"}]},
            CAPACITY: {"capacity": 120, "occupancy": 38, "accepts_pets": True, "accessible": True, "families": False,
                       **capacity},
        }],
    }


def charging_service() -> dict:
    """A charging station at Lindsay, with what a 211 steward keeps nested where HSDS puts it."""
    return {
        "id": "svc-charging", "name": "Device charging station", "status": "active",
        "phones": [{"id": "p1", "number": "705-555-0141", "type": "voice"}],
        "schedules": [{"id": "s1", "freq": "WEEKLY", "byday": "MO,TU,WE,TH,FR", "opens_at": "08:00",
                       "closes_at": "22:00"}],
        "attributes": [{"id": "at1", "taxonomy_term": {"id": "t1", "name": "Disaster Related Charging Stations",
                                                       "description": "211 term"}}],
        "service_at_locations": [{
            "id": CHARGING, "location_id": LINDSAY,
            "schedules": [{"id": "s2", "byday": "SA,SU", "opens_at": "10:00", "closes_at": "16:00"}],
        }],
    }


def lindsay_location() -> dict:
    return {"id": LINDSAY, "location_type": "physical", "name": "Sample: Lindsay Recreation Complex",
            "latitude": 44.35212, "longitude": -78.72654,
            "accessibility": [{"id": "x1", "description": "Wheelchair access at the main door."}],
            "languages": [{"id": "l1", "code": "en"}]}


class TestCompiledServices:
    def test_a_compiled_service_with_its_service_at_locations(self):
        (shelter,) = sites_from(*tables_from_json(compiled_service())).shelters
        assert shelter.id == AT_LINDSAY and shelter.row == "$.service_at_locations[0]"
        assert shelter.profile.place == "Lindsay, ON" and shelter.profile.languages == ["en", "oj"]
        assert (shelter.profile.capacity, shelter.profile.accepts_pets, shelter.profile.families) == (120, True, False)

    def test_a_list_of_services_and_an_api_page_of_them(self):
        assert sites_from(*tables_from_json([compiled_service()])).shelters[0].row == "$[0].service_at_locations[0]"
        page = {"total_items": 1, "page_number": 1, "contents": [compiled_service()]}
        assert sites_from(*tables_from_json(page)).shelters[0].row == "$.contents[0].service_at_locations[0]"

    def test_compiled_service_at_locations_with_their_service_and_location(self):
        service = compiled_service()
        (at,) = service.pop("service_at_locations")
        (shelter,) = sites_from(*tables_from_json([{**at, "service": service}])).shelters
        assert shelter.row == "$[0]" and shelter.profile.name.endswith("— Emergency warming centre")

    def test_the_same_location_under_two_services_is_read_once(self):
        night = {**compiled_service(), "id": "night", "name": "Overnight shelter"}
        night["service_at_locations"] = [{**night["service_at_locations"][0], "id": "night-at-lindsay"}]
        found = sites_from(*tables_from_json([compiled_service(), night]))
        assert [s.id for s in found.shelters] == [AT_LINDSAY, "night-at-lindsay"] and not found.warnings

    def test_a_charging_station_keeps_its_phone_hours_and_type_from_its_nested_objects(self):
        (organization,) = [{"id": ORG, "name": "Sample: Kawartha Lakes ESS", "locations": [lindsay_location()],
                            "services": [charging_service()]}]
        found = sites_from(*tables_from_json(organization))
        (site,) = found.services
        assert (site.id, site.row) == (CHARGING, "$.services[0].service_at_locations[0]")
        profile = site.profile
        assert (profile.service_type, profile.phone, profile.accessible, profile.languages) == (
            "charging_station", "705-555-0141", True, ["en"])
        assert [s.byday for s in profile.schedules] == [["SA", "SU"]]  # the service_at_location's own hours

    def test_items_that_are_no_site_are_rejected_and_counted(self):
        no_count = compiled_service()
        no_count["service_at_locations"][0][CAPACITY] = "120 beds"
        found = sites_from(*tables_from_json([42, {"id": "org-1", "name": "an organization"}, no_count,
                                              {"id": "svc", "status": "active", "name": "Meals"},
                                              {"id": "loc", "latitude": 44.3, "longitude": -78.3}])
                           )
        assert found.rows == 5 and not found.shelters and not found.services
        assert [(r.row, r.reasons) for r in found.rejected] == [
            ("$[0]", ("not a JSON object",)),
            ("$[1]", ("neither an HSDS service with service_at_locations, a service_at_location with its service "
                      "and location, nor an organization with its services",)),
            ("$[3]", ("a service without service_at_locations: Muster needs to know where it is offered",)),
            ("$[4]", ("a location without a service: Muster needs to know what is offered there",)),
            ("$[2].service_at_locations[0]", ("x_muster_capacity is not an object",)),
        ]

    def test_nested_parts_of_the_wrong_shape_are_reported(self):
        service = compiled_service()
        service["phones"] = "705-555-0100"
        service["service_at_locations"].append("not a site")
        service["service_at_locations"][0]["location"]["languages"].append("French")
        found = sites_from(*tables_from_json(service))
        assert len(found.shelters) == 1
        assert [(r.row, r.reason) for r in found.rejected] == [("$.service_at_locations[1]", "not a JSON object")]
        assert [(w.row, w.reason) for w in found.warnings] == [
            ("$", "phones is not a list; left out"),
            ("$.service_at_locations[0].location.languages[1]", "not a JSON object; this language is left out")]
        broken = compiled_service()
        broken["service_at_locations"] = {"id": "x"}
        assert [(r.row, r.reason) for r in sites_from(*tables_from_json(broken)).rejected] == [
            ("$.service_at_locations", "service_at_locations is not a list")]

    def test_a_service_at_location_without_capacity_is_a_service_site_now(self):
        service = compiled_service()
        del service["service_at_locations"][0][CAPACITY]
        (site,) = sites_from(*tables_from_json(service)).services
        assert site.row == "$.service_at_locations[0]" and site.profile.service_type == "warming_centre"


class TestOrganizationsWithTheirServices:
    def test_an_organizations_locations_are_found_by_id_and_its_phone_is_the_fallback(self):
        service = charging_service()
        del service["phones"]
        organization = {"id": ORG, "name": "Sample: Kawartha Lakes ESS", "locations": [lindsay_location()],
                        "phones": [{"id": "p0", "number": "705-555-0100"}], "services": [service]}
        (site,) = sites_from(*tables_from_json({"contents": [organization]})).services
        assert site.row == "$.contents[0].services[0].service_at_locations[0]"
        assert site.profile.phone == "705-555-0100"

    def test_a_location_nested_twice_is_not_a_conflict(self):
        service = charging_service()
        service["service_at_locations"][0]["location"] = lindsay_location()
        organization = {"id": ORG, "name": "Org", "locations": [lindsay_location()], "services": [service]}
        found = sites_from(*tables_from_json(organization))
        assert len(found.services) == 1 and not found.warnings


class TestTabularJson:
    def rows(self) -> dict:
        return {
            "services.csv": [{"id": "svc-meals", "name": "Hot meals", "status": "active"}],
            "locations.csv": [{k: v for k, v in lindsay_location().items() if k not in ("accessibility", "languages")}],
            "service_at_location.csv": [{"id": "sal-meals", "service_id": "svc-meals", "location_id": LINDSAY}],
            "schedules.csv": [{"id": "s1", "service_id": "svc-meals", "byday": "MO", "opens_at": "11:30",
                               "closes_at": "13:30"}],
            "languages.csv": [{"id": "l1", "service_id": "svc-meals", "code": "fr"},
                              {"id": "l2", "location_id": LINDSAY, "code": "en"}],
            "contacts.csv": [{"id": "c1", "name": "Not read"}],
        }

    def test_one_object_of_tables_each_a_list_of_rows(self):
        (site,) = sites_from(*tables_from_json(self.rows())).services
        assert site.row == '$["service_at_location.csv"][0]'
        assert (site.profile.service_type, site.profile.languages) == ("meals", ["en", "fr"])
        assert site.profile.schedules[0].byday == ["MO"]

    def test_tables_may_be_named_without_csv_and_a_row_that_is_no_object_is_reported(self):
        plain = {name.removesuffix(".csv"): rows for name, rows in self.rows().items()}
        plain["service_at_location"] = plain["service_at_location"] + ["oops"]
        found = sites_from(*tables_from_json(plain))
        assert len(found.services) == 1
        assert [(r.row, r.reason) for r in found.rejected] == [('$["service_at_location"][1]', "not a JSON object")]

    def test_the_original_is_not_changed(self):
        document = self.rows()
        before = copy.deepcopy(document)
        tables_from_json(document)
        assert document == before
