"""The API in-process, with a fake publisher (our own port) and views fed record by record."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

import pytest
from fastapi.testclient import TestClient

from api.auth import mint
from api.deps import Container
from api.main import create_api
from api.publisher import audited_as
from api.views import Views
from bus.topics import INCIDENT_STATE, TopicSpec
from core.settings import Settings
from geo.gazetteer import OntarioGazetteer
from handlers.incidents import decide, incident_commands

NOW = datetime(2025, 3, 30, 16, 0, tzinfo=timezone.utc)


@dataclass
class FakePublisher:
    """Records what the API would put on Kafka."""

    sent: list = field(default_factory=list)
    audits: list = field(default_factory=list)
    started: bool = True

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def send(self, spec: TopicSpec, key: str, message, *, audited=None) -> None:
        self.sent.append((spec.name, key, message))
        command, target = audited_as(spec, key, message, audited)
        if getattr(command, "actor", None) is not None:
            await self.audit(command.actor, command.type, target)

    async def audit(self, actor, action: str, target: str) -> None:
        self.audits.append((actor.sub, action, target))


@dataclass
class InProcessApi:
    client: TestClient
    container: Container
    publisher: FakePublisher

    def token(self, role: str, partner_id: str | None = None, sub: str | None = None) -> str:
        return mint(self.container.settings, role, partner_id=partner_id, sub=sub)

    def as_(self, role: str, partner_id: str | None = None, sub: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(role, partner_id, sub)}"}

    def record(self, spec: TopicSpec, key: str, message) -> None:
        """Feed the views as if `message` had been read from `spec`'s topic."""
        settings = self.container.settings
        self.container.views.on_record(settings.topic(spec.name), key.encode(), message.model_dump_json().encode())


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
