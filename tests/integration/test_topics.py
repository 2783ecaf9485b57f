"""bus.topics.ensure_topics against the real broker: busy and quiet partition counts, and a refusal
to start on topics laid out otherwise."""
from __future__ import annotations

import pytest
from aiokafka.admin import AIOKafkaAdminClient

from bus.topics import INCIDENTS, SHELTERS, TopicLayoutError, TopicsNotReady, ensure_topics, partition_counts
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
