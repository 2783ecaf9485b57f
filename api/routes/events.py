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

PUBLIC_KINDS = {"incident-state", "shelter-state", "partner-state", "request-state", "hours-log"}
"""Referrals are never broadcast: they describe a caller's household."""
KEEPALIVE_S = 15.0


@router.get(
    "/v1/events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "`event: <kind>` and `data: <json>` per change"}},
)
async def events(
    request: Request,
    c: ContainerDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    token: Annotated[str | None, Query(max_length=4096, description="for EventSource, which cannot send headers")] = None,
):
    """Changes to incidents, shelters, partners, requests and hours, as server-sent events."""
    raw = credentials.credentials if credentials else token
    if raw is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "a bearer token is required", headers={"WWW-Authenticate": "Bearer"})
    try:
        verify(c.settings, raw)
    except InvalidToken as exc:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, str(exc), headers={"WWW-Authenticate": "Bearer"}) from None
    queue = c.views.subscribe()

    async def stream():
        try:
            yield ": connected\n\n"
            while not await request.is_disconnected():
                try:
                    change = await asyncio.wait_for(queue.get(), KEEPALIVE_S)
                except asyncio.TimeoutError:
                    yield ": keepalive\n\n"
                    continue
                if change["kind"] in PUBLIC_KINDS:
                    yield f"event: {change['kind']}\ndata: {json.dumps(change, separators=(',', ':'))}\n\n"
        finally:
            c.views.unsubscribe(queue)

    return StreamingResponse(stream(), media_type="text/event-stream", headers={"Cache-Control": "no-store"})
