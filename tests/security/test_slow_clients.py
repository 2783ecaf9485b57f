"""Slow clients against a real uvicorn: headers or a body dribbled a byte at a time, or nothing
sent at all, no longer hold a connection (and a request task) for ever."""
from __future__ import annotations

import inspect
import select
import socket
import time

import httpx
from uvicorn.protocols.http.h11_impl import H11Protocol

from api.auth import mint

HEADER_START = b"GET /healthz HTTP/1.1\r\nHost: muster\r\nX-Slow: "
DEADLINE_S = 20
"""Far beyond the 1 s limits the tests set: a server without them keeps every connection past it."""


def _connect(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.setblocking(False)
    return sock


def _answers_until_closed(sock: socket.socket) -> bytes | None:
    """Everything the server sent once it closed the connection; None while it is still open."""
    received = b""
    while True:
        try:
            chunk = sock.recv(4096)
        except BlockingIOError:
            return None
        except ConnectionResetError:
            return received
        if not chunk:
            return received
        received += chunk


def _dribble(socks: dict[socket.socket, bytes]) -> dict[socket.socket, bytes]:
    """Send each socket's bytes one at a time, a byte whenever the sockets have been quiet for
    0.3 s, until the server has closed every one or DEADLINE_S passes; what each was answered."""
    answers: dict[socket.socket, bytes] = {}
    end = time.monotonic() + DEADLINE_S
    while len(answers) < len(socks) and time.monotonic() < end:
        open_now = [s for s in socks if s not in answers]
        readable, _, _ = select.select(open_now, [], [], 0.3)
        for sock in open_now:
            if sock in readable and (answer := _answers_until_closed(sock)) is not None:
                answers[sock] = answer
            elif socks[sock]:
                try:
                    sock.send(socks[sock][:1])
                except (BrokenPipeError, ConnectionResetError):
                    answers[sock] = b""
                    continue
                socks[sock] = socks[sock][1:]
    return answers


def test_clients_dribbling_headers_or_sending_nothing_are_cut_off_at_the_header_deadline(serve):
    served = serve(header_timeout_s=1)
    dribblers = {_connect(served.port): HEADER_START + b"x" * 10_000 for _ in range(20)}
    silent = {_connect(served.port): b"" for _ in range(5)}
    try:
        answers = _dribble({**dribblers, **silent})
        assert len(answers) == len(dribblers) + len(silent), "connections still open after the header deadline"
        assert all(a == b"" or a.startswith(b"HTTP/1.1 408") for a in answers.values())
        assert httpx.get(f"{served.base}/healthz").status_code == 200
    finally:
        for sock in (*dribblers, *silent):
            sock.close()


def test_a_keep_alive_connection_gets_the_header_deadline_again_for_its_next_request(serve):
    served = serve(header_timeout_s=1)
    sock = _connect(served.port)
    try:
        sock.setblocking(True)
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: muster\r\n\r\n")
        assert sock.recv(4096).startswith(b"HTTP/1.1 200")
        sock.setblocking(False)
        answers = _dribble({sock: HEADER_START + b"x" * 10_000})
        assert sock in answers
    finally:
        sock.close()


def test_a_body_arriving_a_byte_at_a_time_is_answered_408_and_the_connection_closed(serve):
    served = serve(body_timeout_s=1)
    token = mint(served.container.settings, "manager")
    head = (f"POST /v1/incidents HTTP/1.1\r\nHost: muster\r\nAuthorization: Bearer {token}\r\n"
            "Content-Type: application/json\r\nContent-Length: 500\r\n\r\n").encode()
    sock = _connect(served.port)
    try:
        sock.setblocking(True)
        sock.sendall(head)
        sock.setblocking(False)
        answers = _dribble({sock: b"{" + b" " * 499})
        assert sock in answers, "the body is still being read after the body deadline"
        status_line, _, rest = answers[sock].partition(b"\r\n")
        assert status_line.startswith(b"HTTP/1.1 408"), answers[sock]
        assert b"connection: close" in rest.lower()
    finally:
        sock.close()


def test_a_body_sent_at_once_is_served_under_the_body_deadline(serve):
    served = serve(body_timeout_s=1)
    incident = {"id": "flood-bracebridge", "kind": "flood", "title": "Muskoka River flooding", "severity": "severe",
                "area": {"center": {"lat": 45.04, "lon": -79.31}, "radius_km": 8}}
    token = mint(served.container.settings, "manager")
    response = httpx.post(f"{served.base}/v1/incidents", json=incident, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 202


def test_the_header_deadline_reads_the_h11_connection_uvicorn_still_keeps():
    """api/serving.py reads `conn` of uvicorn's H11Protocol: a uvicorn that renamed it would break it."""
    assert "self.conn = h11.Connection(" in inspect.getsource(H11Protocol.__init__)
