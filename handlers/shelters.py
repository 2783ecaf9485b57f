"""Shelters and their beds: the one place a bed is promised, so no bed is promised twice.

Schemas (version 1) on the `shelters` topic, keyed by shelter id, decided only by the agent that
owns the shelter's partition:
  RegisterShelter  a manager or the owning partner sets the shelter's profile (upsert)
  HoldBed          a referral asks for beds; answered BedHeld or HoldRefused. The API asks a new
                   referral's first candidate itself, with the navigator's request in `request`:
                   the reply carries it back untouched, and the referral starts from it
  ConfirmHold      the caller arrived; answered HoldConfirmed or HoldEnded
  ReleaseHold      the referral no longer needs the beds; answered HoldEnded
  ExpireHolds      a sweep asks the owner to release holds past their time-to-live
State on `shelter-state` (compacted): Shelter. Replies go to `referrals`, keyed by referral id.

Beds: free = capacity − occupancy − held − confirmed. A hold is granted only if it fits, so
held + confirmed + occupancy never exceeds capacity through a hold; a capacity cut below that
keeps the existing holds and shows the `shortfall`.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any, Literal, Union

from pydantic import Field, TypeAdapter, model_validator

from handlers.common import Command, Id, Language, Message, Point, Record, ShortText, Timestamp
from handlers.sites import Phone, Schedule, SiteStatus, StatusReason, StreetAddress, open_matches_status


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


class RegisterShelter(ShelterProfile, Command):
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


class ConfirmHold(Command):
    type: Literal["ConfirmHold"] = "ConfirmHold"
    shelter_id: Id
    referral_id: Id


class ReleaseHold(Command):
    type: Literal["ReleaseHold"] = "ReleaseHold"
    shelter_id: Id
    referral_id: Id


class ExpireHolds(Command):
    type: Literal["ExpireHolds"] = "ExpireHolds"
    shelter_id: Id


ShelterCommand = Annotated[
    Union[RegisterShelter, HoldBed, ConfirmHold, ReleaseHold, ExpireHolds], Field(discriminator="type")
]
shelter_commands: TypeAdapter[ShelterCommand] = TypeAdapter(ShelterCommand)


class Hold(Record):
    referral_id: Id
    beds: int
    status: Literal["held", "confirmed"]
    held_at: Timestamp
    expires_at: Timestamp


class Shelter(ShelterProfile):
    """A shelter as everyone sees it, with the beds Muster has promised."""

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


class BedHeld(Message):
    type: Literal["BedHeld"] = "BedHeld"
    referral_id: Id
    shelter_id: Id
    beds: int
    expires_at: Timestamp
    request: dict[str, Any] | None = None
    """The HoldBed's `request`, passed back."""


class HoldRefused(Message):
    type: Literal["HoldRefused"] = "HoldRefused"
    referral_id: Id
    shelter_id: Id
    reason: str
    request: dict[str, Any] | None = None
    """The HoldBed's `request`, passed back."""


class HoldConfirmed(Message):
    type: Literal["HoldConfirmed"] = "HoldConfirmed"
    referral_id: Id
    shelter_id: Id


class HoldEnded(Message):
    type: Literal["HoldEnded"] = "HoldEnded"
    referral_id: Id
    shelter_id: Id
    reason: Literal["released", "expired", "not_held"]


Reply = BedHeld | HoldRefused | HoldConfirmed | HoldEnded


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


def register(state: Shelter | None, cmd: RegisterShelter, now: datetime):
    profile = ShelterProfile.model_validate(cmd.model_dump(include=set(ShelterProfile.model_fields)))
    if state is None:
        blank = Shelter(**profile.model_dump(), id=cmd.id, updated_at=now, version=0)
        return _with_holds(blank, {}, now), []
    if state.profile() == profile:
        return state, []
    return _with_holds(state, dict(state.holds), now, **dict(profile)), []


def hold(state: Shelter | None, cmd: HoldBed, now: datetime):
    if state is None:
        return None, [HoldRefused(referral_id=cmd.referral_id, shelter_id=cmd.shelter_id, reason="unknown shelter",
                                  request=cmd.request)]
    existing = state.holds.get(cmd.referral_id)
    if existing is not None:
        return state, [BedHeld(referral_id=cmd.referral_id, shelter_id=state.id, beds=existing.beds,
                               expires_at=existing.expires_at, request=cmd.request)]
    reasons = unmet_needs(state, cmd.beds, cmd.needs, state.free)
    if reasons:
        return state, [HoldRefused(referral_id=cmd.referral_id, shelter_id=state.id, reason=", ".join(reasons),
                                   request=cmd.request)]
    new = Hold(referral_id=cmd.referral_id, beds=cmd.beds, status="held", held_at=now,
               expires_at=now + timedelta(seconds=cmd.ttl_s))
    shelter = _with_holds(state, {**state.holds, cmd.referral_id: new}, now)
    return shelter, [BedHeld(referral_id=cmd.referral_id, shelter_id=state.id, beds=cmd.beds, expires_at=new.expires_at,
                             request=cmd.request)]


def confirm(state: Shelter | None, cmd: ConfirmHold, now: datetime):
    existing = state.holds.get(cmd.referral_id) if state else None
    if existing is None:
        return state, [HoldEnded(referral_id=cmd.referral_id, shelter_id=cmd.shelter_id, reason="not_held")]
    if existing.status == "confirmed":
        return state, [HoldConfirmed(referral_id=cmd.referral_id, shelter_id=state.id)]
    holds = {**state.holds, cmd.referral_id: existing.model_copy(update={"status": "confirmed"})}
    return _with_holds(state, holds, now), [HoldConfirmed(referral_id=cmd.referral_id, shelter_id=state.id)]


def release(state: Shelter | None, cmd: ReleaseHold, now: datetime):
    if state is None or cmd.referral_id not in state.holds:
        return state, [HoldEnded(referral_id=cmd.referral_id, shelter_id=cmd.shelter_id, reason="not_held")]
    holds = {k: h for k, h in state.holds.items() if k != cmd.referral_id}
    return _with_holds(state, holds, now), [HoldEnded(referral_id=cmd.referral_id, shelter_id=state.id, reason="released")]


def expire(state: Shelter | None, cmd: ExpireHolds, now: datetime):
    return state, []


HANDLERS = {RegisterShelter: register, HoldBed: hold, ConfirmHold: confirm, ReleaseHold: release, ExpireHolds: expire}


def decide(state: Shelter | None, cmd: ShelterCommand, now: datetime) -> tuple[Shelter | None, list[Reply]]:
    """Expire what is due, then apply the command; every reply goes back to its referral."""
    expired: list[Reply] = []
    if state is not None:
        state, expired = _expire(state, now)
    state, replies = HANDLERS[type(cmd)](state, cmd, now)
    return state, expired + replies


def next_expiry(shelter: Shelter) -> datetime | None:
    times = [h.expires_at for h in shelter.holds.values() if h.status == "held"]
    return min(times) if times else None
