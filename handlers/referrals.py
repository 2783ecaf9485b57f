"""Caller referrals: a navigator's request becomes a held bed at the nearest shelter that fits.

Schemas (version 1) on the `referrals` topic, keyed by referral id:
  RequestReferral, ConfirmReferral, ReleaseReferral   commands from navigators (via the API)
  BedHeld, HoldRefused, HoldConfirmed, HoldEnded      replies from the shelter agents
  HoldFlagged                                          a held bed is at risk: call the caller back
  HoldExtended, ExtendRefused                          the answer to an ExtendHold the API asked
State on `referral-state` (compacted): Referral.

Each referral has a short code a caller can read over the phone (`short_code`): six characters
of an alphabet without 0/O, 1/I/L or U, derived from the referral id. The API picks the first of
a referral's codes (attempt 0, 1, ...) that none of the navigator's other referrals has.

The API ranks candidate shelters from its replicated directory; the matcher never decides a bed
itself: it asks the shelter's owner (HoldBed, keyed by shelter id) and on refusal tries the next
candidate, nearest first. The API asks the first candidate itself, the RequestReferral riding in
the HoldBed, and the referral starts from the reply that carries it back: one hop fewer before a
navigator's answer. A RequestReferral on this topic (no candidates, or another producer) starts
it here instead. Caller privacy: what reaches Kafka is an opaque caller reference, the
household size, its needs and the ranked shelters; never names, phone numbers, or where the
caller is.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Literal, Union

from pydantic import Field, StringConstraints, TypeAdapter

from handlers.common import Command, Id, KeyedById, Message, Record, Timestamp
from handlers.errors import Rejected
from handlers.shelters import (
    BedHeld,
    CallbackFlag,
    ConfirmHold,
    ExtendRefusal,
    ExtendRefused,
    HoldBed,
    HoldConfirmed,
    HoldEnded,
    HoldExtended,
    HoldFlagged,
    HoldRefused,
    Needs,
    ReleaseHold,
)

CallerRef = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")]

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
"""Digits and capitals a caller cannot mistake for one another over the phone: no 0/O, 1/I/L, nor U (heard as V)."""
CODE_LENGTH = 6
ShortCode = Annotated[str, StringConstraints(pattern=rf"^[{CODE_ALPHABET}]{{{CODE_LENGTH}}}$")]
MAX_CODE_ATTEMPTS = 64


def short_code(referral_id: str, attempt: int = 0) -> str:
    """The referral's code for this attempt: six characters from CODE_ALPHABET (30^6, about 729
    million codes), the same for the same id and attempt on every machine."""
    digest = hashlib.sha256(f"{attempt}:{referral_id}".encode()).digest()
    number = int.from_bytes(digest[:8], "big")
    chars = []
    for _ in range(CODE_LENGTH):
        number, digit = divmod(number, len(CODE_ALPHABET))
        chars.append(CODE_ALPHABET[digit])
    return "".join(chars)


def unique_code(referral_id: str, taken: Callable[[str], bool]) -> str:
    """The first of the referral's codes that `taken` says is free: a navigator's code looks up one
    referral. Raises ValueError if MAX_CODE_ATTEMPTS codes are all taken (never, short of a bug)."""
    for attempt in range(MAX_CODE_ATTEMPTS):
        code = short_code(referral_id, attempt)
        if not taken(code):
            return code
    raise ValueError(f"no free short code for referral {referral_id!r}")


def read_code(text: str) -> str | None:
    """A code as a caller or navigator writes it ("k7m-4qx", "K7M 4QX") in its stored form, or None
    if it cannot be one."""
    code = "".join(text.split()).replace("-", "").upper()
    if len(code) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in code):
        return None
    return code


class Candidate(Record):
    shelter_id: Id
    name: str = Field(max_length=200)
    distance_km: float = Field(ge=0, le=40_000)


class Alternative(Record):
    """A shelter the household was not sent to, and why."""

    shelter_id: Id
    name: str = Field(max_length=200)
    distance_km: float = Field(ge=0, le=40_000)
    reasons: list[Annotated[str, StringConstraints(max_length=200)]] = Field(max_length=10)


class RequestReferral(Command, KeyedById):
    """Hold beds at the first of `candidates` (nearest first) that has room; the referral id makes
    a retry one request."""

    type: Literal["RequestReferral"] = "RequestReferral"
    id: Id
    household_size: int = Field(ge=1, le=20)
    needs: Needs = Needs()
    candidates: list[Candidate] = Field(max_length=500)
    alternatives: list[Alternative] = Field(default_factory=list, max_length=20)
    hold_ttl_s: float = Field(gt=0, le=7 * 24 * 3600)
    caller_ref: CallerRef | None = None
    code: ShortCode | None = None
    """The short code the API picked; without one the referral takes its first (`short_code`)."""


class ConfirmReferral(Command, KeyedById):
    type: Literal["ConfirmReferral"] = "ConfirmReferral"
    id: Id


class ReleaseReferral(Command, KeyedById):
    type: Literal["ReleaseReferral"] = "ReleaseReferral"
    id: Id


class PurgeReferral(Command, KeyedById):
    """Forget a referral that ended more than `retention_s` ago: caller data does not linger."""

    type: Literal["PurgeReferral"] = "PurgeReferral"
    id: Id
    retention_s: float = Field(gt=0)


ReferralMessage = Annotated[
    Union[RequestReferral, ConfirmReferral, ReleaseReferral, PurgeReferral,
          BedHeld, HoldRefused, HoldConfirmed, HoldEnded, HoldFlagged, HoldExtended, ExtendRefused],
    Field(discriminator="type"),
]
referral_messages: TypeAdapter[ReferralMessage] = TypeAdapter(ReferralMessage)


Status = Literal["pending", "held", "confirmed", "released", "expired", "no_capacity"]
ENDED = frozenset({"confirmed", "released", "expired", "no_capacity"})


class Extension(Record):
    """The last extension asked of a referral's hold and how its shelter answered."""

    id: Id
    outcome: Literal["extended", "refused"]
    reason: ExtendRefusal | None = None
    message: str | None = None


