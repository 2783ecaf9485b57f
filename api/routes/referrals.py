"""Caller referrals: a navigator gets a household a held bed, then confirms, extends or releases
it; the navigator's own holds, with their time left and the callbacks they need."""
from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Literal

from fastapi import APIRouter, HTTPException, Query, status
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from api.deps import Container, ContainerDep, Navigator
from api.places import Place, locate
from api.refusals import json_refusal, refusal, refused
from api.round_trip import NotShownYet, round_trip
from api.schemas import (
    ERRORS,
    JSON_ERRORS,
    IdempotencyKey,
    IdPath,
    Problem,
    Responses,
    check_idempotency_key,
)
from api.sheet import sheet_page
from bus.topics import REFERRAL_STATE, REFERRALS, SHELTER_STATE, SHELTERS
from geo.cells import cell_centre
from handlers.common import Actor, Id, Point
from handlers.reasons import Reason
from handlers.referrals import (
    CODE_ALPHABET,
    CODE_LENGTH,
    KILOMETRES,
    Alternative,
    CallerRef,
    ConfirmReferral,
    Referral,
    ReleaseReferral,
    RequestReferral,
    Status,
    ask_again,
    first_ask,
    read_code,
    unique_code,
)
from handlers.shelters import CallbackFlag, ExtendHold, ExtendRefusal, Needs
from handlers.sites import SiteStatus, StatusReason

router = APIRouter(prefix="/v1/referrals", tags=["referrals"], responses=ERRORS)
PENDING: Responses = {202: {"description": "still deciding after the reply deadline; poll `href`"}}


