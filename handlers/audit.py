"""The audit trail: who did, or read, what and when. Append-only on the `audit` topic (v1)."""
from __future__ import annotations

import bisect
from collections import defaultdict
from datetime import datetime
from typing import Literal

from pydantic import Field

from handlers.common import Id, KeyedById, Message, Timestamp


class AuditRecord(Message, KeyedById):
    """One accepted command, or one read of a caller's referral; never the caller's details."""

    type: Literal["AuditRecord"] = "AuditRecord"
    id: str = Field(max_length=64)
    at: Timestamp
    sub: str = Field(max_length=128)
    role: str = Field(max_length=32)
    partner_id: Id | None = None
    action: str = Field(max_length=64)
    target: str = Field(max_length=300)


class AuditTrail:
    """The newest `keep` audit records, newest first by (at, id), indexed by target and by actor.

    Every command adds a record and an administrator pages through them: sorting the whole trail
    on each read blocked the API's event loop for longer as an event went on, and an ice storm's
    trail has no end, so the API holds a window of the newest and the `audit` topic holds them all.
    Records may arrive out of time order (partitions interleave) and more than once (replays)."""

    def __init__(self, keep: int) -> None:
        self.keep = keep
        self._records: dict[str, AuditRecord] = {}
        self._order: list[tuple[datetime, str]] = []
        self._by_target: dict[str, list[tuple[datetime, str]]] = defaultdict(list)
        self._by_sub: dict[str, list[tuple[datetime, str]]] = defaultdict(list)

    def __len__(self) -> int:
        return len(self._records)

    def add(self, record: AuditRecord) -> None:
        if record.id in self._records:
            return
        if len(self._records) >= self.keep and (record.at, record.id) < self._order[0]:
            return  # older than the whole window
        self._records[record.id] = record
        entry = (record.at, record.id)
        for ordered in (self._order, self._by_target[record.target], self._by_sub[record.sub]):
            bisect.insort(ordered, entry)  # mostly appends: records come roughly in time order
        if len(self._records) > self.keep + max(1, self.keep // 10):
            self._forget_oldest()

    def newest(self, target: str | None = None, sub: str | None = None, offset: int = 0,
               limit: int = 200) -> list[AuditRecord]:
        """Records about `target` and by `sub` (either may be None: any), newest first."""
        if target is not None:
            ordered = self._by_target.get(target, [])
        elif sub is not None:
            ordered = self._by_sub.get(sub, [])
        else:
            ordered = self._order
        found: list[AuditRecord] = []
        for _, record_id in reversed(ordered):
            record = self._records[record_id]
            if sub is not None and record.sub != sub:
                continue
            if offset:
                offset -= 1
                continue
            found.append(record)
            if len(found) >= limit:
                break
        return found

    def _forget_oldest(self) -> None:
        """Drop down to `keep` in one pass: evicting one at a time would shift every list each time."""
        cut = len(self._order) - self.keep
        for _, record_id in self._order[:cut]:
            del self._records[record_id]
        self._order = self._order[cut:]
        for index in (self._by_target, self._by_sub):
            for name in list(index):
                kept = [entry for entry in index[name] if entry[1] in self._records]
                if kept:
                    index[name] = kept
                else:
                    del index[name]
