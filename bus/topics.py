"""Every Muster topic, in one place: what it carries, how it is keyed, whether it is compacted.

Command topics carry requests keyed by the id of the thing that decides them (single writer per
key). State topics are compacted snapshots keyed by id: workers write them as their table
changelogs and every reader (API replicas, directories in each worker) rebuilds views from them.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import TopicAlreadyExistsError

from bus.clients import client_options
from core.settings import Settings

if TYPE_CHECKING:
    from handlers.audit import AuditRecord
    from handlers.common import DeadLetter
    from handlers.hours import HoursLogged, LogHours
    from handlers.incidents import Incident, IncidentCommand, PartnerAlerted
    from handlers.partners import Partner, PartnerCommand
    from handlers.referrals import Referral, ReferralMessage
    from handlers.requests import RequestMessage, ResourceRequest
    from handlers.revocations import SubjectRevoked
    from handlers.services import ServiceCommand, ServiceSite
    from handlers.shelters import Shelter, ShelterCommand

log = logging.getLogger(__name__)

R = TypeVar("R", covariant=True)
DAY_MS = 24 * 3600 * 1000


@dataclass(frozen=True)
class TopicSpec(Generic[R]):
    """A topic and how it is kept. `R`, the type of the records it carries, is for the type
    checker: views read a state topic's records as that type (`api.views.Views.get`)."""

    name: str
    doc: str
    compacted: bool = False
    personal: bool = False
    """Holds caller details (a referral's id, household size, needs): no record outlives
    `caller_retention_s` by more than a day. A command topic keeps records that long; a compacted
    topic also drops every value older than that (cleanup compact,delete) unless `keeps_sites`."""
    keeps_sites: bool = False
    """A compacted personal topic whose newest values are shelters (their holds name referrals):
    they stay, but an older value is compacted away within `caller_retention_s`."""
    forever: bool = False
    """Kept whole, however old (retention.ms=-1): the audit trail."""
    busy: bool = False
    """Carries every referral or bed change. Other topics see a few records a minute even in a
    storm: they get `quiet_partitions`, because each partition a worker or view follows costs it
    an encode and decode in every fetch round, whether or not it holds a record."""

    def partitions(self, settings: Settings) -> int:
        """Fixed when the topic is created; a command topic and its state topic always agree, as
        Faust requires of an agent's source and its table's changelog."""
        return settings.partitions if self.busy else min(settings.quiet_partitions, settings.partitions)

    def configs(self, settings: Settings) -> dict[str, str]:
        """The topic configs Muster sets (others keep the broker's defaults). Kafka deletes or
        compacts only closed segments, so a personal topic rolls a segment at least daily: a record
        is gone within the retention plus at most a day (and the broker's check interval)."""
        configs = {"cleanup.policy": "compact"} if self.compacted else {}
        if self.personal:
            retention_ms = int(settings.caller_retention_s * 1000)
            configs["segment.ms"] = str(min(retention_ms, DAY_MS))
            if not self.compacted:
                configs["retention.ms"] = str(retention_ms)
            else:
                configs["max.compaction.lag.ms"] = str(retention_ms)
                configs["delete.retention.ms"] = str(min(retention_ms, DAY_MS))
                if not self.keeps_sites:
                    configs["cleanup.policy"] = "compact,delete"
                    configs["retention.ms"] = str(retention_ms)
        if self.forever:
            configs["retention.ms"] = "-1"
        # With acks=all, a write is acknowledged once this many replicas have it, or refused.
        configs["min.insync.replicas"] = str(settings.min_insync_replicas)
        return configs


INCIDENTS: TopicSpec[IncidentCommand] = TopicSpec("incidents", "incident commands, keyed by incident id")
INCIDENT_STATE: TopicSpec[Incident] = TopicSpec("incident-state", "Incident snapshots, keyed by incident id", True)
ALERTS: TopicSpec[PartnerAlerted] = TopicSpec("alerts", "PartnerAlerted facts, keyed by incident id")
SHELTERS: TopicSpec[ShelterCommand] = TopicSpec(
    "shelters", "shelter commands (upsert, hold, confirm, release), keyed by shelter id", personal=True, busy=True)
SHELTER_STATE: TopicSpec[Shelter] = TopicSpec(
    "shelter-state", "Shelter snapshots, keyed by shelter id", True, personal=True, keeps_sites=True, busy=True)
REFERRALS: TopicSpec[ReferralMessage] = TopicSpec(
    "referrals", "referral commands and hold replies, keyed by referral id", personal=True, busy=True)
REFERRAL_STATE: TopicSpec[Referral] = TopicSpec(
    "referral-state", "Referral snapshots, keyed by referral id", True, personal=True, busy=True)
PARTNERS: TopicSpec[PartnerCommand] = TopicSpec(
    "partners", "partner commands (upsert, claim, release), keyed by partner id")