class ReferralRequest(BaseModel):
    """What the navigator knows: where the caller is, how many, what they need. No names."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    id: Id
    location: Point | Place
    household_size: int = Field(1, ge=1, le=20)
    needs: Needs = Needs()
    radius_km: float | None = Field(None, gt=0, le=500)
    caller_ref: CallerRef | None = Field(None, description="an opaque reference from the navigator's own system")


class ShelterSummary(BaseModel):
    id: str
    name: str
    place: str | None = None
    location: Point | None = None
    status: SiteStatus | None = Field(None, description="open, limited (still takes referrals) or closed")
    status_reason: StatusReason | None = Field(None, description="why the shelter is limited or closed")


class ReferralAnswer(BaseModel):
    id: str
    code: str | None = Field(None, description="the short code a caller can read over the phone: six characters "
                                               "without 0/O, 1/I/L or U; look it up with `GET /v1/referrals?code=`")
    status: Literal["pending", "held", "confirmed", "released", "expired", "no_capacity"]
    shelter: ShelterSummary | None = None
    distance_km: int | None = Field(None, description="to the shelter, in " + KILOMETRES)
    hold_expires_at: str | None = None
    seconds_left: int | None = Field(None, description="seconds until the held bed is released, while it is held")
    extensions: int = Field(0, description="how many times the hold was extended")
    hold_limit_at: str | None = Field(None, description="the latest the hold can be extended to, once known")
    callbacks: list[CallbackFlag] = Field(
        [], description="why to call the caller back, oldest first: the shelter closed (`shelter_closed`, with its "
                        "`status_reason`) or a danger zone now covers it (`danger_zone`, with its `incident_id`)")
    household_size: int
    needs: Needs
    place: str | None = Field(None, description="where the caller was geocoded to; only in the first answer")
    alternatives: list[Alternative] = []
    sheet: str | None = None
    href: str


def _iso(when: datetime | None) -> str | None:
    return when.isoformat() if when else None


def _href(referral_id: str) -> str:
    return f"/v1/referrals/{referral_id}"


def answer(container: Container, referral: Referral, place: str | None = None) -> ReferralAnswer:
    """What the navigator sees; `place` is the geocoded caller location, never stored."""
    shelter = None
    if referral.shelter_id and referral.status in ("held", "confirmed", "released", "expired"):
        record = container.views.get(SHELTER_STATE, referral.shelter_id)
        shelter = ShelterSummary(
            id=referral.shelter_id, name=referral.shelter_name or referral.shelter_id,
            place=record.place if record else None, location=record.location if record else None,
            status=record.status if record else None, status_reason=record.status_reason if record else None,
        )
    href = _href(referral.id)
    expires_at = referral.hold_expires_at if referral.status == "held" else None
    return ReferralAnswer(
        id=referral.id, code=referral.code, status=referral.status, shelter=shelter,
        distance_km=referral.distance_km if shelter else None,
        hold_expires_at=_iso(referral.hold_expires_at) if shelter else None,
        seconds_left=max(0, int((expires_at - container.clock()).total_seconds())) if expires_at is not None else None,
        extensions=referral.extensions, hold_limit_at=_iso(referral.hold_limit_at), callbacks=referral.callbacks,
        household_size=referral.household_size, needs=referral.needs, place=place,
        alternatives=referral.alternatives if referral.status == "no_capacity" else [],
        sheet=f"{href}/sheet" if shelter else None, href=href,
    )


def _respond(container: Container, referral: Referral, place: str | None = None) -> JSONResponse:
    """201 for a held bed, 200 for any other outcome; 202 while the referral is still pending."""
    if referral.status == "pending":
        raise NotShownYet(referral.id, _href(referral.id), "pending")
    code = status.HTTP_201_CREATED if referral.status == "held" else status.HTTP_200_OK
    return JSONResponse(answer(container, referral, place).model_dump(mode="json"), status_code=code)


def _code_for(container: Container, referral_id: str, navigator: str) -> str:
    """The referral's first short code that none of this navigator's other referrals has."""
    def taken(code: str) -> bool:
        return any(getattr(container.views.get(REFERRAL_STATE, other), "requested_by", None) == navigator
                   for other in container.referrals.with_code(code))

    return unique_code(referral_id, taken)


def _owned(container: Container, referral_id: str, actor: Actor) -> Referral:
    referral = container.views.get(REFERRAL_STATE, referral_id)
    if referral is None or (actor.role != "admin" and referral.requested_by != actor.sub):
        raise refused(status.HTTP_404_NOT_FOUND, Reason(code="unknown_referral", referral_id=referral_id,
                                                        message=f"no referral {referral_id!r} of yours"))
    return referral


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ReferralAnswer,
    responses={200: {"model": ReferralAnswer, "description": "no bed: `alternatives` says where and why not"},
               **PENDING,
               409: refusal("the id is already used, by another navigator's referral (`id_in_use`)"),
               422: {"description": "an invalid request; or an unknown place, `detail` an `unknown_place` "
                                    "Reason with suggestions"},
               429: refusal("too many of this navigator's referrals are open (`too_many_open_referrals`), "
                            "or too many requests")},
)
async def refer_caller(body: ReferralRequest, actor: Navigator, container: ContainerDep, idempotency_key: IdempotencyKey = None):
    """Hold a bed at the nearest open shelter outside every danger zone that fits the household
    (a shelter inside an incident's affected area is no less a candidate). Sending the same `id`
    again answers the referral it made; an id another navigator used is a 409."""
    check_idempotency_key(idempotency_key, body.id)
    existing = container.views.get(REFERRAL_STATE, body.id)
    if existing is not None:
        if actor.role != "admin" and existing.requested_by != actor.sub:
            # Not 404: a 404 here and a 201 for a new id told anyone which ids were in use, and whose.
            raise refused(status.HTTP_409_CONFLICT, Reason(
                code="id_in_use", id=body.id, message="this referral id is already used; choose another"))
        if (again := ask_again(existing)) is not None:  # the first ask may be what was lost
            await container.publisher.send(SHELTERS, again)
        return _respond(container, existing)
    open_now = container.open_referrals.get(actor.sub, 0) + container.referrals_in_flight.count(actor.sub)
    if open_now >= container.settings.max_open_holds_per_navigator:
        raise refused(status.HTTP_429_TOO_MANY_REQUESTS, Reason(
            code="too_many_open_referrals", open=open_now,
            message=f"you have {open_now} open referrals; confirm or release some before holding more beds",
        ), headers={"Retry-After": "30"})
    container.referrals_in_flight.reserve(actor.sub, body.id)
    try:
        place = await _send_referral(container, body, actor)
    except BaseException:
        if container.views.get(REFERRAL_STATE, body.id) is None:
            container.referrals_in_flight.landed(actor.sub, body.id)
        raise
    referral = await container.views.wait_for(REFERRAL_STATE, body.id, lambda r: r.status != "pending",
                                              container.settings.reply_timeout_s)
    if referral is None:
        raise NotShownYet(body.id, _href(body.id), "pending")
    return _respond(container, referral, place)


async def _send_referral(container: Container, body: ReferralRequest, actor: Actor) -> str | None:
    """Rank the shelters from the caller's cell, put the request on Kafka, ask the first shelter;
    returns the place the caller's location was geocoded to, if it was a place."""
    point, place = await locate(container, body.location)
    lat, lon = cell_centre(point.lat, point.lon)  # what goes to Kafka places the caller no closer than the town
    candidates, alternatives = container.shelters.candidates(
        lat, lon, body.household_size, body.needs, body.radius_km or container.settings.referral_radius_km,
        container.incidents, container.settings.max_candidates,
    )
    command = RequestReferral(
        id=body.id, household_size=body.household_size, needs=body.needs, candidates=candidates,
        alternatives=alternatives, hold_ttl_s=container.settings.hold_ttl_s, caller_ref=body.caller_ref,
        code=_code_for(container, body.id, actor.sub), asked=bool(candidates), actor=actor,
        accepted_at=container.clock(),
    )
    # The request first, acknowledged: the shelter's reply then lands after it on its partition.
    await container.publisher.send(REFERRALS, command)
    ask = first_ask(command)
    if ask is not None:
        await container.publisher.send(SHELTERS, ask)
    return place


_SEPARATORS = "-\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
CODE_QUERY_PATTERN = (f"^[{_SEPARATORS}]*(?:[{CODE_ALPHABET}{CODE_ALPHABET.lower()}][{_SEPARATORS}]*)"
                      f"{{{CODE_LENGTH}}}$")
"""What `read_code` takes: six code characters in any case, hyphens and whitespace (str.split's) anywhere."""

NEEDS_NAVIGATOR = frozenset({"pending", "held"})


def _needs_navigator(referral: Referral) -> bool:
    """Open referrals, and confirmed ones flagged for a call back (the caller is at a shelter that
    closed or that a danger zone now covers)."""
    return referral.status in NEEDS_NAVIGATOR or (referral.status == "confirmed" and bool(referral.callbacks))


def _most_urgent_first(referral: Referral) -> tuple:
    expiry = referral.hold_expires_at if referral.status == "held" else None
    return (not referral.callbacks, expiry is None, expiry or referral.created_at, referral.id)


@router.get("", response_model=list[ReferralAnswer],
            responses={403: {"model": Problem, "description": "`navigator` is for admins only"},
                       422: {"description": "invalid query, or `code` is not a referral code"}})
async def list_referrals(
    actor: Navigator,
    container: ContainerDep,
    code: str | None = Query(None, max_length=20, json_schema_extra={"pattern": CODE_QUERY_PATTERN},
                             description="a short code as read over the phone ('K7M-4QX', any case, hyphens and "
                                         "spaces anywhere): that referral, whatever its status"),
    status_: Status | None = Query(None, alias="status", description="only referrals with this status; without "
                                   "it, those that need their navigator: pending, held, and confirmed with a callback"),
    navigator: str | None = Query(None, min_length=1, max_length=128,
                                  description="admins only: one navigator's referrals (their token's subject)"),
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=1_000_000),
):
    """Your holds: your referrals that need you, those flagged for a call back first, then the
    soonest to expire, each with its seconds left; or one of yours by its short code. An admin
    sees every navigator's, or one navigator's."""
    if navigator is not None and actor.role != "admin":
        raise HTTPException(status.HTTP_403_FORBIDDEN, "only an admin may list another navigator's referrals")
    wanted = navigator or (None if actor.role == "admin" else actor.sub)
    if code is not None:
        found_code = read_code(code)
        if found_code is None:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                                "a referral code is six letters and digits (no 0, O, 1, I, L or U), e.g. K7M-4QX")
        ids = container.referrals.with_code(found_code)
    else:
        ids = container.referrals.of(wanted) if wanted else set(container.views.all(REFERRAL_STATE))
    found = [r for key in ids if (r := container.views.get(REFERRAL_STATE, key)) is not None
             and (wanted is None or r.requested_by == wanted)]
    if status_ is not None:
        found = [r for r in found if r.status == status_]
    elif code is None:
        found = [r for r in found if _needs_navigator(r)]
    found.sort(key=_most_urgent_first)
    await container.publisher.audit(actor, "ListReferrals", f"referrals?code={found_code}" if code else "referrals")
    return [answer(container, r) for r in found[offset : offset + limit]]


