"""Shelters and their beds: the one place a bed is promised, so no bed is promised twice.

Schemas (version 1) on the `shelters` topic, keyed by shelter id, decided only by the agent that
owns the shelter's partition:
  RegisterShelter   a manager or the owning partner sets the shelter's profile (upsert)
  SetShelterStatus  its operator or a manager marks it open, limited or closed, with why; only
                    those fields change, so a profile PUT in flight keeps its others
  HoldBed           a referral asks for beds; answered BedHeld or HoldRefused. The API asks a new
                    referral's first candidate itself, with the navigator's request in `request`:
                    the reply carries it back untouched, and the referral starts from it
  ConfirmHold       the caller arrived; answered HoldConfirmed or HoldEnded
  ReleaseHold       the referral no longer needs the beds; answered HoldEnded
  ExtendHold        the navigator needs more time; answered HoldExtended or ExtendRefused
  ExpireHolds       a sweep asks the owner to release holds past their time-to-live
  FlagHolds         a sweep asks the owner to flag the holds its directory finds in a danger zone
State on `shelter-state` (compacted): Shelter. Replies go to `referrals`, keyed by referral id.

Beds: free = capacity − occupancy − held − confirmed. A hold is granted only if it fits, so
held + confirmed + occupancy never exceeds capacity through a hold; a capacity cut below that
keeps the existing holds and shows the `shortfall`.

Holds at risk: after every command the owner flags each held or confirmed hold at a closed
shelter, or at one inside a danger zone, for the navigator to call the caller back
(HoldFlagged), once per cause (`shelter_closed`, or `danger_zone` and the incident). The danger
zones covering the shelter are the agent's finding, passed in as `danger`; no new hold and no
extension is granted inside one.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal, Union

from pydantic import ConfigDict, Field, TypeAdapter, model_validator

from handlers.common import Command, Id, KeyedById, Language, Message, Point, Record, ShortText, Timestamp
from handlers.errors import Rejected
from handlers.sites import (
    OPEN_MATCHES_STATUS,
    REASON_FITS_STATUS,
    Phone,
    Schedule,
    SiteStatus,
    StatusReason,
    StreetAddress,
    open_matches_status,
)


class Needs(Record):
    """What the household needs from a shelter."""

    pets: bool = False
    wheelchair: bool = False
    family: bool = False
    language: Language | None = None


class ShelterProfile(Message):
    """What a shelter manager says about it: the body of `PUT /v1/shelters/{id}`.

    `open` and `status` say the same thing two ways: `open` is false exactly when `status` is
    closed. Give either (or both, agreeing); `status` also has `limited`, with a reason."""

    model_config = ConfigDict(json_schema_extra=OPEN_MATCHES_STATUS)

    name: ShortText
    location: Point
    capacity: int = Field(ge=0, le=100_000)
    occupancy: int = Field(0, ge=0, le=100_000)
    open: bool = True
    status: SiteStatus = Field("open", description="open, limited (working with less) or closed; see status_reason")
    status_reason: StatusReason | None = Field(None, description="why the shelter is limited or closed")
    accepts_pets: bool = False
    accessible: bool = False
    families: bool = False
    languages: list[Language] = Field(default_factory=lambda: ["en"], max_length=30)
    partner_id: Id | None = None
    place: ShortText | None = None
    address: StreetAddress | None = Field(None, description="street address, for the caller's sheet")
    phone: Phone | None = None
    schedules: list[Schedule] = Field(default_factory=list, max_length=20,
                                      description="opening hours (HSDS schedules); none: around the clock")

    _open_matches_status = model_validator(mode="before")(open_matches_status)


class RegisterShelter(ShelterProfile, Command, KeyedById):
    type: Literal["RegisterShelter"] = "RegisterShelter"
    id: Id


class HoldBed(Command):
    type: Literal["HoldBed"] = "HoldBed"
    shelter_id: Id
    referral_id: Id
    beds: int = Field(ge=1, le=50)
    needs: Needs = Needs()
    ttl_s: float = Field(gt=0, le=7 * 24 * 3600)
    request: dict[str, Any] | None = None
    """A new referral's RequestReferral, when the API asks its first candidate: the shelter never
    reads it, so a referral is one hop shorter without the shelters knowing referrals."""

    @property
    def key(self) -> str:
        return self.shelter_id


class ConfirmHold(Command):
    type: Literal["ConfirmHold"] = "ConfirmHold"
    shelter_id: Id
    referral_id: Id

    @property
    def key(self) -> str:
        return self.shelter_id


class ReleaseHold(Command):
    type: Literal["ReleaseHold"] = "ReleaseHold"
    shelter_id: Id
    referral_id: Id

    @property
    def key(self) -> str:
        return self.shelter_id


class ExtendHold(Command):
    """Keep a held bed longer: its expiry moves `extend_s` later, but never past `max_hold_s` after
    the hold was made. `extension_id` makes a retry one extension."""

    type: Literal["ExtendHold"] = "ExtendHold"
    shelter_id: Id
    referral_id: Id
    extension_id: Id
    extend_s: float = Field(gt=0, le=7 * 24 * 3600)
    max_hold_s: float = Field(gt=0, le=30 * 24 * 3600)

    @property
    def key(self) -> str:
        return self.shelter_id


class ExpireHolds(Command):
    type: Literal["ExpireHolds"] = "ExpireHolds"
    shelter_id: Id

    @property
    def key(self) -> str:
        return self.shelter_id


class FlagHolds(Command):
    """The hold sweep found holds here inside a danger zone: the owner flags them with its own finding."""

    type: Literal["FlagHolds"] = "FlagHolds"
    shelter_id: Id

    @property
    def key(self) -> str:
        return self.shelter_id


class ShelterStatusChange(Record):
    """The body of `POST /v1/shelters/{id}/status`: one action when a shelter loses power, heat or
    staff. `limited` and `closed` need a reason; `open` takes none and clears it."""

    model_config = ConfigDict(json_schema_extra=REASON_FITS_STATUS)

    status: SiteStatus = Field(description="open, limited (still takes referrals) or closed (takes none)")
    reason: StatusReason | None = Field(None, description="why it is limited or closed; required for those")

    @model_validator(mode="after")
    def _reason_fits_status(self):
        if self.status == "open" and self.reason is not None:
            raise ValueError("an open shelter takes no reason")
        if self.status != "open" and self.reason is None:
            raise ValueError(f"say why the shelter is {self.status}: a reason is required")
        return self


class SetShelterStatus(ShelterStatusChange, Command):
    type: Literal["SetShelterStatus"] = "SetShelterStatus"
    shelter_id: Id

    @property
    def key(self) -> str:
        return self.shelter_id


ShelterCommand = Annotated[
    Union[RegisterShelter, SetShelterStatus, HoldBed, ConfirmHold, ReleaseHold, ExtendHold, ExpireHolds, FlagHolds],
    Field(discriminator="type"),
]
shelter_commands: TypeAdapter[ShelterCommand] = TypeAdapter(ShelterCommand)


CallbackReason = Literal["shelter_closed", "danger_zone"]


class CallbackFlag(Record):
    """Why the navigator who holds a bed should call the caller back: the shelter closed (with its
    status reason), or a danger zone of `incident_id` now covers it. One per cause and hold."""

    reason: CallbackReason
    incident_id: Id | None = None
    status_reason: StatusReason | None = None
    at: Timestamp

    @property
    def cause(self) -> tuple[str, str | None]:
        return self.reason, self.incident_id


class Hold(Record):
    """Beds held or confirmed for one referral.

    `flags`, `extensions` and `last_extension` were added without a new version: they default to
    none, which is what a hold stored before them had."""

    referral_id: Id
    beds: int
    status: Literal["held", "confirmed"]
    held_at: Timestamp
    expires_at: Timestamp
    flags: list[CallbackFlag] = Field(default_factory=list)
    extensions: int = 0
    last_extension: Id | None = None
    """The ExtendHold last applied, so that asking it again extends once."""


class Shelter(ShelterProfile, KeyedById):
    """A shelter as everyone sees it, with the beds Muster has promised.

    Still version 1: its holds gained callback flags and extensions with defaults that read a
    stored snapshot as it was (see Hold)."""

    type: Literal["Shelter"] = "Shelter"
    id: Id
    holds: dict[str, Hold] = Field(default_factory=dict)
    held: int = 0
    confirmed: int = 0
    free: int = 0
    shortfall: int = 0
    updated_at: Timestamp
    version: int = 1

    @model_validator(mode="after")
    def _counts_match_holds(self):
        held = sum(h.beds for h in self.holds.values() if h.status == "held")
        confirmed = sum(h.beds for h in self.holds.values() if h.status == "confirmed")
        if (held, confirmed) != (self.held, self.confirmed):
            raise ValueError("held and confirmed must equal the holds")
        return self

    def profile(self) -> ShelterProfile:
        return ShelterProfile.model_validate(self.model_dump(include=set(ShelterProfile.model_fields)))


class HoldReply(Message):
    """A shelter owner's answer about one referral's beds, on `referrals`, keyed by the referral id."""

    type: str
    """Each reply's own name, fixed by its class; declared here so that it stays the second field
    of the JSON, ahead of the ids, as every reply has always been written."""
    referral_id: Id
    shelter_id: Id

    @property
    def key(self) -> str:
        return self.referral_id


class BedHeld(HoldReply):
    type: Literal["BedHeld"] = "BedHeld"
    beds: int
    expires_at: Timestamp
    request: dict[str, Any] | None = None
    """The HoldBed's `request`, passed back."""


