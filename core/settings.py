"""The one place Muster reads its configuration from (environment, `MUSTER_` prefix)."""
from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, Self

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent
DEV_TOKEN_SECRET = "dev-only-change-me-muster-token-secret"
"""Public in this repository: it signs nothing outside development mode."""
MIN_SECRET_BYTES = 32


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
    dev_mode: bool = Field(
        False, description="development only: serve with the public default token secret (or a short one) and "
                           "hand demo tokens to this machine; `scripts/run` turns it on, deployments never")
    token_secret: str = Field(
        DEV_TOKEN_SECRET, min_length=1,
        description=f"the HS256 key that signs tokens: at least {MIN_SECRET_BYTES} bytes, never the default "
                    "outside development mode")
    token_issuer: str = Field("muster", min_length=1, description="the `iss` every token must carry")
    token_audience: str = Field("muster-api", min_length=1, description="the `aud` every token must carry")
    token_ttl_s: int = Field(12 * 3600, gt=0, description="lifetime of the tokens `muster token` prints")
    token_max_ttl_s: int = Field(
        24 * 3600, gt=0, le=30 * 24 * 3600, description="tokens meant to live longer (exp - iat) are refused")
    cors_origins: list[str] = ["http://127.0.0.1:8000", "http://localhost:8000"]
    max_body_bytes: int = 1024 * 1024
    rate_limit_per_s: float = Field(20.0, gt=0, description="sustained requests per second per token")
    rate_limit_burst: int = Field(60, ge=1)
    ip_rate_limit_per_s: float = Field(
        200.0, gt=0, description="sustained requests per second per client address, counted before any token is "
                                 "read (a 211 call centre shares one address)")
    ip_rate_limit_burst: int = Field(400, ge=1)
    auth_failures_per_s: float = Field(
        2.0, gt=0, description="sustained refused tokens per second per client address; past the burst every "
                               "token from that address is refused with 429 until the bucket refills (generous: "
                               "a call centre's many expired tokens share one address)")
    auth_failure_burst: int = Field(60, ge=1)
    max_streams_per_subject: int = Field(
        4, ge=1, le=1000, description="event streams one token subject may hold open at once; more get 429")
    header_timeout_s: float = Field(
        10.0, gt=0, le=300, description="a request's headers must arrive within this long, or the connection closes")
    body_timeout_s: float = Field(
        30.0, gt=0, le=3600, description="a request's body must arrive within this long of its headers, or 408")
    max_connections: int = Field(
        1000, ge=1, description="open connections (event streams included) the API serves at once; more get 503")
    forwarded_allow_ips: str = Field(
        "127.0.0.1", description="proxies trusted to say the client's address (X-Forwarded-For), comma-separated; "
                                 "the per-address limits read it")
    max_open_holds_per_navigator: int = Field(25, ge=1, description="OWASP API6: no one navigator takes every bed")
    audit_window: int = Field(
        100_000, ge=100, description="audit records the API holds for GET /v1/audit, newest; the topic keeps all")
    geocoder: str = Field("gazetteer", description="'gazetteer' (offline) or a geopy service name")
    demo_tokens: bool = Field(
        False, description="demo only, and only with MUSTER_DEV_MODE: GET /v1/demo-tokens hands a token per role "
                           "to a browser on this machine (loopback)")

    # Logs
    log_format: Literal["plain", "json"] = Field(
        "plain", description="'json': one JSON object per line (time, level, logger, message) for log shippers")

    @model_validator(mode="after")
    def _replicas_can_be_in_sync(self) -> Self:
        if self.min_insync_replicas > self.replication_factor:
            raise ValueError(f"MUSTER_MIN_INSYNC_REPLICAS ({self.min_insync_replicas}) is more than "
                             f"MUSTER_REPLICATION_FACTOR ({self.replication_factor}): no write could be acknowledged")
        return self

    @model_validator(mode="after")
    def _tokens_live_no_longer_than_allowed(self) -> Self:
        if self.token_ttl_s > self.token_max_ttl_s:
            raise ValueError("MUSTER_TOKEN_TTL_S must not exceed MUSTER_TOKEN_MAX_TTL_S")
        return self

    def unsafe_secret(self) -> str | None:
        """Why the token secret must not sign anything here, or None when it may.

        Returns a sentence naming the problem (the public default, or fewer than MIN_SECRET_BYTES
        bytes) unless `dev_mode` is on; the API and workers refuse to start on one."""
        if self.dev_mode:
            return None
        if self.token_secret == DEV_TOKEN_SECRET:
            return ("MUSTER_TOKEN_SECRET is the public development default: anyone can sign an admin token "
                    "with it. Set a secret of your own, or MUSTER_DEV_MODE=1 on a development machine.")
        if len(self.token_secret.encode()) < MIN_SECRET_BYTES:
            return (f"MUSTER_TOKEN_SECRET is shorter than {MIN_SECRET_BYTES} bytes. Generate one with "
                    "`python3 -c 'import secrets; print(secrets.token_urlsafe(48))'`.")
        return None

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
