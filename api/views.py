"""The API's read side: every state topic folded into memory, rebuilt from Kafka on start.

Replicas each keep their own copy, so the API scales apart from the workers. Requests that want
the outcome of a command wait here for the snapshot that shows it (`wait_for`); dashboards
subscribe to changes (server-sent events).
"""
from __future__ import annotations

import asyncio
import logging
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from pydantic import BaseModel

from bus.tail import Tail
from bus.topics import TopicSpec
from core.settings import Settings

log = logging.getLogger(__name__)

R = TypeVar("R", bound=BaseModel)
Listener = Callable[[str, R | None, R | None], None]
"""`listener(key, old, new)`: a record's change, None where there was none or it was deleted."""


@dataclass
class _Followed:
    """How one topic's records reach the views: see `Views.follow`."""
    spec: TopicSpec[BaseModel]
    model: type[BaseModel]
    keep: bool
    bulk: bool
    broadcast: bool
    listener: Listener[Any] | None


class Views:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._followed: dict[str, _Followed] = {}
        """By full topic name, as records arrive."""
        self.tables: dict[str, dict[str, BaseModel]] = {}
        """Each kept topic's records by key, by TopicSpec name: read them through `get` and `all`."""
        self.records_read: Counter[str] = Counter()
        """Records read per topic (by TopicSpec name), tombstones included: for /metrics."""
        self._waiters: dict[tuple[str, str], list[tuple[Callable[[Any], bool], asyncio.Future[Any]]]] = \
            defaultdict(list)
        self._subscribers: set[asyncio.Queue[dict[str, Any]]] = set()
        self._tail: Tail | None = None

    def follow(self, spec: TopicSpec[R], model: type[R], listener: Listener[R] | None = None,
               keep: bool = True, bulk: bool = False, broadcast: bool = True) -> None:
        """Keep `spec`'s records as `model`s by key; `listener(key, old, new)` sees each change.

        With `keep=False` records are only counted and passed to the listener (old is None): nothing
        is stored, waited for or sent to event subscribers (e.g. dead letters, for /metrics).
        With `bulk=True` they may arrive half a second late, read in batches: for logs no request
        waits on (see `Tail`). With `broadcast=False` changes are not sent to event subscribers:
        for views no dashboard may see, which would be encoded for each change only to be dropped."""
        topic = self.settings.topic(spec.name)
        if topic in self._followed:
            raise ValueError(f"{spec.name} is followed already")
        self._followed[topic] = _Followed(spec, model, keep, bulk, broadcast, listener)
        if keep:
            self.tables[spec.name] = {}

    def get(self, spec: TopicSpec[R], key: str) -> R | None:
        """The record kept under `key`, as the model `follow` was given for `spec`; None if none."""
        return cast("R | None", self.tables[spec.name].get(key))

    def all(self, spec: TopicSpec[R]) -> dict[str, R]:
        """Every record kept for `spec`, by key (the live table: do not change it)."""
        return cast("dict[str, R]", self.tables[spec.name])

    @property
    def ready(self) -> bool:
        return self._tail is not None and self._tail.ready.is_set()

    async def start(self) -> None:
        bulk = [topic for topic, followed in self._followed.items() if followed.bulk]
        self._tail = Tail(self.settings, list(self._followed), self.on_record, bulk)
        await self._tail.start()

    async def wait_ready(self, timeout: float) -> bool:
        if self._tail is None:
            return False
        try:
            await asyncio.wait_for(self._tail.ready.wait(), timeout)
        except TimeoutError:
            return False
        return True

    async def stop(self) -> None:
        if self._tail is not None:
            await self._tail.stop()

    def on_record(self, topic: str, key: bytes | None, value: bytes | None) -> None:
        """Apply one record read from `topic` (full topic name) to the views."""
        followed = self._followed[topic]
        name = followed.spec.name
        self.records_read[name] += 1
        if not followed.keep:
            try:
                record = followed.model.model_validate_json(value) if value is not None else None
            except ValueError:
                record = None  # still counted; the listener sees that it could not be read
            if followed.listener is not None:
                followed.listener(key.decode("utf-8", "replace") if key is not None else "", None, record)
            return
        if key is None:
            return
        id_ = key.decode("utf-8", "replace")
        table = self.tables[name]
        old = table.get(id_)
        if value is None:
            table.pop(id_, None)
            new = None
        else:
            new = followed.model.model_validate_json(value)
            table[id_] = new
        if followed.listener is not None:
            followed.listener(id_, old, new)
        self._resolve(name, id_, new)
        if self._subscribers and new is not None and followed.broadcast:
            self._publish({"kind": name, "id": id_, "data": new.model_dump(mode="json", exclude_none=True)})

    def _resolve(self, name: str, key: str, value: BaseModel | None) -> None:
        waiting = self._waiters.get((name, key))
        if not waiting:
            return
        still = []
        for predicate, future in waiting:
            if future.done():
                continue
            if value is not None and predicate(value):
                future.set_result(value)
            else:
                still.append((predicate, future))
        if still:
            self._waiters[(name, key)] = still
        else:
            self._waiters.pop((name, key), None)

    async def wait_for(self, spec: TopicSpec[R], key: str, predicate: Callable[[R], bool], timeout: float) -> R | None:
        """The record once `predicate` holds for it, or None after `timeout` seconds."""
        current = self.get(spec, key)
        if current is not None and predicate(current):
            return current
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._waiters[(spec.name, key)].append((predicate, future))
        try:
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            return None

    def subscribe(self) -> asyncio.Queue[dict[str, Any]]:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=1000)
        self._subscribers.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[dict[str, Any]]) -> None:
        self._subscribers.discard(queue)

    def _publish(self, change: dict[str, Any]) -> None:
        for queue in list(self._subscribers):
            try:
                queue.put_nowait(change)
            except asyncio.QueueFull:
                log.warning("an event subscriber is too slow; dropping a change for it")
