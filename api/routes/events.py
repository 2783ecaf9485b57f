"""Server-sent events: what changed, as it changes, for dashboards that never reload."""
from __future__ import annotations

import asyncio
import json
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from fastapi.responses import StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials

from api.auth import InvalidToken, verify
from api.deps import ContainerDep, bearer
from api.schemas import ERRORS

router = APIRouter(tags=["events"], responses=ERRORS)

EVERYONE_SEES = {"incident-state", "shelter-state", "service-state"}
COORDINATORS_SEE = EVERYONE_SEES | {"partner-state", "request-state", "hours-log"}
"""Commitments and hours go only to managers and admins, as over REST; referrals, which describe a
caller's household, are never broadcast."""
PRIVATE_FIELDS = {"shelter-state": ("holds",)}
KEEPALIVE_S = 15.0


@router.get(
    "/v1/events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "`event: <kind>` and `data: <json>` per change"}},
)
async def events(
    request: Request,
    container: ContainerDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    token: Annotated[str | None, Query(max_length=4096, description="for EventSource, which cannot send headers")] = None,
):
    """Changes to incidents, shelters, service sites, partners, requests and hours, as server-sent events."""
    raw = credentials.credentials if credentials else token
    if raw is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "a bearer token is required", headers={"WWW-Authenticate": "Bearer"})
    try:
        actor = verify(container.settings, raw)
    except InvalidToken as exc:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, str(exc), headers={"WWW-Authenticate": "Bearer"}) from None
    kinds = COORDINATORS_SEE if actor.role in ("manager", "admin") else EVERYONE_SEES
    queue = container.views.subscribe()

    async def stream():
        try:
            yield ": connected\n\n"
            while not await request.is_disconnected():
                try:
                    change = await asyncio.wait_for(queue.get(), KEEPALIVE_S)
                except TimeoutError:
                    yield ": keepalive\n\n"
                    continue
                if change["kind"] in kinds:
                    hidden = PRIVATE_FIELDS.get(change["kind"], ())
                    shown = {**change, "data": {k: v for k, v in change["data"].items() if k not in hidden}}
                    yield f"event: {change['kind']}\ndata: {json.dumps(shown, separators=(',', ':'))}\n\n"
        finally:
            container.views.unsubscribe(queue)

    return StreamingResponse(stream(), media_type="text/event-stream", headers={"Cache-Control": "no-store"})
