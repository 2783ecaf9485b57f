"""The printable, geolocated service list a navigator gives a caller, in English or French: the
nearest sites of each type chosen on the call that fit the household's needs, each with its
street address, phone, distance and direction from the caller's town, hours and a number on a
small map drawn without any network call. One or two printed pages.

The list is made from the caller's town, never their exact point, and keeps nothing: it is
rendered from the directory the API already holds and returned."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from html import escape

from api.printed import Lang, PrintedSite, distance, hours_now, printed, status_note, type_label, weekly_hours
from api.site_map import site_map
from handlers.service_directory import ServiceDirectory, ServiceQuery, Zones, search
from handlers.sites import ONTARIO

LIST_MAX = 15
"""Sites on one list at most: with the map, fifteen fill two printed pages."""
PER_TYPE_MAX = 5

LANGUAGE_NAMES = {
    "en": {"en": "English", "fr": "French", "es": "Spanish", "ar": "Arabic", "zh": "Chinese", "pa": "Punjabi",
           "oj": "Ojibwe", "cr": "Cree"},
    "fr": {"en": "anglais", "fr": "français", "es": "espagnol", "ar": "arabe", "zh": "chinois", "pa": "pendjabi",
           "oj": "ojibwé", "cr": "cri"},
}

TEXT = {
    "en": {
        "title": "Services near you", "near": "Near {place}", "printed": "Printed {when} (Eastern time)",
        "types": "Services:", "needs": "Needs:", "open_now": "Only places open when printed.",
        "pets": "pets welcome", "wheelchair": "wheelchair access", "family": "families welcome",
        "language": "service in {language}",
        "map": "Map: the numbered places around {town}", "map_note": "Numbers match the list. "
        "Distances are straight-line from the centre of {town}.",
        "none": "Nothing found within {km} km: {types}.", "phone": "Phone",
        "help": "Need help or a ride? Call or text 2-1-1, any time, in 150+ languages.",
        "call_ahead": "Hours and status are as at printing and may change in a storm: call ahead.",
        "sample": "Demonstration data: the places marked “Sample:” are samples, not real services.",
    },
    "fr": {
        "title": "Services près de chez vous", "near": "Près {de_place}", "printed": "Imprimé le {when} (heure de l’Est)",
        "types": "Services :", "needs": "Besoins :", "open_now": "Seulement les lieux ouverts à l’impression.",
        "pets": "animaux acceptés", "wheelchair": "accès en fauteuil roulant", "family": "familles bienvenues",
        "language": "service en {language}",
        "map": "Carte : les lieux numérotés autour {de_town}", "map_note": "Les numéros renvoient à la liste. "
        "Distances à vol d’oiseau depuis le centre {de_town}.",
        "none": "Rien trouvé à moins de {km} km : {types}.", "phone": "Téléphone",
        "help": "Besoin d’aide ou d’un transport? Composez ou textez le 2-1-1, en tout temps, en plus de 150 langues.",
        "call_ahead": "Heures et état à l’impression; ils peuvent changer pendant la tempête : appelez avant d’y aller.",
        "sample": "Données de démonstration : les lieux marqués « Sample: » sont des exemples, pas de vrais services.",
    },
}

STYLE = """
body { font: 11pt/1.3 system-ui, "Segoe UI", Roboto, "Noto Sans", "Liberation Sans", Arial, sans-serif;
       max-width: 46rem; margin: 1.5rem auto; color: #111; padding: 0 1rem; }
h1 { font-size: 1.45rem; margin: 0 0 .15rem; }
h2 { font-size: 1.02rem; margin: .55rem 0 .1rem; border-bottom: 2px solid #111; break-after: avoid; }
.meta { margin: .05rem 0; color: #333; }
.site-map { display: block; width: 100%; height: auto; max-height: 6.2cm; border: 1px solid #999; background: #fdfcf7;
            print-color-adjust: exact; -webkit-print-color-adjust: exact; }
.map-town { fill: #111; }
.map-town-label { font: 700 15px sans-serif; paint-order: stroke; stroke: #fff; stroke-width: 4px; }
.map-site circle { fill: #1d4ed8; stroke: #fff; stroke-width: 2; }
.map-site text { fill: #fff; font: 700 12px sans-serif; text-anchor: middle; }
.map-scale path { fill: none; stroke: #111; stroke-width: 2; } .map-scale text, .map-north text { font: 12px sans-serif; }
.map-north path, .map-spot { fill: #111; } .map-leader { stroke: #111; stroke-width: 1.2; }
figure { margin: .4rem 0; } figcaption { font-size: .85rem; color: #333; }
ul.sites { list-style: none; padding: 0; margin: 0; }
.site { padding: .12rem 0; border-bottom: 1px solid #ccc; break-inside: avoid; }
.site p { margin: 0; } .name { font-weight: 700; }
.number { display: inline-block; min-width: 1.5em; padding: 0 .2em; margin-right: .3em; border-radius: 1em;
          background: #1d4ed8; color: #fff; text-align: center; print-color-adjust: exact; -webkit-print-color-adjust: exact; }
.hours { font-weight: 600; } .status { color: #7c2d12; font-weight: 600; }
.none { margin: .5rem 0 0; }
.help { border: 2px solid #111; padding: .4rem .6rem; font-weight: 600; margin: .6rem 0 .2rem; break-inside: avoid; }
.note { font-size: .85rem; color: #444; margin: .15rem 0; }
@page { size: letter; margin: 12mm; }
@media print { body { margin: 0; max-width: none; padding: 0; font-size: 9.5pt; } }
"""


@dataclass(frozen=True)
class ServiceList:
    """What a caller's list shows: the town it is made from, when, what was asked, and the sites,
    numbered in the order of the types asked, nearest first within each type."""

    place: str
    """The place as the geocoder names it ("Orillia, Ontario, Canada")."""
    lat: float
    lon: float
    at: datetime
    query: ServiceQuery
    sites: tuple[PrintedSite, ...]

    @property
    def town(self) -> str:
        return self.place.split(",")[0].strip()


def gather(directory: ServiceDirectory, zones: Zones, place: str, lat: float, lon: float, query: ServiceQuery,
           per_type: int, now: datetime, lang: Lang) -> ServiceList:
    """The nearest `per_type` sites of each type in `query` that can serve the caller now (as the
    navigator's search finds them: open, not full, outside every danger zone, fitting the needs,
    open now if asked), at most LIST_MAX in all: with many types, fewer of each."""
    types = query.wanted_types()
    each = max(1, min(per_type, PER_TYPE_MAX, LIST_MAX // len(types)))
    sites: list[PrintedSite] = []
    for service_type in types:
        one_type = replace(query, types=(service_type,), limit=each, excluded_limit=0)
        results, _ = search(directory, lat, lon, one_type, now, zones)
        sites += [printed(found, len(sites) + i + 1, lat, lon, lang) for i, found in enumerate(results)]
    return ServiceList(place, lat, lon, now, query, tuple(sites))


def _de(name: str) -> str:
    """'de Lindsay', 'd’Orillia': French elides `de` before a vowel (the English text has no use for it)."""
    return f"d’{name}" if name[:1].casefold() in "aeiouyàâéèêëîïôöûü" else f"de {name}"


def _needs(query: ServiceQuery, lang: Lang) -> list[str]:
    t, needs = TEXT[lang], query.needs
    found = [t[name] for name in ("pets", "wheelchair", "family") if getattr(needs, name)]
    if needs.language:
        found.append(t["language"].format(language=LANGUAGE_NAMES[lang].get(needs.language, needs.language)))
    return found


def site_item(site: PrintedSite, at: datetime, lang: Lang, number: bool = True) -> str:
    """One site as a list item: its number on the map (else its type), name, address and phone,
    distance and hours, and any status."""
    t = TEXT[lang]
    reach = " · ".join(escape(part) for part in (site.address, f"{t['phone']} {site.phone}" if site.phone else None)
                       if part)
    when = weekly_hours(site.schedules, lang)
    note = status_note(site.status, site.status_reason, lang)
    badge = (f'<span class="number">{site.number}</span>' if number
             else f'<span class="kind">{escape(type_label(site.service_type, lang))}</span> — ')
    return (f'<li class="site" data-site-type="{escape(site.service_type)}">'
            f'<p class="name">{badge}{escape(site.name)}</p>'
            + (f"<p>{reach}</p>" if reach else "")
            + f'<p>{escape(distance(site.km, site.heading, lang))} · <span class="hours">'
            f'{escape(hours_now(site.opening, at, lang))}</span>{" · " + escape(when) if when else ""}</p>'
            + (f'<p class="status">{escape(note)}</p>' if note else "")
            + "</li>")


def render_list(found: ServiceList, lang: Lang) -> str:
    """The list as a whole HTML page with its print styles; every value from the directory or
    the query is escaped."""
    t = TEXT[lang]
    query = found.query
    types = query.wanted_types()
    asked = [f"{t['types']} {', '.join(type_label(k, lang) for k in types)}"]
    needs = _needs(query, lang)
    if needs:
        asked.append(f"{t['needs']} {', '.join(needs)}")
    if query.open_now:
        asked.append(t["open_now"])
    local = found.at.astimezone(ONTARIO)
    sections, missing = [], []
    for service_type in types:
        items = "".join(site_item(site, found.at, lang) for site in found.sites if site.service_type == service_type)
        if items:
            sections.append(f'<section><h2>{escape(type_label(service_type, lang))}</h2><ul class="sites">{items}</ul>'
                            "</section>")
        else:
            missing.append(type_label(service_type, lang))
    if missing:
        nothing = t["none"].format(km=f"{query.radius_km:g}", types=", ".join(missing))
        sections.append(f'<p class="none">{escape(nothing)}</p>')
    figure = ""
    if found.sites:
        town = {"town": found.town, "de_town": _de(found.town)}
        drawing = site_map(found.town, found.lat, found.lon, [(s.number, s.lat, s.lon) for s in found.sites], lang,
                           t["map"].format(**town))
        figure = f'<figure>{drawing}<figcaption>{escape(t["map_note"].format(**town))}</figcaption></figure>'
    near = t["near"].format(place=found.place, de_place=_de(found.place))
    printed_at = t["printed"].format(when=f"{local:%Y-%m-%d %H:%M}")
    sample = f'<p class="note">{escape(t["sample"])}</p>' if any(s.sample for s in found.sites) else ""
    return f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{escape(t['title'])}</title>
<style>{STYLE}</style></head>
<body><h1>{escape(t['title'])}</h1>
<p class="meta">{escape(near)} · {escape(printed_at)}</p>
{"".join(f'<p class="meta">{escape(line)}</p>' for line in asked)}
{figure}
{"".join(sections)}
<p class="help">{escape(t['help'])}</p>
<p class="note">{escape(t['call_ahead'])}</p>{sample}
</body></html>"""
