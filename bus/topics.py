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
    personal: bool = False
    """Holds caller details: kept only as long as `caller_retention_s`."""

    def configs(self, settings: Settings) -> dict[str, str]:
        configs = {"cleanup.policy": "compact"} if self.compacted else {}
        if self.personal:
            retention_ms = str(int(settings.caller_retention_s * 1000))
            configs["retention.ms" if not self.compacted else "delete.retention.ms"] = retention_ms
        return configs


INCIDENTS = TopicSpec("incidents", "incident commands, keyed by incident id")
INCIDENT_STATE = TopicSpec("incident-state", "Incident snapshots, keyed by incident id", True)
ALERTS = TopicSpec("alerts", "PartnerAlerted facts, keyed by incident id")
SHELTERS = TopicSpec("shelters", "shelter commands (upsert, hold, confirm, release), keyed by shelter id")
SHELTER_STATE = TopicSpec("shelter-state", "Shelter snapshots, keyed by shelter id", True)
REFERRALS = TopicSpec("referrals", "referral commands and hold replies, keyed by referral id", personal=True)
REFERRAL_STATE = TopicSpec("referral-state", "Referral snapshots, keyed by referral id", True, personal=True)
PARTNERS = TopicSpec("partners", "partner commands (upsert, claim, release), keyed by partner id")
PARTNER_STATE = TopicSpec("partner-state", "Partner snapshots, keyed by partner id", True)
REQUESTS = TopicSpec("resource-requests", "resource request commands and claim replies, keyed by request id")
REQUEST_STATE = TopicSpec("request-state", "ResourceRequest snapshots, keyed by request id", True)
HOURS = TopicSpec("volunteer-hours", "LogHours commands, keyed by entry id")
HOURS_LOG = TopicSpec("hours-log", "accepted HoursLogged entries, keyed by entry id", True)
DEAD_LETTERS = TopicSpec("dead-letters", "DeadLetter records: what failed, why, and its source offset")
AUDIT = TopicSpec("audit", "AuditRecord entries: who did or read what, when; append-only")

ALL: tuple[TopicSpec, ...] = (
    INCIDENTS, INCIDENT_STATE, ALERTS, SHELTERS, SHELTER_STATE, REFERRALS, REFERRAL_STATE,
    PARTNERS, PARTNER_STATE, REQUESTS, REQUEST_STATE, HOURS, HOURS_LOG, DEAD_LETTERS, AUDIT,
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
                    topic_configs=spec.configs(settings),
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
