"""Limits that keep one client from hurting the rest: request rate per subject and per address,
refused tokens per address, body size, and how long a body may take to arrive."""
from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence

import token_bucket
from starlette import status
from starlette.exceptions import HTTPException


class RateLimiter:
    """A token bucket per caller (token-bucket's `Limiter`): `rate` requests a second sustained,
    `burst` at once. Why this library: docs/adr/0006-rate-limits.md."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = burst
        self._buckets = token_bucket.MemoryStorage()
        self._limiter = token_bucket.Limiter(rate, burst, self._buckets)

    def wait_time(self, caller: str) -> float:
        """0 if the request may go ahead (and is counted), else seconds until it may."""
        if self._limiter.consume(caller):
            return 0.0
        return self._wait(caller)

    def exhausted(self, caller: str) -> float:
        """Seconds until `caller`'s bucket holds a token again (0 if it holds one now), counting nothing."""
        self._buckets.replenish(caller, self.rate, self.burst)
        return 0.0 if self._buckets.get_token_count(caller) >= 1 else self._wait(caller)

    def _wait(self, caller: str) -> float:
        return (1 - self._buckets.get_token_count(caller)) / self.rate


def client_address(scope) -> str:
    """The client's address as the server saw it (uvicorn takes X-Forwarded-For only from the
    proxies MUSTER_FORWARDED_ALLOW_IPS names); '-' when there is none."""
    client = scope.get("client")
    return client[0] if client else "-"


async def _refuse(send, status: int, detail: str, headers: Sequence[tuple[bytes, bytes]] = ()) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            *headers]})
    await send({"type": "http.response.body", "body": body})


class AddressLimit:
    """ASGI middleware: every request from one client address, signed in or not (a bad token, an
    event stream), draws on that address's bucket before anything reads its token; over it, 429
    with Retry-After."""

    def __init__(self, app, limiter: RateLimiter) -> None:
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            wait = self.limiter.wait_time(client_address(scope))
            if wait > 0:
                return await _refuse(send, 429, "too many requests from this address; slow down",
                                     [(b"retry-after", str(max(1, round(wait))).encode())])
        return await self.app(scope, receive, send)


def _refused_from_receive(status_code: int, detail: str, **headers: str) -> HTTPException:
    """An error to raise from a wrapped `receive`: FastAPI passes HTTPExceptions on from its body
    reading (anything else there becomes a 400), and the app's exception middleware answers them."""
    return HTTPException(status_code, detail, headers=headers or None)


class BodyLimit:
    """ASGI middleware: bodies over `max_bytes` get 413, whether declared or streamed in chunks.

    (FastAPI's own `max_body_size` answers from outside every middleware of ours, in plain text
    and without the security headers.)"""

    def __init__(self, app, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        detail = f"request body over {self.max_bytes} bytes"
        for name, value in scope.get("headers", ()):
            if name == b"content-length" and value.isdigit() and int(value) > self.max_bytes:
                return await _refuse(send, status.HTTP_413_CONTENT_TOO_LARGE, detail, [(b"connection", b"close")])
        seen = 0

        async def limited():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _refused_from_receive(status.HTTP_413_CONTENT_TOO_LARGE, detail, Connection="close")
            return message

        await self.app(scope, limited, send)


class BodyDeadline:
    """ASGI middleware: a request's whole body must arrive within `timeout_s` of its headers, or the
    request ends with 408 and the connection closes, so a client sending a byte every few seconds
    cannot hold a connection and a request task for ever. Waiting for the client to hang up after
    the body (event streams do) is not timed."""

    def __init__(self, app, timeout_s: float) -> None:
        self.app = app
        self.timeout_s = timeout_s

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout_s
        body_done = False

        async def timed_receive():
            nonlocal body_done
            if body_done:
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), max(0.0, deadline - loop.time()))
            except TimeoutError:
                raise _refused_from_receive(status.HTTP_408_REQUEST_TIMEOUT,
                                            f"the request body did not arrive within {self.timeout_s:g} s",
                                            Connection="close") from None
            body_done = message["type"] != "http.request" or not message.get("more_body", False)
            return message

        await self.app(scope, timed_receive, send)
