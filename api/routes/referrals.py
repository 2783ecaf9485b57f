"""Caller referrals: a navigator gets a household a held bed, then confirms or releases it."""
from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, HTTPException, Query, status
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from api.deps import ContainerDep, Navigator
from api.places import Place, locate
from api.schemas import ERRORS, JSON_ERRORS, PROBLEM_JSON, IdempotencyKey, IdPath, check_idempotency_key
from api.sheet import render_sheet
from bus.topics import REFERRAL_STATE, REFERRALS, SHELTER_STATE, SHELTERS
from handlers.common import Actor, Id, Point
from handlers.referrals import (
    Alternative,
    CallerRef,
    ConfirmReferral,
    Referral,
    ReleaseReferral,
    RequestReferral,
    first_ask,
)
from handlers.shelters import Needs

router = APIRouter(prefix="/v1/referrals", tags=["referrals"], responses=ERRORS)
PENDING = {202: {"description": "still deciding after the reply deadline; poll `href`"}}


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


class ReferralAnswer(BaseModel):
    id: str
    status: Literal["pending", "held", "confirmed", "released", "expired", "no_capacity"]
    shelter: ShelterSummary | None = None
    distance_km: float | None = None
    hold_expires_at: str | None = None
    household_size: int
    needs: Needs
    place: str | None = Field(None, description="where the caller was geocoded to; only in the first answer")
    alternatives: list[Alternative] = []
    sheet: str | None = None
    href: str


def answer(c, referral: Referral, place: str | None = None) -> ReferralAnswer:
    """What the navigator sees; `place` is the geocoded caller location, never stored."""
    shelter = None
    if referral.shelter_id and referral.status in ("held", "confirmed", "released", "expired"):
        record = c.views.get(SHELTER_STATE, referral.shelter_id)
        shelter = ShelterSummary(
            id=referral.shelter_id, name=referral.shelter_name or referral.shelter_id,
            place=record.place if record else None, location=record.location if record else None,
        )
    href = f"/v1/referrals/{referral.id}"
    return ReferralAnswer(
        id=referral.id, status=referral.status, shelter=shelter,
        distance_km=referral.distance_km if shelter else None,
        hold_expires_at=referral.hold_expires_at.isoformat() if referral.hold_expires_at and shelter else None,
        household_size=referral.household_size, needs=referral.needs, place=place,
        alternatives=referral.alternatives if referral.status == "no_capacity" else [],
        sheet=f"{href}/sheet" if shelter else None, href=href,
    )


def _respond(c, referral: Referral | None, referral_id: str, place: str | None = None) -> JSONResponse:
    if referral is None or referral.status == "pending":
        body = {"id": referral_id, "status": "pending", "href": f"/v1/referrals/{referral_id}"}
        return JSONResponse(body, status_code=status.HTTP_202_ACCEPTED)
    code = status.HTTP_201_CREATED if referral.status == "held" else status.HTTP_200_OK
    return JSONResponse(answer(c, referral, place).model_dump(mode="json"), status_code=code)


def _owned(c, referral_id: str, actor: Actor) -> Referral:
    referral = c.views.get(REFERRAL_STATE, referral_id)
    if referral is None or (actor.role != "admin" and referral.requested_by != actor.sub):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no referral {referral_id!r} of yours")
    return referral


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ReferralAnswer,
    responses={200: {"model": ReferralAnswer, "description": "no bed: `alternatives` says where and why not"},
               **PENDING,
               422: {"description": "invalid request, or an unknown place (with suggestions)"}},
)
async def refer_caller(body: ReferralRequest, actor: Navigator, c: ContainerDep, idempotency_key: IdempotencyKey = None):
    """Hold a bed at the nearest open shelter outside every incident that fits the household."""
    check_idempotency_key(idempotency_key, body.id)
    existing = c.views.get(REFERRAL_STATE, body.id)
    if existing is not None:
        _owned(c, body.id, actor)
        return _respond(c, existing, body.id)
    open_now = c.open_referrals.get(actor.sub, 0)
    if open_now >= c.settings.max_open_holds_per_navigator:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            f"you have {open_now} open referrals; confirm or release some before holding more beds",
            headers={"Retry-After": "30"},
        )
    point, place = await locate(c, body.location)
    candidates, alternatives = c.shelters.candidates(
        point.lat, point.lon, body.household_size, body.needs, body.radius_km or c.settings.referral_radius_km,
        c.incidents, c.settings.max_candidates,
    )
    command = RequestReferral(
        id=body.id, household_size=body.household_size, needs=body.needs, candidates=candidates,
        alternatives=alternatives, hold_ttl_s=c.settings.hold_ttl_s, caller_ref=body.caller_ref,
        actor=actor, accepted_at=c.clock(),
    )
    ask = first_ask(command)
    if ask is None:
        await c.publisher.send(REFERRALS, body.id, command)
    else:
        await c.publisher.send(SHELTERS, ask.shelter_id, ask, audited=(command, f"{REFERRALS.name}/{body.id}"))
    referral = await c.views.wait_for(REFERRAL_STATE, body.id, lambda r: r.status != "pending", c.settings.reply_timeout_s)
    return _respond(c, referral, body.id, place)