class HoldRefused(HoldReply):
    type: Literal["HoldRefused"] = "HoldRefused"
    reason: str
    request: dict[str, Any] | None = None
    """The HoldBed's `request`, passed back."""


class HoldConfirmed(HoldReply):
    type: Literal["HoldConfirmed"] = "HoldConfirmed"


class HoldEnded(HoldReply):
    type: Literal["HoldEnded"] = "HoldEnded"
    reason: Literal["released", "expired", "not_held"]


class HoldFlagged(HoldReply):
    """A held or confirmed bed is at risk: the navigator should call the caller back. Sent once per
    cause and hold (again only when a worker dies before recording it; the referral keeps one)."""

    type: Literal["HoldFlagged"] = "HoldFlagged"
    reason: CallbackReason
    incident_id: Id | None = None
    status_reason: StatusReason | None = None
    at: Timestamp


class HoldExtended(HoldReply):
    type: Literal["HoldExtended"] = "HoldExtended"
    extension_id: Id
    expires_at: Timestamp
    extensions: int
    limit_at: Timestamp
    """The latest the hold can be extended to."""


ExtendRefusal = Literal["not_held", "confirmed", "closed", "danger_zone", "at_limit"]


class ExtendRefused(HoldReply):
    """An extension the owner would not grant: `reason` is the code a screen translates, `message`
    the same in English."""

    type: Literal["ExtendRefused"] = "ExtendRefused"
    extension_id: Id
    reason: ExtendRefusal
    message: str
    limit_at: Timestamp | None = None


