"""What every site in the 211 directory shares: service type, street address, phone, opening hours,
and whether it is open, limited or closed and why.

A site is one service at one location (HSDS's service_at_location). Overnight shelters are the
sites that hold beds (handlers/shelters.py); every other type (warming centre, charging station,
meals, ...) is listed, never held (handlers/services.py). Hours are HSDS schedules read in Ontario
time (America/Toronto), across the daylight-saving changes.
"""
from __future__ import annotations

import bisect
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Annotated, Any, Literal, get_args
from zoneinfo import ZoneInfo

from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    WithJsonSchema,
    model_validator,
)

from handlers.common import Record, ShortText

ONTARIO = ZoneInfo("America/Toronto")

ServiceType = Literal[
    "overnight_shelter",
    "warming_centre",
    "cooling_centre",
    "charging_station",
    "meals",
    "food_bank",
    "drinking_water",
    "showers",
    "pharmacy",
    "medical_device_power",
    "transport",
    "pet_shelter",
    "information_centre",
]
SERVICE_TYPES: tuple[str, ...] = get_args(ServiceType)
BED_SERVICE: str = "overnight_shelter"
"""The one service type whose sites hold beds; every other type is listed, not held."""


@dataclass(frozen=True)
class ServiceTypeLabel:
    """How people name a service type: English and French labels, and the 211 (AIRS/211 LA
    Taxonomy) term it matches where there is one, used to read HSDS taxonomy terms."""

    en: str
    fr: str
    airs_terms: tuple[str, ...] = ()


SERVICE_TYPE_LABELS: dict[str, ServiceTypeLabel] = {
    "overnight_shelter": ServiceTypeLabel("Overnight shelter", "Hébergement d'urgence",
                                          ("Emergency Shelter", "Homeless Shelter", "Disaster Shelter")),
    "warming_centre": ServiceTypeLabel("Warming centre", "Centre de réchauffement", ("Warming Centers",)),
    "cooling_centre": ServiceTypeLabel("Cooling centre", "Centre de rafraîchissement", ("Cooling Centers",)),
    "charging_station": ServiceTypeLabel("Charging station", "Borne de recharge",
                                         ("Disaster Related Charging Stations", "Charging Stations")),
    "meals": ServiceTypeLabel("Meals", "Repas", ("Soup Kitchens", "Congregate Meals/Nutrition Sites",
                                                 "Disaster Related Food Services")),
    "food_bank": ServiceTypeLabel("Food bank", "Banque alimentaire", ("Food Pantries", "Food Banks/Food Distribution Warehouses")),
    "drinking_water": ServiceTypeLabel("Drinking water", "Eau potable", ("Drinking Water Provision", "Bottled Water")),
    "showers": ServiceTypeLabel("Showers", "Douches", ("Shower Facilities",)),
    "pharmacy": ServiceTypeLabel("Pharmacy", "Pharmacie", ("Pharmacies",)),
    "medical_device_power": ServiceTypeLabel("Power for medical devices", "Alimentation d'appareils médicaux",
                                             ("Medical Equipment Power Supply", "Disaster Related Power Sources")),
    "transport": ServiceTypeLabel("Transport", "Transport", ("Disaster Related Transportation", "Transportation")),
    "pet_shelter": ServiceTypeLabel("Pet shelter", "Refuge pour animaux", ("Animal Shelters", "Disaster Pet Shelters")),
    "information_centre": ServiceTypeLabel("Information centre", "Centre d'information",
                                           ("Disaster Information Centers", "Information and Referral")),
}
"""One entry per ServiceType; a unit test checks that none is missing."""

SiteStatus = Literal["open", "limited", "closed"]
"""open: working as listed; limited: working with less (its reason says what); closed: takes no one."""

StatusReason = Literal["no_power", "no_heat", "no_water", "no_staff", "full", "damaged", "other"]
"""Why a site is limited or closed, as its operator or a manager says in one action."""

REASON_FITS_STATUS: dict[str, Any] = {
    "if": {"properties": {"status": {"const": "open"}}},
    "then": {"properties": {"reason": {"type": "null"}}},
    "else": {"required": ["reason"], "properties": {"reason": {"type": "string"}}},
}
"""`limited` and `closed` need a reason; `open` has none: the rule of both status bodies, as JSON Schema."""

OPEN_MATCHES_STATUS: dict[str, Any] = {"allOf": [
    {"if": {"required": ["open", "status"], "properties": {"open": {"const": False}}},
     "then": {"properties": {"status": {"const": "closed"}}}},
    {"if": {"required": ["open", "status"], "properties": {"status": {"const": "closed"}}},
     "then": {"properties": {"open": {"const": False}}}},
]}
"""`open_matches_status` as JSON Schema: given both, `open` is false exactly when `status` is closed."""