NOT_YOURS = refusal("no such referral of yours (`unknown_referral`)")


@router.get("/{referral_id}", response_model=ReferralAnswer, responses={404: NOT_YOURS})
async def get_referral(referral_id: IdPath, actor: Navigator, container: ContainerDep):
    """A referral's current state: held, confirmed, released, expired or no capacity."""
    referral = _owned(container, referral_id, actor)
    await container.publisher.audit(actor, "ReadReferral", f"referrals/{referral_id}")
    return answer(container, referral)


async def _follow_up(container: Container, referral_id: IdPath, actor: Actor, command: ConfirmReferral | ReleaseReferral,
                     done: Callable[[Referral], bool]) -> JSONResponse:
    referral = _owned(container, referral_id, actor)
    if not done(referral):
        referral = await round_trip(container, REFERRALS, command, REFERRAL_STATE, done, href=_href(referral_id),
                                    pending="pending")
    return JSONResponse(answer(container, referral).model_dump(mode="json"))


@router.post("/{referral_id}/confirm", response_model=ReferralAnswer,
             responses={**PENDING, 404: NOT_YOURS, 409: refusal("not held (`referral_not_held`)")})
async def confirm_referral(referral_id: IdPath, actor: Navigator, container: ContainerDep):
    """The caller arrived: the held bed becomes theirs."""
    referral = _owned(container, referral_id, actor)
    if referral.status not in ("held", "confirmed"):
        raise refused(status.HTTP_409_CONFLICT, Reason(
            code="referral_not_held", message=f"referral {referral_id!r} is {referral.status}, not held",
            referral_id=referral_id, status=referral.status))
    command = ConfirmReferral(id=referral_id, actor=actor, accepted_at=container.clock())
    return await _follow_up(container, referral_id, actor, command, lambda r: r.status in ("confirmed", "expired"))