Reply = BedHeld | HoldRefused | HoldConfirmed | HoldEnded | HoldFlagged | HoldExtended | ExtendRefused
Danger = Mapping[str, str]
"""The danger zones covering a shelter, as the agent's directory finds them: incident id -> title."""
NO_DANGER: Danger = {}


def unmet_needs(profile: ShelterProfile, household: int, needs: Needs, free: int) -> list[str]:
    """Why this shelter cannot take this household now (empty when it can)."""
    reasons = []
    if not profile.open:
        reasons.append("closed")
    elif free < household:
        reasons.append("full" if free <= 0 else f"only {free} free beds")
    if needs.pets and not profile.accepts_pets:
        reasons.append("no pets")
    if needs.wheelchair and not profile.accessible:
        reasons.append("not wheelchair accessible")
    if needs.family and not profile.families:
        reasons.append("no families")
    if needs.language and needs.language not in profile.languages:
        reasons.append(f"no service in {needs.language}")
    return reasons


def _with_holds(shelter: Shelter, holds: dict[str, Hold], now: datetime, **changes) -> Shelter:
    """The shelter with these holds and validated `changes`, its counts derived from them. A copy,
    not a new validation: validating every hold again made each hold cost O(holds) in pydantic,
    and the largest shelters are the busiest."""
    held = sum(h.beds for h in holds.values() if h.status == "held")
    confirmed = sum(h.beds for h in holds.values() if h.status == "confirmed")
    capacity = changes.get("capacity", shelter.capacity)
    used = changes.get("occupancy", shelter.occupancy) + held + confirmed
    return shelter.model_copy(update={
        **changes, "holds": holds, "held": held, "confirmed": confirmed, "free": max(0, capacity - used),
        "shortfall": max(0, used - capacity), "updated_at": now, "version": shelter.version + 1,
    })


def _expire(shelter: Shelter, now: datetime) -> tuple[Shelter, list[Reply]]:
    expired = [h for h in shelter.holds.values() if h.status == "held" and h.expires_at <= now]
    if not expired:
        return shelter, []
    holds = {k: h for k, h in shelter.holds.items() if h not in expired}
    return _with_holds(shelter, holds, now), [
        HoldEnded(referral_id=h.referral_id, shelter_id=shelter.id, reason="expired") for h in expired
    ]


