"""The API in-process, with a fake publisher (our own port) and views fed record by record."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.deps import Container
from api.main import create_api
from api.views import Views
from bus.topics import INCIDENT_STATE
from core.settings import Settings
from geo.gazetteer import OntarioGazetteer
from handlers.incidents import decide, incident_commands
from tests.support.api import NOW, FakePublisher, InProcessApi


@pytest.fixture
def make_api():
    def make(**overrides) -> InProcessApi:
        values = dict(token_secret="unit-test-secret-that-is-long-enough-for-hs256", reply_timeout_s=0.05, topic_prefix="unit.")
        values.update(overrides)
        settings = Settings(**values)
        publisher = FakePublisher()
        container = Container(settings=settings, views=Views(settings), publisher=publisher,
                              clock=lambda: NOW, geocoder=OntarioGazetteer())
        return InProcessApi(TestClient(create_api(container)), container, publisher)

    return make


@pytest.fixture
def api(make_api) -> InProcessApi:
    return make_api()


@pytest.fixture
def worked(api):
    """The API with the incident rules applied to each command it sends, as a worker would."""
    send = api.publisher.send

    async def send_and_apply(spec, key, message, **how):
        await send(spec, key, message, **how)
        if spec.name == "incidents":
            command = incident_commands.validate_json(message.model_dump_json())
            state, _ = decide(api.container.views.get(INCIDENT_STATE, key), command, NOW)
            api.record(INCIDENT_STATE, key, state)

    api.publisher.send = send_and_apply
    return api
