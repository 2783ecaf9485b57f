"""What a 211 data steward keeps about a site, read from HSDS 3.0 rows: opening hours (schedules),
phone, street address, wheelchair access, languages and the kind of service.

Each reader takes the rows that apply to one service_at_location and gives Muster's value. What
would mislead a caller (hours Muster cannot read) goes to `problems`, and the site is rejected;
what is only lost (a phone that is no number, a language code that is no code) goes to
`warnings`, and the site is imported without it. No I/O.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any, cast

from pydantic import TypeAdapter, ValidationError

from formats.hsds_tables import Rejection, Row
from handlers.common import describe_validation_error
from handlers.sites import (
    BED_SERVICE,
    SERVICE_TYPE_LABELS,
    SERVICE_TYPES,
    WEEKDAYS,
    Phone,
    Schedule,
    StreetAddress,
    Weekday,
)

LEVELS = ("service_at_location", "service", "location", "organization")


class Linked:
    """The rows of one table (schedules, phones, languages, ...) that apply to a service_at_location,
    level by level, most specific first.

    A row belongs to the most specific thing it names: a schedule with a service_at_location_id is
    that pairing's only; one with a service_id applies to the service wherever it is offered (or
    only at its location_id when it names one too); one with only a location_id applies to every
    service there; one with only an organization_id, to all of the organization's. Rows repeated
    at one level (JSON nests the same schedule under a service and its location) count once."""

    def __init__(self, rows: Iterable[Row]) -> None:
        self._by: dict[tuple[str, str], list[Row]] = {}
        for row in rows:
            for column in (f"{level}_id" for level in LEVELS):
                if row.text(column):
                    self._by.setdefault((column, row.text(column)), []).append(row)

    def levels(self, sal_id: str, service_id: str, location_id: str,
               organization_id: str = "") -> dict[str, list[Row]]:
        """Rows for each level in LEVELS order: service_at_location, service, location, organization."""

        def unnamed(row: Row, *levels: str) -> bool:
            return all(not row.text(f"{level}_id") for level in levels)

        found = {
            "service_at_location": self._rows("service_at_location_id", sal_id),
            "service": [r for r in self._rows("service_id", service_id)
                        if unnamed(r, "service_at_location") and r.text("location_id") in ("", location_id)],
            "location": [r for r in self._rows("location_id", location_id) if unnamed(r, "service_at_location", "service")],
            "organization": [r for r in self._rows("organization_id", organization_id)
                             if unnamed(r, "service_at_location", "service", "location")],
        }
        return {level: _once(rows) for level, rows in found.items()}

    def _rows(self, column: str, key: str) -> list[Row]:
        return self._by.get((column, key), []) if key else []


def _once(rows: Sequence[Row]) -> list[Row]:
    seen: set[str] = set()
    kept = []
    for row in rows:
        key = row.text("id")
        if key and key in seen:
            continue
        seen.add(key)
        kept.append(row)
    return kept


def warn(warnings: list[Rejection], row: Row, reason: str) -> None:
    warnings.append(Rejection(row.ref, row.text("id") or None, (reason,)))


# --- Opening hours -------------------------------------------------------------------------------

ONTARIO_OFFSETS = (timedelta(hours=-5), timedelta(hours=-4))
"""Ontario's UTC offsets (EST, EDT): a time written with one of them is a wall-clock time there."""
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$", re.IGNORECASE)
_UNSUPPORTED_RULE_PARTS = ("byweekno", "bymonthday", "byyearday", "count")
"""RRULE parts that make hours other than weekly ones."""


def schedules(levels: dict[str, list[Row]], problems: list[str], warnings: list[Rejection]) -> list[Schedule]:
    """The site's opening hours: the service_at_location's schedules if it has any, else the
    service's, else the location's (the building's hours). Each schedule Muster cannot read adds
    its problems; none at all means open around the clock."""
    for level in ("service_at_location", "service", "location"):
        if levels[level]:
            read = [schedule(row, problems, warnings) for row in levels[level]]
            return [s for s in read if s is not None]
    return []


