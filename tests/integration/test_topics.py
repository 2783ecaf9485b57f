"""bus.topics.ensure_topics against the real broker: busy and quiet partition counts, and a refusal
to start on topics laid out otherwise."""
from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import pytest
from aiokafka.admin import AIOKafkaAdminClient

from bus.topics import ALL, INCIDENTS, SHELTERS, TopicLayoutError, TopicsNotReady, ensure_topics, partition_counts
from tests.support.poll import until_async

pytestmark = pytest.mark.broker


async def described_counts(settings, specs) -> dict[str, int] | None:
    """Partitions per topic as the broker describes them, or None while one is not yet described."""
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    await admin.start()
    try:
        return partition_counts(await admin.describe_topics([settings.topic(spec.name) for spec in specs]))
    except TopicsNotReady:
        return None
    finally:
        await admin.close()


async def test_topics_get_their_counts_and_a_process_set_for_other_counts_refuses_to_start(settings_for):
    settings = settings_for(partitions=4, quiet_partitions=2)
    await ensure_topics(settings, (SHELTERS, INCIDENTS))
    await ensure_topics(settings, (SHELTERS, INCIDENTS))
    counts = await until_async(lambda: described_counts(settings, (SHELTERS, INCIDENTS)), what="topics described")
    assert counts == {
        settings.topic(SHELTERS.name): 4, settings.topic(INCIDENTS.name): 2}
    with pytest.raises(TopicLayoutError, match=f"{settings.topic(INCIDENTS.name)} has 2, expected 4"):
        await ensure_topics(settings_for(partitions=4, quiet_partitions=4), (SHELTERS, INCIDENTS), wait_s=5)


@pytest.mark.parametrize("command", ["api", "worker"])
async def test_the_api_and_a_worker_on_topics_laid_out_otherwise_exit_with_what_to_set(settings_for, muster_env,
                                                                                      command):
    settings = settings_for(topic_prefix=f"{muster_env['MUSTER_TOPIC_PREFIX']}{command}.", quiet_partitions=2)
    await ensure_topics(settings)
    await until_async(lambda: described_counts(settings, ALL), what="topics described")
    env = {**os.environ, **muster_env, "MUSTER_TOPIC_PREFIX": settings.topic_prefix, "MUSTER_QUIET_PARTITIONS": "1"}
    refused = await asyncio.to_thread(subprocess.run, [sys.executable, "-m", "muster.cli", command], env=env,
                                      capture_output=True, text=True, timeout=120)
    assert refused.returncode == 2, refused.stderr[-2000:]
    assert f"{settings.topic(INCIDENTS.name)} has 2, expected 1 (MUSTER_QUIET_PARTITIONS)" in refused.stdout
    assert "Traceback" not in refused.stdout + refused.stderr
