"""The printable list a caller keeps: which sites it lists, numbered as on its map, in English and
French, everything from the directory escaped, and a map drawn in the page."""
from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime

from api.service_list import LIST_MAX, ServiceList, gather, render_list
from api.site_map import site_map
from handlers.directories import IncidentDirectory
from handlers.service_directory import ServiceQuery
from handlers.shelters import Needs
from handlers.sites import SERVICE_TYPES
from tests.support.sites import DAY_9_TO_21, ORILLIA, WEEKDAYS_8_TO_16, directory_of, service_site, shelter

NOW = datetime(2025, 3, 30, 16, 0, tzinfo=UTC)  # Sunday 12:00 in Orillia
PLACE = "Orillia, Ontario, Canada"
LAT, LON = ORILLIA


def site(site_id, service_type, km_north, **profile):
    """A site `km_north` km due north of Orillia's centre."""
    return service_site(site_id, service_type, LAT + km_north / 111.1, LON, NOW, **profile)


def listed(directory, lang="en", per_type=3, **query):
    return gather(directory, IncidentDirectory(), PLACE, LAT, LON, ServiceQuery(**query), per_type, NOW, lang)


def numbered(found: ServiceList) -> list[tuple[int, str]]:
    return [(s.number, s.name.removeprefix("Sample: ")) for s in found.sites]


class TestWhatTheListHolds:
    def test_each_type_asked_in_turn_nearest_first_numbered_on_from_one(self):
        directory = directory_of(site("far-charging", "charging_station", 9), site("near-charging", "charging_station", 1),
                                 site("warming", "warming_centre", 2), site("meals", "meals", 0.5))
        found = listed(directory, types=("warming_centre", "charging_station"))
        assert numbered(found) == [(1, "warming"), (2, "near-charging"), (3, "far-charging")]

    def test_only_as_many_of_each_type_as_asked(self):
        directory = directory_of(*(site(f"charging-{k}", "charging_station", k) for k in range(1, 6)))
        assert numbered(listed(directory, per_type=2, types=("charging_station",))) == [(1, "charging-1"), (2, "charging-2")]

    def test_with_every_type_asked_it_keeps_fewer_of_each_and_never_more_than_fits_two_pages(self):
        directory = directory_of(*(site(f"{t}-{k}", t, k) for t in SERVICE_TYPES if t != "overnight_shelter"
                                   for k in (1, 2, 3)), shelter("arena", LAT, LON + 0.01, NOW))
        found = listed(directory)
        assert len(found.sites) <= LIST_MAX
        assert [s.service_type for s in found.sites] == list(SERVICE_TYPES)
        two_types = listed(directory, types=("meals", "pharmacy"), per_type=5)
        assert [s.name for s in two_types.sites] == [f"Sample: {t}-{k}" for t in ("meals", "pharmacy") for k in (1, 2, 3)]

    def test_a_closed_site_a_site_shut_now_and_one_that_does_not_fit_the_household_are_left_off(self):
        directory = directory_of(
            site("closed", "warming_centre", 1, status="closed", status_reason="no_power"),
            site("weekdays", "warming_centre", 2, schedules=WEEKDAYS_8_TO_16),
            site("stairs", "warming_centre", 3, accessible=False),
            site("fits", "warming_centre", 4, schedules=DAY_9_TO_21))
        found = listed(directory, types=("warming_centre",), open_now=True, needs=Needs(wheelchair=True))
        assert numbered(found) == [(1, "fits")]
        assert numbered(listed(directory, types=("warming_centre",))) == [(1, "weekdays"), (2, "stairs"), (3, "fits")]