@router.post("/{referral_id}/release", response_model=ReferralAnswer,
             responses={**PENDING, 404: NOT_YOURS})
async def release_referral(referral_id: IdPath, actor: Navigator, container: ContainerDep):
    """The caller no longer needs the bed: give it back."""
    command = ReleaseReferral(id=referral_id, actor=actor, accepted_at=container.clock())
    return await _follow_up(container, referral_id, actor, command,
                            lambda r: r.status in ("released", "expired", "no_capacity"))


class ExtendRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: Id | None = Field(None, description="this extension's own id: sent again, it extends once; "
                                            "without one, each call is another extension")


class ExtendRefusalDetail(BaseModel):
    """Why a hold was not extended, in the shape of every refusal: a code, its parameter, the English."""

    code: ExtendRefusal = Field(description="not_held (released or expired), confirmed (a confirmed bed does "
                                            "not expire), closed, danger_zone, at_limit (MUSTER_HOLD_MAX_S reached)")
    message: str
    limit_at: str | None = Field(None, description="the latest the hold can be extended to")


class ExtendConflict(BaseModel):
    detail: ExtendRefusalDetail


def _refused(code: ExtendRefusal, message: str, limit_at: datetime | None = None) -> HTTPException:
    detail = ExtendRefusalDetail(code=code, message=message, limit_at=_iso(limit_at))
    return HTTPException(status.HTTP_409_CONFLICT, detail.model_dump())


