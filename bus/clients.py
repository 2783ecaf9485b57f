"""aiokafka client options from settings, so TLS and SASL/SCRAM apply to every connection."""
from __future__ import annotations

import ssl
from typing import Any

from aiokafka import AIOKafkaProducer

from core.settings import Settings


def client_options(settings: Settings) -> dict[str, Any]:
    options: dict[str, Any] = {"security_protocol": settings.kafka_security_protocol}
    if settings.kafka_security_protocol in ("SSL", "SASL_SSL"):
        options["ssl_context"] = ssl.create_default_context(cafile=settings.kafka_ssl_cafile)
    if settings.kafka_sasl_mechanism:
        options.update(
            sasl_mechanism=settings.kafka_sasl_mechanism,
            sasl_plain_username=settings.kafka_sasl_username,
            sasl_plain_password=settings.kafka_sasl_password,
        )
    return options


def make_producer(settings: Settings, **overrides: Any) -> AIOKafkaProducer:
    """acks=all and idempotent, so an accepted write survives a broker restart and is not doubled."""
    options: dict[str, Any] = dict(
        bootstrap_servers=settings.kafka_bootstrap,
        acks="all",
        enable_idempotence=True,
        linger_ms=0,
        request_timeout_ms=10000,
        **client_options(settings),
    )
    options.update(overrides)
    return AIOKafkaProducer(**options)
