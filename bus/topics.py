"""Every Muster topic, in one place: what it carries, how it is keyed, whether it is compacted.

Command topics carry requests keyed by the id of the thing that decides them (single writer per
key). State topics are compacted snapshots keyed by id: workers write them as their table
changelogs and every reader (API replicas, directories in each worker) rebuilds views from them.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from bus.clients import client_options
from muster.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TopicSpec:
    name: str
    doc: str
    compacted: bool = False


INCIDENTS = TopicSpec("incidents", "incident commands, keyed by incident id")
INCIDENT_STATE = TopicSpec("incident-state", "Incident snapshots, keyed by incident id", True)
ALERTS = TopicSpec("alerts", "PartnerAlerted facts, keyed by incident id")
SHELTERS = TopicSpec("shelters", "shelter commands (upsert, hold, confirm, release), keyed by shelter id")
SHELTER_STATE = TopicSpec("shelter-state", "Shelter snapshots, keyed by shelter id", True)
REFERRALS = TopicSpec("referrals", "referral commands and hold replies, keyed by referral id")
REFERRAL_STATE = TopicSpec("referral-state", "Referral snapshots, keyed by referral id", True)
PARTNERS = TopicSpec("partners", "partner commands (upsert, claim, release), keyed by partner id")
PARTNER_STATE = TopicSpec("partner-state", "Partner snapshots, keyed by partner id", True)
REQUESTS = TopicSpec("resource-requests", "resource request commands and claim replies, keyed by request id")
REQUEST_STATE = TopicSpec("request-state", "ResourceRequest snapshots, keyed by request id", True)
HOURS = TopicSpec("volunteer-hours", "LogHours commands, keyed by entry id")
HOURS_LOG = TopicSpec("hours-log", "accepted HoursLogged entries, keyed by entry id", True)
DEAD_LETTERS = TopicSpec("dead-letters", "DeadLetter records: what failed, why, and its source offset")

ALL: tuple[TopicSpec, ...] = (
    INCIDENTS, INCIDENT_STATE, ALERTS, SHELTERS, SHELTER_STATE, REFERRALS, REFERRAL_STATE,
    PARTNERS, PARTNER_STATE, REQUESTS, REQUEST_STATE, HOURS, HOURS_LOG, DEAD_LETTERS,
)


async def ensure_topics(settings: Settings, specs: tuple[TopicSpec, ...] = ALL, wait_s: float = 60) -> None:
    """Create any missing topic; safe to call from every process at start."""
    deadline = asyncio.get_running_loop().time() + wait_s
    while True:
        admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap, **client_options(settings))
        try:
            await admin.start()
            existing = set(await admin.list_topics())
            missing = [
                NewTopic(
                    name=settings.topic(spec.name),
                    num_partitions=settings.partitions,
                    replication_factor=settings.replication_factor,
                    topic_configs={"cleanup.policy": "compact"} if spec.compacted else {},
                )
                for spec in specs
                if settings.topic(spec.name) not in existing
            ]
            if missing:
                try:
                    await admin.create_topics(missing)
                except TopicAlreadyExistsError:
                    pass
                log.info("created %d topics", len(missing))
            return
        except TopicAlreadyExistsError:
            return
        except Exception:
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.5)
        finally:
            await admin.close()
