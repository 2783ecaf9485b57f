"""Puts commands on Kafka; a broker that cannot take them becomes a 503 with Retry-After."""
from __future__ import annotations

import asyncio

from aiokafka.errors import KafkaError
from pydantic import BaseModel

from bus.clients import make_producer
from bus.topics import TopicSpec
from muster.settings import Settings


class BrokerUnavailable(Exception):
    """Kafka did not acknowledge the command: nothing was accepted, the client may retry."""


class Publisher:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._producer = None
        self.started = False

    async def start(self) -> None:
        self._producer = make_producer(self.settings)
        await self._producer.start()
        self.started = True

    async def stop(self) -> None:
        if self._producer is not None:
            await self._producer.stop()

    async def send(self, spec: TopicSpec, key: str, message: BaseModel) -> None:
        """Returns once every in-sync replica has the command (acks=all)."""
        try:
            await asyncio.wait_for(
                self._producer.send_and_wait(
                    self.settings.topic(spec.name),
                    key=key.encode(),
                    value=message.model_dump_json(exclude_none=True).encode(),
                ),
                timeout=self.settings.reply_timeout_s + 5,
            )
        except (KafkaError, asyncio.TimeoutError) as exc:
            raise BrokerUnavailable(type(exc).__name__) from None
