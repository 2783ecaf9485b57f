"""Volunteer hours: partners log who they deployed, for how long, doing what; totals for funders.

Schemas (version 1):
  LogHours     on `volunteer-hours`, keyed by entry id: a partner's entry, via the API
  HoursLogged  on `hours-log` (compacted), keyed by entry id: the entry, accepted
Because hours-log is keyed by entry id, a duplicate or a replay replaces an entry with itself, so
totals count each entry once by construction. A correction names the entry it `corrects` and
supersedes it: an entry counts only while no logged entry corrects it (a chain counts its last
link), whatever order the two arrive in. Totals are kept in hundredths of an hour, so they come out
exact however the entries are folded.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from handlers.common import Command, Id, KeyedById, Message, Record, Timestamp
from handlers.errors import Rejected
from handlers.sites import Day
from handlers.taxonomy import Activity

MAX_HOURS_PER_VOLUNTEER = 24


def _hundredths(hours: float) -> float:
    return round(hours, 2)


class HoursEntry(Message):
    """What a partner reports: the body of `POST /v1/volunteer-hours`. `hours` is the total for all
    `volunteers` that day, kept to the hundredth of an hour.

    Beyond what this schema says, an entry is refused (422) with more than 24 hours per volunteer,
    a `date` after tomorrow, an unknown incident or partner, `corrects` naming itself or an entry
    never logged, or a correction that changes the partner or incident."""

    id: Id
    partner_id: Id
    incident_id: Id
    volunteers: int = Field(ge=1, le=10_000)
    hours: Annotated[float, Field(ge=0.01, le=10_000 * MAX_HOURS_PER_VOLUNTEER), AfterValidator(_hundredths)]
    activity: Activity
    date: Day
    corrects: Id | None = Field(None, description="the id of an earlier entry this one replaces")

    @model_validator(mode="after")
    def _plausible(self):
        if self.hours > self.volunteers * MAX_HOURS_PER_VOLUNTEER:
            raise ValueError(f"{self.hours:g} hours is more than {MAX_HOURS_PER_VOLUNTEER} per volunteer")
        if self.corrects == self.id:
            raise ValueError("an entry cannot correct itself")
        return self

    def same_entry(self, other: HoursEntry) -> bool:
        fields = set(HoursEntry.model_fields)
        return self.model_dump(include=fields) == other.model_dump(include=fields)


class LogHours(HoursEntry, Command, KeyedById):
    """A partner logs deployed volunteers and their hours; the entry id makes a retry one entry."""

    type: Literal["LogHours"] = "LogHours"


class HoursLogged(HoursEntry, KeyedById):
    """An accepted entry, as every total is computed from."""

    type: Literal["HoursLogged"] = "HoursLogged"
    logged_by: str | None = None
    logged_at: Timestamp


def check(entry: HoursEntry, now: datetime, incident_status: str | None) -> None:
    """Why an entry cannot be logged: the incident is unknown, or the day has not happened yet."""
    if incident_status is None:
        raise Rejected(f"unknown incident {entry.incident_id!r}")
    if entry.date > (now + timedelta(days=1)).date():
        raise Rejected(f"{entry.date.isoformat()} is in the future")


def log_hours(cmd: LogHours, now: datetime, incident_status: str | None) -> HoursLogged:
    """Accept an entry for an incident Muster knows (active or stood down)."""
    check(cmd, now, incident_status)
    return HoursLogged(
        **cmd.model_dump(include=set(HoursEntry.model_fields)),
        logged_by=cmd.actor.sub if cmd.actor else None,
        logged_at=cmd.accepted_at or now,
    )


class HoursSum(Record):
    entries: int
    volunteers: int
    hours: float


class HoursRow(HoursSum):
    partner_id: str
    activity: str
    date: date


class IncidentHours(Record):
    """An incident's volunteer hours: overall, by partner, by activity, by day, and every cell."""

    incident_id: str
    entries: int
    volunteers: int
    hours: float
    by_partner: dict[str, HoursSum]
    by_activity: dict[str, HoursSum]
    by_day: dict[str, HoursSum]
    rows: list[HoursRow]


