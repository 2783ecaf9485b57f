"""The API in-process: a fake publisher (our own port) recording what would go on Kafka, views fed
record by record, and the Ontario sample partners and incidents to feed them."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from fastapi.testclient import TestClient

from api.auth import mint
from api.deps import Container
from api.publisher import audited_as
from bus.topics import INCIDENT_STATE, PARTNER_STATE, TopicSpec
from handlers import partners as P
from handlers.incidents import DeclareIncident, decide as decide_incident

NOW = datetime(2025, 3, 30, 16, 0, tzinfo=timezone.utc)


@dataclass
class FakePublisher:
    """Records what the API would put on Kafka."""

    sent: list = field(default_factory=list)
    audits: list = field(default_factory=list)
    started: bool = True

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def send(self, spec: TopicSpec, message, *, audited=None) -> None:
        self.sent.append((spec.name, message.key, message))
        command, target = audited_as(spec, message, audited)
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


DATA = Path(__file__).resolve().parents[2] / "muster" / "data"
PARTNERS = {p["id"]: p for p in json.loads((DATA / "partners.json").read_text())["partners"]}
SCENARIO = json.loads((DATA / "scenario_ice_storm.json").read_text())


def body(partner_id: str) -> dict:
    return {k: v for k, v in PARTNERS[partner_id].items() if k != "id"}


def with_partner(api, partner_id: str = "salvation-army-on") -> P.Partner:
    partner, _ = P.decide(None, P.RegisterPartner(id=partner_id, **body(partner_id)), NOW)
    partner, _ = P.decide(partner, P.ClaimInventory(partner_id=partner_id, claim_id="rr-1.1", request_id="rr-1",
                                                    resource_type="cots", quantity=40), NOW)
    api.record(PARTNER_STATE, partner_id, partner)
    return partner


def with_incident(api, index: int = 0):
    incident, _ = decide_incident(None, DeclareIncident(**SCENARIO["incidents"][index]), NOW)
    api.record(INCIDENT_STATE, incident.id, incident)
    return incident
