"""What the pages a navigator prints for a caller share, in English and French: service type
labels, Ontario clock times, "open now, closes 22:00" and "opens at 08:00", weekly hours,
and "2.1 km NE" from a town to a site.

Every function returns plain text; the pages escape it where they write it."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Literal

from geo.distance import GEOD
from handlers.service_directory import Found
from handlers.sites import ONTARIO, SERVICE_TYPE_LABELS, WEEKDAYS, Opening, Schedule, StreetAddress

Lang = Literal["en", "fr"]

COMPASS = {"en": ("N", "NE", "E", "SE", "S", "SW", "W", "NW"), "fr": ("N", "NE", "E", "SE", "S", "SO", "O", "NO")}
DAYS = {"en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
        "fr": ("lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim.")}
AROUND_THE_CLOCK_AFTER = timedelta(days=7)
"""A site whose next closing is further away than this is open around the clock: opening()
says that an all-day, every-day schedule closes at the end of the days it looks at."""
HERE_KM = 0.05
"""Closer than this, a direction means nothing: the site is at the town's own point."""

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "always": "open now, around the clock", "closes_today": "open now, closes {time}",
        "closes": "open now, closes {when}", "opens": "closed now, opens {when}",
        "never": "closed now; no opening hours ahead", "tomorrow": "tomorrow at {time}", "on_day": "{day} at {time}",
        "at": "at {time}", "every_day": "every day", "all_day": "all day", "from": "from {day}",
        "until": "until {day}", "here": "in the town centre", "limited": "limited: {reason}",
    },
    "fr": {
        "always": "ouvert maintenant, jour et nuit", "closes_today": "ouvert maintenant, ferme à {time}",
        "closes": "ouvert maintenant, ferme {when}", "opens": "fermé maintenant, ouvre {when}",
        "never": "fermé maintenant; aucune heure d’ouverture à venir", "tomorrow": "demain à {time}",
        "on_day": "{day} à {time}",
        "at": "à {time}", "every_day": "tous les jours", "all_day": "toute la journée", "from": "à partir du {day}",
        "until": "jusqu’au {day}", "here": "au centre de la localité", "limited": "service réduit : {reason}",
    },
}
STATUS_REASONS = {
    "en": {"no_power": "no power", "no_heat": "no heat", "no_water": "no water", "no_staff": "no staff",
           "full": "full", "damaged": "damaged", "other": "other reason"},
    "fr": {"no_power": "pas d’électricité", "no_heat": "pas de chauffage", "no_water": "pas d’eau",
           "no_staff": "pas de personnel", "full": "complet", "damaged": "endommagé", "other": "autre raison"},
}


def type_label(service_type: str, lang: Lang) -> str:
    """The service type as people name it: 'Charging station', 'Borne de recharge'."""
    labels = SERVICE_TYPE_LABELS[service_type]
    return labels.fr if lang == "fr" else labels.en


def clock(moment: time | datetime, lang: Lang) -> str:
    """A time of day on Ontario's clocks: '08:00' in English, '8 h' or '21 h 30' in French."""
    if isinstance(moment, datetime):
        moment = moment.astimezone(ONTARIO).time()
    if lang == "fr":
        return f"{moment.hour} h {moment.minute:02d}" if moment.minute else f"{moment.hour} h"
    return f"{moment.hour:02d}:{moment.minute:02d}"


def _when(moment: datetime, now: datetime, lang: Lang) -> str:
    """When a change happens, said from `now`: 'at 08:00', 'tomorrow at 08:00', 'Mon at 08:00'."""
    t = TEXT[lang]
    local, today = moment.astimezone(ONTARIO), now.astimezone(ONTARIO).date()
    at = clock(local, lang)
    if local.date() == today:
        return t["at"].format(time=at)
    if local.date() == today + timedelta(days=1):
        return t["tomorrow"].format(time=at)
    return t["on_day"].format(day=DAYS[lang][local.weekday()], time=at)


def hours_now(opening: Opening, now: datetime, lang: Lang) -> str:
    """Whether a site is open at `now` and until when, or when it opens, as the caller reads it.

    `opening` is handlers.sites.opening(schedules, now) (or a search's reading of it), so the
    times are Ontario wall-clock times across the daylight-saving changes."""
    t = TEXT[lang]
    if opening.open:
        if opening.closes_at is None or opening.closes_at - now > AROUND_THE_CLOCK_AFTER:
            return t["always"]
        if opening.closes_at.astimezone(ONTARIO).date() == now.astimezone(ONTARIO).date():
            return t["closes_today"].format(time=clock(opening.closes_at, lang))
        return t["closes"].format(when=_when(opening.closes_at, now, lang))
    if opening.opens_at is None:
        return t["never"]
    return t["opens"].format(when=_when(opening.opens_at, now, lang))


