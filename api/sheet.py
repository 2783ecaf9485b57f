"""The printable referral sheet a navigator gives the caller, in English or French: the shelter
holding their bed with its street address, phone and hours, the referral's short code, and a
few other services near the shelter."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape

from api.printed import Lang, PrintedSite, hours_now, weekly_hours
from api.service_list import gather, site_item
from bus.topics import SHELTER_STATE
from handlers.service_directory import ServiceDirectory, ServiceQuery, Zones
from handlers.shelters import Needs, Shelter
from handlers.sites import ONTARIO, opening

ALSO_NEAR_TYPES = ("warming_centre", "meals", "charging_station", "pharmacy")
"""What a caller at a shelter in a storm looks for next, nearest one of each on the sheet."""
ALSO_NEAR_KM = 10.0

TEXT = {
    "en": {
        "title": "Shelter referral", "bed": "A bed is held for you at", "address": "Location",
        "street": "Street address", "phone": "Phone", "hours": "Hours",
        "distance": "Distance", "until": "Please arrive before", "people": "Household",
        "needs": "Needs noted", "reference": "Referral number", "none": "none",
        "code": "Referral code (read it to 2-1-1)",
        "pets": "pets", "wheelchair": "wheelchair access", "family": "family space", "language": "language",
        "also": "Also near you", "also_note": "Distances are straight-line from the shelter.",
        "help": "Need help or cannot get there? Call or text 2-1-1, any time, in 150+ languages.",
        "sample": "Demonstration data: this shelter record is a sample.",
    },
    "fr": {
        "title": "Orientation vers un refuge", "bed": "Un lit vous est réservé à", "address": "Emplacement",
        "street": "Adresse", "phone": "Téléphone", "hours": "Heures",
        "distance": "Distance", "until": "Veuillez arriver avant", "people": "Ménage",
        "needs": "Besoins notés", "reference": "Numéro d’orientation", "none": "aucun",
        "code": "Code d’orientation (à lire au 2-1-1)",
        "pets": "animaux", "wheelchair": "accès en fauteuil roulant", "family": "espace familial", "language": "langue",
        "also": "Aussi près de vous", "also_note": "Distances à vol d’oiseau depuis le refuge.",
        "help": "Besoin d’aide ou impossible de vous y rendre? Composez ou textez le 2-1-1, en tout temps, en plus de 150 langues.",
        "sample": "Données de démonstration : cette fiche de refuge est un exemple.",
    },
}


def _when(iso: str | None, lang: str) -> str:
    if not iso:
        return ""
    local = datetime.fromisoformat(iso).astimezone(ONTARIO)
    return local.strftime("%Y-%m-%d %H:%M") + (" (heure de l’Est)" if lang == "fr" else " (Eastern time)")


def _km(km: float, lang: Lang) -> str:
    figure = f"{km:.1f}"
    return f"{figure.replace('.', ',') if lang == 'fr' else figure} km"


def spoken(code: str) -> str:
    """A short code in two groups of three, as read over the phone: 'K7M-4QX'."""
    return f"{code[:3]}-{code[3:]}"


def _shelter_rows(shelter: Shelter | None, now: datetime, lang: Lang) -> list[tuple[str, str]]:
    """Street address, phone and hours from the shelter's snapshot, where it has them."""
    if shelter is None:
        return []
    t = TEXT[lang]
    hours = hours_now(opening(shelter.schedules, now), now, lang)
    weekly = weekly_hours(shelter.schedules, lang)
    return [
        *([(t["street"], shelter.address.line())] if shelter.address else []),
        *([(t["phone"], shelter.phone)] if shelter.phone else []),
        (t["hours"], f"{hours} · {weekly}" if weekly else hours),
    ]


