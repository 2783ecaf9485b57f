"""Limits that keep one client from hurting the rest: body size and request rate."""
from __future__ import annotations

import json

import token_bucket


class BodyLimit:
    """ASGI middleware: bodies over `max_bytes` get 413, whether declared or streamed."""

    def __init__(self, app, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        for name, value in scope.get("headers", ()):
            if name == b"content-length" and value.isdigit() and int(value) > self.max_bytes:
                return await self._reject(send)
        seen = 0
        too_big = False

        async def limited():
            nonlocal seen, too_big
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    too_big = True
                    raise _TooLarge
            return message

        started = False

        async def tracking_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited, tracking_send)
        except _TooLarge:
            if not started:
                await self._reject(send)

    async def _reject(self, send) -> None:
        body = json.dumps({"detail": f"request body over {self.max_bytes} bytes"}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


class _TooLarge(Exception):
    pass


class RateLimiter:
    """A token bucket per caller (token-bucket's `Limiter`): `rate` requests a second sustained,
    `burst` at once. Why this library: docs/adr/0006-rate-limits.md."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self._buckets = token_bucket.MemoryStorage()
        self._limiter = token_bucket.Limiter(rate, burst, self._buckets)

    def wait_time(self, caller: str) -> float:
        """0 if the request may go ahead (and is counted), else seconds until it may."""
        if self._limiter.consume(caller):
            return 0.0
        return (1 - self._buckets.get_token_count(caller)) / self.rate
