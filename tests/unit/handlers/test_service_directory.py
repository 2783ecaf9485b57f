"""The navigator's search over service sites and overnight shelters: nearest first, only the types
asked for, and every site left out with why (closed, full, not open now, in a danger zone, not
fitting the household), reading only as far as the page needs."""
from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given, settings, strategies as st

from geo.distance import geodesic_km
from handlers.common import Point
from handlers.directories import IncidentDirectory
from handlers.incidents import DeclareIncident, decide as decide_incident
from handlers.service_directory import LANGUAGE_BITS, ServiceDirectory, ServiceQuery, exclusions, look_at, search
from handlers.services import RegisterService, SetServiceStatus, decide
from handlers.shelters import HoldBed, Needs, RegisterShelter, decide as decide_shelter
from handlers.sites import ONTARIO

ORILLIA = (44.6087, -79.4207)
NOON = datetime(2025, 3, 31, 12, 0, tzinfo=ONTARIO)  # a Monday
KM = 1 / 111.2  # about a kilometre of latitude, in degrees
WEEKDAYS_9_TO_5 = [{"byday": ["MO", "TU", "WE", "TH", "FR"], "opens_at": "09:00", "closes_at": "17:00"}]


def north(km: float) -> tuple[float, float]:
    return ORILLIA[0] + km * KM, ORILLIA[1]


def add_site(directory: ServiceDirectory, id_: str, service_type: str = "warming_centre", km: float = 1.0, **profile):
    lat, lon = north(km)
    site, _ = decide(None, RegisterService(id=id_, name=f"Sample: {id_}", service_type=service_type,
                                           location={"lat": lat, "lon": lon}, **profile), NOON)
    directory.apply_service(site, id_)
    return site


def add_shelter(directory: ServiceDirectory, id_: str, km: float = 1.0, capacity: int = 10, held: int = 0, **profile):
    lat, lon = north(km)
    shelter, _ = decide_shelter(None, RegisterShelter(id=id_, name=f"Sample: {id_}", location={"lat": lat, "lon": lon},
                                                      capacity=capacity, **profile), NOON)
    if held:
        shelter, _ = decide_shelter(shelter, HoldBed(shelter_id=id_, referral_id="call-1", beds=held, ttl_s=3600), NOON)
    directory.apply_shelter(shelter, id_)
    return shelter


def find(directory, query=ServiceQuery(), now=NOON, zones=None, where=ORILLIA):
    results, excluded = search(directory, *where, query, now, zones or IncidentDirectory())
    return [f.entry.id for f in results], {f.entry.id: [r["code"] for r in f.reasons] for f in excluded}, results, excluded


@pytest.fixture
def directory() -> ServiceDirectory:
    return ServiceDirectory()


class TestRanking:
    def test_sites_of_every_type_are_ranked_nearest_first_with_their_distance(self, directory):
        add_site(directory, "meals-far", "meals", km=9)
        add_shelter(directory, "shelter-mid", km=4)
        add_site(directory, "charging-near", "charging_station", km=0.5)

        ids, excluded, results, _ = find(directory)

        assert ids == ["charging-near", "shelter-mid", "meals-far"] and excluded == {}
        assert [round(f.distance_km) for f in results] == [0, 4, 9]

    def test_sites_equally_far_are_listed_by_id(self, directory):
        for id_ in ("b-centre", "a-centre", "c-centre"):
            add_site(directory, id_, km=2)
        assert find(directory)[0] == ["a-centre", "b-centre", "c-centre"]

    def test_only_the_types_asked_for_are_listed(self, directory):
        add_site(directory, "meals", "meals", km=1)
        add_site(directory, "charging", "charging_station", km=2)
        add_shelter(directory, "beds", km=3)

        assert find(directory, ServiceQuery(types=("charging_station", "overnight_shelter")))[0] == ["charging", "beds"]
        assert find(directory, ServiceQuery(types=("pharmacy",)))[0] == []

    def test_the_page_stops_at_the_limit_and_the_radius(self, directory):
        for km in range(1, 8):
            add_site(directory, f"centre-{km}", km=km)
        assert find(directory, ServiceQuery(limit=3))[0] == ["centre-1", "centre-2", "centre-3"]
        assert find(directory, ServiceQuery(radius_km=4.5))[0] == ["centre-1", "centre-2", "centre-3", "centre-4"]

    def test_a_shelter_in_the_list_shows_its_free_beds_and_never_its_holds(self, directory):
        add_shelter(directory, "beds", capacity=10, held=3, address={"address_1": "2 Fittons Rd W", "city": "Orillia"})
        (found,) = find(directory)[2]
        view = found.view()
        assert (view["service_type"], view["free_beds"], view["address"]["address_1"]) == ("overnight_shelter", 7, "2 Fittons Rd W")
        assert "holds" not in view and "held" not in view


