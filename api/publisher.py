"""Puts commands on Kafka; a broker that cannot take them becomes a 503 with Retry-After."""
from __future__ import annotations

import asyncio
import logging
import uuid

from aiokafka.errors import KafkaError
from pydantic import BaseModel

from bus.clients import make_producer
from bus.topics import AUDIT, TopicSpec
from core.settings import Settings
from handlers.audit import AuditRecord
from handlers.common import Actor, Keyed

log = logging.getLogger(__name__)


def audited_as(spec: TopicSpec, message: Keyed,
               audited: tuple[BaseModel, str] | None) -> tuple[BaseModel | Keyed, str]:
    """The command a send is audited as and its target: the message itself on its topic and key,
    unless it was sent on another command's behalf."""
    return audited or (message, f"{spec.name}/{message.key}")


class BrokerUnavailable(Exception):
    """Kafka did not acknowledge the command: nothing was accepted, the client may retry."""


class Publisher:
    def __init__(self, settings: Settings, clock) -> None:
        self.settings = settings
        self.clock = clock
        self._producer = None
        self.started = False

    async def start(self) -> None:
        self._producer = make_producer(self.settings)
        await self._producer.start()
        self.started = True

    async def stop(self) -> None:
        if self._producer is not None:
            await self._producer.stop()

    async def send(self, spec: TopicSpec, message: Keyed, *,
                   audited: tuple[BaseModel, str] | None = None) -> None:
        """Puts `message` on `spec`'s topic keyed by `message.key`; returns once every in-sync replica
        has it (acks=all) and the audit record of who sent it; both are in flight at once, so the
        caller waits one broker round trip, not two. `audited` (command, target) names what a
        message sent on a command's behalf is audited as. Raises BrokerUnavailable."""
        command, target = audited_as(spec, message, audited)
        sends = [self._send(spec, message)]
        actor = getattr(command, "actor", None)
        if actor is not None:
            sends.append(self.audit(actor, getattr(command, "type", type(command).__name__), target))
        await asyncio.gather(*sends)

    async def audit(self, actor: Actor, action: str, target: str) -> None:
        record = AuditRecord(id=uuid.uuid4().hex, at=self.clock(), sub=actor.sub, role=actor.role,
                             partner_id=actor.partner_id, action=action, target=target)
        await self._send(AUDIT, record)

    async def _send(self, spec: TopicSpec, message: Keyed) -> None:
        if self._producer is None:
            raise BrokerUnavailable("not started")
        try:
            await asyncio.wait_for(
                self._producer.send_and_wait(
                    self.settings.topic(spec.name),
                    key=message.key.encode(),
                    value=message.model_dump_json(exclude_none=True).encode(),
                ),
                timeout=self.settings.reply_timeout_s + 5,
            )
        except (KafkaError, asyncio.TimeoutError) as exc:
            log.warning("Kafka did not take a %s: %s", spec.name, type(exc).__name__)
            raise BrokerUnavailable(type(exc).__name__) from None
