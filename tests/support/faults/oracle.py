"""The oracle: fold the input log, read back by one plain consumer, with the same pure handlers."""
from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import ValidationError

from handlers.errors import Rejected
from handlers.incidents import decide as decide_incident, incident_commands
from handlers.referrals import ConfirmReferral, ReleaseReferral, RequestReferral, referral_messages
from handlers.shelters import RegisterShelter, ShelterProfile, shelter_commands

Source = tuple[str, int, int]


@dataclass
class Expected:
    profiles: dict[str, ShelterProfile] = field(default_factory=dict)
    incidents: dict[str, tuple] = field(default_factory=dict)
    referrals: set[str] = field(default_factory=set)
    dead: set[Source] = field(default_factory=set)


def incident_summary(incident) -> tuple:
    return (incident.title, incident.severity, incident.status, incident.version, tuple(incident.applied_updates))


def _decode(adapter, key: bytes | None, value: bytes | None):
    message = adapter.validate_json(value)
    if key is None or key.decode("utf-8") != message.key:
        raise ValueError("key mismatch")
    return message


def fold(log: dict[str, list[tuple]], now) -> Expected:
    """`log` maps each input topic name to its records (key, value, partition, offset) in offset order."""
    expected = Expected()
    for key, value, partition, offset in log["shelters"]:
        try:
            command = _decode(shelter_commands, key, value)
        except (ValidationError, ValueError, UnicodeDecodeError):
            expected.dead.add(("shelters", partition, offset))
            continue
        if isinstance(command, RegisterShelter):
            expected.profiles[command.id] = ShelterProfile.model_validate(
                command.model_dump(include=set(ShelterProfile.model_fields)))
    states: dict[str, object] = {}
    for key, value, partition, offset in log["incidents"]:
        try:
            command = _decode(incident_commands, key, value)
            states[command.id], _ = decide_incident(states.get(command.id), command, now, [])
        except (ValidationError, ValueError, UnicodeDecodeError, Rejected):
            expected.dead.add(("incidents", partition, offset))
    expected.incidents = {k: incident_summary(v) for k, v in states.items()}
    for key, value, partition, offset in log["referrals"]:
        try:
            message = _decode(referral_messages, key, value)
        except (ValidationError, ValueError, UnicodeDecodeError):
            expected.dead.add(("referrals", partition, offset))
            continue
        if isinstance(message, RequestReferral):
            expected.referrals.add(message.id)
        elif isinstance(message, (ConfirmReferral, ReleaseReferral)) and message.id not in expected.referrals:
            expected.dead.add(("referrals", partition, offset))
    return expected
