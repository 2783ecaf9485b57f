"""The baseline: a bare aiokafka consumer-group member that produces every record it reads to
another topic, unchanged (same key, same value). It is the ceiling for Muster's pipeline and, with
requests on one topic and replies on another, the echo server of the round-trip baseline.

    python -m bench.passthrough --bootstrap HOST:PORT --source IN --target OUT --group G
"""
from __future__ import annotations

import argparse
import asyncio
import signal

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer


async def run(bootstrap: str, source: str, target: str, group: str) -> None:
    # The same client settings as Muster's workers: acks=all, no linger, commit every second.
    consumer = AIOKafkaConsumer(
        source, bootstrap_servers=bootstrap, group_id=group, auto_offset_reset="earliest",
        enable_auto_commit=True, auto_commit_interval_ms=1000, session_timeout_ms=30000,
        heartbeat_interval_ms=3000, max_poll_records=4096,
    )
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=0)
    await producer.start()
    await consumer.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        while not stop.is_set():
            batches = await consumer.getmany(timeout_ms=100, max_records=4096)
            for records in batches.values():
                for record in records:
                    await producer.send(target, key=record.key, value=record.value)
    finally:
        await consumer.stop()
        await producer.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--source", required=True)
    parser.add_argument("--target", required=True)
    parser.add_argument("--group", required=True)
    args = parser.parse_args()
    asyncio.run(run(args.bootstrap, args.source, args.target, args.group))


if __name__ == "__main__":
    main()
