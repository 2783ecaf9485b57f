"""Why something was refused or left out: a code a screen translates, its parameters, and the same
in English.

A `Reason` is written flat: `{"code": "only_free", "free": 2, "message": "only 2 free beds"}`.
`code` is one of `CODES`; the parameters beside it are those `CODES` lists for it (required ones
always, optional ones when known); `message` is the English sentence for logs and for clients
that do not translate. Screens translate the code and its parameters (api/static/js/i18n.js,
`reason.<code>`), never the sentence; a unit test checks that every code here has English and
French text there, and that both sides know the same codes.

`legacy_reasons` reads the English sentences that shelters and referrals stored before reasons
had codes, for the upcasts of those records.
"""
from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Literal, NamedTuple, Required, cast

from pydantic import AfterValidator, ConfigDict, Field, with_config
from typing_extensions import TypedDict

from handlers.common import Id, Language
from handlers.sites import StatusReason

ReasonCode = Literal[
    # a shelter or service site that cannot take the household now
    "closed", "full", "only_free", "not_open_now", "in_danger_zone", "no_pets", "not_wheelchair_accessible",
    "no_families", "no_language", "beyond", "unknown_shelter", "awaiting_approval", "capacity_needs_manager",
    # a claim on a partner's inventory
    "unknown_partner", "no_inventory", "none_free", "too_many_claims", "claim_ended", "ended_before_arrival",
    # a command that names something unknown, or something in the wrong state
    "unknown_incident", "incident_closed", "too_many_zones", "no_danger_zone", "id_in_use", "future_date",
    "unknown_request", "request_fulfilled", "request_cancelled", "unknown_referral", "referral_not_held",
    "unknown_service", "is_a_shelter", "unknown_place", "too_many_open_referrals", "unknown_entry",
    "correction_mismatch",
    # a stored sentence from before reasons had codes, that `legacy_reasons` could not read
    "other",
]


class Params(NamedTuple):
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()


CODES: dict[str, Params] = {
    "closed": Params(optional=("status_reason",)),
    "full": Params(optional=("status_reason",)),
    "only_free": Params(("free",)),
    "not_open_now": Params(optional=("opens_at",)),
    "in_danger_zone": Params(("incidents", "titles")),
    "no_pets": Params(),
    "not_wheelchair_accessible": Params(),
    "no_families": Params(),
    "no_language": Params(("language",)),
    "beyond": Params(("radius_km",)),
    "unknown_shelter": Params(optional=("shelter_id",)),
    "awaiting_approval": Params(),
    "capacity_needs_manager": Params(("limit", "capacity")),
    "unknown_partner": Params(("partner_id",)),
    "no_inventory": Params(("resource_type",)),
    "none_free": Params(("resource_type",)),
    "too_many_claims": Params(("limit",)),
    "claim_ended": Params(("status",)),
    "ended_before_arrival": Params(("status",)),
    "unknown_incident": Params(("incident_id",)),
    "incident_closed": Params(("incident_id",)),
    "too_many_zones": Params(("incident_id", "limit")),
    "no_danger_zone": Params(("incident_id", "zone_id")),
    "id_in_use": Params(("id",)),
    "future_date": Params(("day",)),
    "unknown_request": Params(("request_id",)),
    "request_fulfilled": Params(("request_id",)),
    "request_cancelled": Params(("request_id",)),
    "unknown_referral": Params(("referral_id",)),
    "referral_not_held": Params(("referral_id", "status")),
    "unknown_service": Params(("service_id",)),
    "unknown_place": Params(("place",), ("suggestions",)),
    "too_many_open_referrals": Params(("open",)),
    "is_a_shelter": Params(("service_id",)),
    "unknown_entry": Params(("entry_id",)),
    "correction_mismatch": Params(("entry_id",)),
    "other": Params(),
}
"""Each code and the parameters a Reason with it carries."""