class Referral(Message, KeyedById):
    """A referral as its navigator sees it.

    `code`, `callbacks`, `extensions`, `extension` and `hold_limit_at` were added without a new
    version: they default to none, which is what a referral stored before them had (such a
    referral has no short code)."""

    type: Literal["Referral"] = "Referral"
    id: Id
    code: ShortCode | None = None
    status: Status
    household_size: int
    needs: Needs
    hold_ttl_s: float
    caller_ref: str | None = None
    requested_by: str | None = None
    created_at: Timestamp
    updated_at: Timestamp
    shelter_id: Id | None = None
    shelter_name: str | None = None
    distance_km: float | None = None
    hold_expires_at: Timestamp | None = None
    candidates: list[Candidate] = Field(default_factory=list)
    alternatives: list[Alternative] = Field(default_factory=list)
    callbacks: list[CallbackFlag] = Field(default_factory=list)
    """Why the navigator should call the caller back, one per cause, oldest first."""
    extensions: int = 0
    extension: Extension | None = None
    hold_limit_at: Timestamp | None = None
    """The latest the hold can be extended to, once an extension has been asked."""
    version: int = 1


def _hold(shelter_id: str, referral: Referral | RequestReferral, **extra) -> HoldBed:
    """The question put to a shelter's owner: beds for the whole household, for the hold's time."""
    return HoldBed(shelter_id=shelter_id, referral_id=referral.id, beds=referral.household_size, needs=referral.needs,
                   ttl_s=referral.hold_ttl_s, **extra)


def _ask(referral: Referral, now: datetime, refused: Alternative | None = None):
    """Ask the next candidate for a hold, or give up with the alternatives and why."""
    alternatives = referral.alternatives + ([refused] if refused else [])
    if not referral.candidates:
        return _change(referral, now, status="no_capacity", shelter_id=None, shelter_name=None, distance_km=None,
                       alternatives=sorted(alternatives, key=lambda a: a.distance_km)), []
    first, rest = referral.candidates[0], referral.candidates[1:]
    pending = _change(referral, now, status="pending", shelter_id=first.shelter_id, shelter_name=first.name,
                      distance_km=first.distance_km, candidates=rest, alternatives=alternatives)
    return pending, [_hold(first.shelter_id, referral)]


def _change(referral: Referral, now: datetime, **changes) -> Referral:
    return referral.model_copy(update={**changes, "updated_at": now, "version": referral.version + 1})


def _ask_again(state: Referral) -> list:
    """At-least-once: the state may have been saved while the question to the shelter was lost,
    so a duplicate or stale message to a pending referral asks its current shelter again."""
    if state.status != "pending" or state.shelter_id is None:
        return []
    return [_hold(state.shelter_id, state)]


def request(state, cmd: RequestReferral, now):
    if state is not None:
        return state, _ask_again(state)
    referral = Referral(
        id=cmd.id, code=cmd.code or short_code(cmd.id), status="pending", household_size=cmd.household_size, needs=cmd.needs,
        hold_ttl_s=cmd.hold_ttl_s, caller_ref=cmd.caller_ref, requested_by=cmd.actor.sub if cmd.actor else None,
        created_at=now, updated_at=now, candidates=cmd.candidates, alternatives=cmd.alternatives, version=0,
    )
    return _ask(referral, now)


def _release_stray(reply) -> list:
    return [ReleaseHold(shelter_id=reply.shelter_id, referral_id=reply.referral_id)]


def first_ask(cmd: RequestReferral) -> HoldBed | None:
    """What the API sends for a new referral: the ask of its first candidate, the request riding in
    it; None when there is no candidate, and the request itself goes to the referral agent."""
    if not cmd.candidates:
        return None
    return _hold(cmd.candidates[0].shelter_id, cmd, request=cmd.model_dump(mode="json", exclude_none=True),
                 accepted_at=cmd.accepted_at)


def _adopt(state: Referral | None, reply: BedHeld | HoldRefused, now: datetime) -> Referral | None:
    """A reply to the API's ask of a new referral's first candidate: the referral starts from the
    request it carries, pending at that candidate, as if this agent had asked."""
    if state is not None or reply.request is None:
        return state
    cmd = RequestReferral.model_validate(reply.request)
    if cmd.id != reply.referral_id or not cmd.candidates or cmd.candidates[0].shelter_id != reply.shelter_id:
        return None
    pending, _ = request(None, cmd, now)
    return pending