def schedule(row: Row, problems: list[str], warnings: list[Rejection]) -> Schedule | None:
    """One HSDS schedule as Muster's weekly hours, or None with every reason it cannot be.

    Muster reads weekly hours: `freq` WEEKLY (or blank), `interval` 1, `byday` weekdays,
    `opens_at`/`closes_at` in Ontario time, `valid_from`/`valid_to`, with `dtstart` and `until`
    narrowing them. Monthly or yearly rules, every-other-week, `byweekno`, `bymonthday`,
    `byyearday` and `count` are not supported. Times without an offset, or with Ontario's
    (-05:00, -04:00), are Ontario wall-clock times; `00:00` to `23:59` is all day, as HSDS advises
    for 24-hour services."""
    found: list[str] = []

    def problem(text: str) -> None:
        found.append(f"{row.ref}: {text}")

    unsupported = [f"{part} {_value(row, part)}" for part in _UNSUPPORTED_RULE_PARTS if _value(row, part)]
    if _value(row, "freq").upper() not in ("", "WEEKLY", "DAILY"):
        unsupported.insert(0, f"freq {_value(row, 'freq')}")
    if _value(row, "interval") not in ("", "1", "1.0"):
        unsupported.insert(0, f"interval {_value(row, 'interval')}")
    if unsupported:
        problem(f"{', '.join(unsupported)}: not supported; Muster reads hours that repeat every week (byday, "
                "opens_at, closes_at, valid_from, valid_to)")
    zone = _value(row, "timezone")
    if zone and not _is_ontario_offset(zone):
        problem(f"timezone {zone} is not Ontario's UTC offset (-5 or -4)")
    byday = _weekdays(_value(row, "byday"), problem)
    opens, closes = (_clock(row, name, problem) for name in ("opens_at", "closes_at"))
    if opens == time(0) and closes == time(23, 59):
        opens = closes = None
    starts = [d for d in (_day(row, "valid_from", problem), _day(row, "dtstart", problem)) if d]
    ends = [d for d in (_day(row, "valid_to", problem), _day(row, "until", problem)) if d]
    description = row.clean("description") or None
    if description and len(description) > 500:
        description = description[:499] + "…"
        warn(warnings, row, "schedule description shortened to 500 characters")
    if found:
        problems += found
        return None
    try:
        return Schedule(byday=byday, opens_at=opens, closes_at=closes, valid_from=max(starts, default=None),
                        valid_to=min(ends, default=None), description=description)
    except ValidationError as exc:
        problems += [f"{row.ref}: {error['msg'].removeprefix('Value error, ')}" for error in exc.errors()]
        return None


def _value(row: Row, name: str) -> str:
    """A schedule field; HSDS's own guidance writes an empty one as `null`."""
    text = row.text(name)
    return "" if text.casefold() == "null" else text


def _is_ontario_offset(zone: str) -> bool:
    try:
        return timedelta(hours=float(zone)) in ONTARIO_OFFSETS
    except ValueError:
        return False


def _weekdays(text: str, problem: Callable[[str], None]) -> list[Weekday]:
    days: list[Weekday] = []
    for part in (p.strip().upper() for p in text.split(",") if p.strip()):
        if part in WEEKDAYS:
            if part not in days:
                days.append(cast(Weekday, part))
        elif part[-2:] in WEEKDAYS and re.fullmatch(r"[+-]?\d+", part[:-2]):
            problem(f"byday {part} counts weekdays in a month, which is not supported")
        else:
            problem(f"byday {part} is not a weekday (MO, TU, WE, TH, FR, SA, SU)")
    return [] if len(days) == len(WEEKDAYS) else days


def _clock(row: Row, name: str, problem: Any) -> time | None:
    text = _value(row, name)
    if not text:
        return None
    match = _CLOCK.match(text)
    if not match or int(match[1]) > 24 or int(match[2]) > 59 or int(match[3] or 0) > 59:
        problem(f"{name} {text!r} is not a time of day (HH:MM)")
        return None
    hour, minute, second, zone = int(match[1]), int(match[2]), int(match[3] or 0), match[4]
    if hour == 24 and (minute or second):
        problem(f"{name} {text!r} is not a time of day (HH:MM)")
        return None
    if zone and _offset(zone) not in ONTARIO_OFFSETS:
        problem(f"{name} {text} is not in Ontario time: Muster keeps Ontario wall-clock hours, and an hour in "
                "another zone is a different Ontario hour in summer and in winter; write it without an offset")
        return None
    return time(hour % 24, minute, second)


