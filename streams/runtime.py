"""What every agent shares: per-event error handling, dead letters, state tables of snapshots.

Faust acks an event whose processing raised and never shows it again, so each event is handled
inside its own try: anything that cannot be applied becomes a DeadLetter with the reason and the
source offset, and the agent moves on.

Every agent sends what a decision says (replies, alerts, asks) before it writes the snapshot that
records the decision. A worker killed between the two decides again when the event is redelivered
and, its rules being idempotent by id, says the same again: duplicates, never a loss. The other
order would leave a snapshot that says it is done beside messages nobody sent.
"""
from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from core.clock import Clock
from geo.areas import AreaError
from handlers.common import DeadLetter, Keyed, describe_validation_error
from handlers.errors import Rejected

if TYPE_CHECKING:  # only for the annotations: importing the patches loads Faust's consumer
    from faust.types import TopicT

    from streams.patches import Guards

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)


class BadKey(Exception):
    """The Kafka key does not name the thing the command is about, so its writer would be wrong."""


EXPECTED = (ValidationError, Rejected, AreaError, BadKey, UnicodeDecodeError, ValueError)


def reason_for(exc: BaseException) -> str:
    if isinstance(exc, ValidationError):
        return f"invalid message: {describe_validation_error(exc)}"
    if isinstance(exc, Rejected):
        return f"rejected: {exc.reason}"
    if isinstance(exc, AreaError):
        return f"invalid area: {exc}"
    if isinstance(exc, BadKey):
        return f"bad key: {exc}"
    if isinstance(exc, UnicodeDecodeError):
        return "invalid message: not UTF-8"
    return f"{type(exc).__name__}: {exc}"[:2000]


def require_key(event, expected: str) -> None:
    key = event.key.decode("utf-8") if isinstance(event.key, bytes) else event.key
    if key != expected:
        raise BadKey(f"message for {expected!r} was keyed {key!r}")


class DeadLetters:
    """Sends DeadLetter records; never raises, so a bad event cannot stop the agent."""

    def __init__(self, topic, clock: Clock) -> None:
        self.topic = topic
        self.clock = clock
        self.count = 0

    async def send(self, event, exc: BaseException) -> None:
        message = event.message
        value = event.value if isinstance(event.value, bytes) else b""
        key = event.key
        letter = DeadLetter(
            topic=message.topic,
            partition=message.partition,
            offset=message.offset,
            key=(key.decode("utf-8", "replace") if isinstance(key, bytes) else key)[:200] if key else None,
            reason=reason_for(exc),
            error=type(exc).__name__,
            payload_bytes=len(value),
            payload_sha256=hashlib.sha256(value).hexdigest(),
            at=self.clock(),
        )
        self.count += 1
        log.warning("dead letter %s[%d]@%d: %s", letter.topic, letter.partition, letter.offset, letter.reason)
        try:
            await self.topic.send(key=key, value=letter.model_dump_json().encode())
        except Exception:
            log.exception("could not send dead letter for %s[%d]@%d", message.topic, message.partition, message.offset)


@dataclass(frozen=True)
class Processing:
    """What `consume` runs each agent's events through; built once per worker by its composition
    root (streams/worker.py) and handed to every agent's `wire`."""

    dead: DeadLetters
    """Where an event that cannot be applied goes, with the reason."""
    guards: Guards | None = None
    """The worker's ownership guard and partition order (streams.patches.install); None where one
    agent is driven alone, as in Faust's test context: events are then taken as they come."""


async def consume(stream, handle: Callable[[object], Awaitable[None]], processing: Processing) -> None:
    """Run `handle` on each event of each partition in offset order, skipping events of partitions a
    frozen worker lost; failures are dead-lettered, never raised into Faust."""
    dead, guards = processing.dead, processing.guards
    ownership = guards.ownership if guards is not None else None
    order = guards.order if guards is not None else None
    async for event in stream.events():
        if ownership is not None and ownership.frozen():
            await ownership.settle()
            if not ownership.owns(event):
                log.info("skipping %s@%d: its partition moved while this worker was frozen",
                         event.message.topic, event.message.offset)
                continue
        if order is not None and not order.takes(event.message):
            continue
        try:
            await handle(event)
        except EXPECTED as exc:
            await dead.send(event, exc)
        except Exception as exc:
            log.exception("unexpected failure on %s@%d", event.message.topic, event.message.offset)
            await dead.send(event, exc)


async def send(topic: TopicT, *messages: Keyed, exclude_none: bool = False) -> None:
    """Put `messages` on `topic` in order, each keyed by the id it is about (`message.key`) and written
    as JSON, without its null fields if `exclude_none`. Raises what Faust's producer raises."""
    for message in messages:
        await topic.send(key=message.key.encode(), value=message.model_dump_json(exclude_none=exclude_none).encode())


class Snapshots(Generic[M]):
    """A Faust table of JSON snapshots keyed by id; its changelog is the public state topic."""

    def __init__(self, table, model: type[M]) -> None:
        self.table = table
        self.model = model
        self._decoded: dict[str, tuple[bytes, M]] = {}
        """The model last read or written per key, reused while the table holds the same bytes."""

    def get(self, key: str) -> M | None:
        raw = self.table.get(key.encode())
        return None if raw is None else self._model(key, raw)

    def _model(self, key: str, raw: bytes) -> M:
        known = self._decoded.get(key)
        if known is not None and known[0] is raw:
            return known[1]
        value = self.model.model_validate_json(raw)
        self._decoded[key] = (raw, value)
        return value

    def put(self, key: str, value: M) -> None:
        raw = value.model_dump_json(exclude_none=True).encode()
        self.table[key.encode()] = raw
        self._decoded[key] = (raw, value)

    def save(self, key: str, current: M | None, new: M | None) -> bool:
        """Record what a rule decided of the snapshot `current` under `key`: `new` is put if it differs,
        and the snapshot deleted if the rule forgot it (None). Returns whether `new` was put."""
        if new is None:
            if current is not None:
                self.delete(key)
            return False
        if new == current:
            return False
        self.put(key, new)
        return True

    def delete(self, key: str) -> None:
        """Removes the snapshot; a tombstone on the state topic removes it from every view."""
        self.table.pop(key.encode(), None)
        self._decoded.pop(key, None)

    def items(self):
        """Every snapshot, each parsed once while its bytes stay the same: the timers that scan
        them all every minute would otherwise parse every referral again, stalling the agents."""
        for key, raw in list(self.table.items()):
            if raw is not None:
                name = key.decode()
                yield name, self._model(name, raw)


def state_table(app, settings, name: str, spec):
    """A table whose changelog is the public, compacted state topic `spec`."""
    partitions = spec.partitions(settings)
    return app.Table(
        name,
        partitions=partitions,
        changelog_topic=app.topic(settings.topic(spec.name), partitions=partitions, compacting=True),
    )