def register(state: Shelter | None, cmd: RegisterShelter, now: datetime, danger: Danger):
    profile = ShelterProfile.model_validate(cmd.model_dump(include=set(ShelterProfile.model_fields)))
    if state is None:
        blank = Shelter(**profile.model_dump(), id=cmd.id, updated_at=now, version=0)
        return _with_holds(blank, {}, now), []
    if state.profile() == profile:
        return state, []
    return _with_holds(state, dict(state.holds), now, **dict(profile)), []


def set_status(state: Shelter | None, cmd: SetShelterStatus, now: datetime, danger: Danger):
    if state is None:
        raise Rejected(f"unknown shelter {cmd.shelter_id!r}")
    changes = {"status": cmd.status, "status_reason": cmd.reason, "open": cmd.status != "closed"}
    if all(getattr(state, name) == value for name, value in changes.items()):
        return state, []
    return _with_holds(state, dict(state.holds), now, **changes), []


def _danger_reasons(danger: Danger) -> list[str]:
    return [f"inside danger zone of {title!r}" for _, title in sorted(danger.items())]


def hold(state: Shelter | None, cmd: HoldBed, now: datetime, danger: Danger):
    if state is None:
        return None, [HoldRefused(referral_id=cmd.referral_id, shelter_id=cmd.shelter_id, reason="unknown shelter",
                                  request=cmd.request)]
    existing = state.holds.get(cmd.referral_id)
    if existing is not None:
        return state, [BedHeld(referral_id=cmd.referral_id, shelter_id=state.id, beds=existing.beds,
                               expires_at=existing.expires_at, request=cmd.request)]
    reasons = unmet_needs(state, cmd.beds, cmd.needs, state.free) + _danger_reasons(danger)
    if reasons:
        return state, [HoldRefused(referral_id=cmd.referral_id, shelter_id=state.id, reason=", ".join(reasons),
                                   request=cmd.request)]
    new = Hold(referral_id=cmd.referral_id, beds=cmd.beds, status="held", held_at=now,
               expires_at=now + timedelta(seconds=cmd.ttl_s))
    shelter = _with_holds(state, {**state.holds, cmd.referral_id: new}, now)
    return shelter, [BedHeld(referral_id=cmd.referral_id, shelter_id=state.id, beds=cmd.beds, expires_at=new.expires_at,
                             request=cmd.request)]


def confirm(state: Shelter | None, cmd: ConfirmHold, now: datetime, danger: Danger):
    existing = state.holds.get(cmd.referral_id) if state else None
    if existing is None:
        return state, [HoldEnded(referral_id=cmd.referral_id, shelter_id=cmd.shelter_id, reason="not_held")]
    if existing.status == "confirmed":
        return state, [HoldConfirmed(referral_id=cmd.referral_id, shelter_id=state.id)]
    holds = {**state.holds, cmd.referral_id: existing.model_copy(update={"status": "confirmed"})}
    return _with_holds(state, holds, now), [HoldConfirmed(referral_id=cmd.referral_id, shelter_id=state.id)]


def release(state: Shelter | None, cmd: ReleaseHold, now: datetime, danger: Danger):
    if state is None or cmd.referral_id not in state.holds:
        return state, [HoldEnded(referral_id=cmd.referral_id, shelter_id=cmd.shelter_id, reason="not_held")]
    holds = {k: h for k, h in state.holds.items() if k != cmd.referral_id}
    return _with_holds(state, holds, now), [HoldEnded(referral_id=cmd.referral_id, shelter_id=state.id, reason="released")]


