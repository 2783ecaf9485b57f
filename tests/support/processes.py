"""Muster workers and API as real processes, each with its own log under test-output/."""
from __future__ import annotations

import atexit
from pathlib import Path

from muster.processes import ApiChild, Child, worker_args

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "test-output"


class Process(Child):
    started: list[Child] = []


@atexit.register
def _stop_leftovers() -> None:
    """A test that timed out may skip its teardown; never leave a worker running after the run."""
    for process in Process.started:
        process.kill()


class Api(ApiChild):
    started = Process.started

    def __init__(self, name: str, env: dict[str, str]) -> None:
        super().__init__(name, env, OUTPUT)


class Worker(Process):
    def __init__(self, name: str, env: dict[str, str], worker_id: str) -> None:
        super().__init__(name, *worker_args(worker_id, env), OUTPUT)
