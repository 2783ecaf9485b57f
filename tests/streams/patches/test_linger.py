"""A worker's producer lingers while the worker writes fast, and sends at once while it is quiet."""
from __future__ import annotations

import asyncio

import pytest
from aiokafka import AIOKafkaProducer

from core.settings import Settings
from streams.app import create_app
from streams.patches import linger as lingering
from streams.patches.linger import BusyLinger, keep_adjusting


def test_the_first_reading_decides_nothing_and_later_ones_compare_the_rate_with_the_threshold():
    linger = BusyLinger(linger_ms=3, busy_records_per_s=1000)
    assert linger.linger_after(10.0, 0) is None
    assert linger.linger_after(10.5, 500) == 0.003  # 1,000 records/s: busy
    assert linger.linger_after(11.0, 990) == 0.0  # 980 records/s
    assert linger.linger_after(11.0, 1500) is None  # no time has passed: no rate
    assert linger.linger_after(12.0, 6000) == 0.003


async def test_aiokafka_keeps_its_linger_in_seconds_where_the_worker_sets_it():
    producer = AIOKafkaProducer(bootstrap_servers="127.0.0.1:1", linger_ms=7)
    try:
        assert producer._message_accumulator._linger_time == 0.007
    finally:
        await producer.stop()


async def test_the_workers_producer_lingers_while_records_pour_out_and_stops_when_they_do_not(tmp_path, monkeypatch):
    monkeypatch.setattr(lingering, "TICK_S", 0.01)
    app = create_app(Settings(data_dir=tmp_path, kafka_bootstrap="127.0.0.1:1"))
    app.producer._producer = AIOKafkaProducer(bootstrap_servers="127.0.0.1:1", linger_ms=0)
    accumulator = app.producer._producer._message_accumulator
    task = asyncio.ensure_future(keep_adjusting(app, BusyLinger(linger_ms=4, busy_records_per_s=1000)))

    async def until(linger_s: float, busy: bool) -> None:
        deadline = asyncio.get_running_loop().time() + 5
        while accumulator._linger_time != linger_s:
            assert asyncio.get_running_loop().time() < deadline, f"linger stayed {accumulator._linger_time}"
            if busy:
                app.monitor.messages_sent += 500  # 500 records every 5 ms: 100,000 a second
            await asyncio.sleep(0.005)

    try:
        await until(0.004, busy=True)
        await until(0.0, busy=False)
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await app.producer._producer.stop()
