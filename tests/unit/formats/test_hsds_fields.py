"""What a 211 data steward keeps about a site, read from HSDS 3.0 rows: opening hours, phone,
street address, wheelchair access and languages, at the level (service_at_location, service,
location, organization) where the steward wrote them."""
from __future__ import annotations

from datetime import date, time

import pytest

from handlers.sites import Schedule, StreetAddress
from tests.support.hsds import AT_LINDSAY, LINDSAY, ORG, WARMING, read, reasons, the_site, without_beds


def hours(*schedules: dict) -> list[Schedule]:
    """The hours a service site gets from these schedule rows."""
    return the_site(without_beds(schedule=[{"id": f"s{i}", **s} for i, s in enumerate(schedules)])).profile.schedules


def schedule_problems(**schedule) -> tuple[str, ...]:
    return reasons(without_beds(schedule=[{"id": "s1", "service_id": WARMING, **schedule}]))


class TestOpeningHours:
    def test_weekly_hours_with_their_days_times_and_dates(self):
        assert hours({"service_id": WARMING, "freq": "WEEKLY", "byday": "MO, tu,WE", "opens_at": "09:00",
                      "closes_at": "17:30:00", "valid_from": "2025-01-06", "valid_to": "2025-03-31",
                      "description": "Weekdays"}) == [
            Schedule(byday=["MO", "TU", "WE"], opens_at=time(9), closes_at=time(17, 30), valid_from=date(2025, 1, 6),
                     valid_to=date(2025, 3, 31), description="Weekdays")]

    def test_dtstart_and_until_narrow_the_dates(self):
        (found,) = hours({"service_id": WARMING, "valid_from": "2025-01-01", "dtstart": "2025-02-01",
                          "until": "2025-02-28T00:00:00Z", "valid_to": "2025-12-31"})
        assert (found.valid_from, found.valid_to) == (date(2025, 2, 1), date(2025, 2, 28))

    def test_the_service_at_locations_hours_before_the_services_before_the_locations(self):
        sal = {"service_at_location_id": AT_LINDSAY, "opens_at": "08:00", "closes_at": "09:00"}
        service = {"service_id": WARMING, "opens_at": "10:00", "closes_at": "11:00"}
        building = {"location_id": LINDSAY, "opens_at": "07:00", "closes_at": "23:00"}
        assert [s.opens_at for s in hours(sal, service, building)] == [time(8)]
        assert [s.opens_at for s in hours(service, building)] == [time(10)]
        assert [s.opens_at for s in hours(building)] == [time(7)]

    def test_a_service_schedule_for_another_location_does_not_apply_here(self):
        elsewhere = {"service_id": WARMING, "location_id": "fenelon", "opens_at": "10:00", "closes_at": "11:00"}
        assert hours(elsewhere) == []

    def test_a_schedule_repeated_at_one_level_counts_once(self):
        row = {"id": "same", "service_id": WARMING, "opens_at": "10:00", "closes_at": "11:00"}
        site = the_site(without_beds(schedule=[row, row]))
        assert len(site.profile.schedules) == 1

    @pytest.mark.parametrize(("opens", "closes", "expected"), [
        ("00:00", "23:59", (None, None)),  # HSDS's advice for 24-hour services: all day
        ("20:00", "24:00", (time(20), time(0))),  # to midnight
        ("9:00", "17:00-05:00", (time(9), time(17))),  # Ontario's own offset: the wall clock
        ("09:00-04:00", "17:00-0400", (time(9), time(17))),
    ])
    def test_times_are_ontario_wall_clock_times(self, opens, closes, expected):
        (found,) = hours({"service_id": WARMING, "opens_at": opens, "closes_at": closes})
        assert (found.opens_at, found.closes_at) == expected

    def test_every_day_written_out_or_left_blank_is_every_day_and_null_is_blank(self):
        every = {"service_id": WARMING, "byday": "MO,TU,WE,TH,FR,SA,SU", "opens_at": "08:00", "closes_at": "20:00"}
        assert hours(every)[0].byday == []
        assert hours({**every, "byday": "null", "valid_to": "null"})[0].byday == []

    def test_no_schedule_is_around_the_clock(self):
        assert hours() == []

    def test_rules_other_than_weekly_are_one_problem_naming_each_part(self):
        assert schedule_problems(freq="MONTHLY", interval="2", byweekno="41", bymonthday="1,15", byyearday="3",
                                 count="10") == (
            "schedules.csv line 2: interval 2, freq MONTHLY, byweekno 41, bymonthday 1,15, byyearday 3, count 10: "
            "not supported; Muster reads hours that repeat every week (byday, opens_at, closes_at, valid_from, "
            "valid_to)",)

    def test_hours_muster_cannot_read_are_each_a_problem(self):
        assert schedule_problems(byday="2MO,XX", opens_at="nine", closes_at="17:00Z", timezone="3",
                                 valid_from="2025-13-01") == (
            "schedules.csv line 2: timezone 3 is not Ontario's UTC offset (-5 or -4)",
            "schedules.csv line 2: byday 2MO counts weekdays in a month, which is not supported",
            "schedules.csv line 2: byday XX is not a weekday (MO, TU, WE, TH, FR, SA, SU)",
            "schedules.csv line 2: opens_at 'nine' is not a time of day (HH:MM)",
            "schedules.csv line 2: closes_at 17:00Z is not in Ontario time: Muster keeps Ontario wall-clock hours, "
            "and an hour in another zone is a different Ontario hour in summer and in winter; write it without "
            "an offset",
            "schedules.csv line 2: valid_from '2025-13-01' is not a date (YYYY-MM-DD)",
        )

    def test_one_time_without_the_other_or_dates_backwards(self):
        assert schedule_problems(opens_at="09:00") == (
            "schedules.csv line 2: give both opens_at and closes_at, or neither (all day)",)
        assert "valid_to is before valid_from" in schedule_problems(valid_from="2025-02-01", valid_to="2025-01-01")[0]

    def test_an_ontario_timezone_is_fine(self):
        assert hours({"service_id": WARMING, "timezone": "-5", "opens_at": "08:00", "closes_at": "09:00"})

    def test_a_long_description_is_shortened_with_a_warning(self):
        found = read(without_beds(schedule=[{"id": "s1", "service_id": WARMING, "description": "x" * 600}]))
        assert len(found.services[0].profile.schedules[0].description) == 500
        assert [w.reason for w in found.warnings] == ["schedule description shortened to 500 characters"]