def _extension_answered(container: Container, referral: Referral) -> JSONResponse:
    extension = referral.extension
    if extension is not None and extension.outcome == "refused" and extension.reason is not None:
        raise _refused(extension.reason, extension.message or extension.reason, referral.hold_limit_at)
    return JSONResponse(answer(container, referral).model_dump(mode="json"))


@router.post("/{referral_id}/extend", response_model=ReferralAnswer,
             responses={202: {"description": "asked; the shelter had not answered by the reply deadline: poll `href`"},
                        404: NOT_YOURS,
                        409: {"model": ExtendConflict, "description": "not extended; `detail.code` says why"}})
async def extend_referral(referral_id: IdPath, actor: Navigator, container: ContainerDep, body: ExtendRequest | None = None):
    """Keep the caller's bed held longer: its expiry moves MUSTER_HOLD_EXTEND_S later, never past
    MUSTER_HOLD_MAX_S after the bed was held. The shelter's owner decides."""
    referral = _owned(container, referral_id, actor)
    extension_id = (body.id if body else None) or uuid.uuid4().hex
    if referral.extension is not None and referral.extension.id == extension_id:
        return _extension_answered(container, referral)
    if referral.status != "held" or referral.shelter_id is None:
        reason: ExtendRefusal = "confirmed" if referral.status == "confirmed" else "not_held"
        raise _refused(reason, f"referral {referral_id!r} is {referral.status}, not held", referral.hold_limit_at)
    command = ExtendHold(shelter_id=referral.shelter_id, referral_id=referral_id, extension_id=extension_id,
                         extend_s=container.settings.hold_extend_s, max_hold_s=container.settings.hold_max_s,
                         actor=actor, accepted_at=container.clock())
    after: Referral = await round_trip(container, SHELTERS, command, REFERRAL_STATE,
                                       lambda r: r.extension is not None and r.extension.id == extension_id,
                                       key=referral_id, audited=(command, f"{REFERRALS.name}/{referral_id}"),
                                       href=_href(referral_id))
    return _extension_answered(container, after)


@router.get("/{referral_id}/sheet", response_class=HTMLResponse,
            responses={**JSON_ERRORS, 200: {"content": {"text/html": {}}},
                       404: json_refusal("no such referral of yours (`unknown_referral`)"),
                       409: json_refusal("the referral holds no bed (`referral_not_held`)")})
async def referral_sheet(referral_id: IdPath, actor: Navigator, container: ContainerDep,
                         lang: Literal["en", "fr"] = Query("en")):
    """A printable sheet for the caller, in English or French: the shelter with its street address,
    phone and hours, the referral's short code, and the nearest warming centre, meals, charging
    station and pharmacy the service search lists near the shelter ("also near you")."""
    referral = _owned(container, referral_id, actor)
    if referral.status not in ("held", "confirmed"):
        raise refused(status.HTTP_409_CONFLICT, Reason(
            code="referral_not_held", message=f"referral {referral_id!r} is {referral.status}; no sheet",
            referral_id=referral_id, status=referral.status))
    await container.publisher.audit(actor, "PrintReferralSheet", f"referrals/{referral_id}")
    return HTMLResponse(sheet_page(container, answer(container, referral), lang))