def _days(byday: Sequence[str], lang: Lang) -> str:
    if not byday or len(set(byday)) == 7:
        return TEXT[lang]["every_day"]
    days = sorted({WEEKDAYS.index(day) for day in byday})
    names = DAYS[lang]
    if len(days) > 2 and days == list(range(days[0], days[-1] + 1)):
        return f"{names[days[0]]}–{names[days[-1]]}"
    return ", ".join(names[day] for day in days)


def weekly_hours(schedules: Sequence[Schedule], lang: Lang) -> str:
    """A site's schedules on one line, times of the same days together: 'Mon–Fri 09:00–21:00;
    Sat, Sun 10:00–18:00', 'every day 11:30–13:30, 17:00–18:30'; empty when none are set (open
    around the clock, which `hours_now` says)."""
    t = TEXT[lang]
    days: dict[tuple[str, str], list[str]] = {}
    for schedule in schedules:
        dated = [t["from"].format(day=schedule.valid_from.isoformat())] if schedule.valid_from else []
        dated += [t["until"].format(day=schedule.valid_to.isoformat())] if schedule.valid_to else []
        times = t["all_day"] if schedule.opens_at is None or schedule.closes_at is None else (
            f"{clock(schedule.opens_at, lang)}–{clock(schedule.closes_at, lang)}")
        days.setdefault((_days(schedule.byday, lang), " ".join(dated)), []).append(times)
    return "; ".join(f"{on} {', '.join(times)}" + (f" ({dated})" if dated else "")
                     for (on, dated), times in days.items())


def status_note(status: str, reason: str | None, lang: Lang) -> str | None:
    """'limited: no staff' for a site working with less; None for an open one. Closed sites are
    never printed: a search leaves them out."""
    if status != "limited":
        return None
    return TEXT[lang]["limited"].format(reason=STATUS_REASONS[lang].get(reason or "other", reason))


def direction(from_lat: float, from_lon: float, to_lat: float, to_lon: float, lang: Lang) -> str | None:
    """The eight-point compass direction from one point to another ('NE'; French 'NO' for
    north-west), along the WGS84 geodesic; None when they are the same point."""
    forward, _, metres = GEOD.inv(from_lon, from_lat, to_lon, to_lat)
    if metres / 1000.0 < HERE_KM:
        return None
    return COMPASS[lang][round((forward % 360.0) / 45.0) % 8]


def distance(km: float, heading: str | None, lang: Lang) -> str:
    """'2.1 km NE' ('2,1 km NE' in French), or 'in the town centre' for a site at the point itself."""
    if heading is None:
        return TEXT[lang]["here"]
    figure = f"{km:.1f}"
    return f"{figure.replace('.', ',') if lang == 'fr' else figure} km {heading}"


@dataclass(frozen=True)
class PrintedSite:
    """A site as a printed page shows it: numbered as on its map, with the distance and direction
    from where the page is made for (the caller's town, or the shelter)."""

    number: int
    name: str
    service_type: str
    lat: float
    lon: float
    address: str | None
    phone: str | None
    km: float
    heading: str | None
    opening: Opening
    schedules: tuple[Schedule, ...]
    status: str
    status_reason: str | None

    @property
    def sample(self) -> bool:
        return self.name.startswith("Sample:")


def printed(found: Found, number: int, from_lat: float, from_lon: float, lang: Lang) -> PrintedSite:
    """A search's site as a page prints it; its distance is the search's, from the same point."""
    view, entry = found.entry.view, found.entry
    address = StreetAddress.model_validate(view["address"]).line() if view.get("address") else None
    return PrintedSite(
        number=number, name=view["name"], service_type=entry.service_type, lat=entry.location.lat,
        lon=entry.location.lon, address=address or view.get("place"), phone=view.get("phone"),
        km=found.distance_km or 0.0, heading=direction(from_lat, from_lon, entry.location.lat, entry.location.lon, lang),
        opening=found.opening, schedules=tuple(entry.hours.schedules), status=entry.status,
        status_reason=entry.status_reason)
