"""`muster.broker` runs a three-broker KRaft cluster, and Muster's topics on it keep three copies
and acknowledge a write only once two have it."""
from __future__ import annotations

import asyncio
import uuid

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from bus.topics import HOURS, REFERRALS, ensure_topics
from core.settings import Settings

TOPIC_CONFIG = 1
"""DescribeConfigs' source of a value set on the topic itself."""


def admin_call(bootstrap: str, call):
    async def run():
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        await admin.start()
        try:
            return await call(admin)
        finally:
            await admin.close()

    return asyncio.run(run())


def test_three_brokers_form_one_cluster(cluster):
    described = admin_call(cluster.bootstrap, lambda admin: admin.describe_cluster())
    assert sorted(b["node_id"] for b in described["brokers"]) == [1, 2, 3]
    assert described["controller_id"] in (1, 2, 3)
    assert sorted(b["port"] for b in described["brokers"]) == [node.port for node in cluster.nodes]


def test_topics_get_three_replicas_and_need_two_in_sync(cluster):
    settings = Settings(kafka_bootstrap=cluster.bootstrap, topic_prefix=f"t{uuid.uuid4().hex[:10]}.",
                        replication_factor=3, min_insync_replicas=2, partitions=4)
    names = [settings.topic(spec.name) for spec in (HOURS, REFERRALS)]
    asyncio.run(ensure_topics(settings, (HOURS, REFERRALS)))

    described = admin_call(cluster.bootstrap, lambda admin: admin.describe_topics(names))
    for topic in described:
        assert topic["partitions"], topic
        for partition in topic["partitions"]:
            assert sorted(partition["replicas"]) == [1, 2, 3], (topic["topic"], partition)
    configs = admin_call(cluster.bootstrap, lambda admin: admin.describe_configs(
        [ConfigResource(ConfigResourceType.TOPIC, name) for name in names]))
    # Entries are (name, value, read only, source, ...); source 1 is the topic's own setting, which
    # the brokers' default (also 2 on this cluster) would not be.
    found = {resource[3]: {entry[0]: entry[1:4] for entry in resource[4]}
             for response in configs for resource in response.resources}
    assert {name: found[name]["min.insync.replicas"] for name in names} == dict.fromkeys(names, ("2", False, TOPIC_CONFIG))