class TestThePage:
    def directory(self):
        return directory_of(site("library", "charging_station", 2.1, schedules=DAY_9_TO_21),
                            site("soup", "meals", 0.4, schedules=WEEKDAYS_8_TO_16, status="limited",
                                 status_reason="no_staff"))

    def test_in_english_each_site_has_its_address_phone_distance_direction_and_hours(self):
        page = render_list(listed(self.directory(), types=("charging_station", "meals")), "en")
        assert '<html lang="en">' in page and "<h1>Services near you</h1>" in page
        assert "Near Orillia, Ontario, Canada · Printed 2025-03-30 12:00 (Eastern time)" in page
        assert "Services: Charging station, Meals" in page
        library = re.search(r'<li class="site" data-site-type="charging_station">.*?</li>', page).group(0)
        assert '<span class="number">1</span>Sample: library' in library
        assert "36 Mississaga St W, Orillia, ON L3V 3A6 · Phone 705-555-0169" in library
        assert '2.1 km N · <span class="hours">open now, closes 21:00</span> · every day 09:00–21:00' in library
        assert "closed now, opens tomorrow at 08:00" in page and "limited: no staff" in page
        assert "Call or text 2-1-1" in page and "“Sample:” are samples" in page

    def test_in_french_it_reads_in_french_with_decimal_commas(self):
        found = listed(self.directory(), lang="fr", types=("charging_station", "meals"), needs=Needs(
            wheelchair=True, language="fr"), open_now=False)
        page = render_list(found, "fr")
        assert '<html lang="fr">' in page and "<h1>Services près de chez vous</h1>" in page
        assert "Près d’Orillia, Ontario, Canada · Imprimé le 2025-03-30 12:00 (heure de l’Est)" in page
        assert "Services : Borne de recharge, Repas" in page
        assert "Besoins : accès en fauteuil roulant, service en français" in page
        assert '2,1 km N · <span class="hours">ouvert maintenant, ferme à 21 h</span> · tous les jours 9 h–21 h' in page
        assert "fermé maintenant, ouvre demain à 8 h" in page and "service réduit : pas de personnel" in page
        assert "Composez ou textez le 2-1-1" in page and "Distances à vol d’oiseau depuis le centre d’Orillia" in page

    def test_the_types_with_nothing_near_are_named_once_at_the_end(self):
        page = render_list(listed(self.directory(), types=("pharmacy", "meals", "showers"), radius_km=25), "en")
        assert "<h2>Pharmacy</h2>" not in page and "<h2>Meals</h2>" in page
        assert page.index("<h2>Meals</h2>") < page.index(
            '<p class="none">Nothing found within 25 km: Pharmacy, Showers.</p>')
        nothing = render_list(listed(self.directory(), lang="fr", types=("pharmacy",)), "fr")
        assert '<p class="none">Rien trouvé à moins de 50 km : Pharmacie.</p>' in nothing and "<svg" not in nothing

    def test_every_value_from_the_directory_and_the_geocoder_is_escaped(self):
        hostile = site("x", "meals", 1, name='Sample: <script>alert("x")</script> & Sons',
                       address={"address_1": "<b>1</b> Main St", "city": "Orillia"})
        found = replace(listed(directory_of(hostile), types=("meals",)), place="<img src=x>, Ontario")
        page = render_list(found, "en")
        assert "<script>" not in page and "<b>" not in page and "<img" not in page
        assert "Sample: &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Sons" in page
        assert "&lt;b&gt;1&lt;/b&gt; Main St" in page and "&lt;img src=x&gt;" in page

    def test_the_map_is_in_the_page_with_a_numbered_marker_per_site_and_reaches_for_nothing(self):
        page = render_list(listed(self.directory(), types=("charging_station", "meals")), "en")
        svg = re.search(r"<svg.*?</svg>", page).group(0)
        assert re.findall(r'<g class="map-site"><circle[^>]*/><text[^>]*>(\d+)</text></g>', svg) == ["2", "1"]
        assert "Orillia</text>" in svg and 'class="map-scale"' in svg and ">N</text>" in svg
        for reaching in ("http", "src=", "url(", "<script", "<link", "@import"):
            assert reaching not in page, reaching


def markers(svg: str) -> list[tuple[float, float]]:
    return [(float(x), float(y)) for x, y in re.findall(r'<g class="map-site"><circle cx="([\d.]+)" cy="([\d.]+)"', svg)]


class TestTheMap:
    def test_its_scale_bar_measures_what_lies_between_the_markers(self):
        east = 20 / (111.32 * 0.7125)  # about 20 km east of Orillia, in degrees of longitude
        svg = site_map("Orillia", LAT, LON, [(1, LAT, LON - east), (2, LAT, LON + east)], "en", "map")
        (x1, _), (x2, _) = markers(svg)
        bar = re.search(r'<g class="map-scale"><path d="M16 \d+V\d+H([\d.]+)V', svg)
        km = float(re.search(r'text-anchor="end">([\d.]+) km<', svg).group(1))
        px_per_km = abs(x2 - x1) / 40
        assert abs(px_per_km - (float(bar.group(1)) - 16) / km) < 0.03 * px_per_km

    def test_sites_in_one_street_get_markers_apart_each_tied_to_its_spot(self):
        same = [(n, LAT + 0.2, LON + 0.0001 * n) for n in range(1, 5)]
        svg = site_map("Orillia", LAT, LON, same, "fr", "carte")
        spots = markers(svg)
        assert len(spots) == 4
        assert all((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2 >= 20 ** 2 for i, a in enumerate(spots) for b in spots[i + 1:])
        assert svg.count('class="map-leader"') == 3