def _offset(zone: str) -> timedelta:
    if zone.upper() == "Z":
        return timedelta(0)
    digits = zone[1:].replace(":", "")
    sign = -1 if zone[0] == "-" else 1
    return sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:] or 0))


def _day(row: Row, name: str, problem: Any) -> date | None:
    text = _value(row, name)
    if not text:
        return None
    try:
        if len(text) > 10:
            return datetime.fromisoformat(text).date()
        return date.fromisoformat(text)
    except ValueError:
        problem(f"{name} {text!r} is not a date (YYYY-MM-DD)")
        return None


# --- Phone ---------------------------------------------------------------------------------------

CALLABLE = ("", "voice", "cell")
"""Phone types a caller can ring (HSDS uses RFC 6350's: text, voice, fax, cell, video, pager, textphone)."""
_PHONE: TypeAdapter[str] = TypeAdapter(Phone)


def phone(levels: dict[str, list[Row]], warnings: list[Rejection]) -> str | None:
    """The number a caller rings: the first voice or mobile number of the service_at_location,
    else the service's, the location's, the organization's; its extension as ' x12'. A number
    written in quotes (as in HSDS's own examples) is read without them."""
    for level in LEVELS:
        for row in levels[level]:
            if row.text("type").casefold() not in CALLABLE or not row.text("number"):
                continue
            number = row.clean("number").strip("\"' ")
            extension = row.text("extension").removesuffix(".0")
            if extension:
                number = f"{number} x{extension}"
            try:
                return _PHONE.validate_python(number)
            except ValidationError:
                warn(warnings, row, f"phone {number!r} is not a phone number; left out")
    return None


# --- Street address ------------------------------------------------------------------------------

PROVINCES = {"ontario": "ON", "quebec": "QC", "québec": "QC", "manitoba": "MB"}
"""Province names written out, for the codes Muster keeps (Ontario and its neighbours)."""
ADDRESS_ORDER = ("physical", "", "postal")
"""The address a caller walks to first; a postal one only when there is no other. Never a virtual one."""


def street_address(rows: Sequence[Row], warnings: list[Rejection]) -> tuple[StreetAddress | None, str | None]:
    """The site's street address and the town it is known by ('Lindsay, ON').

    The physical address comes first, an untyped one next, a postal one only as a fallback. An
    address with a city but no street line gives the town alone (Muster's own export of a site
    with no street address writes one so)."""
    ordered = sorted((r for r in rows if r.text("address_type").casefold() in ADDRESS_ORDER),
                     key=lambda r: ADDRESS_ORDER.index(r.text("address_type").casefold()))
    place = None
    for row in ordered:
        city, street = row.clean("city"), row.clean("address_1")
        if not city:
            continue
        if street:
            address = _address(row, warnings)
            if address is not None:
                return address, f"{address.city}, {address.state_province}"
        place = place or ", ".join(p for p in (city, row.clean("state_province")) if p)
    return None, place


def _address(row: Row, warnings: list[Rejection]) -> StreetAddress | None:
    written = row.clean("state_province")
    province = PROVINCES.get(written.casefold(), written.upper()) if written else "ON"
    if not re.fullmatch(r"[A-Z]{2}", province):
        warn(warnings, row, f"address left out: state_province {written!r} is not a province code such as ON")
        return None
    try:
        return StreetAddress(address_1=row.clean("address_1"), address_2=row.clean("address_2") or None,
                             city=row.clean("city"), state_province=province,
                             postal_code=row.clean("postal_code") or None)
    except ValidationError as exc:
        warn(warnings, row, f"address left out: {describe_validation_error(exc)}")
        return None


# --- Wheelchair access ---------------------------------------------------------------------------

_WHEELCHAIR = re.compile(r"wheel[\s-]*chair|barrier[\s-]*free|step[\s-]*free|level access|fauteuil roulant|"
                         r"accessible (entrance|entry|building|washrooms?|ramp)|\bramp", re.IGNORECASE)
_NEGATION = re.compile(r"\b(no|not|without|inaccessible|isn't|aren't|non|pas|sans|aucun|aucune)\b", re.IGNORECASE)


