"""The API in-process (`make_api`, `api`), and served by a real uvicorn with Muster's own server
configuration on a free port, in a thread (`serve`): views fed record by record, commands
recorded, no Kafka. What a client on the network meets."""
from __future__ import annotations

import threading
from dataclasses import dataclass

import pytest
import uvicorn
from fastapi.testclient import TestClient

from api.deps import Container
from api.main import create_api
from api.serving import server_config
from api.views import Views
from core.settings import Settings
from geo.gazetteer import OntarioGazetteer
from muster.processes import free_port
from tests.support.api import NOW, FakePublisher, InProcessApi
from tests.support.poll import until

SECRET = "security-test-secret-long-enough-for-hs256"


@pytest.fixture
def make_api():
    """An in-process API with these settings; `client` is the address its requests come from."""

    def make(client: tuple[str, int] = ("testclient", 50000), **overrides) -> InProcessApi:
        settings = Settings(**{"token_secret": SECRET, "reply_timeout_s": 0.05, "topic_prefix": "security.",
                               **overrides})
        publisher = FakePublisher()
        container = Container(settings=settings, views=Views(settings), publisher=publisher, clock=lambda: NOW,
                              geocoder=OntarioGazetteer())
        return InProcessApi(TestClient(create_api(container), client=client), container, publisher)

    return make


@pytest.fixture
def api(make_api) -> InProcessApi:
    return make_api()


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
