"""The shared vocabulary of Ontario Corps partners: capabilities, resource types, incident kinds.

Capabilities say what a partner can do; resource types are what it can commit, counted in
its inventory. Incident kinds decide which capabilities an alert calls for.
"""
from __future__ import annotations

from typing import Literal, get_args

Capability = Literal[
    "shelter",
    "canteen_truck",
    "food_kits",
    "first_aid",
    "search_and_rescue",
    "drone",
    "debris_clearing",
    "wellness_checks",
    "information_referral",
    "generators",
    "gps_units",
    "transport",
]

ResourceType = Literal[
    "cots",
    "portable_shelters",
    "canteen_trucks",
    "food_kits",
    "first_aid_kits",
    "generators",
    "gps_units",
    "drones",
    "sar_teams",
    "chainsaw_crews",
    "vans",
]

IncidentKind = Literal[
    "ice_storm", "winter_storm", "flood", "wildfire", "tornado", "power_outage", "extreme_cold", "heat",
    "hazmat", "evacuation", "other",
]
Severity = Literal["minor", "moderate", "severe", "extreme"]

Activity = Literal[
    "debris_clearing",
    "meals",
    "wellness_checks",
    "sheltering",
    "first_aid",
    "information_referral",
    "search_and_rescue",
    "logistics",
    "other",
]

CAPABILITIES: tuple[str, ...] = get_args(Capability)
INCIDENT_KINDS: tuple[str, ...] = get_args(IncidentKind)
RESOURCE_TYPES: tuple[str, ...] = get_args(ResourceType)

PROVIDED_BY: dict[str, str] = {
    "cots": "shelter",
    "portable_shelters": "shelter",
    "canteen_trucks": "canteen_truck",
    "food_kits": "food_kits",
    "first_aid_kits": "first_aid",
    "generators": "generators",
    "gps_units": "gps_units",
    "drones": "drone",
    "sar_teams": "search_and_rescue",
    "chainsaw_crews": "debris_clearing",
    "vans": "transport",
}
"""Which capability a partner needs before it may hold a resource type."""

_EVERY_KIND = {"shelter", "food_kits", "canteen_truck", "information_referral", "wellness_checks", "first_aid"}

NEEDED_FOR: dict[str, frozenset[str]] = {
    "ice_storm": frozenset(_EVERY_KIND | {"debris_clearing", "generators", "transport"}),
    "winter_storm": frozenset(_EVERY_KIND | {"debris_clearing", "generators", "transport"}),
    "flood": frozenset(_EVERY_KIND | {"search_and_rescue", "drone", "transport", "debris_clearing"}),
    "wildfire": frozenset(_EVERY_KIND | {"drone", "transport", "gps_units"}),
    "tornado": frozenset(_EVERY_KIND | {"search_and_rescue", "debris_clearing", "drone"}),
    "power_outage": frozenset(_EVERY_KIND | {"generators"}),
    "extreme_cold": frozenset(_EVERY_KIND | {"transport"}),
    "heat": frozenset(_EVERY_KIND | {"transport", "generators"}),
    "hazmat": frozenset(_EVERY_KIND | {"transport", "gps_units"}),
    "evacuation": frozenset(_EVERY_KIND | {"transport", "gps_units", "search_and_rescue"}),
    "other": frozenset(CAPABILITIES),
}
"""Capabilities an incident of each kind calls for; a partner is alerted if it has one."""


def fitting_capabilities(kind: str, capabilities: list[str] | tuple[str, ...]) -> list[str]:
    needed = NEEDED_FOR.get(kind, NEEDED_FOR["other"])
    return sorted(c for c in capabilities if c in needed)
