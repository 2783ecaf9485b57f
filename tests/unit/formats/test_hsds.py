"""An Open Referral HSDS 3.0 directory read into Muster: which service_at_locations become
shelters (beds) and which become service sites of which type, what is rejected, and that every
problem of a row is reported, not only the first."""
from __future__ import annotations

import re

import pytest

from formats.hsds import DEFAULT_TYPES, ImportedService, ImportedShelter, site_id, sites_from
from formats.hsds_tables import CAPACITY, SITE
from handlers.common import ID_PATTERN
from handlers.shelters import ShelterProfile
from tests.support.hsds import (
    AT_FENELON,
    AT_LINDSAY,
    FENELON,
    LINDSAY,
    SAL_ROW,
    WARMING,
    directory,
    read,
    reasons,
    the_site,
    without_beds,
)

TERM = {"id": "term-1", "name": "Disaster Related Charging Stations", "description": "211 term"}


def with_term(term: dict, link_id: str = WARMING, **changes) -> dict:
    """The Lindsay site without beds, with one taxonomy term linked to its service."""
    return without_beds(taxonomy_term=[term], attribute=[{"id": "attr-1", "link_id": link_id, "link_entity": "service",
                                                          "taxonomy_term_id": term["id"]}], **changes)


class TestAWarmingCentreWithBedsBecomesAShelter:
    def test_every_field_is_taken_from_its_hsds_home(self):
        found = sites_from(directory())
        assert (found.rows, found.rejected, found.warnings, found.services) == (1, (), (), ())
        (shelter,) = found.shelters
        assert shelter.id == AT_LINDSAY and shelter.row == SAL_ROW
        assert shelter.profile == ShelterProfile(
            name="Sample: Lindsay Recreation Complex — Emergency warming centre",
            location={"lat": 44.35212, "lon": -78.72654}, place="Lindsay, ON", capacity=120, occupancy=38,
            open=True, accepts_pets=True, accessible=True, families=True, languages=["en", "fr"], partner_id=None,
            address={"address_1": "133 Adelaide St S", "city": "Lindsay", "state_province": "ON",
                     "postal_code": "K9V 3K2"},
        )

    def test_one_service_at_two_locations_is_two_shelters_named_by_their_service_at_location(self):
        fenelon = {"id": FENELON, "location_type": "physical", "name": "Sample: Fenelon Falls Community Centre",
                   "latitude": "44.53687", "longitude": "-78.74215"}
        found = sites_from(directory(
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
        shelter = the_site(directory(service={"status": "Temporarily Closed"}))
        assert (shelter.profile.open, shelter.profile.status) == (False, "closed")

    def test_the_extension_says_limited_and_why(self):
        shelter = the_site(directory(x_muster_capacity={"status": "limited", "status_reason": "no_heat"}))
        assert (shelter.profile.open, shelter.profile.status, shelter.profile.status_reason) == (True, "limited",
                                                                                                 "no_heat")

    def test_blank_needs_mean_no_and_blank_occupancy_means_empty(self):
        shelter = the_site(directory(x_muster_capacity=[
            {"service_at_location_id": AT_LINDSAY, "capacity": "40", "occupancy": "", "accepts_pets": "",
             "accessible": " ", "families": "no", "partner_id": "salvation-army-on"}]))
        profile = shelter.profile
        assert (profile.occupancy, profile.accepts_pets, profile.accessible, profile.families) == (0,) + (False,) * 3
        assert profile.partner_id == "salvation-army-on"

    def test_a_name_the_location_and_service_share_is_said_once(self):
        assert the_site(directory(service={"name": "sample: lindsay recreation complex"})).profile.name == (
            "Sample: Lindsay Recreation Complex")
        assert the_site(directory(location={"name": ""})).profile.name == "Emergency warming centre"
        assert the_site(directory(service={"name": "x" * 190})).profile.name == "Sample: Lindsay Recreation Complex"

    def test_ids_muster_cannot_take_are_mapped_the_same_way_every_time(self):
        assert site_id(AT_LINDSAY) == AT_LINDSAY
        odd = site_id("SAL #17 (Lindsay)")
        assert odd == site_id("SAL #17 (Lindsay)") != site_id("SAL #18 (Lindsay)")
        assert re.match(ID_PATTERN, odd) and odd.startswith("hsds-")
        assert site_id("x" * 129).startswith("hsds-")
        found = sites_from(directory(service_at_location={"id": "SAL #17 (Lindsay)"},
                                     x_muster_capacity={"service_at_location_id": "SAL #17 (Lindsay)"}))
        assert found.shelters[0].id == odd


class TestWhatMakesASiteHoldBeds:
    def test_a_capacity_row_makes_a_shelter_whatever_its_terms_say(self):
        site = the_site(directory(taxonomy_term=[TERM], attribute=[
            {"id": "a1", "link_id": WARMING, "link_entity": "service", "taxonomy_term_id": "term-1"}]))
        assert isinstance(site, ImportedShelter) and site.profile.capacity == 120

    @pytest.mark.parametrize("changes", [
        {"service": {"name": "Overnight emergency shelter"}},
        {"service": {"name": "Emergency family shelter"}},
        {"service": {"name": "Hébergement d'urgence"}},
        {"taxonomy_term": [{**TERM, "name": "Homeless Shelter"}],
         "attribute": [{"id": "a1", "link_id": WARMING, "taxonomy_term_id": "term-1"}]},
        {SITE: [{"service_at_location_id": AT_LINDSAY, "service_type": "overnight_shelter"}]},
    ])
    def test_a_service_said_to_be_an_overnight_shelter_needs_a_bed_count(self, changes):
        assert reasons(without_beds(**changes)) == (
            "no x_muster_capacity row: HSDS has no bed count, and Muster needs one to offer beds here",)

    def test_a_service_without_beds_becomes_a_service_site(self):
        site = the_site(without_beds())
        assert isinstance(site, ImportedService) and site.id == AT_LINDSAY
        assert site.profile.service_type == "warming_centre" and site.profile.families is True

    def test_a_pet_shelter_holds_no_beds_for_people(self):
        assert the_site(without_beds(service={"name": "Emergency pet shelter"})).profile.service_type == "pet_shelter"

    def test_the_extension_and_a_capacity_row_that_disagree_are_a_problem(self):
        assert f"{SITE} says meals, but an {CAPACITY} row counts beds here; which is it?" in reasons(directory(
            x_muster_service=[{"service_at_location_id": AT_LINDSAY, "service_type": "meals"}]))


class TestTheTypeOfAService:
    @pytest.mark.parametrize(("term", "kind"), [
        ({"code": "charging_station", "name": "Recharge"}, "charging_station"),  # Muster's own code
        ({"name": "Disaster Related Charging Stations"}, "charging_station"),  # a 211 term, by name
        ({"name": "food pantries"}, "food_bank"),
        ({"name": "Centre de réchauffement"}, "warming_centre"),  # a label, in French
        ({"code": "BH-1800.1500", "name": "Extreme Weather Warming Centres"}, "warming_centre"),  # its words
        ({"name": "Bottled water distribution"}, "drinking_water"),
    ])
    def test_from_a_taxonomy_term_linked_to_the_service(self, term, kind):
        site = the_site(with_term({**TERM, "code": "", **term}, service={"name": "Help for storm victims"}))
        assert site.profile.service_type == kind

    def test_from_a_term_linked_to_the_service_at_location(self):
        site = the_site(with_term(TERM, link_id=AT_LINDSAY, service={"name": "Help"}))
        assert site.profile.service_type == "charging_station"

    def test_a_term_linked_to_something_else_says_nothing(self):
        found = read(without_beds(service={"name": "Help"}, taxonomy_term=[TERM], attribute=[
            {"id": "a1", "link_id": WARMING, "link_entity": "organization", "taxonomy_term_id": "term-1"}]))
        assert not found.services and "no service type" in found.rejected[0].reason

    @pytest.mark.parametrize(("name", "kind"), [
        ("Device charging station", "charging_station"), ("Hot meals", "meals"), ("Soup kitchen", "meals"),
        ("Emergency food hampers", "food_bank"), ("Banque alimentaire", "food_bank"),
        ("Bottled water pick-up", "drinking_water"), ("Showers", "showers"), ("Pharmacy", "pharmacy"),
        ("Oxygen concentrator power", "medical_device_power"), ("Shuttle service", "transport"),
        ("Free shuttle", "transport"), ("Storm information desk", "information_centre"),
        ("Summer cooling centre", "cooling_centre"), ("Refuge pour animaux", "pet_shelter"),
    ])
    def test_from_the_words_of_its_name_when_no_term_says_it(self, name, kind):
        assert the_site(without_beds(service={"name": name})).profile.service_type == kind

    def test_the_extension_row_says_it_outright(self):
        site = the_site(without_beds(service={"name": "Help"}, x_muster_service=[
            {"service_at_location_id": AT_LINDSAY, "service_type": "showers"}]))
        assert site.profile.service_type == "showers"
        assert "is not one of" in reasons(without_beds(x_muster_service=[
            {"service_at_location_id": AT_LINDSAY, "service_type": "hot tub"}]))[0]

    def test_several_types_at_once_take_the_first_and_warn(self):
        found = read(without_beds(service={"name": "Warming centre with meals and charging"}))
        assert found.services[0].profile.service_type == "warming_centre"
        assert [w.reason for w in found.warnings] == [
            "its taxonomy terms or name also say charging_station, meals; listed as warming_centre"]

    def test_a_type_that_cannot_be_told_is_rejected_with_what_to_do(self):
        assert reasons(with_term({**TERM, "name": "Counselling"}, service={"name": "Community drop-in"})) == (
            "no service type: neither its taxonomy terms ('Counselling') nor its name 'Community drop-in' say one; "
            "add a 211 taxonomy term such as 'Warming Centers', a service_type in x_muster_service, or import "
            "with --default-type",)

    def test_or_takes_the_default_type_with_a_warning(self):
        found = read(without_beds(service={"name": "Community drop-in"}), default_type="information_centre")
        assert found.services[0].profile.service_type == "information_centre"
        assert [w.reason for w in found.warnings] == [
            "no service type in its taxonomy terms or name; imported as information_centre (the default type)"]

    def test_the_default_type_is_never_beds(self):
        assert "overnight_shelter" not in DEFAULT_TYPES
        with pytest.raises(ValueError, match="default type 'overnight_shelter' is not one of"):
            sites_from(directory(), default_type="overnight_shelter")


class TestAServiceSite:
    def test_its_needs_partner_and_status_come_from_its_extension_row(self):
        site = the_site(without_beds(x_muster_service=[{
            "service_at_location_id": AT_LINDSAY, "service_type": "", "accepts_pets": "yes", "accessible": "",
            "families": "no", "partner_id": "salvation-army-on", "status": "limited", "status_reason": "no_power"}]))
        profile = site.profile
        assert (profile.accepts_pets, profile.accessible, profile.families, profile.partner_id) == (
            True, False, False, "salvation-army-on")
        assert (profile.status, profile.status_reason) == ("limited", "no_power")

    def test_without_one_it_takes_the_defaults_no_pets_families_welcome(self):
        profile = the_site(without_beds()).profile
        assert (profile.accepts_pets, profile.families, profile.partner_id, profile.status) == (
            False, True, None, "open")

    def test_its_description_is_the_service_at_locations_else_the_services_shortened_to_fit(self):
        assert the_site(without_beds(service={"description": "Cots and\n  soup."})).profile.description == (
            "Cots and soup.")
        here = the_site(without_beds(service={"description": "Cots."}, service_at_location={"description": "Soup."}))
        assert here.profile.description == "Soup."
        found = read(without_beds(service={"description": "word " * 60}))
        assert len(found.services[0].profile.description) <= 200
        assert found.services[0].profile.description.endswith("word…")
        assert [w.reason for w in found.warnings] == ["description shortened to 200 characters"]

    def test_an_extension_status_that_contradicts_hsds_is_a_problem(self):
        assert reasons(without_beds(x_muster_service=[{"service_at_location_id": AT_LINDSAY, "status": "closed"}])) == (
            "the extension says closed but the service is active",)


class TestRowsThatCannotBeSites:
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
        (found,) = reasons(directory(location={"latitude": latitude, "longitude": longitude}))
        assert reason in found

    def test_both_coordinates_wrong_are_two_problems(self):
        assert reasons(directory(location={"latitude": "north", "longitude": "999"})) == (
            "latitude 'north' is not a number", "longitude 999 is outside -180 to 180")

    def test_a_virtual_location_is_no_place_to_go(self):
        assert reasons(without_beds(location={"location_type": "virtual"})) == (
            "location 'Sample: Lindsay Recreation Complex' is virtual: a caller needs a physical place to go to",)

    @pytest.mark.parametrize(("status", "reason"), [
        ("inactive", "service 'Emergency warming centre' is inactive"),
        ("defunct", "service 'Emergency warming centre' is defunct"),
        ("", "service 'Emergency warming centre' has no status"),
        ("open", "service status 'open' is not one of active, inactive, defunct, temporarily closed"),
    ])
    def test_a_service_not_offered_now(self, status, reason):
        assert reasons(directory(service={"status": status})) == (reason,)

    def test_references_to_services_and_locations_not_in_the_directory(self):
        assert reasons(directory(service_at_location={"service_id": "nope"})) == (
            "service_id nope names no service in the directory",)
        assert reasons(directory(service_at_location={"location_id": "gone"})) == (
            "location_id gone names no location in the directory",)
        assert reasons(directory(service_at_location={"location_id": ""})) == ("no location_id",)

    def test_a_bed_count_that_is_missing_or_twice_given(self):
        assert reasons(directory(x_muster_capacity={"capacity": ""})) == ("x_muster_capacity has no capacity",)
        twice = [{"service_at_location_id": AT_LINDSAY, "capacity": "10"}] * 2
        assert reasons(directory(x_muster_capacity=twice)) == (
            "2 x_muster_capacity rows (x_muster_capacity.csv line 2, x_muster_capacity.csv line 3); "
            "which one is right?",)

    @pytest.mark.parametrize(("column", "value", "reason"), [
        ("capacity", "forty", "capacity 'forty' is not a whole number"),
        ("capacity", "12.5", "capacity '12.5' is not a whole number"),
        ("capacity", "-3", "capacity -3 is negative"),
        ("capacity", "200000", "capacity: Input should be less than or equal to 100000"),
        ("occupancy", "lots", "occupancy 'lots' is not a whole number"),
        ("accepts_pets", "maybe", "accepts_pets 'maybe' is not true or false"),
        ("partner_id", "Salvation Army", "partner_id: String should match pattern"),
        ("status_reason", "snow", "status_reason: Input should be"),
    ])
    def test_bad_numbers_and_flags_in_the_extension(self, column, value, reason):
        (found,) = reasons(directory(x_muster_capacity={column: value}))
        assert reason in found

    def test_a_whole_number_written_with_a_decimal_point_is_still_whole(self):
        assert the_site(directory(x_muster_capacity={"capacity": "40.0"})).profile.capacity == 40

    def test_a_repeated_service_at_location_id_keeps_the_first(self):
        same = {"id": AT_LINDSAY, "service_id": WARMING, "location_id": LINDSAY}
        found = sites_from(directory(service_at_location=[same, same]))
        assert [s.row for s in found.shelters] == [SAL_ROW]
        (duplicate,) = found.rejected
        assert (duplicate.row, duplicate.reasons) == ("service_at_location.csv line 3",
                                                      ("duplicate id: service_at_location.csv line 2 has it too",))
        assert found.rows == 2

    def test_no_id_no_site(self):
        found = sites_from(directory(service_at_location={"id": ""}))
        assert [(r.id, r.reasons) for r in found.rejected] == [(None, ("no id",))]

    def test_a_differing_repeat_of_a_location_is_a_warning_and_the_first_is_used(self):
        first = directory()["location"][0].fields
        found = sites_from(directory(location=[first, {**first, "latitude": "0"}]))
        assert found.shelters[0].profile.location.lat == 44.35212
        assert [w.reason for w in found.warnings] == [
            "another location has this id (locations.csv line 2); the first is used"]
        assert not sites_from(directory(location=[first, first])).warnings

    def test_an_extension_row_for_a_service_at_location_not_in_the_directory_is_a_warning(self):
        counts = [{"service_at_location_id": AT_LINDSAY, "capacity": "120"},
                  {"service_at_location_id": "elsewhere", "capacity": "5"}]
        found = sites_from(directory(x_muster_capacity=counts, x_muster_service=[
            {"service_at_location_id": "gone", "service_type": "meals"}]))
        assert len(found.shelters) == 1
        assert [(w.row, w.id) for w in found.warnings] == [("x_muster_capacity.csv line 3", "elsewhere"),
                                                           ("x_muster_service.csv line 2", "gone")]


class TestEveryProblemOfARowIsReported:
    def test_a_bed_row_with_four_problems_lists_all_four(self):
        assert reasons(directory(
            service={"status": "defunct"}, location={"latitude": "-78.72654", "longitude": "44.35212"},
            x_muster_capacity={"capacity": "lots", "families": "perhaps"},
            schedule=[{"id": "s1", "service_id": WARMING, "freq": "MONTHLY", "byday": "1SA"}],
        )) == (
            "service 'Emergency warming centre' is defunct",
            "latitude -78.72654 and longitude 44.35212 look swapped",
            "schedules.csv line 2: freq MONTHLY: not supported; Muster reads hours that repeat every week "
            "(byday, opens_at, closes_at, valid_from, valid_to)",
            "schedules.csv line 2: byday 1SA counts weekdays in a month, which is not supported",
            "families 'perhaps' is not true or false",
            "capacity 'lots' is not a whole number",
        )

    def test_a_service_row_with_no_type_no_place_and_a_reference_gone(self):
        assert reasons(without_beds(service={"name": "Drop-in"}, service_at_location={"location_id": "gone"})) == (
            "location_id gone names no location in the directory",
            "no service type: neither its taxonomy terms (none) nor its name 'Drop-in' say one; add a 211 taxonomy "
            "term such as 'Warming Centers', a service_type in x_muster_service, or import with --default-type",
        )