class TestWhySitesAreLeftOut:
    def test_a_closed_site_is_left_out_with_the_reason_its_operator_gave(self, directory):
        site = add_site(directory, "no-power", km=1)
        directory.apply_service(decide(site, SetServiceStatus(id=site.id, status="closed", reason="no_power"), NOON)[0], site.id)
        add_site(directory, "working", km=2)

        ids, excluded, _, left_out = find(directory)

        assert ids == ["working"] and excluded == {"no-power": ["closed"]}
        assert left_out[0].view()["reasons"] == [{"code": "closed", "message": "closed (no power)", "status_reason": "no_power"}]

    def test_a_limited_site_is_listed_with_its_reason_unless_it_is_full(self, directory):
        add_site(directory, "no-heat", km=1, status="limited", status_reason="no_heat")
        add_site(directory, "at-capacity", km=2, status="limited", status_reason="full")

        ids, excluded, results, _ = find(directory)

        assert ids == ["no-heat"] and excluded == {"at-capacity": ["full"]}
        assert (results[0].view()["status"], results[0].view()["status_reason"]) == ("limited", "no_heat")

    def test_a_shelter_without_a_free_bed_is_left_out_as_full(self, directory):
        add_shelter(directory, "full-shelter", km=1, capacity=2, held=2)
        add_shelter(directory, "room", km=2, capacity=2, held=1)
        assert find(directory)[:2] == (["room"], {"full-shelter": ["full"]})

    @pytest.mark.parametrize("need, profile, code", [
        ({"pets": True}, {"accepts_pets": False}, "no_pets"),
        ({"wheelchair": True}, {"accessible": False}, "not_wheelchair_accessible"),
        ({"family": True}, {"families": False}, "no_families"),
        ({"language": "oj"}, {"languages": ["en", "fr"]}, "no_language"),
    ])
    def test_a_site_that_does_not_fit_the_household_is_left_out_for_that_need(self, directory, need, profile, code):
        add_site(directory, "unfit", km=1, **profile)
        add_site(directory, "fits", km=2, accepts_pets=True, accessible=True, families=True, languages=["en", "oj"])

        assert find(directory, ServiceQuery(needs=Needs(**need)))[:2] == (["fits"], {"unfit": [code]})

    def test_every_reason_a_site_has_is_given(self, directory):
        add_site(directory, "everything-wrong", km=1, status="closed", status_reason="damaged", schedules=WEEKDAYS_9_TO_5,
                 languages=["en"])
        query = ServiceQuery(open_now=True, needs=Needs(pets=True, wheelchair=True, language="fr"))
        sunday = datetime(2025, 3, 30, 12, 0, tzinfo=ONTARIO)
        assert find(directory, query, now=sunday)[1] == {
            "everything-wrong": ["closed", "not_open_now", "no_pets", "not_wheelchair_accessible", "no_language"]}