def phones(*rows: dict) -> tuple[str | None, list[str]]:
    found = read(without_beds(phone=[{"id": f"p{i}", **r} for i, r in enumerate(rows)]))
    return found.services[0].profile.phone, [w.reason for w in found.warnings]


class TestThePhoneNumber:
    def test_the_most_specific_voice_number_wins(self):
        assert phones({"organization_id": ORG, "number": "705-555-0100"},
                      {"location_id": LINDSAY, "number": "705-555-0101"},
                      {"service_id": WARMING, "number": "705-555-0102"},
                      {"service_at_location_id": AT_LINDSAY, "number": "705-555-0103"}) == ("705-555-0103", [])
        assert phones({"organization_id": ORG, "number": "705-555-0100"},
                      {"location_id": LINDSAY, "number": "705-555-0101"}) == ("705-555-0101", [])
        assert phones({"organization_id": ORG, "number": "705-555-0100"}) == ("705-555-0100", [])

    def test_a_fax_is_no_number_to_call_and_an_extension_is_kept(self):
        assert phones({"service_id": WARMING, "number": "705-555-0199", "type": "fax"},
                      {"service_id": WARMING, "number": "705-555-0177", "extension": 2, "type": "Voice"}) == (
            "705-555-0177 x2", [])

    def test_a_number_in_quotes_as_in_hsds_examples_and_a_number_that_is_none(self):
        assert phones({"service_id": WARMING, "number": '"+1 705 555 0142"'}) == ("+1 705 555 0142", [])
        assert phones({"service_id": WARMING, "number": "call the front desk"}) == (
            None, ["phone 'call the front desk' is not a phone number; left out"])


def addresses(*rows: dict):
    found = read(without_beds(address=[{"id": f"a{i}", "location_id": LINDSAY, **r} for i, r in enumerate(rows)]))
    profile = found.services[0].profile
    return profile.address, profile.place, [w.reason for w in found.warnings]


