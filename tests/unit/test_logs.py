"""Kafka reconnect storms do not bury the logs."""
from __future__ import annotations

import logging

from muster.logs import RepeatFilter


def record(name: str, msg: str) -> logging.LogRecord:
    return logging.LogRecord(name, logging.ERROR, __file__, 1, msg, None, None)


def test_a_repeated_kafka_error_is_let_through_once_per_window_then_counted():
    clock = iter([0.0, 1.0, 2.0, 11.0])
    quiet = RepeatFilter(every_s=10, clock=lambda: next(clock))
    records = [record("aiokafka", "Unable connect") for _ in range(4)]
    assert [quiet.filter(r) for r in records] == [True, False, False, True]
    assert "2 more like it" in records[-1].msg


def test_muster_messages_are_never_held_back():
    quiet = RepeatFilter(every_s=10)
    assert all(quiet.filter(record("streams.runtime", "dead letter")) for _ in range(5))
