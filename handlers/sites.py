"""What every site in the 211 directory shares: service type, street address, phone, opening hours,
and whether it is open, limited or closed and why.

A site is one service at one location (HSDS's service_at_location). Overnight shelters are the
sites that hold beds (handlers/shelters.py); every other type (warming centre, charging station,
meals, ...) is listed, never held (handlers/services.py). Hours are HSDS schedules read in Ontario
time (America/Toronto), across the daylight-saving changes.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, Literal, get_args
from zoneinfo import ZoneInfo

from pydantic import Field, StringConstraints, TypeAdapter, model_validator

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

_BOOL: TypeAdapter[bool] = TypeAdapter(bool)


def open_matches_status(data: Any) -> Any:
    """A site profile's `open` and `status` made to agree before validation: either alone sets the
    other; both must agree (`open` is false exactly when `status` is closed), else ValueError."""
    if not isinstance(data, dict):
        return data
    has_open, has_status = "open" in data, "status" in data
    if has_status and not has_open:
        return {**data, "open": data["status"] != "closed"}
    try:
        is_open = _BOOL.validate_python(data["open"]) if has_open else None
    except ValueError:
        return data  # not a boolean: validation of `open` says so
    if has_open and not has_status:
        return {**data, "status": "open" if is_open else "closed"}
    if has_open and has_status and (not is_open) != (data["status"] == "closed"):
        raise ValueError("open is false exactly when status is closed; give one of them")
    return data


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


class Schedule(Record):
    """When a site is open, after HSDS 3.0's `schedule`: on these weekdays (every day when empty),
    from `opens_at` to `closes_at` local Ontario time, between `valid_from` and `valid_to`.

    `closes_at` at or before `opens_at` runs past midnight (20:00 to 08:00 is an overnight
    shelter's night). Both times absent means all day on those days."""

    byday: list[Weekday] = Field(default_factory=list, max_length=7)
    opens_at: time | None = None
    closes_at: time | None = None
    valid_from: date | None = None
    valid_to: date | None = None
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


def opening(schedules: list[Schedule], now: datetime) -> Opening:
    """Whether a site with these schedules is open at `now` (any aware time), and when that changes.

    No schedules means no hours are set: open around the clock. Wall-clock times are read in
    America/Toronto, so 09:00 stays 09:00 across the daylight-saving changes; a time that does
    not exist on the spring-forward day is read as the moment after the gap (zoneinfo's rule)."""
    if not schedules:
        return Opening(open=True)
    today = now.astimezone(ONTARIO).date()
    now = now.astimezone(UTC)
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
    for start, end in merged:
        if start <= now < end:
            return Opening(open=True, closes_at=end.astimezone(ONTARIO))
        if start > now:
            return Opening(open=False, opens_at=start.astimezone(ONTARIO))
    return Opening(open=False)