class TestOpenNow:
    def test_a_weekday_centre_is_listed_until_five_and_left_out_at_five_with_when_it_opens(self, directory):
        add_site(directory, "library", "charging_station", km=1, schedules=WEEKDAYS_9_TO_5)
        query = ServiceQuery(open_now=True)

        before = find(directory, query, now=datetime(2025, 3, 31, 16, 59, tzinfo=ONTARIO))
        at_five = find(directory, query, now=datetime(2025, 3, 31, 17, 0, tzinfo=ONTARIO))

        assert before[0] == ["library"]
        assert before[2][0].view()["closes_at"] == "2025-03-31T17:00:00-04:00"
        assert at_five[:2] == ([], {"library": ["not_open_now"]})
        (reason,) = at_five[3][0].view()["reasons"]
        assert reason["opens_at"] == "2025-04-01T09:00:00-04:00" and reason["message"] == "not open now; opens Tue 01 Apr 09:00"

    def test_without_the_open_now_filter_a_closed_for_the_night_site_is_listed_with_when_it_opens(self, directory):
        add_site(directory, "library", "charging_station", km=1, schedules=WEEKDAYS_9_TO_5)
        (found,) = find(directory, now=datetime(2025, 3, 31, 22, 0, tzinfo=ONTARIO))[2]
        view = found.view()
        assert (view["open_now"], view["opens_at"], view["closes_at"]) == (False, "2025-04-01T09:00:00-04:00", None)

    def test_an_overnight_shelter_is_open_now_at_midnight(self, directory):
        add_shelter(directory, "nights", km=1, schedules=[{"opens_at": "20:00", "closes_at": "08:00"}])
        midnight = datetime(2025, 4, 1, 0, 0, tzinfo=ONTARIO)
        assert find(directory, ServiceQuery(open_now=True), now=midnight)[0] == ["nights"]


class FakeZones:
    """Danger zones and affected areas by site id, counting the sites checked (our own port)."""

    def __init__(self, danger=None, affected=None) -> None:
        self.danger, self.affected = danger or {}, affected or {}
        self.incidents: dict = {}
        self.checked = 0

    def hazards_at_each(self, sites):
        self.checked += len(sites)
        return [list(self.danger.get(site.id, ())) for site in sites]

    def affected_at_each(self, sites):
        return [list(self.affected.get(site.id, ())) for site in sites]


class TestIncidents:
    def test_a_site_inside_a_floods_danger_zone_is_left_out_naming_the_incident(self, directory):
        add_site(directory, "by-the-river", km=1)
        add_site(directory, "up-the-hill", km=12)
        incidents = IncidentDirectory()
        flood, _ = decide_incident(None, DeclareIncident(
            id="flood-orillia", kind="flood", title="Lake Couchiching flooding", severity="severe",
            area={"center": dict(zip(("lat", "lon"), north(1), strict=True)), "radius_km": 3}), NOON)
        incidents.apply(flood, flood.id)

        ids, excluded, _, left_out = find(directory, zones=incidents)

        assert ids == ["up-the-hill"] and excluded == {"by-the-river": ["in_danger_zone"]}
        view = left_out[0].view()
        assert view["in_danger_zones"] == ["flood-orillia"]
        assert view["reasons"] == [{"code": "in_danger_zone", "message": "inside a danger zone: Lake Couchiching flooding",
                                    "incidents": ["flood-orillia"], "titles": ["Lake Couchiching flooding"]}]

    def test_a_site_in_an_affected_area_only_is_listed_and_says_so(self, directory):
        add_site(directory, "warming-centre", km=1)
        zones = FakeZones(affected={"warming-centre": ["ice-storm"]})

        ids, excluded, results, _ = find(directory, zones=zones)

        assert ids == ["warming-centre"] and excluded == {}
        assert (results[0].view()["in_affected_areas"], results[0].view()["in_danger_zones"]) == (["ice-storm"], [])


