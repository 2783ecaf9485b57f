"""The API's audit window without Kafka: newest first, filtered, replay-safe, bounded."""
from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings, strategies as st

from handlers.audit import AuditRecord, AuditTrail

START = datetime(2025, 3, 31, 12, 0, tzinfo=UTC)


def record(n: int, sub: str = "nav-1", target: str = "referrals/r-1", seconds: int | None = None) -> AuditRecord:
    return AuditRecord(id=f"a{n:05d}", at=START + timedelta(seconds=n if seconds is None else seconds), sub=sub,
                       role="navigator", action="ReadReferral", target=target)


def sorted_newest(records: list[AuditRecord]) -> list[AuditRecord]:
    return sorted(records, key=lambda r: (r.at, r.id), reverse=True)


def test_records_arriving_out_of_time_order_are_listed_newest_first():
    trail = AuditTrail(keep=1000)
    records = [record(n) for n in range(50)]
    shuffled = records[:]
    random.Random(3).shuffle(shuffled)
    for r in shuffled:
        trail.add(r)

    assert trail.newest(limit=1000) == sorted_newest(records)
    assert trail.newest(offset=10, limit=5) == sorted_newest(records)[10:15]


def test_a_replayed_record_is_listed_once():
    trail = AuditTrail(keep=1000)
    for r in [record(1), record(2), record(1)]:
        trail.add(r)

    assert [r.id for r in trail.newest()] == ["a00002", "a00001"]


def test_filters_by_target_and_by_actor_together():
    trail = AuditTrail(keep=1000)
    records = [record(n, sub=f"nav-{n % 3}", target=f"referrals/r-{n % 4}") for n in range(60)]
    for r in records:
        trail.add(r)

    both = trail.newest(target="referrals/r-1", sub="nav-2", limit=1000)
    assert both == sorted_newest([r for r in records if r.target == "referrals/r-1" and r.sub == "nav-2"])
    assert trail.newest(sub="nav-0", limit=3) == sorted_newest([r for r in records if r.sub == "nav-0"])[:3]
    assert trail.newest(target="referrals/nobody") == []


def test_the_window_keeps_the_newest_and_forgets_the_rest_everywhere():
    trail = AuditTrail(keep=100)
    records = [record(n, sub="old" if n < 50 else "new", target=f"t/{n % 2}") for n in range(300)]
    for r in records:
        trail.add(r)

    assert 100 <= len(trail) <= 110
    kept = trail.newest(limit=1000)
    assert kept == sorted_newest(records)[:len(kept)]
    assert trail.newest(sub="old") == []
    assert all(r.target == "t/1" for r in trail.newest(target="t/1", limit=1000))
    trail.add(record(0))  # a replay of a record long since out of the window
    assert trail.newest(limit=1000) == kept


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 40), st.sampled_from(["a", "b"]), st.sampled_from(["x", "y"])),
                max_size=120),
       st.integers(10, 30), st.integers(0, 20), st.integers(1, 15))
def test_any_arrival_order_lists_what_a_sort_of_the_newest_window_would(events, keep, offset, limit):
    trail = AuditTrail(keep=keep)
    seen: dict[str, AuditRecord] = {}
    for n, (second, sub, target) in enumerate(events):
        r = record(n % 50, sub=sub, target=target, seconds=second)
        seen.setdefault(r.id, r)
        trail.add(seen[r.id])

    newest = sorted_newest(list(seen.values()))
    held = trail.newest(offset=0, limit=10_000)
    assert held == newest[:len(held)]
    assert len(held) >= min(keep, len(newest))
    for sub in ("a", "b", None):
        expected = [r for r in held if sub is None or r.sub == sub]
        assert trail.newest(sub=sub, offset=offset, limit=limit) == expected[offset:offset + limit]
