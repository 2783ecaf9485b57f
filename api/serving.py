"""Serving the API with uvicorn, with the limits slow or greedy clients meet in one place: a
deadline on request headers (here), one on request bodies (api/limits.py `BodyDeadline`), idle
keep-alive connections closed, a cap on open connections, and the proxies trusted to name clients."""
from __future__ import annotations

import asyncio
from typing import Any

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from core.settings import Settings

REQUEST_TIMEOUT = b"HTTP/1.1 408 Request Timeout\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
KEEP_ALIVE_S = 5
"""How long an idle keep-alive connection stays open between requests (uvicorn's default, stated)."""


class HeaderDeadline(H11Protocol):
    """uvicorn's h11 protocol, but a request's headers must be complete within `header_timeout_s`
    of its first byte (or of the connection opening), else 408 and the connection closes.

    uvicorn times only idle keep-alive connections, and any byte resets that timer: a client
    dribbling a header line a byte at a time held a connection for ever, and a few hundred such
    clients held them all. Reads uvicorn's `conn` (the h11 connection, whose state says whether
    the headers are done); tests/security/test_slow_clients.py checks it is still there."""

    header_timeout_s: float = 10.0

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        self._muster_transport = transport
        self._muster_deadline: asyncio.TimerHandle | None = None
        self._muster_arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:
            self._muster_disarm()  # the headers are in
        elif self._muster_deadline is None:
            self._muster_arm()  # the first byte of the next request on a kept-alive connection

    def connection_lost(self, exc: Exception | None) -> None:
        self._muster_disarm()
        super().connection_lost(exc)

    def _muster_arm(self) -> None:
        self._muster_deadline = asyncio.get_running_loop().call_later(self.header_timeout_s, self._muster_expire)

    def _muster_disarm(self) -> None:
        if self._muster_deadline is not None:
            self._muster_deadline.cancel()
            self._muster_deadline = None

    def _muster_expire(self) -> None:
        self._muster_deadline = None
        if self.conn.their_state is h11.IDLE and not self._muster_transport.is_closing():
            self._muster_transport.write(REQUEST_TIMEOUT)
            self._muster_transport.close()


def server_config(app: Any, settings: Settings, host: str, port: int, **overrides: Any) -> uvicorn.Config:
    """uvicorn's configuration for `app` on host:port with Muster's limits from `settings`;
    `overrides` are further uvicorn.Config arguments (logging, lifespan)."""
    protocol = type("HeaderDeadline", (HeaderDeadline,), {"header_timeout_s": settings.header_timeout_s})
    return uvicorn.Config(
        app, host=host, port=port, http=protocol, timeout_keep_alive=KEEP_ALIVE_S,
        limit_concurrency=settings.max_connections, proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips, **overrides)