def held(state: Referral | None, reply: BedHeld, now):
    """A held referral drops the shelters it did not need: none is asked again, and the caller's
    record keeps less about them in every snapshot from here on."""
    state = _adopt(state, reply, now)
    if state is None or reply.shelter_id != state.shelter_id or state.status in ("released", "expired", "no_capacity"):
        return state, _release_stray(reply)
    if state.status != "pending":
        return state, []
    return _change(state, now, status="held", hold_expires_at=reply.expires_at, candidates=[]), []


def refused(state: Referral | None, reply: HoldRefused, now):
    state = _adopt(state, reply, now)
    if state is None or state.status != "pending":
        return state, []
    if reply.shelter_id != state.shelter_id:
        return state, _ask_again(state)
    why = Alternative(shelter_id=reply.shelter_id, name=state.shelter_name or reply.shelter_id,
                      distance_km=state.distance_km or 0.0, reasons=[reply.reason])
    return _ask(state, now, refused=why)


def confirmed(state: Referral | None, reply: HoldConfirmed, now):
    if state is None or state.shelter_id != reply.shelter_id or state.status != "held":
        return state, []
    return _change(state, now, status="confirmed"), []


def ended(state: Referral | None, reply: HoldEnded, now):
    if state is None or state.shelter_id != reply.shelter_id or state.status not in ("held", "confirmed"):
        return state, []
    if reply.reason == "released":
        return state, []
    return _change(state, now, status="expired"), []


def flagged(state: Referral | None, reply: HoldFlagged, now):
    """A bed the referral holds is at risk: the navigator sees why, once per cause."""
    if state is None or state.shelter_id != reply.shelter_id or state.status not in ("held", "confirmed"):
        return state, []
    flag = CallbackFlag(reason=reply.reason, incident_id=reply.incident_id, status_reason=reply.status_reason,
                        at=reply.at)
    if any(f.cause == flag.cause for f in state.callbacks):
        return state, []
    return _change(state, now, callbacks=[*state.callbacks, flag]), []


def _answered(state: Referral, now: datetime, **changes) -> Referral:
    """The referral with an extension's answer, unchanged when it says nothing new (a redelivery)."""
    if all(getattr(state, name) == value for name, value in changes.items()):
        return state
    return _change(state, now, **changes)


def extended(state: Referral | None, reply: HoldExtended, now):
    if state is None or state.shelter_id != reply.shelter_id:
        return state, []
    changes: dict = {"extension": Extension(id=reply.extension_id, outcome="extended"), "hold_limit_at": reply.limit_at}
    if state.status == "held":
        changes.update(hold_expires_at=max(reply.expires_at, state.hold_expires_at or reply.expires_at),
                       extensions=max(reply.extensions, state.extensions))
    return _answered(state, now, **changes), []


def extend_refused(state: Referral | None, reply: ExtendRefused, now):
    if state is None or state.shelter_id != reply.shelter_id:
        return state, []
    refusal = Extension(id=reply.extension_id, outcome="refused", reason=reply.reason, message=reply.message)
    return _answered(state, now, extension=refusal, hold_limit_at=reply.limit_at or state.hold_limit_at), []


def confirm(state: Referral | None, cmd: ConfirmReferral, now):
    if state is None:
        raise Rejected(f"unknown referral {cmd.id!r}")
    if state.status == "confirmed":
        return state, []
    if state.status != "held":
        raise Rejected(f"referral {cmd.id!r} is {state.status}, not held")
    return state, [ConfirmHold(shelter_id=state.shelter_id, referral_id=state.id)]


def release(state: Referral | None, cmd: ReleaseReferral, now):
    if state is None:
        raise Rejected(f"unknown referral {cmd.id!r}")
    out = [ReleaseHold(shelter_id=state.shelter_id, referral_id=state.id)] if state.shelter_id else []
    if state.status == "released":
        return state, out
    if state.status in ("expired", "no_capacity"):
        return state, []
    return _change(state, now, status="released", candidates=[]), out


def due_for_purge(referral: Referral, now: datetime, retention_s: float) -> bool:
    return referral.status in ENDED and (now - referral.updated_at).total_seconds() >= retention_s


def purge(state: Referral | None, cmd: PurgeReferral, now):
    if state is None or not due_for_purge(state, now, cmd.retention_s):
        return state, []
    return None, []


HANDLERS = {
    RequestReferral: request, PurgeReferral: purge, ConfirmReferral: confirm, ReleaseReferral: release,
    BedHeld: held, HoldRefused: refused, HoldConfirmed: confirmed, HoldEnded: ended,
    HoldFlagged: flagged, HoldExtended: extended, ExtendRefused: extend_refused,
}


def decide(state: Referral | None, message: ReferralMessage, now: datetime):
    """Apply one referral message: a navigator's command or a shelter's reply."""
    return HANDLERS[type(message)](state, message, now)