PARTNER_STATE: TopicSpec[Partner] = TopicSpec("partner-state", "Partner snapshots, keyed by partner id", True)
REQUESTS: TopicSpec[RequestMessage] = TopicSpec(
    "resource-requests", "resource request commands and claim replies, keyed by request id")
REQUEST_STATE: TopicSpec[ResourceRequest] = TopicSpec(
    "request-state", "ResourceRequest snapshots, keyed by request id", True)
SERVICES: TopicSpec[ServiceCommand] = TopicSpec(
    "services", "service site commands (upsert, status), keyed by service site id")
SERVICE_STATE: TopicSpec[ServiceSite] = TopicSpec(
    "service-state", "ServiceSite snapshots, keyed by service site id", True)
HOURS: TopicSpec[LogHours] = TopicSpec("volunteer-hours", "LogHours commands, keyed by entry id")
HOURS_LOG: TopicSpec[HoursLogged] = TopicSpec("hours-log", "accepted HoursLogged entries, keyed by entry id", True)
DEAD_LETTERS: TopicSpec[DeadLetter] = TopicSpec(
    "dead-letters", "DeadLetter records: what failed, why, and its source offset")
AUDIT: TopicSpec[AuditRecord] = TopicSpec(
    "audit", "AuditRecord entries: who did or read what, when; append-only, kept whole", forever=True, busy=True)
REVOCATIONS: TopicSpec[SubjectRevoked] = TopicSpec(
    "revocations", "SubjectRevoked, keyed by token subject: the newest counts", True)

ALL: tuple[TopicSpec[object], ...] = (
    INCIDENTS, INCIDENT_STATE, ALERTS, SHELTERS, SHELTER_STATE, REFERRALS, REFERRAL_STATE,
    PARTNERS, PARTNER_STATE, REQUESTS, REQUEST_STATE, SERVICES, SERVICE_STATE, HOURS, HOURS_LOG, DEAD_LETTERS,
    AUDIT, REVOCATIONS,
)


class TopicLayoutError(Exception):
    """Existing topics have other partition counts than the settings give: keys would land on
    other partitions than the state written before, and an agent's table would not match its
    source, so no process should start on them."""


async def ensure_topics(settings: Settings, specs: tuple[TopicSpec[object], ...] = ALL,
                        wait_s: float | None = None) -> None:
    """Create any missing topic, check the partition counts of those already there and set their
    configs to the specs' where they differ (a changed caller retention reaches topics made
    before it); safe to call from every process at start. Asks again until Kafka answers, for
    `wait_s` seconds (MUSTER_KAFKA_WAIT_S unless given), then raises what it last met."""
    deadline = asyncio.get_running_loop().time() + (settings.kafka_wait_s if wait_s is None else wait_s)
    while True:
        admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap, **client_options(settings))
        try:
            await admin.start()
            existing = set(await admin.list_topics())
            present = [settings.topic(spec.name) for spec in specs if settings.topic(spec.name) in existing]
            if present:
                check_layout(settings, specs, partition_counts(await admin.describe_topics(present)))
                await align_configs(admin, settings, [spec for spec in specs if settings.topic(spec.name) in existing])
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


async def align_configs(admin: AIOKafkaAdminClient, settings: Settings, specs: list[TopicSpec]) -> None:
    """Set each topic's configs to its spec's where the broker holds other values. Kafka's
    AlterConfigs replaces a topic's whole set of overrides, so what Muster does not set goes back
    to the broker's default; raises TopicsNotReady (asked again) if the broker refuses."""
    wanted = {settings.topic(spec.name): spec.configs(settings) for spec in specs}
    wanted = {name: configs for name, configs in wanted.items() if configs}
    if not wanted:
        return
    current = topic_configs(await admin.describe_configs(
        [ConfigResource(ConfigResourceType.TOPIC, name) for name in wanted]))
    stale = [name for name, configs in wanted.items()
             if any(current.get(name, {}).get(key) != value for key, value in configs.items())]
    if not stale:
        return
    answers = await admin.alter_configs(
        [ConfigResource(ConfigResourceType.TOPIC, name, configs=wanted[name]) for name in stale])
    refused = [f"{r[3]}: {r[1] or r[0]}" for answer in answers for r in answer.resources if r[0]]
    if refused:
        raise TopicsNotReady("the broker refused topic configs: " + "; ".join(refused))
    log.info("set the configs of %d existing topics: %s", len(stale), ", ".join(stale))


def topic_configs(described: list) -> dict[str, dict[str, str]]:
    """Config values by topic from the admin client's DescribeConfigs answers."""
    return {resource[3]: {entry[0]: entry[1] for entry in resource[4]}
            for answer in described for resource in answer.resources}


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


def check_layout(settings: Settings, specs: tuple[TopicSpec[object], ...], counts: dict[str, int]) -> None:
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
