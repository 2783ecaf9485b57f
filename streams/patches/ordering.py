"""The partition order: an agent takes each partition's records in offset order, and only so.

Contract: per partition of an agent's topic, `PartitionOrder` knows the offset its agent processes
next. A record at that offset is taken; one ahead of it is passed over (neither processed nor
acked) and the partition is read again from the expected offset, at most once per `ASK_AGAIN_S`;
one behind it is a copy of a record already processed and is passed over. It relies on offsets of
an agent's topic being contiguous (no compaction, no transactions) and on no other agent reading
that topic. Why: docs/adr/0002-partition-order.md.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable

from faust.types import TP, Message

log = logging.getLogger(__name__)

ASK_AGAIN_S = 5.0
"""How long a partition read again from its next record may take to bring it before it is asked
again: the read itself can be lost the same way."""


class PartitionOrder:
    """Per partition of an agent's topic, the offset its agent processes next.

    `read_from(tp, offset)` reads a partition again from an offset and says whether it could (not
    while the flow is paused or the partition is elsewhere); `pass_over(message)` keeps Faust from
    counting a message as processed when its stream moves on."""

    def __init__(self, read_from: Callable[[TP, int], bool], pass_over: Callable[[Message], None],
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._read_from = read_from
        self._pass_over = pass_over
        self._clock = clock
        self._next: dict[TP, int] = {}
        self._asked: dict[TP, tuple[int, float]] = {}

    def reset(self, starts: dict[TP, int]) -> None:
        """After a seek to the committed offsets: the partitions owned now and where each resumes."""
        self._next = dict(starts)
        self._asked.clear()

    def restart(self, tp: TP, offset: int) -> None:
        """The partition is read again from `offset`; what lies after it is processed again."""
        self._next[tp] = offset
        self._asked.pop(tp, None)

    def takes(self, message: Message) -> bool:
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

    def _ask(self, tp: TP, expected: int, arrived: int) -> None:
        now = self._clock()
        asked = self._asked.get(tp)
        if asked is not None and asked[0] == expected and now - asked[1] < ASK_AGAIN_S:
            return
        if self._read_from(tp, expected):
            self._asked[tp] = (expected, now)
            log.warning("%s[%d]@%d arrived before %d; reading again from %d",
                        tp.topic, tp.partition, arrived, expected, expected)