def render_sheet(referral, lang: Lang, now: datetime, shelter: Shelter | None = None,
                 nearby: Sequence[PrintedSite] = ()) -> str:
    """The sheet for a referral as the API answers it (`ReferralAnswer`), with the shelter's
    snapshot when the API holds one and the sites `also_near` found; every value is escaped."""
    t = TEXT[lang]
    place = referral.shelter
    needs = [t[n] for n in ("pets", "wheelchair", "family") if getattr(referral.needs, n)]
    if referral.needs.language:
        needs.append(f"{t['language']}: {referral.needs.language}")
    where = place.place or ""
    if place.location is not None:
        where += f" ({place.location.lat:.5f}, {place.location.lon:.5f})"
    sample = f'<p class="sample">{t["sample"]}</p>' if place.name.startswith("Sample:") else ""
    rows = [
        (t["address"], where),
        *_shelter_rows(shelter, now, lang),
        (t["distance"], _km(referral.distance_km, lang) if referral.distance_km is not None else ""),
        (t["until"], _when(referral.hold_expires_at, lang)),
        (t["people"], str(referral.household_size)),
        (t["needs"], ", ".join(needs) or t["none"]),
        *([(t["code"], spoken(referral.code))] if referral.code else []),
        (t["reference"], referral.id),
    ]
    body = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in rows)
    also = ""
    if nearby:
        items = "".join(site_item(site, now, lang, number=False) for site in nearby)
        also = (f'<section class="also"><h2>{escape(t["also"])}</h2><p class="note">{escape(t["also_note"])}</p>'
                f'<ul class="sites">{items}</ul></section>')
    return f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{escape(t['title'])}</title>
<style>
body {{ font: 16px/1.5 system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; color: #111; }}
h1 {{ font-size: 1.6rem; margin-bottom: .2rem; }} .shelter {{ font-size: 1.4rem; font-weight: 700; }}
h2 {{ font-size: 1.15rem; margin: 1rem 0 .2rem; }}
table {{ border-collapse: collapse; width: 100%; margin: 1rem 0; }}
th, td {{ text-align: left; padding: .4rem .6rem; border-bottom: 1px solid #ccc; vertical-align: top; }}
ul.sites {{ list-style: none; padding: 0; margin: 0; }} .site {{ padding: .3rem 0; border-bottom: 1px solid #ccc; }}
.site p {{ margin: 0; }} .name {{ font-weight: 700; }} .hours {{ font-weight: 600; }} .status {{ color: #7c2d12; }}
.help {{ border: 2px solid #111; padding: .8rem; font-weight: 600; }} .sample, .note {{ font-size: .85rem; color: #555; }}
@media print {{ body {{ margin: 0; font-size: 12pt; }} .help, .site {{ break-inside: avoid; }} }}
</style></head>
<body><h1>{escape(t['title'])}</h1>
<p>{escape(t['bed'])}</p><p class="shelter">{escape(place.name)}</p>
<table>{body}</table>
<p class="help">{escape(t['help'])}</p>{also}{sample}
</body></html>"""


def also_near(directory: ServiceDirectory, zones: Zones, shelter: Shelter, needs: Needs, now: datetime,
              lang: Lang) -> tuple[PrintedSite, ...]:
    """The nearest warming centre, meals, charging station and pharmacy within ALSO_NEAR_KM of the
    shelter that the navigator's search would list now, measured from the shelter. Only the
    household's wheelchair need carries over: its other needs are a bed's, and a pharmacy that
    takes no pets still serves the caller."""
    query = ServiceQuery(types=ALSO_NEAR_TYPES, needs=Needs(wheelchair=needs.wheelchair), radius_km=ALSO_NEAR_KM)
    location = shelter.location
    return gather(directory, zones, shelter.name, location.lat, location.lon, query, 1, now, lang).sites


def sheet_page(c, referral, lang: Lang) -> str:
    """The sheet for a referral answer (`ReferralAnswer`) holding a bed, from the container's views."""
    now = c.clock()
    shelter = c.views.get(SHELTER_STATE, referral.shelter.id) if referral.shelter else None
    nearby = also_near(c.services, c.incidents, shelter, referral.needs, now, lang) if shelter else ()
    return render_sheet(referral, lang, now, shelter, nearby)
