"""The one place Muster reads its configuration from (environment, `MUSTER_` prefix)."""
from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, Self

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Every knob Muster has; production-safe defaults, overridable by `MUSTER_*` variables."""

    model_config = SettingsConfigDict(env_prefix="MUSTER_", frozen=True, extra="ignore")

    # Kafka
    kafka_bootstrap: str = "127.0.0.1:9092"
    topic_prefix: str = Field("muster.", description="Prefix of every topic; tests use a uuid.")
    partitions: int = Field(8, ge=1, le=256, description="partitions of the busy topics: shelters, referrals, audit")
    quiet_partitions: int = Field(
        2, ge=1, le=256, description="partitions of every other topic (at most `partitions`)")
    replication_factor: int = Field(
        1, ge=1, le=7, description="copies of every topic Muster creates; 3 on a three-broker cluster")
    min_insync_replicas: int = Field(
        1, ge=1, le=7,
        description="copies that must have a write before Kafka acknowledges it (producers use acks=all); "
        "2 of 3 survives one broker's loss without losing an acknowledged write or refusing new ones")
    kafka_security_protocol: str = "PLAINTEXT"
    kafka_sasl_mechanism: str | None = None
    kafka_sasl_username: str | None = None
    kafka_sasl_password: str | None = None
    kafka_ssl_cafile: str | None = None
    kafka_wait_s: float = Field(
        60.0, gt=0, le=3600, description="how long a worker or the API waits at start for Kafka to answer")

    # Local broker managed by `muster broker`
    broker_port: int = 9092
    broker_home: Path = ROOT / ".muster" / "kafka"
    broker_nodes: int = Field(1, ge=1, le=9, description="brokers `muster broker start` runs (a KRaft cluster)")

    # Workers
    app_id: str = "muster"
    worker_id: str = "1"
    data_dir: Path = ROOT / ".muster" / "workers"
    session_timeout_s: float = Field(10.0, ge=3, le=300, description="how soon a dead worker's partitions move")
    hold_ttl_s: float = Field(7200.0, gt=0)
    hold_extend_s: float = Field(
        3600.0, gt=0, le=7 * 24 * 3600, description="how much later each extension moves a held bed's expiry")
    hold_max_s: float = Field(
        6 * 3600.0, gt=0, le=30 * 24 * 3600,
        description="the longest a bed stays held, from when it was held; extensions stop there (409)")
    hold_sweep_interval_s: float = Field(5.0, gt=0)
    alert_reach_km: float = Field(25.0, ge=0, le=1000)
    alert_sweep_interval_s: float = Field(
        30.0, gt=0, description="how often each worker looks for partners in reach of an incident but not alerted"
    )
    busy_linger_ms: float = Field(
        3.0, ge=0, le=100, description="how long a busy worker gathers its writes into one produce request; 0: never")
    busy_records_per_s: float = Field(
        1000.0, gt=0, description="the rate of writes above which a worker counts as busy (streams/patches/linger.py)")
    referral_radius_km: float = Field(100.0, gt=0, le=2000)
    max_candidates: int = Field(25, ge=1, le=500)

    caller_retention_s: float = Field(
        14 * 24 * 3600, ge=1, description="how long a referral (household size, needs) is kept after it ends"
    )
    purge_interval_s: float = Field(60.0, gt=0)

    # API
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    reply_timeout_s: float = Field(5.0, gt=0, le=60)
    token_secret: str = Field("dev-only-change-me-muster-token-secret", min_length=32)
    token_ttl_s: int = Field(12 * 3600, gt=0)
    cors_origins: list[str] = ["http://127.0.0.1:8000", "http://localhost:8000"]
    max_body_bytes: int = 1024 * 1024
    rate_limit_per_s: float = Field(20.0, gt=0, description="sustained requests per second per token")
    rate_limit_burst: int = Field(60, ge=1)
    max_open_holds_per_navigator: int = Field(25, ge=1, description="OWASP API6: no one navigator takes every bed")
    audit_window: int = Field(
        100_000, ge=100, description="audit records the API holds for GET /v1/audit, newest; the topic keeps all")
    geocoder: str = Field("gazetteer", description="'gazetteer' (offline) or a geopy service name")
    demo_tokens: bool = Field(
        False, description="demo only: GET /v1/demo-tokens hands out a token per role, no questions asked")

    # Logs
    log_format: Literal["plain", "json"] = Field(
        "plain", description="'json': one JSON object per line (time, level, logger, message) for log shippers")

    @model_validator(mode="after")
    def _replicas_can_be_in_sync(self) -> Self:
        if self.min_insync_replicas > self.replication_factor:
            raise ValueError(f"MUSTER_MIN_INSYNC_REPLICAS ({self.min_insync_replicas}) is more than "
                             f"MUSTER_REPLICATION_FACTOR ({self.replication_factor}): no write could be acknowledged")
        return self

    def topic(self, name: str) -> str:
        return f"{self.topic_prefix}{name}"

    @classmethod
    def from_variables(cls, variables: Mapping[str, str], **overrides: Any) -> Settings:
        """The settings a process started with these `MUSTER_*` variables sees, without touching
        os.environ: tests and benchmarks start workers and APIs with their own."""
        values = {k.removeprefix("MUSTER_").lower(): v for k, v in variables.items() if k.startswith("MUSTER_")}
        return cls(**{**values, **overrides})


@lru_cache
def get_settings() -> Settings:
    """Cached so every module sees one Settings; tests call `get_settings.cache_clear()`."""
    return Settings()
