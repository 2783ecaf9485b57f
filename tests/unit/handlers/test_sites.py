"""Opening hours read in Ontario time: open now, opens at, overnight, and the daylight-saving changes."""
from __future__ import annotations

import json
from datetime import UTC, datetime, time

import pytest
from hypothesis import given, settings, strategies as st

from handlers.services import ServiceProfile
from handlers.shelters import RegisterShelter, ShelterProfile
from handlers.sites import (
    ONTARIO,
    SERVICE_TYPE_LABELS,
    SERVICE_TYPES,
    Moment,
    OpeningHours,
    Schedule,
    StreetAddress,
    closed_hours,
    opening,
)

WEEKDAYS_9_TO_5 = [Schedule(byday=["MO", "TU", "WE", "TH", "FR"], opens_at=time(9), closes_at=time(17))]
NIGHTS = [Schedule(opens_at=time(20), closes_at=time(8))]


def toronto(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ONTARIO)


def test_a_site_with_no_hours_set_is_open_around_the_clock():
    assert opening([], toronto("2026-12-07 03:00")).open


def test_a_weekday_centre_is_open_at_ten_on_monday_and_says_when_it_closes():
    now = toronto("2026-12-07 10:00")
    assert opening(WEEKDAYS_9_TO_5, now).open
    assert opening(WEEKDAYS_9_TO_5, now).closes_at == toronto("2026-12-07 17:00")


def test_on_saturday_a_weekday_centre_says_it_opens_monday_at_nine():
    found = opening(WEEKDAYS_9_TO_5, toronto("2026-12-05 12:00"))
    assert not found.open and found.opens_at == toronto("2026-12-07 09:00")


@pytest.mark.parametrize("moment, is_open", [
    ("2026-12-07 21:00", True), ("2026-12-08 07:59", True), ("2026-12-08 08:00", False), ("2026-12-07 19:59", False),
])
def test_an_overnight_shelter_is_open_from_eight_at_night_to_eight_in_the_morning(moment, is_open):
    assert opening(NIGHTS, toronto(moment)).open is is_open


def test_nine_in_the_morning_stays_nine_on_the_monday_after_spring_forward():
    # 2026-03-08 02:00 EST becomes 03:00 EDT: 09:00 on Monday the 9th is 13:00 UTC, not 14:00.
    assert not opening(WEEKDAYS_9_TO_5, datetime(2026, 3, 9, 12, 59, tzinfo=UTC)).open
    assert opening(WEEKDAYS_9_TO_5, datetime(2026, 3, 9, 13, 0, tzinfo=UTC)).open


def test_nine_in_the_morning_stays_nine_on_the_monday_after_fall_back():
    # 2026-11-01 02:00 EDT becomes 01:00 EST: 09:00 on Monday the 2nd is 14:00 UTC.
    assert not opening(WEEKDAYS_9_TO_5, datetime(2026, 11, 2, 13, 59, tzinfo=UTC)).open
    assert opening(WEEKDAYS_9_TO_5, datetime(2026, 11, 2, 14, 0, tzinfo=UTC)).open


def test_the_night_the_clocks_fall_back_lasts_thirteen_hours():
    # 20:00 EDT on Oct 31 is 00:00 UTC Nov 1; 08:00 EST on Nov 1 is 13:00 UTC.
    found = opening(NIGHTS, datetime(2026, 11, 1, 12, 59, tzinfo=UTC))
    assert found.open and found.closes_at == datetime(2026, 11, 1, 13, 0, tzinfo=UTC)


def test_the_night_the_clocks_spring_forward_lasts_eleven_hours():
    # 20:00 EST on Mar 7 is 01:00 UTC Mar 8; 08:00 EDT on Mar 8 is 12:00 UTC.
    assert opening(NIGHTS, datetime(2026, 3, 8, 11, 59, tzinfo=UTC)).open
    assert not opening(NIGHTS, datetime(2026, 3, 8, 12, 0, tzinfo=UTC)).open


def test_a_schedule_outside_its_valid_dates_does_not_open_the_site():
    winter_only = [Schedule(valid_from="2026-12-01", valid_to="2027-03-31")]
    assert opening(winter_only, toronto("2026-12-07 12:00")).open
    assert not opening(winter_only, toronto("2026-11-30 12:00")).open
    assert opening(winter_only, toronto("2026-11-30 12:00")).opens_at == toronto("2026-12-01 00:00")


def test_one_time_without_the_other_is_refused():
    with pytest.raises(ValueError, match="both opens_at and closes_at"):
        Schedule(opens_at=time(9))


def test_every_service_type_has_an_english_and_a_french_label():
    assert set(SERVICE_TYPE_LABELS) == set(SERVICE_TYPES)
    assert all(label.en and label.fr for label in SERVICE_TYPE_LABELS.values())


def test_open_and_status_agree_whichever_is_given():
    where = {"lat": 44.3, "lon": -78.32}
    assert ShelterProfile(name="s", location=where, capacity=1, open=False).status == "closed"
    assert ServiceProfile(name="s", service_type="meals", location=where, status="closed").open is False
    assert ShelterProfile(name="s", location=where, capacity=1, status="limited", status_reason="no_heat").open
    with pytest.raises(ValueError, match="open is false exactly when status is closed"):
        ShelterProfile(name="s", location=where, capacity=1, open=True, status="closed")
    with pytest.raises(ValueError, match="open is false exactly when status is closed"):
        ShelterProfile.model_validate_json('{"name": "s", "location": {"lat": 44.3, "lon": -78.3}, "capacity": 1,'
                                           ' "open": 0, "status": "open"}')