class StatusChange(Record):
    """Open, limited or closed, and why, set in one action by a site's operator or a manager (the
    body of `POST /v1/services/{id}/status`). Limited and closed need a reason; open has none."""

    model_config = ConfigDict(json_schema_extra=REASON_FITS_STATUS)

    status: SiteStatus
    reason: StatusReason | None = Field(None, description="why the site is limited or closed")

    @model_validator(mode="after")
    def _reason_fits_status(self) -> StatusChange:
        if self.status == "open" and self.reason is not None:
            raise ValueError("an open site has no reason; leave reason out")
        if self.status != "open" and self.reason is None:
            raise ValueError(f"say why the site is {self.status}: reason is one of {', '.join(get_args(StatusReason))}")
        return self


def open_matches_status(data: Any) -> Any:
    """A site profile's `open` and `status` made to agree before validation: either alone sets the
    other; both must agree (`open` is false exactly when `status` is closed), else ValueError.
    `open` is read as the field will read it (0, "no", "false" are false), so that what passes
    here is what the profile holds."""
    if not isinstance(data, dict):
        return data
    has_open, has_status = "open" in data, "status" in data
    if not has_open:
        return {**data, "open": data["status"] != "closed"} if has_status else data
    try:
        is_open = _BOOL.validate_python(data["open"])
    except ValidationError:
        return data  # the field itself says what is wrong with it
    if not has_status:
        return {**data, "status": "open" if is_open else "closed"}
    if (not is_open) != (data["status"] == "closed"):
        raise ValueError("open is false exactly when status is closed; give one of them")
    return data


_BOOL: TypeAdapter[bool] = TypeAdapter(bool)