@router.get("/{referral_id}", response_model=ReferralAnswer, responses={404: {"description": "no such referral of yours"}})
async def get_referral(referral_id: IdPath, actor: Navigator, c: ContainerDep):
    """A referral's current state: held, confirmed, released, expired or no capacity."""
    referral = _owned(c, referral_id, actor)
    await c.publisher.audit(actor, "ReadReferral", f"referrals/{referral_id}")
    return answer(c, referral)


async def _follow_up(c, referral_id: IdPath, actor: Actor, command, done) -> JSONResponse:
    referral = _owned(c, referral_id, actor)
    if done(referral):
        return JSONResponse(answer(c, referral).model_dump(mode="json"))
    await c.publisher.send(REFERRALS, referral_id, command)
    after = await c.views.wait_for(REFERRAL_STATE, referral_id, done, c.settings.reply_timeout_s)
    if after is None:
        return _respond(c, None, referral_id)
    return JSONResponse(answer(c, after).model_dump(mode="json"))


@router.post("/{referral_id}/confirm", response_model=ReferralAnswer,
             responses={**PENDING, 404: {"description": "no such referral of yours"}, 409: {"description": "not held"}})
async def confirm_referral(referral_id: IdPath, actor: Navigator, c: ContainerDep):
    """The caller arrived: the held bed becomes theirs."""
    referral = _owned(c, referral_id, actor)
    if referral.status not in ("held", "confirmed"):
        raise HTTPException(status.HTTP_409_CONFLICT, f"referral {referral_id!r} is {referral.status}, not held")
    command = ConfirmReferral(id=referral_id, actor=actor, accepted_at=c.clock())
    return await _follow_up(c, referral_id, actor, command, lambda r: r.status in ("confirmed", "expired"))


@router.post("/{referral_id}/release", response_model=ReferralAnswer,
             responses={**PENDING, 404: {"description": "no such referral of yours"}})
async def release_referral(referral_id: IdPath, actor: Navigator, c: ContainerDep):
    """The caller no longer needs the bed: give it back."""
    command = ReleaseReferral(id=referral_id, actor=actor, accepted_at=c.clock())
    return await _follow_up(c, referral_id, actor, command,
                            lambda r: r.status in ("released", "expired", "no_capacity"))


@router.get("/{referral_id}/sheet", response_class=HTMLResponse,
            responses={**JSON_ERRORS, 200: {"content": {"text/html": {}}},
                       404: {"description": "no such referral of yours", "content": PROBLEM_JSON},
                       409: {"description": "the referral holds no bed", "content": PROBLEM_JSON}})
async def referral_sheet(referral_id: IdPath, actor: Navigator, c: ContainerDep,
                         lang: Literal["en", "fr"] = Query("en")):
    """A printable sheet for the caller, in English or French."""
    referral = _owned(c, referral_id, actor)
    if referral.status not in ("held", "confirmed"):
        raise HTTPException(status.HTTP_409_CONFLICT, f"referral {referral_id!r} is {referral.status}; no sheet")
    await c.publisher.audit(actor, "PrintReferralSheet", f"referrals/{referral_id}")
    return HTMLResponse(render_sheet(answer(c, referral), lang))
