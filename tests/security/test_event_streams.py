"""Event streams against a real uvicorn: a stream ends when its token expires, and one subject
holds only so many at once."""
from __future__ import annotations

import time
from contextlib import ExitStack

import httpx

from api.auth import mint
from tests.support.poll import until

READ_TIMEOUT_S = 10
"""Less than the 15 s keepalive: a stream that outlives its token is a read timeout, not a pass."""


class Stream:
    """An open event stream and its lines, kept together: dropping the line iterator closes it."""

    def __init__(self, client: httpx.Client, stack: ExitStack, token: str) -> None:
        self.response = stack.enter_context(
            client.stream("GET", "/v1/events", headers={"Authorization": f"Bearer {token}"}))
        self.status_code = self.response.status_code
        self.lines = self.response.iter_lines()
        if self.status_code == 200:
            assert next(self.lines) == ": connected"


def _open(client: httpx.Client, stack: ExitStack, token: str) -> Stream:
    return Stream(client, stack, token)


def test_a_stream_ends_with_a_token_expired_event_when_its_token_expires(serve):
    served = serve()
    token = mint(served.container.settings, "navigator", sub="nav-expiring", ttl_s=2)
    with httpx.Client(base_url=served.base, timeout=httpx.Timeout(5, read=READ_TIMEOUT_S)) as client, \
            ExitStack() as stack:
        lines = list(_open(client, stack, token).lines)
    assert "event: token-expired" in lines
    assert served.container.streams == {}


def test_a_subject_holds_at_most_the_cap_of_streams_and_a_closed_one_frees_its_place(serve):
    served = serve(max_streams_per_subject=2)
    settings = served.container.settings
    token = mint(settings, "navigator", sub="nav-many-tabs")
    with httpx.Client(base_url=served.base, timeout=httpx.Timeout(5, read=READ_TIMEOUT_S)) as client:
        with ExitStack() as first:
            one = _open(client, first, token)
            assert one.status_code == 200
            with ExitStack() as more:
                second = _open(client, more, token)
                assert second.status_code == 200
                refused = _open(client, more, token)
                assert refused.status_code == 429 and int(refused.response.headers["Retry-After"]) >= 1
                other = mint(settings, "navigator", sub="nav-other")
                other_stream = _open(client, more, other)
                assert other_stream.status_code == 200
        until(lambda: served.container.streams.get("nav-many-tabs") is None, deadline_s=10,
              what="the closed streams to be counted out")
        with ExitStack() as again:
            assert _open(client, again, token).status_code == 200


def test_an_expired_token_cannot_open_a_stream(serve):
    served = serve()
    token = mint(served.container.settings, "navigator", ttl_s=60, now=time.time() - 120)
    response = httpx.get(f"{served.base}/v1/events", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
