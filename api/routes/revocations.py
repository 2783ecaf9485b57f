"""Revoking a subject: every token a person (or script) holds stops working on every API replica."""
from __future__ import annotations

import time
from datetime import UTC, datetime

from fastapi import APIRouter, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from api.deps import ContainerDep, Manager
from api.schemas import ERRORS
from bus.topics import REVOCATIONS
from handlers.common import ShortText
from handlers.revocations import Subject, SubjectRevoked

router = APIRouter(prefix="/v1/revocations", tags=["sign-in"], responses=ERRORS)


class Revocation(BaseModel):
    """Whose tokens to refuse, and why."""

    model_config = ConfigDict(extra="forbid")
    sub: Subject = Field(description="the token subject, as `muster token --sub` or the sign-in provider names it")
    reason: ShortText | None = Field(None, description="why, for the audit trail")


@router.post("", status_code=status.HTTP_201_CREATED, response_model=SubjectRevoked,
             responses={202: {"model": SubjectRevoked, "description": "on Kafka; replicas apply it as they read it"}})
async def revoke_subject(body: Revocation, actor: Manager, c: ContainerDep):
    """Refuse every token naming `sub` issued until now (to the second), on every replica, including
    open event streams; tokens issued afterwards work. Answers 201 once this replica refuses them."""
    # Wall-clock time, not the API's clock: it is compared with tokens' `iat`, as verification reads them.
    now = datetime.fromtimestamp(time.time(), UTC)
    revocation = SubjectRevoked(sub=body.sub, revoked_at=now, reason=body.reason, actor=actor)
    await c.publisher.send(REVOCATIONS, revocation)
    seen = await c.views.wait_for(REVOCATIONS, body.sub, lambda r: r.revoked_at >= revocation.revoked_at,
                                  c.settings.reply_timeout_s)
    code = status.HTTP_201_CREATED if seen is not None else status.HTTP_202_ACCEPTED
    return JSONResponse(revocation.model_dump(mode="json"), status_code=code)