@with_config(ConfigDict(extra="forbid"))
class Reason(TypedDict, total=False):
    """One reason something was refused or left out: `code` and `message` always, and the
    parameters `CODES` lists for the code (required ones always, optional ones when known). A plain
    dict, cheap to make where searches judge many sites; validated as `ValidReason` wherever a
    schema holds one."""

    code: Required[Annotated[ReasonCode, Field(description="what a screen translates; each code's parameters "
                                                             "are listed with them")]]
    message: Required[Annotated[str, Field(max_length=1000, description="the same in English, for logs and "
                                                                        "clients that do not translate")]]
    free: Annotated[int, Field(ge=0, description="only_free: the beds free now")]
    status_reason: Annotated[StatusReason, Field(description="closed, full: the site's status reason, when known")]
    opens_at: Annotated[datetime, Field(description="not_open_now: when the site opens next; absent if not soon")]
    incidents: Annotated[list[Id], Field(max_length=50, description="in_danger_zone: the incidents, by id")]
    titles: Annotated[list[str], Field(max_length=50, description="in_danger_zone: their titles, in the same order")]
    language: Annotated[Language, Field(description="no_language: the language asked for (ISO 639)")]
    radius_km: Annotated[float, Field(ge=0, description="beyond: the radius searched")]
    resource_type: Annotated[str, Field(max_length=64, description="no_inventory, none_free: the resource type")]
    limit: Annotated[int, Field(ge=0, description="too_many_claims, too_many_zones: the most there may be; "
                                                  "capacity_needs_manager: the most beds a partner may add at once")]
    capacity: Annotated[int, Field(ge=0, description="capacity_needs_manager: the shelter's capacity now")]
    status: Annotated[str, Field(max_length=32, description="claim_ended, ended_before_arrival: the claim's status; "
                                                           "referral_not_held: the referral's")]
    id: Annotated[Id, Field(description="id_in_use: the id a different command already has")]
    day: Annotated[date, Field(description="future_date: the day not yet come")]
    incident_id: Annotated[Id, Field(description="unknown_incident, incident_closed, too_many_zones, no_danger_zone")]
    zone_id: Annotated[Id, Field(description="no_danger_zone: the zone asked for")]
    shelter_id: Annotated[Id, Field(description="unknown_shelter")]
    partner_id: Annotated[Id, Field(description="unknown_partner")]
    request_id: Annotated[Id, Field(description="unknown_request, request_fulfilled, request_cancelled")]
    referral_id: Annotated[Id, Field(description="unknown_referral, referral_not_held")]
    service_id: Annotated[Id, Field(description="unknown_service, is_a_shelter")]
    entry_id: Annotated[Id, Field(description="unknown_entry, correction_mismatch: a volunteer-hours entry")]
    place: Annotated[str, Field(max_length=200, description="unknown_place: the place as asked")]
    suggestions: Annotated[list[str], Field(max_length=20, description="unknown_place: known places named like it")]
    open: Annotated[int, Field(ge=0, description="too_many_open_referrals: the navigator's open referrals")]


def check_params(reason: Reason) -> Reason:
    """The reason, if its parameters are those its code takes. Raises ValueError for a missing
    required parameter or one the code does not take."""
    params = CODES[reason["code"]]
    given = reason.keys() - {"code", "message"}
    missing = set(params.required) - given
    foreign = given - set(params.required) - set(params.optional)
    if missing or foreign:
        raise ValueError(f"reason {reason['code']} takes {', '.join(params.required + params.optional) or 'no parameters'}"
                         f"; missing {sorted(missing)}, not taken {sorted(foreign)}")
    return reason


ValidReason = Annotated[Reason, AfterValidator(check_params)]
"""A Reason as schemas hold it: its parameters checked against its code."""


def messages(reasons: list[Reason]) -> str:
    """Several reasons as one English line, as refusals were written before they had codes."""
    return ", ".join(reason["message"] for reason in reasons)


_LEGACY: list[tuple[re.Pattern[str], ReasonCode, tuple[str, ...]]] = [
    (re.compile(r"closed"), "closed", ()),
    (re.compile(r"full"), "full", ()),
    (re.compile(r"only (\d+) free beds"), "only_free", ("free",)),
    (re.compile(r"no pets"), "no_pets", ()),
    (re.compile(r"not wheelchair accessible"), "not_wheelchair_accessible", ()),
    (re.compile(r"no families"), "no_families", ()),
    (re.compile(r"no service in ([a-z]{2,3})"), "no_language", ("language",)),
    (re.compile(r"inside danger zone of (?:'(.*?)'|\"(.*?)\")"), "in_danger_zone", ("titles",)),
    (re.compile(r"beyond ([\d.]+) km"), "beyond", ("radius_km",)),
    (re.compile(r"unknown shelter"), "unknown_shelter", ()),
]
"""The sentences unmet_needs, hold refusals and candidate search wrote before reasons had codes."""
_LEGACY_TYPES = {"free": int, "radius_km": float}
_LEGACY_ITEM = re.compile("|".join(f"(?:{pattern.pattern})" for pattern, _, _ in _LEGACY))


def legacy_reasons(text: str) -> list[Reason]:
    """The reasons in a sentence stored before reasons had codes: one reason ("only 2 free
    beds") or a hold refusal's reasons joined by ", ". A danger zone's incident was named by its
    title only, so its `incidents` are unknown (empty). What cannot be read is one reason
    `other` with the whole sentence as its message."""
    found: list[Reason] = []
    rest = text
    while rest:
        match = _LEGACY_ITEM.match(rest)
        if match is None or (match.end() < len(rest) and not rest.startswith(", ", match.end())):
            return [Reason(code="other", message=text)]
        found.append(_legacy(match.group(0)))
        rest = rest[match.end() + 2:]
    return found or [Reason(code="other", message=text)]


def _legacy(sentence: str) -> Reason:
    for pattern, code, names in _LEGACY:
        match = pattern.fullmatch(sentence)
        if match is None:
            continue
        if code == "in_danger_zone":
            title = next(group for group in match.groups() if group is not None)
            return Reason(code=code, message=sentence, incidents=[], titles=[title])
        values = {name: _LEGACY_TYPES.get(name, str)(value) for name, value in zip(names, match.groups(), strict=True)}
        return cast(Reason, {"code": code, "message": sentence, **values})
    raise AssertionError(f"{sentence!r} matched no legacy pattern")  # _LEGACY_ITEM is made of these patterns


def upcast_reasons(value: object) -> object:
    """A stored list of reasons with the sentences of before codes read as Reasons; anything else
    as it is, for validation to judge."""
    if isinstance(value, list):
        return [item for entry in value for item in (legacy_reasons(entry) if isinstance(entry, str) else [entry])]
    return value

