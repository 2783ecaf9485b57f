"""The API served by a real uvicorn (Muster's own server configuration) on a free port, in a
thread, with its views fed in-process and its commands recorded: what a client on the network
meets, without Kafka. The in-process fixtures of the API unit tests are reused here too."""
from __future__ import annotations

import threading
from dataclasses import dataclass

import pytest
import uvicorn

from api.deps import Container
from api.main import create_api
from api.serving import server_config
from api.views import Views
from core.settings import Settings
from muster.processes import free_port
from tests.support.poll import until
from tests.unit.api.conftest import NOW, FakePublisher, api, make_api  # noqa: F401  (fixtures reused here)

SECRET = "security-test-secret-long-enough-for-hs256"


@dataclass
class Served:
    base: str
    port: int
    container: Container


@pytest.fixture
def serve():
    """Start the API under uvicorn with these settings (lifespan off: no Kafka to start)."""
    running: list[tuple[uvicorn.Server, threading.Thread]] = []

    def start(**overrides) -> Served:
        settings = Settings(token_secret=SECRET, reply_timeout_s=0.05, topic_prefix="security.", **overrides)
        container = Container(settings=settings, views=Views(settings), publisher=FakePublisher(), clock=lambda: NOW)
        port = free_port()
        server = uvicorn.Server(server_config(create_api(container), settings, "127.0.0.1", port,
                                              lifespan="off", log_level="warning"))
        thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
        thread.start()
        running.append((server, thread))
        until(lambda: server.started, deadline_s=20, every_s=0.05, what="uvicorn to start")
        return Served(f"http://127.0.0.1:{port}", port, container)

    yield start
    for server, thread in running:
        server.should_exit = True
        thread.join(15)