def test_open_read_from_json_as_0_or_no_must_agree_with_status_as_the_field_reads_it():
    body = {"name": "s", "location": {"lat": 44.3, "lon": -78.32}, "capacity": 1}
    with pytest.raises(ValueError, match="open is false exactly when status is closed"):
        ShelterProfile.model_validate_json(json.dumps({**body, "open": 0, "status": "open"}))
    assert ShelterProfile.model_validate_json(json.dumps({**body, "open": "no"})).status == "closed"
    profile = ShelterProfile.model_validate_json(json.dumps({**body, "open": 0, "status": "closed"}))
    assert RegisterShelter(**dict(profile), id="s").open is False


def test_open_given_as_zero_or_no_is_read_as_closed_as_pydantic_reads_it():
    where = {"lat": 44.3, "lon": -78.32}
    assert ShelterProfile(name="s", location=where, capacity=1, open=0).status == "closed"
    assert ShelterProfile(name="s", location=where, capacity=1, open="no", status="closed").open is False
    with pytest.raises(ValueError, match="open is false exactly when status is closed"):
        ShelterProfile(name="s", location=where, capacity=1, open=0, status="open")


def test_beds_are_registered_as_shelters_not_as_listed_services():
    with pytest.raises(ValueError, match="overnight shelters hold beds"):
        ServiceProfile(name="s", service_type="overnight_shelter", location={"lat": 44.3, "lon": -78.32})


def test_a_street_address_prints_on_one_line():
    address = StreetAddress(address_1="151 Lansdowne St W", city="Peterborough", postal_code="K9J 1Y4")
    assert address.line() == "151 Lansdowne St W, Peterborough, ON K9J 1Y4"


def test_hours_compiled_once_answer_as_the_days_go_by_and_agree_with_opening():
    hours = OpeningHours(WEEKDAYS_9_TO_5 + NIGHTS)
    moments = [toronto(f"2026-12-{day:02d} {hour:02d}:30") for day in (4, 5, 6, 7, 8) for hour in range(0, 24, 3)]
    assert [hours.at(moment) for moment in moments] == [opening(WEEKDAYS_9_TO_5 + NIGHTS, m) for m in moments]
    assert hours.at(toronto("2026-12-05 12:00")).opens_at == toronto("2026-12-05 20:00")  # Saturday: nights only
    assert hours.at(toronto("2026-12-07 12:00")).closes_at == toronto("2026-12-07 17:00")


@pytest.mark.parametrize("given, status", [({"open": 0}, "closed"), ({"open": "yes"}, "open"), ({"open": "false"}, "closed")])
def test_open_written_as_a_number_or_a_word_sets_the_status_as_the_field_reads_it(given, status):
    where = {"lat": 44.3, "lon": -78.32}
    assert ServiceProfile(name="s", service_type="meals", location=where, **given).status == status
    with pytest.raises(ValueError, match="open is false exactly when status is closed"):
        ShelterProfile(name="s", location=where, capacity=1, open=0, status="open")


SCHEDULES = st.lists(st.builds(
    Schedule,
    byday=st.lists(st.sampled_from(["MO", "TU", "WE", "TH", "FR", "SA", "SU"]), max_size=3, unique=True),
    opens_at=st.sampled_from([time(0), time(2, 30), time(8), time(9), time(20)]),
    closes_at=st.sampled_from([time(0), time(3), time(8), time(17), time(23, 59)]),
), max_size=3)
MOMENTS = st.lists(st.datetimes(min_value=datetime(2026, 3, 5), max_value=datetime(2026, 3, 12),
                                timezones=st.just(UTC)), min_size=1, max_size=12)


@given(SCHEDULES, MOMENTS)
@settings(max_examples=150, deadline=None)
def test_hours_compiled_once_answer_any_moments_in_any_order_as_opening_does(schedules, moments):
    hours = OpeningHours(schedules)
    assert [hours.at(moment) for moment in moments] == [opening(schedules, moment) for moment in moments]


def test_an_hour_a_site_opens_for_a_minute_of_is_not_surely_closed_and_nights_carry_into_the_next_day():
    weekday_lunch = closed_hours([Schedule(byday=["MO"], opens_at=time(11, 30), closes_at=time(13, 30))])
    assert [hour for hour in range(24) if not weekday_lunch[hour]] == [11, 12, 13]
    assert all(weekday_lunch[24:])
    sunday_night = closed_hours([Schedule(byday=["SU"], opens_at=time(20), closes_at=time(8))])
    assert [hour for hour, closed in enumerate(sunday_night) if not closed] == [*range(0, 8), *range(164, 168)]
    assert not any(closed_hours([]))


@pytest.mark.parametrize("moment, hour", [("2026-03-08 12:00", None), ("2026-11-01 12:00", None),
                                          ("2026-03-09 09:30", 9), ("2026-03-07 23:59", 5 * 24 + 23)])
def test_the_hour_of_the_week_is_not_read_on_the_days_the_clocks_change(moment, hour):
    assert Moment.of(toronto(moment)).hour_of_week == hour
