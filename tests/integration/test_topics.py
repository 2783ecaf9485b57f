"""bus.topics.ensure_topics against the real broker: busy and quiet partition counts, and a refusal
to start on topics laid out otherwise."""
from __future__ import annotations

import pytest
from aiokafka.admin import AIOKafkaAdminClient

from bus.topics import INCIDENTS, SHELTERS, TopicLayoutError, ensure_topics

pytestmark = pytest.mark.broker


async def partition_counts(settings, specs) -> dict[str, int]:
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    await admin.start()
    try:
        described = await admin.describe_topics([settings.topic(spec.name) for spec in specs])
        return {t["topic"]: len(t["partitions"]) for t in described}
    finally:
        await admin.close()


async def test_topics_get_their_counts_and_a_process_set_for_other_counts_refuses_to_start(settings_for):
    settings = settings_for(partitions=4, quiet_partitions=2)
    await ensure_topics(settings, (SHELTERS, INCIDENTS))
    await ensure_topics(settings, (SHELTERS, INCIDENTS))
    assert await partition_counts(settings, (SHELTERS, INCIDENTS)) == {
        settings.topic(SHELTERS.name): 4, settings.topic(INCIDENTS.name): 2}
    with pytest.raises(TopicLayoutError, match=f"{settings.topic(INCIDENTS.name)} has 2, expected 4"):
        await ensure_topics(settings_for(partitions=4, quiet_partitions=4), (SHELTERS, INCIDENTS), wait_s=5)
