"""Caller referrals: a navigator's request becomes a held bed at the nearest shelter that fits.

Schemas on the `referrals` topic, keyed by referral id (RequestReferral and Referral are version 2:
distances in whole kilometres from the caller's cell; a version 1 record is upcast as it is read,
`upcast_v1`; the others are version 1):
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
candidate, nearest first. The API puts the RequestReferral here, then asks the first candidate
itself (`asked`): the shelter's reply lands on the request's partition after it, so the referral
is waiting for it, one hop fewer before a navigator's answer. Caller privacy: what reaches Kafka
is an opaque caller reference, the household size, its needs and the shelters ranked from the
centre of the caller's town-sized cell (geo/cells.py) in whole kilometres; never names, phone
numbers, or where the caller is. The shelters topic sees only the HoldBed: referral id, beds,
needs and the hold's time.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, TypeAdapter, model_validator

from handlers.common import Command, Id, KeyedById, Message, Record, Timestamp
from handlers.errors import Rejected
from handlers.reasons import Reason, ValidReason, upcast_reasons
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


KILOMETRES = "whole kilometres from the centre of the caller's town-sized cell, never from the caller's point"


class Candidate(Record):
    shelter_id: Id
    name: str = Field(max_length=200)
    distance_km: int = Field(ge=0, le=40_000, description=KILOMETRES)


class Alternative(Record):
    """A shelter the household was not sent to, and why: a shelter that refused the hold, or one
    the candidate search left out (handlers/directories.py)."""

    shelter_id: Id
    name: str = Field(max_length=200)
    distance_km: int = Field(ge=0, le=40_000, description=KILOMETRES)
    reasons: list[ValidReason] = Field(max_length=20)


def upcast_v1(record: dict[str, Any]) -> dict[str, Any]:
    """A stored RequestReferral or Referral of version 1 as version 2: its alternatives' reasons,
    English sentences, read as coded reasons by `legacy_reasons`; its distances, measured from the
    caller's point to the metre, rounded to whole kilometres (the record still says more than
    version 2 would until the caller retention removes it from Kafka). Any other version is
    returned as it is."""
    if record.get("v", 1) != 1:
        return record

    def whole(km: Any) -> Any:
        return round(km) if isinstance(km, int | float) and not isinstance(km, bool) else km

    def each(items: Any) -> Any:
        if not isinstance(items, list):
            return items
        return [{**item, "distance_km": whole(item.get("distance_km"))} if isinstance(item, dict) else item
                for item in items]

    alternatives = [{**alt, "reasons": upcast_reasons(alt.get("reasons"))} if isinstance(alt, dict) else alt
                    for alt in record.get("alternatives") or []]
    upcast = {**record, "v": 2, "candidates": each(record.get("candidates", [])), "alternatives": each(alternatives)}
    if record.get("distance_km") is not None:
        upcast["distance_km"] = whole(record["distance_km"])
    return upcast


class RequestReferral(Command, KeyedById):
    """Hold beds at the first of `candidates` (nearest first) that has room; the referral id makes
    a retry one request.

    Version 2: coded reasons in `alternatives`, whole kilometres, `asked`; version 1 is upcast as it
    is read (`upcast_v1`)."""

    v: Literal[2] = 2  # type: ignore[assignment]  # a new version of the schema
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
    asked: bool = False
    """The API asks the first candidate itself, right after this: the referral waits for the reply
    instead of asking again."""

    @model_validator(mode="before")
    @classmethod
    def _upcast(cls, data: Any) -> Any:
        return upcast_v1(data) if isinstance(data, dict) else data


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
    RequestReferral | ConfirmReferral | ReleaseReferral | PurgeReferral
    | BedHeld | HoldRefused | HoldConfirmed | HoldEnded | HoldFlagged | HoldExtended | ExtendRefused,
    Field(discriminator="type"),
]
referral_messages: TypeAdapter[ReferralMessage] = TypeAdapter(ReferralMessage)


Status = Literal["pending", "held", "confirmed", "released", "expired", "no_capacity"]
ENDED = frozenset({"confirmed", "released", "expired", "no_capacity"})
Out = HoldBed | ConfirmHold | ReleaseHold
"""What a referral asks of shelters' owners."""


class Extension(Record):
    """The last extension asked of a referral's hold and how its shelter answered."""

    id: Id
    outcome: Literal["extended", "refused"]
    reason: ExtendRefusal | None = None
    message: str | None = None


class Referral(Message, KeyedById):
    """A referral as its navigator sees it.

    Version 2: coded reasons in `alternatives`, distances in whole kilometres (KILOMETRES); a
    version 1 snapshot is upcast as it is read (`upcast_v1`). `code`, `callbacks`, `extensions`,
    `extension` and `hold_limit_at` were added without a new version: they default to none, which is
    what a referral stored before them had (such a referral has no short code)."""

    v: Literal[2] = 2  # type: ignore[assignment]  # a new version of the schema
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
    distance_km: int | None = Field(None, description=KILOMETRES)
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

    @model_validator(mode="before")
    @classmethod
    def _upcast(cls, data: Any) -> Any:
        return upcast_v1(data) if isinstance(data, dict) else data


