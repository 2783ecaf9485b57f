"""What a caller reads on a printed list or sheet, in English and French: hours from Ontario's
clocks across the daylight-saving changes, distance and direction from their town, weekly hours."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from api.printed import direction, distance, hours_now, status_note, weekly_hours
from handlers.sites import Schedule, opening
from tests.support.sites import DAY_9_TO_21, ORILLIA, WEEKDAYS_8_TO_16

SUNDAY_NOON = datetime(2025, 3, 30, 16, 0, tzinfo=UTC)  # 12:00 in Orillia (EDT)
SATURDAY_NOON = datetime(2025, 3, 29, 16, 0, tzinfo=UTC)
TUESDAY_6AM = datetime(2025, 4, 1, 10, 0, tzinfo=UTC)
TUESDAY_11PM = datetime(2025, 4, 2, 3, 0, tzinfo=UTC)


def hours(schedules: list[dict], now: datetime) -> tuple[str, str]:
    found = opening([Schedule.model_validate(s) for s in schedules], now)
    return hours_now(found, now, "en"), hours_now(found, now, "fr")


class TestOpenNowOrOpensAt:
    def test_a_site_open_now_says_when_it_closes_today(self):
        assert hours(DAY_9_TO_21, SUNDAY_NOON) == ("open now, closes 21:00", "ouvert maintenant, ferme à 21 h")

    def test_a_site_closed_now_says_when_it_opens_today_tomorrow_or_on_which_day(self):
        assert hours(WEEKDAYS_8_TO_16, TUESDAY_6AM) == ("closed now, opens at 08:00", "fermé maintenant, ouvre à 8 h")
        assert hours(WEEKDAYS_8_TO_16, SUNDAY_NOON) == (
            "closed now, opens tomorrow at 08:00", "fermé maintenant, ouvre demain à 8 h")
        assert hours(WEEKDAYS_8_TO_16, SATURDAY_NOON) == (
            "closed now, opens Mon at 08:00", "fermé maintenant, ouvre lun. à 8 h")

    def test_an_overnight_site_open_late_closes_tomorrow_morning(self):
        overnight = [{"opens_at": "21:00", "closes_at": "07:30"}]
        assert hours(overnight, TUESDAY_11PM) == (
            "open now, closes tomorrow at 07:30", "ouvert maintenant, ferme demain à 7 h 30")

    @pytest.mark.parametrize("schedules", [[], [{"byday": []}]], ids=["no hours set", "all day every day"])
    def test_a_site_never_closing_is_open_around_the_clock(self, schedules):
        assert hours(schedules, SUNDAY_NOON) == ("open now, around the clock", "ouvert maintenant, jour et nuit")

    def test_a_site_whose_hours_have_ended_says_so(self):
        ended = [{"opens_at": "09:00", "closes_at": "17:00", "valid_to": "2025-03-01"}]
        assert hours(ended, SUNDAY_NOON) == (
            "closed now; no opening hours ahead", "fermé maintenant; aucune heure d’ouverture à venir")


class TestAcrossTheClockChanges:
    """Ontario's clocks go forward at 02:00 on 9 March 2025 and back at 02:00 on 2 November 2025:
    a site opening at 08:00 still opens at 08:00 on the wall clock, five or four hours from UTC."""

    def test_on_the_spring_forward_night_a_site_opens_at_eight_daylight_time(self):
        before_the_change = datetime(2025, 3, 9, 6, 30, tzinfo=UTC)  # 01:30 EST
        found = opening([Schedule(opens_at="08:00", closes_at="20:00")], before_the_change)
        assert found.opens_at == datetime(2025, 3, 9, 12, 0, tzinfo=UTC)
        assert hours_now(found, before_the_change, "en") == "closed now, opens at 08:00"
        assert hours_now(found, before_the_change, "fr") == "fermé maintenant, ouvre à 8 h"

    def test_on_the_fall_back_night_a_site_opens_at_eight_standard_time(self):
        before_the_change = datetime(2025, 11, 2, 4, 30, tzinfo=UTC)  # 00:30 EDT
        found = opening([Schedule(opens_at="08:00", closes_at="20:00")], before_the_change)
        assert found.opens_at == datetime(2025, 11, 2, 13, 0, tzinfo=UTC)
        assert hours_now(found, before_the_change, "en") == "closed now, opens at 08:00"

    def test_the_evening_before_the_change_a_site_opens_tomorrow_at_eight(self):
        evening = datetime(2025, 3, 9, 4, 0, tzinfo=UTC)  # 23:00 EST on 8 March
        found = opening([Schedule(opens_at="08:00", closes_at="20:00")], evening)
        assert hours_now(found, evening, "en") == "closed now, opens tomorrow at 08:00"


class TestDistanceAndDirection:
    @pytest.mark.parametrize("to, en, fr", [
        ((44.40011, -79.66634), "SW", "SO"),  # Barrie
        ((44.91681, -79.36633), "N", "N"),  # Gravenhurst
        ((44.60868, -79.70), "W", "O"),
        ((44.75, -79.22), "NE", "NE"),
        ((44.75, -79.62), "NW", "NO"),
    ])
    def test_the_compass_direction_from_the_callers_town(self, to, en, fr):
        assert direction(*ORILLIA, *to, "en") == en
        assert direction(*ORILLIA, *to, "fr") == fr

    def test_distance_reads_with_a_decimal_comma_in_french_and_a_site_in_the_centre_has_no_direction(self):
        assert distance(2.14, "NE", "en") == "2.1 km NE"
        assert distance(2.14, "NE", "fr") == "2,1 km NE"
        assert direction(*ORILLIA, *ORILLIA, "en") is None
        assert distance(0.0, None, "fr") == "au centre de la localité"


class TestWeeklyHours:
    def test_times_on_the_same_days_go_together_and_weekday_runs_are_ranges(self):
        pharmacy = [Schedule(byday=["MO", "TU", "WE", "TH", "FR"], opens_at="09:00", closes_at="21:00"),
                    Schedule(byday=["SA", "SU"], opens_at="10:00", closes_at="18:00")]
        meals = [Schedule(opens_at="11:30", closes_at="13:30"), Schedule(opens_at="17:00", closes_at="18:30")]
        assert weekly_hours(pharmacy, "en") == "Mon–Fri 09:00–21:00; Sat, Sun 10:00–18:00"
        assert weekly_hours(pharmacy, "fr") == "lun.–ven. 9 h–21 h; sam., dim. 10 h–18 h"
        assert weekly_hours(meals, "en") == "every day 11:30–13:30, 17:00–18:30"
        assert weekly_hours(meals, "fr") == "tous les jours 11 h 30–13 h 30, 17 h–18 h 30"
        assert weekly_hours([], "en") == ""

    def test_a_site_working_with_less_says_why_and_an_open_one_says_nothing(self):
        assert status_note("limited", "no_staff", "en") == "limited: no staff"
        assert status_note("limited", "no_heat", "fr") == "service réduit : pas de chauffage"
        assert status_note("open", None, "en") is None
