"""A local three-broker KRaft cluster for the test modules that need one: `cluster` starts it
for the module (fresh data, small heaps) and stops every broker afterwards.

A pytest plugin (tests/conftest.py names it in `pytest_plugins`): modules ask for `cluster` by name."""
from __future__ import annotations

import os
import random
import shutil
import signal
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from muster import broker
from tests.support.poll import until

ROOT = Path(__file__).resolve().parents[2]
HOME = ROOT / ".muster" / "test-cluster"
HEAP = "-Xmx256m -Xms128m"
"""Three brokers beside the test run's own, the workers and the API on a 2-core box."""
NODES = 3
START_WAIT_S = 240
"""Three JVMs starting at once on two shared cores took up to a minute; this bounds a hang."""


@dataclass
class Cluster:
    home: Path
    port: int
    nodes: list[broker.Node]
    bootstrap: str

    def pid(self, node: broker.Node) -> int | None:
        pids = broker.broker_pids(node.home)
        return pids[0] if pids else None

    def kill(self, node: broker.Node) -> None:
        """kill -9: no controlled shutdown, no flush; its partitions fail over when its session ends."""
        pid = self.pid(node)
        assert pid is not None, f"broker {node.id} is not running"
        os.kill(pid, signal.SIGKILL)
        until(lambda: self.pid(node) is None, deadline_s=10, what=f"broker {node.id} to die")

    def start(self) -> str:
        """Start every node that is not running (a killed one comes back with its data)."""
        return broker.start(self.port, self.home, wait_s=START_WAIT_S, nodes=len(self.nodes), heap=HEAP)


def _free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind((broker.HOST, port))
        except OSError:
            return False
    return True


def free_block(count: int, low: int = 21000, high: int = 29000) -> int:
    """The first of `count` consecutive free ports, below the kernel's ephemeral range."""
    rng = random.Random()
    for _ in range(200):
        base = rng.randrange(low, high - count)
        if all(_free(port) for port in range(base, base + count)):
            return base
    raise RuntimeError(f"no {count} consecutive free ports in {low}..{high}")


def start_cluster(count: int = NODES, home: Path = HOME) -> Cluster:
    """A new cluster (earlier data removed) on MUSTER_TEST_CLUSTER_PORT or free ports."""
    broker.stop(home)  # a run that was killed may have left its brokers behind
    for node_home in home.glob("node-*"):
        shutil.rmtree(node_home)
    port = int(os.environ.get("MUSTER_TEST_CLUSTER_PORT") or free_block(2 * count))
    bootstrap = broker.start(port, home, wait_s=START_WAIT_S, nodes=count, heap=HEAP)
    return Cluster(home, port, broker.nodes_for(port, home, count), bootstrap)


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    try:
        yield start_cluster()
    finally:  # also when it failed half-way: no broker outlives the module
        broker.stop(HOME)