Cell = tuple[str, str, date]


class HoursTotals:
    """The running fold of hours-log: `apply(entry_id, old, new)` for each record, in any order."""

    def __init__(self) -> None:
        self.entries: dict[str, HoursLogged] = {}
        self._correctors: dict[str, set[str]] = defaultdict(set)
        self._cells: dict[str, dict[Cell, list[int]]] = defaultdict(dict)

    def counts(self, entry_id: str) -> bool:
        return entry_id in self.entries and not self._correctors.get(entry_id)

    def _add(self, entry: HoursLogged, sign: int) -> None:
        cells = self._cells[entry.incident_id]
        cell = cells.setdefault((entry.partner_id, entry.activity, entry.date), [0, 0, 0])
        cell[0] += sign
        cell[1] += sign * entry.volunteers
        cell[2] += sign * round(entry.hours * 100)
        if cell[0] == 0:
            del cells[(entry.partner_id, entry.activity, entry.date)]

    def apply(self, entry_id: str, old: HoursLogged | None, new: HoursLogged | None) -> None:
        """Replace the entry `entry_id` (None: remove it); `old` is what the caller last saw."""
        current = self.entries.pop(entry_id, None)
        if current is not None:
            if not self._correctors.get(entry_id):
                self._add(current, -1)
            if current.corrects is not None:
                self._uncorrect(current.corrects, entry_id)
        if new is None:
            return
        if new.corrects is not None:
            target = self.entries.get(new.corrects)
            if target is not None and self.counts(new.corrects):
                self._add(target, -1)
            self._correctors[new.corrects].add(entry_id)
        self.entries[entry_id] = new
        if self.counts(entry_id):
            self._add(new, 1)

    def _uncorrect(self, target_id: str, corrector_id: str) -> None:
        correctors = self._correctors.get(target_id)
        if correctors is None:
            return
        correctors.discard(corrector_id)
        if not correctors:
            del self._correctors[target_id]
            if target_id in self.entries:
                self._add(self.entries[target_id], 1)

    def summary(self, incident_id: str, partner_id: str | None = None) -> HoursSum:
        """The incident's overall totals (only `partner_id`'s own when given), without the breakdown."""
        n = v = h = 0
        for (partner, _, _), (entries, volunteers, hundredths) in self._cells.get(incident_id, {}).items():
            if partner_id is None or partner == partner_id:
                n, v, h = n + entries, v + volunteers, h + hundredths
        return HoursSum(entries=n, volunteers=v, hours=h / 100)

    def for_incident(self, incident_id: str, partner_id: str | None = None) -> IncidentHours:
        """Totals for the incident; only `partner_id`'s own when given (what a partner may see)."""
        cells = sorted((k, v) for k, v in self._cells.get(incident_id, {}).items()
                       if partner_id is None or k[0] == partner_id)
        rows = [HoursRow(partner_id=p, activity=a, date=d, entries=n, volunteers=v, hours=h / 100)
                for (p, a, d), (n, v, h) in cells]

        def by(pick) -> dict[str, HoursSum]:
            sums: dict[str, list[int]] = {}
            for key, (n, v, h) in cells:
                total = sums.setdefault(str(pick(key)), [0, 0, 0])
                total[0] += n
                total[1] += v
                total[2] += h
            return {k: HoursSum(entries=n, volunteers=v, hours=h / 100) for k, (n, v, h) in sorted(sums.items())}

        return IncidentHours(
            incident_id=incident_id,
            **self.summary(incident_id, partner_id).model_dump(),
            by_partner=by(lambda k: k[0]),
            by_activity=by(lambda k: k[1]),
            by_day=by(lambda k: k[2].isoformat()),
            rows=rows,
        )


CSV_HEADER = ("incident_id", "partner_id", "partner_name", "activity", "date", "entries", "volunteers", "hours")
