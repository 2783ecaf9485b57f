"""Keeps each partition's records processed in offset order, even when Faust lost some on the way.

Faust can lose records between the fetch and the agent: a batch fetched while its flow paused, the
messages its streams skip while paused, the queues it empties on resuming. The delivery guard
(streams/delivery.py) then reads the partition again from the first lost one. The records behind it
that reached the agent first were already applied, and their second copies are skipped as
duplicates by id: the older of two updates to an incident was applied last and won. So an agent
takes a partition's records only in order. One that arrives ahead of the next is passed over,
neither processed nor acked, and the partition is read again from the next; one behind it is a
copy of a record already processed. Offsets of an agent's topic are contiguous (no compaction, no
transactions), and no other agent reads it.
"""
from __future__ import annotations

import logging
import time
import weakref
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

ASK_AGAIN_S = 5.0
"""How long a partition read again from its next record may take to bring it before it is asked
again: the read itself can be lost the same way."""


class PartitionOrder:
    """Per partition of an agent's topic, the offset its agent processes next.

    `read_from(tp, offset)` reads a partition again from an offset and says whether it could (not
    while the flow is paused or the partition is elsewhere); `pass_over(message)` keeps Faust from
    counting a message as processed when its stream moves on."""

    def __init__(self, read_from: Callable[[Any, int], bool], pass_over: Callable[[Any], None],
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._read_from = read_from
        self._pass_over = pass_over
        self._clock = clock
        self._next: dict[Any, int] = {}
        self._asked: dict[Any, tuple[int, float]] = {}

    def reset(self, starts: dict[Any, int]) -> None:
        """After a seek to the committed offsets: the partitions owned now and where each resumes."""
        self._next = dict(starts)
        self._asked.clear()

    def restart(self, tp, offset: int) -> None:
        """The partition is read again from `offset`; what lies after it is processed again."""
        self._next[tp] = offset
        self._asked.pop(tp, None)

    def takes(self, message) -> bool:
        """Whether the agent may process `message` now; if not, it has been passed over."""
        tp, offset = message.tp, message.offset
        expected = self._next.get(tp)
        if expected is None:
            return True
        if offset == expected:
            self._next[tp] = offset + 1
            return True
        self._pass_over(message)
        if offset > expected:
            self._ask(tp, expected, offset)
        return False

    def _ask(self, tp, expected: int, arrived: int) -> None:
        now = self._clock()
        asked = self._asked.get(tp)
        if asked is not None and asked[0] == expected and now - asked[1] < ASK_AGAIN_S:
            return
        if self._read_from(tp, expected):
            self._asked[tp] = (expected, now)
            log.warning("%s[%d]@%d arrived before %d; reading again from %d",
                        tp.topic, tp.partition, arrived, expected, expected)


_orders: "weakref.WeakKeyDictionary[object, PartitionOrder]" = weakref.WeakKeyDictionary()


def keep_in_order(app, order: PartitionOrder) -> None:
    _orders[app] = order


def in_order(app, message) -> bool:
    """Whether an agent of `app` may process `message` now (always, for an app that keeps no order)."""
    order = _orders.get(app)
    return order is None or order.takes(message)
