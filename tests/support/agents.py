"""Agents in Faust's test context: the app finalized and flowing, a directory filled by hand, and
every record an agent sends recorded instead of produced."""
from __future__ import annotations

import asyncio
import inspect
from dataclasses import dataclass, field
from typing import Any

import faust

from bus import topics
from core.clock import Clock
from core.settings import Settings
from streams.app import create_app
from streams.directories import Directories
from streams.patches import Guards
from streams.patches.ordering import PartitionOrder
from streams.patches.ownership import OwnershipGuard
from streams.runtime import DeadLetters, Processing
from tests.support.poll import until_async


class LaggingTail:
    """A tail behind the writers: a record held back reaches the directories only when they catch up
    on its topic; with nothing held back it has read everything there is."""

    def __init__(self, directories: Directories) -> None:
        self.directories = directories
        self.held: list[tuple[str, bytes, bytes]] = []
        self.catch_ups: list[str] = []
        self.ready = asyncio.Event()
        self.ready.set()

    async def catch_up(self, topic: str, timeout: float) -> bool:
        self.catch_ups.append(topic)
        for record in [r for r in self.held if r[0] == topic]:
            self.held.remove(record)
            self.directories._on_record(*record)
        return True


@dataclass
class Harness:
    settings: Settings
    app: faust.App
    clock: Clock
    directories: Directories
    processing: Processing
    sent: list[tuple[str, bytes, bytes]] = field(default_factory=list)
    agent: Any = None
    table: Any = None
    lost: set[str] = field(default_factory=set)

    def wire(self, module) -> None:
        """Wire one streams module's agent and its table if it keeps one, as the worker's composition root does."""
        self.agent = module.wire(self.app, self.settings, self.clock, self.processing, self.directories)
        self.table = next(iter(self.app.tables.values()), None)

    def on(self, spec: topics.TopicSpec) -> list[tuple[bytes, bytes]]:
        """(key, value) of each record sent to the topic, in order."""
        name = self.settings.topic(spec.name)
        return [(key, value) for topic, key, value in self.sent if topic == name]

    def lose_next_send(self, spec: topics.TopicSpec) -> None:
        """Make the next send to the topic fail, as it would for a worker killed mid-send."""
        self.lost.add(self.settings.topic(spec.name))

    def know(self, spec: topics.TopicSpec, key: str, model) -> None:
        """Put a state record into the worker's directories, as its tail would."""
        self.directories._on_record(self.settings.topic(spec.name), key.encode(), model.model_dump_json().encode())

    def lag(self, spec: topics.TopicSpec, key: str, model) -> None:
        """Hold a state record back from the worker's directories until they catch up on its topic."""
        self.directories._tail.held.append(
            (self.settings.topic(spec.name), key.encode(), model.model_dump_json().encode()))

    async def put(self, *commands: tuple[str, Any], done) -> None:
        """Hand each (key, command or raw bytes) to the agent, then wait until `done()` holds."""
        async with self.agent.test_context() as test:
            for key, command in commands:
                await test.put(command.model_dump_json().encode() if hasattr(command, "model_dump_json") else command,
                               key=key.encode())
            await until_async(lambda: asyncio.sleep(0, done()), deadline_s=10, what="the agent's sends")

    def timer(self, name: str):
        """The body of one of the wired module's timers, to run a round of it by hand."""
        for task in self.app._app_tasks:
            body = inspect.unwrap(task)
            if body.__name__ == name:
                return body
        raise LookupError(f"no timer named {name!r}")

    def close(self) -> None:
        consumer = self.app._consumer
        if consumer is not None:  # made by a stream; its thread, and so its loop, never ran
            consumer._thread.thread_loop.close()


def harness(tmp_path, monkeypatch, clock: Clock, order: PartitionOrder | None = None) -> Harness:
    """A harness whose agents keep `order` (and an ownership guard that never sees a freeze), or
    take events as they come when it is None."""
    settings = Settings(data_dir=tmp_path, topic_prefix="t.")
    app = create_app(settings)
    app.finalize()
    app.flow_control.resume()
    directories = Directories(settings)
    directories._tail = LaggingTail(directories)
    dead = DeadLetters(app.topic(settings.topic(topics.DEAD_LETTERS.name)), clock)
    guards = Guards(OwnershipGuard(app, settings.session_timeout_s), order) if order is not None else None
    made = Harness(settings, app, clock, directories, Processing(dead, guards))

    async def record(topic, key=None, value=None, **_):
        name = topic.get_topic_name()
        if name in made.lost:
            made.lost.discard(name)
            raise ConnectionResetError(f"the worker died sending to {name}")
        made.sent.append((name, key, value))

    monkeypatch.setattr(faust.topics.Topic, "send", record)
    return made
