"""The API in-process, with a fake publisher (our own port) and views fed record by record."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.deps import Container
from api.main import create_api
from api.views import Views
from bus.topics import INCIDENT_STATE, INCIDENTS, SERVICE_STATE, SERVICES
from core.settings import Settings
from geo.gazetteer import OntarioGazetteer
from handlers.incidents import decide as decide_incident, incident_commands
from handlers.services import decide as decide_service, service_commands
from tests.support.api import NOW, FakePublisher, InProcessApi


@pytest.fixture
def make_api():
    def make(client: tuple[str, int] = ("testclient", 50000), **overrides) -> InProcessApi:
        """`client`: the address requests come from, as uvicorn would report it."""
        values = dict(token_secret="unit-test-secret-that-is-long-enough-for-hs256", reply_timeout_s=0.05, topic_prefix="unit.")
        values.update(overrides)
        settings = Settings(**values)
        publisher = FakePublisher()
        container = Container(settings=settings, views=Views(settings), publisher=publisher,
                              clock=lambda: NOW, geocoder=OntarioGazetteer())
        return InProcessApi(TestClient(create_api(container), client=client), container, publisher)

    return make


@pytest.fixture
def api(make_api) -> InProcessApi:
    return make_api()


RULES = {
    INCIDENTS.name: (INCIDENT_STATE, incident_commands, decide_incident),
    SERVICES.name: (SERVICE_STATE, service_commands, decide_service),
}
"""What a worker does with the commands the API sends to these topics: the rules and the state they keep."""


@pytest.fixture
def worked(api):
    """The API with the incident and service rules applied to each command it sends, as a worker would."""
    send = api.publisher.send

    async def send_and_apply(spec, message, **how):
        await send(spec, message, **how)
        if spec.name in RULES:
            state_spec, commands, decide = RULES[spec.name]
            command = commands.validate_json(message.model_dump_json())
            state, _ = decide(api.container.views.get(state_spec, message.key), command, NOW)
            api.record(state_spec, message.key, state)

    api.publisher.send = send_and_apply
    return api
