"""The offline Ontario gazetteer geocodes the way people type town names, with no network."""

import pytest
from geopy.geocoders import Nominatim
from geopy.geocoders.base import Geocoder
from geopy.location import Location

from geo import OntarioGazetteer, geodesic_km, make_geocoder
from geo.gazetteer import normalise


@pytest.fixture(scope="module")
def gazetteer():
    return OntarioGazetteer()


@pytest.mark.parametrize(("query", "address", "near"), [
    ("Wellesley, ON", "Wellesley, Ontario, Canada", (43.48, -80.76)),
    ("orillia", "Orillia, Ontario, Canada", (44.61, -79.42)),
    ("HAILEYBURY, Ontario", "Haileybury, Ontario, Canada", (47.45, -79.63)),
    ("Sault Ste. Marie", "Sault Ste. Marie, Ontario, Canada", (46.52, -84.33)),
    ("sault sainte marie on canada", "Sault Ste. Marie, Ontario, Canada", (46.52, -84.33)),
    ("St Catharines", "St. Catharines, Ontario, Canada", (43.17, -79.24)),
    ("Saint Catharines, ON, Canada", "St. Catharines, Ontario, Canada", (43.17, -79.24)),
    ("  orleans  ", "Orléans, Ontario, Canada", (45.47, -75.52)),
    ("Niagara on the Lake", "Niagara-on-the-Lake, Ontario, Canada", (43.25, -79.07)),
])
def test_finds_ontario_places_however_they_are_typed(gazetteer, query, address, near):
    location = gazetteer.geocode(query)
    assert isinstance(location, Location)
    assert location.address == address
    assert geodesic_km(location.latitude, location.longitude, *near) < 5


def test_location_carries_the_geonames_record(gazetteer):
    location = gazetteer.geocode("Orillia")
    assert location.raw["countrycode"] == "CA" and location.raw["admin1code"] == "08"
    assert location.raw["population"] > 20_000 and "geonameid" in location.raw


def test_alternate_names_match(gazetteer):
    assert gazetteer.geocode("Sault-Sainte-Marie").address == "Sault Ste. Marie, Ontario, Canada"


def test_shared_names_prefer_the_larger_place_and_list_all_when_asked(gazetteer):
    every = gazetteer.geocode("Red Lake", exactly_one=False)
    assert isinstance(every, list) and len(every) >= 2
    populations = [location.raw["population"] for location in every]
    assert populations == sorted(populations, reverse=True)
    assert gazetteer.geocode("Red Lake").raw == every[0].raw


@pytest.mark.parametrize("query", ["Atlantis", "", "   ", "Ontario", "Paris, France"])
def test_unknown_place_is_none(gazetteer, query):
    assert gazetteer.geocode(query) is None
    assert gazetteer.geocode(query, exactly_one=False) is None


def test_suggestions_offer_the_place_meant(gazetteer):
    assert "Orillia, ON" in gazetteer.suggest("Orilia")
    assert gazetteer.suggest("Sault")[0] == "Sault Ste. Marie, ON"
    assert "Kingston, ON" in gazetteer.suggest("kingstn")
    assert len(gazetteer.suggest("Port", limit=3)) == 3
    assert gazetteer.suggest("") == []


@pytest.mark.parametrize(("typed", "listed"), [
    ("Sainte-Anne-de-Prescott", "SAINTE ANNE DE PRESCOTT"),
    ("Ste. Anne", "Sainte Anne"),
    ("St.-Isidore", "Saint Isidore"),
    ("Mt. Forest", "Mount Forest"),
    ("Orléans", "Orleans"),
    ("Hawkesbury\u00a0 , ON", "hawkesbury on"),
    ("Coldwater's Point", "Coldwaters Point"),
])
def test_normaliser_folds_accents_case_punctuation_and_saints(typed, listed):
    assert normalise(typed) == normalise(listed)


def test_gazetteer_is_a_geopy_geocoder_that_never_uses_the_network(gazetteer):
    assert isinstance(make_geocoder("gazetteer"), OntarioGazetteer)
    assert isinstance(gazetteer, Geocoder)
    with pytest.raises(Exception, match="does not fetch"):
        gazetteer.adapter.get_json("https://nominatim.openstreetmap.org", timeout=1, headers={})


def test_other_names_build_the_geopy_service():
    geocoder = make_geocoder("nominatim", user_agent="muster-tests")
    assert isinstance(geocoder, Nominatim)


def test_unknown_geocoder_name_lists_the_choices():
    with pytest.raises(ValueError, match="unknown geocoder 'mapquestt'.*gazetteer.*nominatim"):
        make_geocoder("mapquestt")