Weekday = Literal["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
WEEKDAYS: tuple[str, ...] = get_args(Weekday)

Phone = Annotated[str, StringConstraints(min_length=3, max_length=40, strip_whitespace=True,
                                         pattern=r"^[0-9+() .\-x,#*]+$")]
"""A telephone number as people write it ("705-555-0142", "+1 705 555 0142 x12", "211")."""


class StreetAddress(Record):
    """Where a site is, as a person would find it: HSDS's physical address fields."""

    address_1: ShortText = Field(description="street number and name, e.g. '151 Lansdowne St W'")
    address_2: ShortText | None = None
    city: ShortText
    state_province: Annotated[str, StringConstraints(min_length=2, max_length=2)] = "ON"
    postal_code: Annotated[str, StringConstraints(max_length=10, strip_whitespace=True)] | None = None

    def line(self) -> str:
        """One line, as printed on a caller's list: '151 Lansdowne St W, Peterborough, ON K9J 1Y4'."""
        street = ", ".join(p for p in (self.address_1, self.address_2) if p)
        tail = " ".join(p for p in (self.state_province, self.postal_code) if p)
        return f"{street}, {self.city}, {tail}"


WALL_CLOCK_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$"
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


def _written_as(pattern: str, kind: type, message: str) -> Any:
    """A validator that takes `kind` only as text matching `pattern` (or as a `kind`, from our own
    code), else ValueError(message): pydantic alone would also read numbers as seconds or days,
    and times with offsets or fractions, which the schema does not say."""
    compiled = re.compile(pattern)

    def check(value: Any) -> Any:
        if isinstance(value, kind) or isinstance(value, str) and compiled.match(value):
            return value
        raise ValueError(message)

    return BeforeValidator(check)


def _wall_clock(value: time) -> time:
    if value.tzinfo is not None:
        raise ValueError("an opening time is Ontario wall-clock time: give it without an offset, e.g. 09:00")
    return value


WallClock = Annotated[
    time,
    _written_as(WALL_CLOCK_PATTERN, time, "an opening time is Ontario wall-clock time, HH:MM or HH:MM:SS without "
                                          "an offset, e.g. 09:00"),
    AfterValidator(_wall_clock),
    WithJsonSchema({"type": "string", "pattern": WALL_CLOCK_PATTERN,
                    "description": "Ontario wall-clock time, HH:MM or HH:MM:SS, no offset", "examples": ["09:00"]}),
]
"""A time of day on Ontario's clocks. JSON Schema's `format: time` would demand an offset."""

Day = Annotated[date, _written_as(DATE_PATTERN, date, "a day is written YYYY-MM-DD, e.g. 2026-12-07"),
                WithJsonSchema({"type": "string", "format": "date"})]
"""A calendar day, written as JSON Schema's `format: date` says (pydantic alone also takes a number)."""

BOTH_TIMES_OR_NEITHER: dict[str, Any] = {"allOf": [
    {"if": {"required": [first], "properties": {first: {"type": "string"}}},
     "then": {"required": [second], "properties": {second: {"type": "string"}}}}
    for first, second in (("opens_at", "closes_at"), ("closes_at", "opens_at"))
]}


class Schedule(Record):
    """When a site is open, after HSDS 3.0's `schedule`: on these weekdays (every day when empty),
    from `opens_at` to `closes_at` local Ontario time, between `valid_from` and `valid_to`.

    `closes_at` at or before `opens_at` runs past midnight (20:00 to 08:00 is an overnight
    shelter's night). Both times absent means all day on those days; one without the other is
    refused. A `valid_to` before `valid_from` is refused too (422)."""

    model_config = ConfigDict(json_schema_extra=BOTH_TIMES_OR_NEITHER)

    byday: list[Weekday] = Field(default_factory=list, max_length=7)
    opens_at: WallClock | None = None
    closes_at: WallClock | None = None
    valid_from: Day | None = None
    valid_to: Day | None = None
    description: Annotated[str, StringConstraints(max_length=500)] | None = None

    @model_validator(mode="after")
    def _both_times_or_neither(self) -> Schedule:
        if (self.opens_at is None) != (self.closes_at is None):
            raise ValueError("give both opens_at and closes_at, or neither (all day)")
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValueError("valid_to is before valid_from")
        return self


@dataclass(frozen=True)
class Opening:
    """Whether a site is open at a moment, and the next change: `closes_at` while open, else
    `opens_at` (None when its schedules never open it again). Times are aware, in Ontario time."""

    open: bool
    opens_at: datetime | None = None
    closes_at: datetime | None = None


LOOK_AHEAD_DAYS = 8


def _periods(schedule: Schedule, day: date) -> list[tuple[datetime, datetime]]:
    """The stretch of time `schedule` opens a site starting on `day` (Ontario wall clock), in UTC:
    aware datetimes sharing one zone compare by wall clock, which misorders the repeated hour."""
    if schedule.valid_from and day < schedule.valid_from or schedule.valid_to and day > schedule.valid_to:
        return []
    if schedule.byday and WEEKDAYS[day.weekday()] not in schedule.byday:
        return []
    if schedule.opens_at is None or schedule.closes_at is None:
        opens, closes, end_day = time(0), time(0), day + timedelta(days=1)
    else:
        opens, closes = schedule.opens_at, schedule.closes_at
        end_day = day if closes > opens else day + timedelta(days=1)
    return [(datetime.combine(day, opens, ONTARIO).astimezone(UTC),
             datetime.combine(end_day, closes, ONTARIO).astimezone(UTC))]


def _merged(schedules: Sequence[Schedule], today: date) -> list[tuple[datetime, datetime]]:
    """Every stretch the schedules open a site from the day before `today` to LOOK_AHEAD_DAYS
    after it, overlapping and touching stretches joined, in UTC, earliest first."""
    periods = sorted(
        period
        for offset in range(-1, LOOK_AHEAD_DAYS)
        for schedule in schedules
        for period in _periods(schedule, today + timedelta(days=offset))
    )
    merged: list[tuple[datetime, datetime]] = []
    for start, end in periods:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


ALWAYS_OPEN = Opening(open=True)
NEVER_AGAIN = Opening(open=False)


@dataclass(frozen=True, slots=True)
class Moment:
    """A moment read once for many sites: its date in Ontario, its POSIX timestamp, and its hour
    of the week on Ontario's clocks (Monday 00:00-00:59 is 0), which is None on the two days a
    year the clocks change: an hour that day may be missing or repeated."""

    day: date
    timestamp: float
    hour_of_week: int | None

    @classmethod
    def of(cls, now: datetime) -> Moment:
        local = now.astimezone(ONTARIO)
        day = local.date()
        return cls(day, now.timestamp(), None if _clocks_change(day) else local.weekday() * 24 + local.hour)


@lru_cache(maxsize=8)
def _clocks_change(day: date) -> bool:
    """Whether Ontario's clocks change on this day; a search asks it of every query's day."""
    return ONTARIO.utcoffset(datetime.combine(day, time(0))) != ONTARIO.utcoffset(
        datetime.combine(day + timedelta(days=1), time(0)))


HOURS_A_WEEK = 7 * 24


def closed_hours(schedules: Sequence[Schedule]) -> list[bool]:
    """For each hour of the week on Ontario's clocks (Monday 00:00-00:59 first), whether these
    schedules surely keep a site closed all that hour: no schedule opens it at any minute of it
    on that weekday. Valid dates are not read (they only ever close a site more), so this holds
    on any day but the two the clocks change (see Moment): a directory may skip a site surely
    closed now without reading its hours."""
    if not schedules:
        return [False] * HOURS_A_WEEK
    open_hours = [False] * HOURS_A_WEEK
    for schedule in schedules:
        days = [WEEKDAYS.index(day) for day in schedule.byday] or range(7)
        if schedule.opens_at is None or schedule.closes_at is None:
            stretches = [(0, 0, 24 * 60)]
        else:
            opens = schedule.opens_at.hour * 60 + schedule.opens_at.minute
            closes = schedule.closes_at.hour * 60 + schedule.closes_at.minute + (
                1 if schedule.closes_at.second or schedule.closes_at.microsecond else 0)
            stretches = [(0, opens, closes)] if closes > opens else [(0, opens, 24 * 60), (1, 0, closes)]
        for day in days:
            for later, start, end in stretches:
                for hour in range(start // 60, -(-end // 60)):
                    open_hours[((day + later) % 7) * 24 + hour] = True
    return [not is_open for is_open in open_hours]


class OpeningHours:
    """A site's schedules, compiled to answer `at(now)` many times over: the stretches they open
    it are worked out once per Ontario day, then each question is one bisection. A directory
    keeps one per site, so a search that reads a site costs about a microsecond for its hours.

    Not thread-safe: the compiled day is replaced in place when the date in Ontario changes."""

    __slots__ = ("schedules", "_day", "_starts", "_ends", "_while_open", "_until_open", "_last", "_last_from",
                 "_last_until")

    def __init__(self, schedules: Sequence[Schedule]) -> None:
        self.schedules: tuple[Schedule, ...] = tuple(schedules)
        self._day: date | None = None
        self._starts: list[float] = []
        self._ends: list[float] = []
        self._while_open: list[Opening] = []
        self._until_open: list[Opening] = []
        self._last: Opening = NEVER_AGAIN
        self._last_from = self._last_until = 0.0
        """The last answer and the stretch of timestamps it holds for, within the compiled day."""

    def at(self, now: datetime) -> Opening:
        """Whether the site is open at `now` (any aware time) and when that changes, as `opening`."""
        return self.at_moment(Moment.of(now))

    def at_moment(self, moment: Moment) -> Opening:
        """`at` for a moment already read, as a search asks of every site it reads."""
        if not self.schedules:
            return ALWAYS_OPEN
        moment_ts = moment.timestamp
        if moment.day == self._day and self._last_from <= moment_ts < self._last_until:
            return self._last
        if moment.day != self._day:
            self._compile(moment.day)
        starts = self._starts
        i = bisect.bisect_right(starts, moment_ts) - 1
        if i >= 0 and moment_ts < self._ends[i]:
            found, since, until = self._while_open[i], starts[i], self._ends[i]
        else:
            found = self._until_open[i + 1] if i + 1 < len(starts) else NEVER_AGAIN
            since = self._ends[i] if i >= 0 else -math.inf
            until = starts[i + 1] if i + 1 < len(starts) else math.inf
        self._last, self._last_from, self._last_until = found, since, until
        return found

    def _compile(self, day: date) -> None:
        merged = _merged(self.schedules, day)
        self._starts = [start.timestamp() for start, _ in merged]
        self._ends = [end.timestamp() for _, end in merged]
        self._while_open = [Opening(open=True, closes_at=end.astimezone(ONTARIO)) for _, end in merged]
        self._until_open = [Opening(open=False, opens_at=start.astimezone(ONTARIO)) for start, _ in merged]
        self._day = day
        self._last_from = self._last_until = 0.0


def opening(schedules: Sequence[Schedule], now: datetime) -> Opening:
    """Whether a site with these schedules is open at `now` (any aware time), and when that changes.

    No schedules means no hours are set: open around the clock. Wall-clock times are read in
    America/Toronto, so 09:00 stays 09:00 across the daylight-saving changes; a time that does
    not exist on the spring-forward day is read as the moment after the gap (zoneinfo's rule).
    Stretches that touch or overlap are one (a night shelter open every night from 20:00 to 08:00
    closes at 08:00; one open all day every day says it closes at the end of the days looked at).
    To ask about one site many times, keep its `OpeningHours`."""
    return OpeningHours(schedules).at(now)
