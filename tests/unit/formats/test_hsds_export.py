"""Muster's directory written as an HSDS 3.0 package reads back as the same directory: shelters
and every other service, with hours, phones, addresses, wheelchair access, languages and type."""
from __future__ import annotations

from datetime import date, time

from formats.hsds import sites_from
from formats.hsds_export import COLUMNS, datapackage, package_from
from formats.hsds_tables import CAPACITY, PATHS, SITE
from handlers.services import ServiceProfile
from handlers.shelters import ShelterProfile
from handlers.sites import SERVICE_TYPES, Schedule
from tests.support.hsds import rows

ORILLIA = {"lat": 44.6082, "lon": -79.4197}
ROTARY_PLACE = {"address_1": "255 West St S", "city": "Orillia", "state_province": "ON", "postal_code": "L3V 5H1"}

SHELTERS = [
    ("orillia-rotary-place", ShelterProfile(
        name="Sample: Orillia Rotary Place warming centre", location={"lat": 44.5953, "lon": -79.4417},
        place="Orillia, ON", capacity=200, occupancy=164, accepts_pets=True, accessible=True, families=True,
        languages=["en", "fr"], partner_id="sample-orillia-responders", phone="705-555-0150",
        address={**ROTARY_PLACE, "address_2": "Door 3"},
        schedules=[Schedule(byday=["FR", "SA"], opens_at=time(20), closes_at=time(8), description="Nights")],
        status="limited", status_reason="full")),
    ("closed-hall", ShelterProfile(name="=HYPERLINK(\"x\")", location={"lat": 44.3, "lon": -78.3},
                                   capacity=10, open=False, status_reason="no_heat", languages=["oj"])),
    ("no-town", ShelterProfile(name="Sample: Kenora hall", location={"lat": 49.7671, "lon": -94.4894},
                               place="Kenora", capacity=0)),
]
SERVICES = [
    ("orillia-charging", ServiceProfile(
        name="Sample: Orillia library — charging", service_type="charging_station", location=ORILLIA,
        place="Orillia, ON", address={**ROTARY_PLACE, "address_1": "36 Mississaga St W"}, phone="+1 705 555 0160 x4",
        schedules=[Schedule(byday=["MO", "TU", "WE", "TH", "FR"], opens_at=time(9), closes_at=time(21, 30)),
                   Schedule(valid_from=date(2025, 3, 29), valid_to=date(2025, 4, 12), description="All day in the storm")],
        languages=["fr", "en"], accessible=True, description="-Chargers for phones and CPAP machines.")),
    ("orillia-meals", ServiceProfile(
        name="Sample: Orillia soup kitchen", service_type="meals", location=ORILLIA, place="Orillia, ON",
        status="closed", status_reason="no_power", accepts_pets=True, families=False,
        partner_id="salvation-army-on")),
    ("orillia-water", ServiceProfile(
        name="Sample: Orillia water depot", service_type="drinking_water", location=ORILLIA, status="limited",
        status_reason="no_staff", schedules=[Schedule(opens_at=time(0), closes_at=time(0))])),
]
NAMES = {"sample-orillia-responders": "Sample: Orillia area responders", "salvation-army-on": "The Salvation Army"}


def as_tables(package: dict[str, list[dict[str, str]]]) -> dict:
    return {name: rows(name, *records) for name, records in package.items()}


class TestExportReadsBackAsTheSameDirectory:
    def test_shelters_and_services_with_all_a_steward_keeps(self):
        package = package_from(SHELTERS, SERVICES, NAMES)
        found = sites_from(as_tables(package))
        assert (found.rejected, found.warnings) == ((), ())
        assert [(s.id, s.profile) for s in found.shelters] == SHELTERS
        assert [(s.id, s.profile) for s in found.services] == SERVICES

    def test_hsds_readers_see_hsds_fields(self):
        package = package_from(SHELTERS, SERVICES, NAMES)
        assert package["location"][1]["name"] == "'=HYPERLINK(\"x\")"
        assert [s["status"] for s in package["service"]] == [
            "active", "temporarily closed", "active", "active", "temporarily closed", "active"]
        assert package["phone"][1] == {"id": package["phone"][1]["id"], "service_at_location_id": "orillia-charging",
                                       "number": "'+1 705 555 0160 x4", "type": "voice"}
        night = package["schedule"][0]
        assert {k: night[k] for k in ("freq", "byday", "opens_at", "closes_at")} == {
            "freq": "WEEKLY", "byday": "FR,SA", "opens_at": "20:00:00", "closes_at": "08:00:00"}
        all_day = package["schedule"][2]
        assert (all_day["byday"], all_day["opens_at"], all_day["closes_at"], all_day["valid_to"]) == (
            "MO,TU,WE,TH,FR,SA,SU", "00:00:00", "23:59:00", "2025-04-12")
        assert [a["description"] for a in package["accessibility"]] == ["Wheelchair accessible"] * 2
        assert {(t["code"], t["name"]) for t in package["taxonomy_term"]} == {
            ("overnight_shelter", "Emergency Shelter"), ("charging_station", "Disaster Related Charging Stations"),
            ("meals", "Soup Kitchens"), ("drinking_water", "Drinking Water Provision")}
        assert [o["name"] for o in package["organization"]] == [
            "Sample: Orillia area responders", "Muster directory", "The Salvation Army"]
        assert [r["service_type"] for r in package[SITE]] == ["charging_station", "meals", "drinking_water"]
        assert package[CAPACITY][0]["status"] == "limited" and package[CAPACITY][0]["status_reason"] == "full"

    def test_a_service_type_reads_back_from_its_term_alone(self):
        for kind in SERVICE_TYPES[1:]:
            service = ServiceProfile(name="Sample: x", service_type=kind, location=ORILLIA)
            package = package_from([], [("s", service)], {})
            package[SITE] = []
            assert sites_from(as_tables(package)).services[0].profile.service_type == kind

    def test_exports_are_deterministic(self):
        assert package_from(SHELTERS, SERVICES, NAMES) == package_from(SHELTERS, SERVICES, NAMES)

    def test_every_table_has_its_columns_and_the_descriptor_lists_them(self):
        package = package_from(SHELTERS, SERVICES, NAMES)
        descriptor = datapackage("notice")
        assert [r["name"] for r in descriptor["resources"]] == list(COLUMNS) == list(package)
        for resource in descriptor["resources"]:
            assert resource["path"] == PATHS[resource["name"]]
            assert [f["name"] for f in resource["schema"]["fields"]] == [c for c, _ in COLUMNS[resource["name"]]]
            assert all(set(row) == {c for c, _ in COLUMNS[resource["name"]]} for row in package[resource["name"]])
            for key in resource["schema"].get("foreignKeys", []):
                assert key["reference"]["resource"] in COLUMNS