def _hold(shelter_id: str, referral: Referral | RequestReferral, **extra: Any) -> HoldBed:
    """The question put to a shelter's owner: beds for the whole household, for the hold's time."""
    return HoldBed(shelter_id=shelter_id, referral_id=referral.id, beds=referral.household_size, needs=referral.needs,
                   ttl_s=referral.hold_ttl_s, **extra)


def _ask(referral: Referral, now: datetime, refused: Alternative | None = None) -> tuple[Referral, list[Out]]:
    """Ask the next candidate for a hold, or give up with the alternatives and why."""
    alternatives = referral.alternatives + ([refused] if refused else [])
    if not referral.candidates:
        return _change(referral, now, status="no_capacity", shelter_id=None, shelter_name=None, distance_km=None,
                       alternatives=sorted(alternatives, key=lambda a: a.distance_km)), []
    first, rest = referral.candidates[0], referral.candidates[1:]
    pending = _change(referral, now, status="pending", shelter_id=first.shelter_id, shelter_name=first.name,
                      distance_km=first.distance_km, candidates=rest, alternatives=alternatives)
    return pending, [_hold(first.shelter_id, referral)]


def _change(referral: Referral, now: datetime, **changes: Any) -> Referral:
    return referral.model_copy(update={**changes, "updated_at": now, "version": referral.version + 1})


def _ask_again(state: Referral) -> list[Out]:
    """At-least-once: the state may have been saved while the question to the shelter was lost,
    so a duplicate or stale message to a pending referral asks its current shelter again."""
    ask = ask_again(state)
    return [ask] if ask is not None else []


def request(state: Referral | None, cmd: RequestReferral, now: datetime) -> Decision:
    """A new referral, pending at its first candidate; asked there unless the API asked itself."""
    if state is not None:
        return state, _ask_again(state)
    referral = Referral(
        id=cmd.id, code=cmd.code or short_code(cmd.id), status="pending", household_size=cmd.household_size, needs=cmd.needs,
        hold_ttl_s=cmd.hold_ttl_s, caller_ref=cmd.caller_ref, requested_by=cmd.actor.sub if cmd.actor else None,
        created_at=now, updated_at=now, candidates=cmd.candidates, alternatives=cmd.alternatives, version=0,
    )
    pending, asks = _ask(referral, now)
    return pending, [] if cmd.asked else asks


def _release_stray(reply: BedHeld) -> list[Out]:
    return [ReleaseHold(shelter_id=reply.shelter_id, referral_id=reply.referral_id)]


def first_ask(cmd: RequestReferral) -> HoldBed | None:
    """What the API sends a new referral's first candidate once the request (with `asked`) is on
    the referrals topic: the referral id, beds, needs and the hold's time, nothing of the caller's
    ranking. None when there is no candidate."""
    if not cmd.candidates:
        return None
    return _hold(cmd.candidates[0].shelter_id, cmd, accepted_at=cmd.accepted_at)


def ask_again(referral: Referral) -> HoldBed | None:
    """The ask of a pending referral's current shelter, sent again (the shelter answers a repeat
    as it answered the first): for a navigator's retry of a referral still waiting."""
    if referral.status != "pending" or referral.shelter_id is None:
        return None
    return _hold(referral.shelter_id, referral)


def _adopt(state: Referral | None, reply: BedHeld | HoldRefused, now: datetime) -> Referral | None:
    """A reply to a version 1 HoldBed, which carried a new referral's request (records written
    before HoldBed version 2): the referral starts from the request it carries, pending at that
    candidate, as if this agent had asked."""
    if state is not None or reply.request is None:
        return state
    cmd = RequestReferral.model_validate(reply.request)
    if cmd.id != reply.referral_id or not cmd.candidates or cmd.candidates[0].shelter_id != reply.shelter_id:
        return None
    pending, _ = request(None, cmd, now)
    return pending


def held(state: Referral | None, reply: BedHeld, now: datetime) -> Decision:
    """A held referral drops the shelters it did not need: none is asked again, and the caller's
    record keeps less about them in every snapshot from here on."""
    state = _adopt(state, reply, now)
    if state is None or reply.shelter_id != state.shelter_id or state.status in ("released", "expired", "no_capacity"):
        return state, _release_stray(reply)
    if state.status != "pending":
        return state, []
    return _change(state, now, status="held", hold_expires_at=reply.expires_at, candidates=[]), []


def refused(state: Referral | None, reply: HoldRefused, now: datetime) -> Decision:
    state = _adopt(state, reply, now)
    if state is None or state.status != "pending":
        return state, []
    if reply.shelter_id != state.shelter_id:
        return state, _ask_again(state)
    why = Alternative(shelter_id=reply.shelter_id, name=state.shelter_name or reply.shelter_id,
                      distance_km=state.distance_km or 0, reasons=reply.reasons)
    return _ask(state, now, refused=why)