def wheelchair(rows: Sequence[Row]) -> bool | None:
    """Whether a location's accessibility rows say a wheelchair user can get in: True when a
    sentence says so, False when one says not ('No wheelchair access'), which wins; None when
    they say nothing about it."""
    said: set[bool] = set()
    for row in rows:
        text = f"{row.clean('description')}. {row.clean('details')}"
        for sentence in re.split(r"[.;!?\n]", text):
            if _WHEELCHAIR.search(sentence):
                said.add(not _NEGATION.search(sentence))
    return (False not in said) if said else None


# --- Languages -----------------------------------------------------------------------------------

def languages(rows: Sequence[Row], warnings: list[Rejection]) -> list[str]:
    """ISO 639 codes, each once, in the order read; a code that is not one is a warning."""
    codes: list[str] = []
    for row in rows:
        code = row.text("code").casefold()
        if not re.fullmatch(r"[a-z]{2,3}", code):
            warn(warnings, row, f"language code {row.text('code')!r} is not ISO 639; left out")
        elif code not in codes:
            codes.append(code)
    return codes


# --- Service type --------------------------------------------------------------------------------

KEYWORDS: dict[str, tuple[str, ...]] = {
    "overnight_shelter": (r"\b(overnight|emergency|homeless|disaster|family|youth|women'?s)\b[^.,;]{0,30}\bshelters?\b",
                          r"\bhébergement\b", r"\brefuge d'urgence\b"),
    "warming_centre": (r"\bwarming\b", r"\bréchauffement\b"),
    "cooling_centre": (r"\bcooling\b", r"\brafra[iî]chissement\b"),
    "charging_station": (r"\bcharging\b", r"\brecharge\b"),
    "meals": (r"\bmeals?\b", r"\bsoup kitchens?\b", r"\brepas\b", r"\bsoupe populaire\b"),
    "food_bank": (r"\bfood (banks?|pantry|pantries|hampers?)\b", r"\bbanques? alimentaires?\b"),
    "drinking_water": (r"\b(drinking|bottled|potable) water\b", r"\bwater (distribution|pick-?up)\b",
                       r"\beau potable\b"),
    "showers": (r"\bshowers?\b", r"\bdouches?\b"),
    "pharmacy": (r"\bpharmac(y|ies|ie)\b",),
    "medical_device_power": (r"\bmedical (devices?|equipment)\b", r"\boxygen\b", r"\bappareils? médicaux\b"),
    "transport": (r"\btransport", r"\bshuttles?\b", r"\bnavettes?\b"),
    "pet_shelter": (r"\b(pets?|animals?)\b[^.,;]{0,20}\b(shelters?|refuges?)\b", r"\brefuges? pour animaux\b"),
    "information_centre": (r"\binformation (centres?|centers?|desks?)\b", r"\binformation and referral\b",
                           r"\bcentres? d'information\b", r"\breception cent(re|er)s?\b"),
}
"""Words in a taxonomy term or a service's name that say its type, in English and French."""
_NAMES = {text.casefold(): kind for kind, label in SERVICE_TYPE_LABELS.items()
          for text in (label.en, label.fr, *label.airs_terms)}


def types_of_term(term: Row) -> list[str]:
    """The service types one taxonomy term says: Muster's own code (`warming_centre`), a 211
    (AIRS) term or label by its exact name ('Warming Centers'), else the words of its name."""
    if term.text("code") in SERVICE_TYPES:
        return [term.text("code")]
    if (exact := _NAMES.get(term.clean("name").casefold())) is not None:
        return [exact]
    return types_in(term.clean("name"))


def types_in(text: str) -> list[str]:
    """The service types words in `text` name, in SERVICE_TYPES order; a pet or animal shelter is
    not also an overnight shelter for people."""
    found = [kind for kind in SERVICE_TYPES if any(re.search(p, text, re.IGNORECASE) for p in KEYWORDS[kind])]
    return [k for k in found if k != BED_SERVICE] if "pet_shelter" in found else found


def first_type(kinds: Iterable[str]) -> tuple[str | None, list[str]]:
    """The type to use of several said (the first in SERVICE_TYPES order, so beds before the
    rest), and the others, which a warning names."""
    said = [k for k in SERVICE_TYPES if k in set(kinds)]
    return (said[0], said[1:]) if said else (None, [])
