"""Volunteer-hour entries to test with, logged against the Orillia ice storm the day after."""
from __future__ import annotations

from datetime import datetime, timezone

from handlers.hours import HoursLogged

NOON = datetime(2025, 3, 31, 12, 0, tzinfo=timezone.utc)
"""When the hours are logged: noon the day after the storm's day of work."""
ORILLIA = "ice-storm-2025-orillia"


def entry(entry_id: str, partner: str = "salvation-army-on", volunteers: int = 12, hours: float = 72.0,
          activity: str = "meals", day: str = "2025-03-30", corrects: str | None = None,
          incident: str = ORILLIA) -> HoursLogged:
    return HoursLogged(id=entry_id, partner_id=partner, incident_id=incident, volunteers=volunteers, hours=hours,
                       activity=activity, date=day, corrects=corrects, logged_at=NOON)
