"""The printable referral sheet a navigator gives the caller, in English or French."""
from __future__ import annotations

from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

ONTARIO = ZoneInfo("America/Toronto")

TEXT = {
    "en": {
        "title": "Shelter referral", "bed": "A bed is held for you at", "address": "Location",
        "distance": "Distance", "km": "km", "until": "Please arrive before", "people": "Household",
        "needs": "Needs noted", "reference": "Referral number", "none": "none",
        "code": "Referral code (read it to 2-1-1)",
        "pets": "pets", "wheelchair": "wheelchair access", "family": "family space", "language": "language",
        "help": "Need help or cannot get there? Call or text 2-1-1, any time, in 150+ languages.",
        "sample": "Demonstration data: this shelter record is a sample.",
    },
    "fr": {
        "title": "Orientation vers un refuge", "bed": "Un lit vous est réservé à", "address": "Emplacement",
        "distance": "Distance", "km": "km", "until": "Veuillez arriver avant", "people": "Ménage",
        "needs": "Besoins notés", "reference": "Numéro d’orientation", "none": "aucun",
        "code": "Code d’orientation (à lire au 2-1-1)",
        "pets": "animaux", "wheelchair": "accès en fauteuil roulant", "family": "espace familial", "language": "langue",
        "help": "Besoin d’aide ou impossible de vous y rendre? Composez ou textez le 2-1-1, en tout temps, en plus de 150 langues.",
        "sample": "Données de démonstration : cette fiche de refuge est un exemple.",
    },
}


def _when(iso: str | None, lang: str) -> str:
    if not iso:
        return ""
    local = datetime.fromisoformat(iso).astimezone(ONTARIO)
    return local.strftime("%Y-%m-%d %H:%M") + (" (heure de l’Est)" if lang == "fr" else " (Eastern time)")


def spoken(code: str) -> str:
    """A short code in two groups of three, as read over the phone: 'K7M-4QX'."""
    return f"{code[:3]}-{code[3:]}"


def render_sheet(referral, lang: str) -> str:
    t = TEXT[lang]
    shelter = referral.shelter
    needs = [t[n] for n in ("pets", "wheelchair", "family") if getattr(referral.needs, n)]
    if referral.needs.language:
        needs.append(f"{t['language']}: {referral.needs.language}")
    where = shelter.place or ""
    if shelter.location is not None:
        where += f" ({shelter.location.lat:.5f}, {shelter.location.lon:.5f})"
    sample = f'<p class="sample">{t["sample"]}</p>' if shelter.name.startswith("Sample:") else ""
    rows = [
        (t["address"], where),
        (t["distance"], f"{referral.distance_km:.1f} {t['km']}" if referral.distance_km is not None else ""),
        (t["until"], _when(referral.hold_expires_at, lang)),
        (t["people"], str(referral.household_size)),
        (t["needs"], ", ".join(needs) or t["none"]),
        *([(t["code"], spoken(referral.code))] if referral.code else []),
        (t["reference"], referral.id),
    ]
    body = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in rows)
    return f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{escape(t['title'])}</title>
<style>
body {{ font: 16px/1.5 system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; color: #111; }}
h1 {{ font-size: 1.6rem; margin-bottom: .2rem; }} .shelter {{ font-size: 1.4rem; font-weight: 700; }}
table {{ border-collapse: collapse; width: 100%; margin: 1rem 0; }}
th, td {{ text-align: left; padding: .4rem .6rem; border-bottom: 1px solid #ccc; vertical-align: top; }}
.help {{ border: 2px solid #111; padding: .8rem; font-weight: 600; }} .sample {{ font-size: .85rem; color: #555; }}
@media print {{ body {{ margin: 0; font-size: 12pt; }} .help {{ break-inside: avoid; }} }}
</style></head>
<body><h1>{escape(t['title'])}</h1>
<p>{escape(t['bed'])}</p><p class="shelter">{escape(shelter.name)}</p>
<table>{body}</table>
<p class="help">{escape(t['help'])}</p>{sample}
</body></html>"""