class TestTheStreetAddress:
    POSTAL = {"address_1": "PO Box 2024", "city": "Peterborough", "state_province": "ON", "postal_code": "K9J 7A2",
              "address_type": "postal"}
    PHYSICAL = {"address_1": "133 Adelaide St S", "address_2": "Door B", "city": "Lindsay",
                "state_province": "Ontario", "postal_code": "K9V 3K2", "address_type": "physical"}

    def test_the_physical_address_first(self):
        address, place, warnings = addresses(self.POSTAL, self.PHYSICAL)
        assert address == StreetAddress(address_1="133 Adelaide St S", address_2="Door B", city="Lindsay",
                                        state_province="ON", postal_code="K9V 3K2")
        assert (place, warnings) == ("Lindsay, ON", [])
        assert address.line() == "133 Adelaide St S, Door B, Lindsay, ON K9V 3K2"

    def test_a_postal_one_only_when_there_is_no_other_and_never_a_virtual_one(self):
        virtual = {"address_1": "https://example.org", "city": "Toronto", "address_type": "virtual"}
        address, place, _ = addresses(virtual, self.POSTAL)
        assert (address.address_1, place) == ("PO Box 2024", "Peterborough, ON")
        assert addresses(virtual)[:2] == (None, None)

    def test_a_town_without_a_street_names_the_place_only(self):
        assert addresses({"city": "Lindsay", "address_type": "physical"})[:2] == (None, "Lindsay")

    def test_an_address_muster_cannot_keep_is_left_out_with_a_warning(self):
        address, place, warnings = addresses({**self.PHYSICAL, "state_province": "MyState"})
        assert address is None and place == "Lindsay, MyState"
        assert warnings == ["address left out: state_province 'MyState' is not a province code such as ON"]


def accessible(*texts: str, flag: str | None = None) -> bool:
    changes: dict = {"accessibility": [{"id": f"x{i}", "location_id": LINDSAY, "description": t}
                                       for i, t in enumerate(texts)]}
    if flag is not None:
        changes["x_muster_service"] = [{"service_at_location_id": AT_LINDSAY, "accessible": flag}]
    return the_site(without_beds(**changes)).profile.accessible


class TestWheelchairAccess:
    @pytest.mark.parametrize(("texts", "expected"), [
        (("Wheelchair access is possible on all levels.",), True),  # HSDS's own example
        (("Barrier-free entrance; accessible washrooms.",), True),
        (("Entrée accessible en fauteuil roulant.",), True),
        (("No wheelchair access: the hall is up a flight of stairs.",), False),
        (("Induction loop for hearing aids.",), False),  # says nothing about wheelchairs
        (("Ramp at the side door.", "The washrooms are not wheelchair accessible."), False),  # a no wins
        ((), False),
    ])
    def test_from_the_locations_accessibility_rows(self, texts, expected):
        assert accessible(*texts) is expected

    def test_the_extension_flag_wins_when_given(self):
        assert accessible("No wheelchair access.", flag="true") is True
        assert accessible("Wheelchair accessible.", flag="false") is False
        assert accessible("Wheelchair accessible.", flag="") is True


def languages(*rows: dict) -> tuple[list[str], list[str]]:
    found = read(without_beds(language=[{"id": f"l{i}", **r} for i, r in enumerate(rows)]))
    return found.services[0].profile.languages, [w.reason for w in found.warnings]


class TestLanguages:
    def test_a_service_in_french_at_a_location_that_speaks_english_keeps_both(self):
        assert languages({"service_id": WARMING, "code": "fr"}, {"location_id": LINDSAY, "code": "en"}) == (
            ["en", "fr"], [])

    def test_each_code_once_and_codes_that_are_not_codes_are_left_out(self):
        assert languages({"location_id": LINDSAY, "code": "EN"}, {"service_id": WARMING, "code": "oj"},
                         {"service_id": WARMING, "location_id": LINDSAY, "code": "en"},
                         {"location_id": LINDSAY, "code": "French"}) == (
            ["en", "oj"], ["language code 'French' is not ISO 639; left out"])

    def test_only_a_language_hsds_says_is_listed_and_english_when_none_is(self):
        assert languages({"service_id": WARMING, "code": "ur"}) == (["ur"], [])
        assert languages() == (["en"], [])

    def test_a_phones_own_languages_are_not_the_sites(self):
        assert languages({"phone_id": "p1", "code": "ur"}, {"location_id": LINDSAY, "code": "en"}) == (["en"], [])
