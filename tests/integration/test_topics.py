"""bus.topics.ensure_topics against the real broker: busy and quiet partition counts, and a refusal
to start on topics laid out otherwise."""
from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from bus.topics import (
    ALL,
    AUDIT,
    INCIDENTS,
    REFERRAL_STATE,
    REFERRALS,
    SHELTER_STATE,
    SHELTERS,
    TopicLayoutError,
    TopicsNotReady,
    ensure_topics,
    partition_counts,
    topic_configs,
)
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


async def described_configs(settings, specs) -> dict[str, dict[str, str]]:
    """Every config of each topic as the broker describes it, by spec name."""
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    await admin.start()
    try:
        described = await admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, settings.topic(spec.name)) for spec in specs])
    finally:
        await admin.close()
    by_topic = topic_configs(described)
    return {spec.name: by_topic[settings.topic(spec.name)] for spec in specs}


CALLER_TOPICS = (SHELTERS, SHELTER_STATE, REFERRALS, REFERRAL_STATE)


def assert_caller_retention(configs: dict[str, dict[str, str]], retention_ms: int) -> None:
    """Every topic holding caller data lets no record outlive the caller retention: command topics
    expire, referral snapshots expire even if never compacted, shelter snapshots compact old values."""
    for name in ("shelters", "referrals", "referral-state"):
        assert configs[name]["retention.ms"] == str(retention_ms), name
        assert int(configs[name]["segment.ms"]) <= min(retention_ms, 24 * 3600 * 1000), name
    assert configs["referral-state"]["cleanup.policy"] == "compact,delete"
    assert configs["shelter-state"]["cleanup.policy"] == "compact"
    for name in ("shelter-state", "referral-state"):
        assert configs[name]["max.compaction.lag.ms"] == str(retention_ms), name
        assert int(configs[name]["delete.retention.ms"]) <= retention_ms, name


async def test_topics_with_caller_data_expire_on_the_caller_retention_and_the_audit_trail_never(settings_for):
    settings = settings_for(caller_retention_s=3600)
    await ensure_topics(settings, (*CALLER_TOPICS, AUDIT))
    configs = await described_configs(settings, (*CALLER_TOPICS, AUDIT))
    assert_caller_retention(configs, 3_600_000)
    assert configs["audit"]["retention.ms"] == "-1"


async def test_topics_made_before_are_set_to_the_caller_retention_and_audit_to_forever_at_start(settings_for):
    settings = settings_for(topic_prefix=f"{settings_for().topic_prefix}old.", caller_retention_s=7200)
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    await admin.start()
    try:  # as an older Muster made them: shelters and audit on the broker's defaults
        await admin.create_topics([
            NewTopic(settings.topic(spec.name), spec.partitions(settings), 1,
                     topic_configs={"cleanup.policy": "compact", "delete.retention.ms": "7200000"}
                     if spec.compacted else {})
            for spec in (*CALLER_TOPICS, AUDIT)])
    finally:
        await admin.close()
    await until_async(lambda: described_counts(settings, (*CALLER_TOPICS, AUDIT)), what="topics described")
    assert (await described_configs(settings, (AUDIT,)))["audit"]["retention.ms"] != "-1"

    await ensure_topics(settings, (*CALLER_TOPICS, AUDIT))

    async def applied():  # KRaft commits a config change, then each broker applies it
        configs = await described_configs(settings, (*CALLER_TOPICS, AUDIT))
        return configs if configs["audit"]["retention.ms"] == "-1" and configs["shelters"]["retention.ms"] == "7200000" else None

    configs = await until_async(applied, what="the configs set on the existing topics")
    assert_caller_retention(configs, 7_200_000)


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
