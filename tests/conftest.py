"""Fixtures every tier shares: the one real Kafka broker per run, fresh topic names per module."""
from __future__ import annotations

import asyncio
import os
import uuid
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BROKER_TIERS = ("integration", "e2e", "faults")
TEST_SECRET = "test-secret-" + uuid.uuid4().hex

pytest_plugins = ["tests.support.stack", "tests.support.cluster"]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if any(f"/tests/{tier}/" in str(item.path) for tier in BROKER_TIERS):
            item.add_marker(pytest.mark.broker)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.skipped and os.environ.get("CI") == "true" and item.get_closest_marker("broker"):
        report.outcome = "failed"
        report.longrepr = f"broker test skipped under CI=true: {report.longrepr}"


def _answering(bootstrap: str) -> bool:
    from aiokafka.admin import AIOKafkaAdminClient

    async def probe() -> bool:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
        try:
            await admin.start()
            return bool((await admin.describe_cluster())["brokers"])
        finally:
            await admin.close()

    try:
        return asyncio.run(probe())
    except Exception:
        return False


@pytest.fixture(scope="session")
def kafka_bootstrap() -> str:
    """The real Apache Kafka broker: the one scripts/test started, or one started here."""
    bootstrap = os.environ.get("MUSTER_KAFKA_BOOTSTRAP")
    if not bootstrap:
        from muster import broker

        port = int(os.environ.get("MUSTER_TEST_BROKER_PORT", "19092"))
        try:
            bootstrap = broker.start(port, ROOT / ".muster" / "test-kafka")
        except Exception as exc:
            pytest.skip(f"no Kafka broker: {exc}")
    if not _answering(bootstrap):
        pytest.skip(f"Kafka broker at {bootstrap} is not answering")
    return bootstrap


@pytest.fixture(scope="module")
def muster_env(kafka_bootstrap, request) -> dict[str, str]:
    """Settings for one test module: its own topics and consumer group, so no restarts are needed."""
    run = uuid.uuid4().hex[:10]
    env = {
        "MUSTER_KAFKA_BOOTSTRAP": kafka_bootstrap,
        "MUSTER_TOPIC_PREFIX": f"t{run}.",
        "MUSTER_APP_ID": f"muster-{run}",
        "MUSTER_PARTITIONS": "4",
        "MUSTER_TOKEN_SECRET": TEST_SECRET,
        "MUSTER_DATA_DIR": str(ROOT / ".muster" / "test-workers" / run),
        "MUSTER_RATE_LIMIT_PER_S": "10000",
        "MUSTER_RATE_LIMIT_BURST": "10000",
        # Every test client, many navigators among them, comes from 127.0.0.1; tests/security sets less.
        "MUSTER_IP_RATE_LIMIT_PER_S": "100000",
        "MUSTER_IP_RATE_LIMIT_BURST": "100000",
        "MUSTER_AUTH_FAILURES_PER_S": "10000",
        "MUSTER_AUTH_FAILURE_BURST": "10000",
        "MUSTER_MAX_OPEN_HOLDS_PER_NAVIGATOR": "100000",
        # A loaded machine must not turn a visible outcome into a 202; modules that test the 202 set less.
        "MUSTER_REPLY_TIMEOUT_S": "20",
    }
    env.update(getattr(request.module, "MUSTER_ENV", {}))
    yield env
    _delete_topics(kafka_bootstrap, (env["MUSTER_TOPIC_PREFIX"], env["MUSTER_APP_ID"]))


def _delete_topics(bootstrap: str, prefixes: tuple[str, ...]) -> None:
    """Drop a finished module's topics: a broker holding thousands makes every new client's first
    metadata read slow, later in the run and on a developer's long-lived broker."""
    from bench.kafka import delete_topics

    try:  # in a thread of its own, so as to leave this thread's event loop to pytest-asyncio
        with ThreadPoolExecutor(1) as thread:
            thread.submit(asyncio.run, delete_topics(bootstrap, list(prefixes))).result()
    except Exception as exc:  # the module's tests have passed or failed already; say so, go on
        warnings.warn(f"could not delete the topics of {prefixes}: {exc!r}", stacklevel=1)


@pytest.fixture(scope="module")
def settings_for(muster_env):
    """Build Settings from a module's environment without touching os.environ."""
    from core.settings import Settings

    def make(**overrides):
        return Settings.from_variables(muster_env, **overrides)

    return make
