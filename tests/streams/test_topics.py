"""Busy topics get MUSTER_PARTITIONS, quiet ones fewer, and every agent's table matches its source."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bus import topics
from core.settings import Settings
from streams.worker import build_worker

BUSY = {"shelters", "shelter-state", "referrals", "referral-state", "audit"}


def test_busy_topics_get_the_partition_count_and_the_others_the_quiet_count():
    settings = Settings(partitions=8, quiet_partitions=2)
    counts = {spec.name: spec.partitions(settings) for spec in topics.ALL}
    assert {name for name, n in counts.items() if n == 8} == BUSY
    assert all(n == 2 for name, n in counts.items() if name not in BUSY)


def test_quiet_topics_never_get_more_partitions_than_busy_ones():
    settings = Settings(partitions=1, quiet_partitions=2)
    assert {spec.partitions(settings) for spec in topics.ALL} == {1}


STATE_OF = {topics.INCIDENTS: topics.INCIDENT_STATE, topics.SHELTERS: topics.SHELTER_STATE,
            topics.REFERRALS: topics.REFERRAL_STATE, topics.PARTNERS: topics.PARTNER_STATE,
            topics.REQUESTS: topics.REQUEST_STATE, topics.SERVICES: topics.SERVICE_STATE}
"""Each agent that keeps a table, and the state topic that is the table's changelog."""


@pytest.mark.parametrize("partitions, quiet", [(8, 2), (4, 4), (3, 1)])
def test_each_agents_table_has_as_many_partitions_as_the_topic_it_reads(tmp_path, partitions, quiet):
    """Faust refuses events whose source topic and table changelog differ in partition count."""
    settings = Settings(partitions=partitions, quiet_partitions=quiet, data_dir=tmp_path, topic_prefix="t.")
    app = build_worker(settings, lambda: datetime.now(UTC))
    sources = {topic for agent in app.agents.values() for topic in agent.channel.topics}
    changelogs = {table.changelog_topic.get_topic_name(): table for table in app.tables.values()}
    assert set(changelogs) == {settings.topic(state.name) for state in STATE_OF.values()}
    for command, state in STATE_OF.items():
        assert settings.topic(command.name) in sources
        table = changelogs[settings.topic(state.name)]
        assert table.partitions == state.partitions(settings) == command.partitions(settings), state.name


def test_topics_left_with_other_partition_counts_are_refused_with_what_to_set():
    settings = Settings(partitions=8, quiet_partitions=2, topic_prefix="t.")
    expected = {settings.topic(spec.name): spec.partitions(settings) for spec in topics.ALL}
    topics.check_layout(settings, topics.ALL, expected)
    topics.check_layout(settings, topics.ALL, {})
    with pytest.raises(topics.TopicLayoutError) as refused:
        topics.check_layout(settings, topics.ALL, {**expected, "t.incidents": 8, "t.other": 3})
    assert "t.incidents has 8, expected 2 (MUSTER_QUIET_PARTITIONS)" in str(refused.value)
    assert "t.shelters" not in str(refused.value)


def test_a_topic_just_created_elsewhere_is_asked_again_not_taken_for_one_with_no_partitions():
    ready = {"topic": "t.shelters", "error_code": 0, "partitions": [{}, {}]}
    assert topics.partition_counts([ready]) == {"t.shelters": 2}
    with pytest.raises(topics.TopicsNotReady, match="t.incidents"):
        topics.partition_counts([ready, {"topic": "t.incidents", "error_code": 3, "partitions": []}])
