"""Agents in Faust's test context, each wired alone with the state its worker's directories hold."""
from __future__ import annotations

import pytest

from tests.support.agents import Harness, harness


@pytest.fixture
def worker_for(tmp_path, monkeypatch):
    """`worker_for(module, clock, (state topic, model), ...)`: the module's agent wired in a worker
    whose directories know each model, under its id."""
    made: list[Harness] = []

    def wire(module, clock, *known) -> Harness:
        worker = harness(tmp_path, monkeypatch, clock)
        for spec, model in known:
            worker.know(spec, model.id, model)
        worker.wire(module)
        made.append(worker)
        return worker

    yield wire
    for worker in made:
        worker.close()
