"""The local Apache Kafka broker that scripts/test starts: answering, and started only once."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from muster import broker

pytestmark = pytest.mark.broker

ROOT = Path(__file__).resolve().parents[2]
BOOTSTRAP = os.environ.get("MUSTER_KAFKA_BOOTSTRAP", "127.0.0.1:19092")
PORT = int(BOOTSTRAP.rsplit(":", 1)[1])
HOME = Path(os.environ.get("MUSTER_BROKER_HOME", ROOT / ".muster" / "test-kafka"))


@pytest.fixture(scope="module")
def running() -> dict:
    report = broker.status(PORT, HOME)
    if not report["running"]:
        pytest.skip(f"no Muster test broker running in {HOME}; run tests with scripts/test")
    return report


def test_the_test_broker_is_running_and_answering(running):
    assert running["answering"] is True
    assert running["bootstrap"] == BOOTSTRAP
    assert running["pid"] in broker.broker_pids(HOME)


def test_starting_again_reuses_the_running_broker(running):
    before = broker.broker_pids(HOME)

    assert broker.start(PORT, HOME, wait_s=30) == BOOTSTRAP

    assert broker.broker_pids(HOME) == before == [running["pid"]]
    assert broker.status(PORT, HOME)["answering"] is True


def test_a_second_home_cannot_take_the_same_port(running, tmp_path):
    with pytest.raises(broker.BrokerError, match=f"Port {PORT} .* in use"):
        broker.start(PORT, tmp_path / "other-kafka", wait_s=5)
    assert broker.broker_pids(tmp_path / "other-kafka") == []