def extend(state: Shelter | None, cmd: ExtendHold, now: datetime, danger: Danger):
    """Move a held bed's expiry `extend_s` later, up to `max_hold_s` after it was held; refused with
    a reason code when the hold has ended, is confirmed, the shelter is closed or in a danger zone,
    or the hold is at its limit already."""
    existing = state.holds.get(cmd.referral_id) if state else None
    limit = existing.held_at + timedelta(seconds=cmd.max_hold_s) if existing else None

    def refuse(reason: ExtendRefusal, message: str):
        return state, [ExtendRefused(referral_id=cmd.referral_id, shelter_id=cmd.shelter_id,
                                     extension_id=cmd.extension_id, reason=reason, message=message, limit_at=limit)]

    if existing is None:
        return refuse("not_held", "the hold has ended: released, expired or never made")
    if existing.last_extension == cmd.extension_id:
        return state, [HoldExtended(referral_id=cmd.referral_id, shelter_id=state.id, extension_id=cmd.extension_id,
                                    expires_at=existing.expires_at, extensions=existing.extensions, limit_at=limit)]
    if existing.status == "confirmed":
        return refuse("confirmed", "the caller has arrived; a confirmed bed does not expire")
    if not state.open:
        return refuse("closed", "the shelter is closed")
    if danger:
        return refuse("danger_zone", "the shelter is " + " and ".join(_danger_reasons(danger)))
    expires_at = min(limit, existing.expires_at + timedelta(seconds=cmd.extend_s))
    if expires_at <= existing.expires_at:
        return refuse("at_limit", f"the hold is at its longest, {cmd.max_hold_s / 3600:g} h after it was made")
    extended = existing.model_copy(update={"expires_at": expires_at, "extensions": existing.extensions + 1,
                                           "last_extension": cmd.extension_id})
    return _with_holds(state, {**state.holds, cmd.referral_id: extended}, now), [
        HoldExtended(referral_id=cmd.referral_id, shelter_id=state.id, extension_id=cmd.extension_id,
                     expires_at=expires_at, extensions=extended.extensions, limit_at=limit)]


def unchanged(state: Shelter | None, cmd: ExpireHolds | FlagHolds, now: datetime, danger: Danger):
    """Expiring and flagging happen around every command; these two only ask for them."""
    return state, []


HANDLERS = {RegisterShelter: register, SetShelterStatus: set_status, HoldBed: hold, ConfirmHold: confirm,
            ReleaseHold: release, ExtendHold: extend, ExpireHolds: unchanged, FlagHolds: unchanged}


def _causes(shelter: Shelter, danger: Danger) -> list[tuple[CallbackReason, str | None, StatusReason | None]]:
    """What puts every hold at this shelter at risk now: its closure, each danger zone over it."""
    causes: list[tuple[CallbackReason, str | None, StatusReason | None]] = [
        ("danger_zone", incident_id, None) for incident_id in sorted(danger)]
    if shelter.status == "closed":
        causes.append(("shelter_closed", None, shelter.status_reason))
    return causes


def needs_flagging(shelter: Shelter, danger_zones: list[str]) -> bool:
    """Whether a hold here lacks the flag of one of these danger zones (incident ids): the sweep's
    question, before it asks the owner."""
    wanted = {("danger_zone", incident_id) for incident_id in danger_zones}
    return bool(wanted) and any(not wanted <= {f.cause for f in h.flags} for h in shelter.holds.values())


def _flag(shelter: Shelter, now: datetime, danger: Danger) -> tuple[Shelter, list[Reply]]:
    causes = _causes(shelter, danger)
    if not causes or not shelter.holds:
        return shelter, []
    holds = dict(shelter.holds)
    flagged: list[Reply] = []
    for key, held in shelter.holds.items():
        have = {f.cause for f in held.flags}
        new = [CallbackFlag(reason=reason, incident_id=incident_id, status_reason=status_reason, at=now)
               for reason, incident_id, status_reason in causes if (reason, incident_id) not in have]
        if not new:
            continue
        holds[key] = held.model_copy(update={"flags": [*held.flags, *new]})
        flagged += [HoldFlagged(referral_id=held.referral_id, shelter_id=shelter.id, reason=f.reason,
                                incident_id=f.incident_id, status_reason=f.status_reason, at=now) for f in new]
    if not flagged:
        return shelter, []
    return _with_holds(shelter, holds, now), flagged


def decide(state: Shelter | None, cmd: ShelterCommand, now: datetime,
           danger: Danger = NO_DANGER) -> tuple[Shelter | None, list[Reply]]:
    """Expire what is due, apply the command, then flag the holds at risk; every reply goes back to
    its referral. `danger`: the danger zones covering the shelter (for a RegisterShelter, where it
    says the shelter is), by incident id."""
    expired: list[Reply] = []
    if state is not None:
        state, expired = _expire(state, now)
    state, replies = HANDLERS[type(cmd)](state, cmd, now, danger)
    flagged: list[Reply] = []
    if state is not None:
        state, flagged = _flag(state, now, danger)
    return state, expired + replies + flagged


def next_expiry(shelter: Shelter) -> datetime | None:
    times = [h.expires_at for h in shelter.holds.values() if h.status == "held"]
    return min(times) if times else None
