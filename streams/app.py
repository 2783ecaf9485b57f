"""The one Faust app: at-least-once, acks=all, raw bytes (no pickle), its web server off."""
from __future__ import annotations

import ssl

import faust

from core.settings import Settings


def credentials(settings: Settings):
    """SASL/SCRAM or TLS for Faust, from the same settings aiokafka clients use."""
    context = None
    if settings.kafka_security_protocol in ("SSL", "SASL_SSL"):
        context = ssl.create_default_context(cafile=settings.kafka_ssl_cafile)
    if settings.kafka_sasl_mechanism:
        return faust.SASLCredentials(
            username=settings.kafka_sasl_username,
            password=settings.kafka_sasl_password,
            mechanism=settings.kafka_sasl_mechanism,
            ssl_context=context,
        )
    return context


def create_app(settings: Settings) -> faust.App:
    return faust.App(
        settings.app_id,
        broker=f"kafka://{settings.kafka_bootstrap}",
        broker_credentials=credentials(settings),
        processing_guarantee="at_least_once",
        producer_acks=-1,
        key_serializer="raw",
        value_serializer="raw",
        store="memory://",
        topic_partitions=settings.partitions,
        topic_replication_factor=settings.replication_factor,
        table_standby_replicas=0,
        datadir=str(settings.data_dir / f"worker-{settings.worker_id}"),
        web_enabled=False,
        web_host="127.0.0.1",
        consumer_auto_offset_reset="earliest",
        broker_session_timeout=settings.session_timeout_s,
        broker_heartbeat_interval=max(1.0, settings.session_timeout_s / 5),
        broker_commit_every=1000,
        broker_commit_interval=1.0,
        stream_buffer_maxsize=4096,
        producer_linger_ms=0,
        autodiscover=False,
    )