class TestWhatASearchReads:
    def test_only_sites_left_out_before_the_last_result_are_shown_at_most_as_many_as_asked(self, directory):
        for km in (1, 2, 3, 5, 6):
            add_site(directory, f"closed-{km}", km=km, status="closed", status_reason="no_staff")
        add_site(directory, "open-4", km=4)

        assert find(directory, ServiceQuery(limit=1, excluded_limit=2))[:2] == (
            ["open-4"], {"closed-1": ["closed"], "closed-2": ["closed"]})
        assert list(find(directory, ServiceQuery(limit=1, excluded_limit=10))[1]) == ["closed-1", "closed-2", "closed-3"]
        assert list(find(directory, ServiceQuery(limit=2, excluded_limit=10))[1]) == [f"closed-{km}" for km in (1, 2, 3, 5, 6)]

    def test_a_search_reads_the_sites_near_the_caller_not_the_whole_directory(self, directory):
        for i in range(2000):
            add_site(directory, f"centre-{i:04d}", km=1 + i * 0.02)
        zones = FakeZones()

        ids = find(directory, ServiceQuery(limit=5, excluded_limit=5), zones=zones)[0]

        assert ids == [f"centre-{i:04d}" for i in range(5)]
        assert zones.checked <= 10

    @pytest.mark.parametrize("unlistable, query", [
        ({"status": "closed", "status_reason": "no_heat"}, ServiceQuery(limit=3, excluded_limit=0, open_now=True)),
        ({"schedules": WEEKDAYS_9_TO_5}, ServiceQuery(limit=3, excluded_limit=0, open_now=True)),
        ({"accepts_pets": False}, ServiceQuery(limit=3, excluded_limit=0, needs=Needs(pets=True))),
        ({"languages": ["en"]}, ServiceQuery(limit=3, excluded_limit=0, needs=Needs(language="fr"))),
    ], ids=["closed", "closed-for-the-night", "no-pets", "no-french"])
    def test_sites_that_cannot_be_listed_cost_no_reading(self, directory, unlistable, query):
        can = {"accepts_pets": True, "languages": ["en", "fr"]}
        for i in range(300):
            add_site(directory, f"unlistable-{i:03d}", km=0.5 + i * 0.01, **{**can, **unlistable})
        for i in range(3):
            add_site(directory, f"listable-{i}", km=10 + i, **can)
        zones = FakeZones()

        ids = find(directory, query, now=datetime(2025, 3, 31, 23, 0, tzinfo=ONTARIO), zones=zones)[0]

        assert ids == ["listable-0", "listable-1", "listable-2"]
        assert zones.checked <= 3

    def test_a_site_that_changes_type_moves_or_goes_is_found_as_it_is_now(self, directory):
        site = add_site(directory, "hall", "meals", km=1)
        directory.apply_service(site.model_copy(update={"service_type": "warming_centre"}), "hall")
        assert find(directory, ServiceQuery(types=("meals",)))[0] == []
        assert find(directory, ServiceQuery(types=("warming_centre",)))[0] == ["hall"]

        far = Point(lat=north(80)[0], lon=north(80)[1])
        directory.apply_service(site.model_copy(update={"service_type": "warming_centre", "location": far}), "hall")
        assert find(directory)[0] == []
        directory.apply_service(None, "hall")
        assert find(directory, ServiceQuery(radius_km=500))[0] == [] and directory.get("hall") is None

    def test_a_site_read_by_id_says_why_it_cannot_take_anyone_now(self, directory):
        add_shelter(directory, "full-shelter", capacity=1, held=1)
        found = look_at(directory.get("full-shelter"), NOON, IncidentDirectory())
        assert (found.distance_km, [r["code"] for r in found.reasons]) == (None, ["full"])


class TestLanguages:
    def test_a_language_no_site_offers_lists_no_site_and_the_nearest_left_out_for_it(self, directory):
        add_site(directory, "english", km=1)
        add_site(directory, "french", km=2, languages=["fr"])

        assert find(directory, ServiceQuery(needs=Needs(language="cr")))[:2] == (
            [], {"english": ["no_language"], "french": ["no_language"]})

    def test_languages_beyond_the_tag_bits_are_still_checked_as_sites_are_read(self, directory):
        many = [f"x{a}{b}" for a in "abcdefgh" for b in "abcdefgh"][:LANGUAGE_BITS + 3]
        for i, language in enumerate(many):
            add_site(directory, f"site-{i:02d}", km=1 + i * 0.1, languages=[language])
        late = many[-1]

        assert find(directory, ServiceQuery(needs=Needs(language=late), excluded_limit=1))[:2] == (
            [f"site-{len(many) - 1:02d}"], {"site-00": ["no_language"]})