def confirmed(state: Referral | None, reply: HoldConfirmed, now: datetime) -> Decision:
    if state is None or state.shelter_id != reply.shelter_id or state.status != "held":
        return state, []
    return _change(state, now, status="confirmed"), []


def ended(state: Referral | None, reply: HoldEnded, now: datetime) -> Decision:
    if state is None or state.shelter_id != reply.shelter_id or state.status not in ("held", "confirmed"):
        return state, []
    if reply.reason == "released":
        return state, []
    return _change(state, now, status="expired"), []


def flagged(state: Referral | None, reply: HoldFlagged, now: datetime) -> Decision:
    """A bed the referral holds is at risk: the navigator sees why, once per cause."""
    if state is None or state.shelter_id != reply.shelter_id or state.status not in ("held", "confirmed"):
        return state, []
    flag = CallbackFlag(reason=reply.reason, incident_id=reply.incident_id, status_reason=reply.status_reason,
                        at=reply.at)
    if any(f.cause == flag.cause for f in state.callbacks):
        return state, []
    return _change(state, now, callbacks=[*state.callbacks, flag]), []


def _answered(state: Referral, now: datetime, **changes: Any) -> Referral:
    """The referral with an extension's answer, unchanged when it says nothing new (a redelivery)."""
    if all(getattr(state, name) == value for name, value in changes.items()):
        return state
    return _change(state, now, **changes)


def extended(state: Referral | None, reply: HoldExtended, now: datetime) -> Decision:
    if state is None or state.shelter_id != reply.shelter_id:
        return state, []
    changes: dict[str, Any] = {"extension": Extension(id=reply.extension_id, outcome="extended"), "hold_limit_at": reply.limit_at}
    if state.status == "held":
        changes.update(hold_expires_at=max(reply.expires_at, state.hold_expires_at or reply.expires_at),
                       extensions=max(reply.extensions, state.extensions))
    return _answered(state, now, **changes), []


def extend_refused(state: Referral | None, reply: ExtendRefused, now: datetime) -> Decision:
    if state is None or state.shelter_id != reply.shelter_id:
        return state, []
    refusal = Extension(id=reply.extension_id, outcome="refused", reason=reply.reason, message=reply.message)
    return _answered(state, now, extension=refusal, hold_limit_at=reply.limit_at or state.hold_limit_at), []


def _unknown(referral_id: str) -> Reason:
    return Reason(code="unknown_referral", message=f"unknown referral {referral_id!r}", referral_id=referral_id)


def confirm(state: Referral | None, cmd: ConfirmReferral, now: datetime) -> Decision:
    if state is None:
        raise Rejected(_unknown(cmd.id))
    if state.status == "confirmed":
        return state, []
    if state.status != "held" or state.shelter_id is None:
        raise Rejected(Reason(code="referral_not_held", message=f"referral {cmd.id!r} is {state.status}, not held",
                              referral_id=cmd.id, status=state.status))
    return state, [ConfirmHold(shelter_id=state.shelter_id, referral_id=state.id)]


def release(state: Referral | None, cmd: ReleaseReferral, now: datetime) -> Decision:
    if state is None:
        raise Rejected(_unknown(cmd.id))
    out: list[Out] = [ReleaseHold(shelter_id=state.shelter_id, referral_id=state.id)] if state.shelter_id else []
    if state.status == "released":
        return state, out
    if state.status in ("expired", "no_capacity"):
        return state, []
    return _change(state, now, status="released", candidates=[]), out


Decision = tuple[Referral | None, list[Out]]
"""A referral rule's outcome: the referral's next snapshot (None: purged or never made) and what
it asks of shelters' owners."""
Rule = Callable[[Referral | None, Any, datetime], Decision]
"""A rule for one message type; `HANDLERS` picks it by the message's type."""


def due_for_purge(referral: Referral, now: datetime, retention_s: float) -> bool:
    return referral.status in ENDED and (now - referral.updated_at).total_seconds() >= retention_s


def purge(state: Referral | None, cmd: PurgeReferral, now: datetime) -> Decision:
    if state is None or not due_for_purge(state, now, cmd.retention_s):
        return state, []
    return None, []


HANDLERS: dict[type[Message], Rule] = {
    RequestReferral: request, PurgeReferral: purge, ConfirmReferral: confirm, ReleaseReferral: release,
    BedHeld: held, HoldRefused: refused, HoldConfirmed: confirmed, HoldEnded: ended,
    HoldFlagged: flagged, HoldExtended: extended, ExtendRefused: extend_refused,
}


def decide(state: Referral | None, message: ReferralMessage, now: datetime) -> Decision:
    """Apply one referral message: a navigator's command or a shelter's reply."""
    return HANDLERS[type(message)](state, message, now)
