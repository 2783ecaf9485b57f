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
from core.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TopicSpec:
    name: str
    doc: str
    compacted: bool = False
    personal: bool = False
    """Holds caller details: kept only as long as `caller_retention_s`."""
    busy: bool = False
    """Carries every referral or bed change. Other topics see a few records a minute even in a
    storm: they get `quiet_partitions`, because each partition a worker or view follows costs it
    an encode and decode in every fetch round, whether or not it holds a record."""

    def partitions(self, settings: Settings) -> int:
        """Fixed when the topic is created; a command topic and its state topic always agree, as
        Faust requires of an agent's source and its table's changelog."""
        return settings.partitions if self.busy else min(settings.quiet_partitions, settings.partitions)

    def configs(self, settings: Settings) -> dict[str, str]:
        configs = {"cleanup.policy": "compact"} if self.compacted else {}
        if self.personal:
            retention_ms = str(int(settings.caller_retention_s * 1000))
            configs["retention.ms" if not self.compacted else "delete.retention.ms"] = retention_ms
        return configs


INCIDENTS = TopicSpec("incidents", "incident commands, keyed by incident id")
INCIDENT_STATE = TopicSpec("incident-state", "Incident snapshots, keyed by incident id", True)
ALERTS = TopicSpec("alerts", "PartnerAlerted facts, keyed by incident id")
SHELTERS = TopicSpec("shelters", "shelter commands (upsert, hold, confirm, release), keyed by shelter id",
                     busy=True)
SHELTER_STATE = TopicSpec("shelter-state", "Shelter snapshots, keyed by shelter id", True, busy=True)
REFERRALS = TopicSpec("referrals", "referral commands and hold replies, keyed by referral id", personal=True,
                      busy=True)
REFERRAL_STATE = TopicSpec("referral-state", "Referral snapshots, keyed by referral id", True, personal=True,
                           busy=True)
PARTNERS = TopicSpec("partners", "partner commands (upsert, claim, release), keyed by partner id")
PARTNER_STATE = TopicSpec("partner-state", "Partner snapshots, keyed by partner id", True)
REQUESTS = TopicSpec("resource-requests", "resource request commands and claim replies, keyed by request id")
REQUEST_STATE = TopicSpec("request-state", "ResourceRequest snapshots, keyed by request id", True)
SERVICES = TopicSpec("services", "service site commands (upsert, status), keyed by service site id")
SERVICE_STATE = TopicSpec("service-state", "ServiceSite snapshots, keyed by service site id", True)
HOURS = TopicSpec("volunteer-hours", "LogHours commands, keyed by entry id")
HOURS_LOG = TopicSpec("hours-log", "accepted HoursLogged entries, keyed by entry id", True)
DEAD_LETTERS = TopicSpec("dead-letters", "DeadLetter records: what failed, why, and its source offset")
AUDIT = TopicSpec("audit", "AuditRecord entries: who did or read what, when; append-only", busy=True)
REVOCATIONS = TopicSpec("revocations", "SubjectRevoked, keyed by token subject: the newest counts", True)

ALL: tuple[TopicSpec, ...] = (
    INCIDENTS, INCIDENT_STATE, ALERTS, SHELTERS, SHELTER_STATE, REFERRALS, REFERRAL_STATE,
    PARTNERS, PARTNER_STATE, REQUESTS, REQUEST_STATE, SERVICES, SERVICE_STATE, HOURS, HOURS_LOG, DEAD_LETTERS,
    AUDIT, REVOCATIONS,
)


class TopicLayoutError(Exception):
    """Existing topics have other partition counts than the settings give: keys would land on
    other partitions than the state written before, and an agent's table would not match its
    source, so no process should start on them."""


async def ensure_topics(settings: Settings, specs: tuple[TopicSpec, ...] = ALL, wait_s: float | None = None) -> None:
    """Create any missing topic and check the partition counts of those already there; safe to
    call from every process at start. Asks again until Kafka answers, for `wait_s` seconds
    (MUSTER_KAFKA_WAIT_S unless given), then raises what it last met."""
    deadline = asyncio.get_running_loop().time() + (settings.kafka_wait_s if wait_s is None else wait_s)
    while True:
        admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap, **client_options(settings))
        try:
            await admin.start()
            existing = set(await admin.list_topics())
            present = [settings.topic(spec.name) for spec in specs if settings.topic(spec.name) in existing]
            if present:
                check_layout(settings, specs, partition_counts(await admin.describe_topics(present)))
            missing = [
                NewTopic(
                    name=settings.topic(spec.name),
                    num_partitions=spec.partitions(settings),
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
        except TopicLayoutError:
            raise
        except Exception:
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.5)
        finally:
            await admin.close()


class TopicsNotReady(Exception):
    """A topic another process has just created is listed before the broker can describe it."""


def partition_counts(described: list[dict]) -> dict[str, int]:
    """Partitions per topic from the admin client's descriptions; raises TopicsNotReady (asked
    again until ensure_topics' deadline) for a topic described with an error and no partitions,
    rather than taking it for one with 0."""
    unready = [t["topic"] for t in described if t["error_code"]]
    if unready:
        raise TopicsNotReady(f"not yet described by the broker: {', '.join(unready)}")
    return {t["topic"]: len(t["partitions"]) for t in described}


def check_layout(settings: Settings, specs: tuple[TopicSpec, ...], counts: dict[str, int]) -> None:
    """Raise TopicLayoutError naming every topic in `counts` whose partitions differ from its spec's."""
    wrong = []
    for spec in specs:
        name, expected = settings.topic(spec.name), spec.partitions(settings)
        if counts.get(name, expected) != expected:
            setting = "MUSTER_PARTITIONS" if spec.busy else "MUSTER_QUIET_PARTITIONS"
            wrong.append(f"{name} has {counts[name]}, expected {expected} ({setting})")
    if wrong:
        raise TopicLayoutError(
            "existing topics have other partition counts than the settings give: " + "; ".join(wrong)
            + ". Set MUSTER_PARTITIONS and MUSTER_QUIET_PARTITIONS to match them, or start on new topics"
            " (another MUSTER_TOPIC_PREFIX), replaying what they must hold.")