def reference(directory: ServiceDirectory, lat: float, lon: float, query: ServiceQuery, now: datetime, zones):
    """The search written as a scan: every site of the types in the radius, sorted, each judged."""
    entries = [e for e in [*directory.services.values(), *directory.shelters.values()]
               if e.service_type in query.wanted_types()]
    judged = sorted((geodesic_km(lat, lon, e.location.lat, e.location.lon), e.id, e) for e in entries)
    results, excluded = [], []
    for km, _, entry in judged:
        if km > query.radius_km or len(results) == query.limit:
            break
        reasons = exclusions(entry, entry.hours.at(now), zones.hazards_at_each([entry])[0], query, zones)
        if not reasons:
            results.append((entry.id, round(km, 9)))
        elif len(excluded) < query.excluded_limit:
            excluded.append((entry.id, round(km, 9), tuple(r["code"] for r in reasons)))
    return results, excluded


HOURS = [[], WEEKDAYS_9_TO_5, [{"opens_at": "20:00", "closes_at": "08:00"}], [{"opens_at": "11:30", "closes_at": "13:30"}],
         [{"byday": ["SA", "SU"], "opens_at": "10:00", "closes_at": "16:00"}]]


@settings(max_examples=60, deadline=None)
@given(st.randoms(use_true_random=False), st.sampled_from([
    datetime(2025, 3, 31, 3, 30, tzinfo=ONTARIO), datetime(2025, 3, 31, 13, 20, tzinfo=ONTARIO),
    datetime(2025, 3, 9, 2, 30, tzinfo=ONTARIO), datetime(2025, 4, 5, 20, 0, tzinfo=ONTARIO)]))
def test_a_search_lists_what_a_scan_of_every_site_would(rng, now):
    directory = ServiceDirectory()
    types = ["warming_centre", "meals", "charging_station", "overnight_shelter"]
    for i in range(120):
        km, service_type = rng.uniform(0, 40), rng.choice(types)
        profile = dict(schedules=rng.choice(HOURS), accepts_pets=rng.random() < 0.3, accessible=rng.random() < 0.6,
                       families=rng.random() < 0.7, languages=rng.choice([["en"], ["en", "fr"], ["fr"], ["oj"]]))
        if rng.random() < 0.15:
            profile.update(status="closed", status_reason="no_power")
        if service_type == "overnight_shelter":
            add_shelter(directory, f"site-{i:03d}", km=km, capacity=2, held=rng.choice([0, 2]), **profile)
        else:
            add_site(directory, f"site-{i:03d}", service_type, km=km, **profile)
    zones = FakeZones(danger={f"site-{i:03d}": ["flood"] for i in range(0, 120, 17)})
    for _ in range(6):
        query = ServiceQuery(types=tuple(rng.sample(types, rng.randint(1, 3))), open_now=rng.random() < 0.6,
                             needs=Needs(pets=rng.random() < 0.3, wheelchair=rng.random() < 0.3,
                                         language=rng.choice([None, None, "fr", "oj", "cr"])),
                             radius_km=rng.choice([5.0, 25.0, 60.0]), limit=rng.randint(1, 8),
                             excluded_limit=rng.randint(0, 4))
        where = north(rng.uniform(0, 40))
        results, excluded = search(directory, *where, query, now, zones)
        assert ([(f.entry.id, round(f.distance_km, 9)) for f in results],
                [(f.entry.id, round(f.distance_km, 9), tuple(r["code"] for r in f.reasons)) for f in excluded]
                ) == reference(directory, *where, query, now, zones)
