"""Server-sent events: what changed, as it changes, for dashboards that never reload."""
from __future__ import annotations

import asyncio
import json
import time
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from fastapi.responses import StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials

from api.deps import ContainerDep, authenticate, bearer
from api.schemas import ERRORS, Problem
from bus.topics import REVOCATIONS
from handlers.revocations import revokes

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
    responses={200: {"content": {"text/event-stream": {}}, "description": "`event: <kind>` and `data: <json>` per change"},
               429: {"model": Problem, "description": "too many requests, or too many streams open for this "
                                                      "token's subject (MUSTER_MAX_STREAMS_PER_SUBJECT)"}},
)
async def events(
    request: Request,
    container: ContainerDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    token: Annotated[str | None, Query(max_length=4096, description="for EventSource, which cannot send headers")] = None,
):
    """Changes to incidents, shelters, service sites, partners, requests and hours, as server-sent
    events. The stream ends when its token expires or its subject is revoked (sign in again and
    reconnect); a subject may hold MUSTER_MAX_STREAMS_PER_SUBJECT streams at once."""
    verified = authenticate(container, request, credentials.credentials if credentials else token)
    actor = verified.actor
    if container.streams.get(actor.sub, 0) >= container.settings.max_streams_per_subject:
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS,
                            f"{container.settings.max_streams_per_subject} event streams are open for this token; close one",
                            headers={"Retry-After": str(int(KEEPALIVE_S))})
    kinds = COORDINATORS_SEE if actor.role in ("manager", "admin") else EVERYONE_SEES
    queue = container.views.subscribe()
    container.streams[actor.sub] = container.streams.get(actor.sub, 0) + 1

    def still_valid() -> bool:
        return time.time() < verified.expires_at and not revokes(
            container.views.get(REVOCATIONS, actor.sub), verified.issued_at)

    async def stream():
        try:
            yield ": connected\n\n"
            while still_valid() and not await request.is_disconnected():
                wait = min(KEEPALIVE_S, max(0.0, verified.expires_at - time.time()))
                try:
                    change = await asyncio.wait_for(queue.get(), wait)
                except TimeoutError:
                    yield ": keepalive\n\n"
                    continue
                if change["kind"] in kinds:
                    hidden = PRIVATE_FIELDS.get(change["kind"], ())
                    shown = {**change, "data": {k: v for k, v in change["data"].items() if k not in hidden}}
                    yield f"event: {change['kind']}\ndata: {json.dumps(shown, separators=(',', ':'))}\n\n"
            if not still_valid():
                yield "event: token-expired\ndata: {}\n\n"
        finally:
            container.views.unsubscribe(queue)
            left = container.streams.get(actor.sub, 1) - 1
            if left > 0:
                container.streams[actor.sub] = left
            else:
                container.streams.pop(actor.sub, None)

    return StreamingResponse(stream(), media_type="text/event-stream", headers={"Cache-Control": "no-store"})
