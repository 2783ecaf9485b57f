"""Agents in Faust's test context, each wired alone with the state its worker's directories hold."""
from __future__ import annotations

import pytest

from tests.support.agents import Harness, harness


@pytest.fixture
def worker_for(tmp_path, monkeypatch):
    """`worker_for(module, clock, (state topic, model), ..., order=None)`: the module's agent wired in
    a worker whose directories know each model, under its id, keeping `order` if one is given."""
    made: list[Harness] = []

    def wire(module, clock, *known, order=None) -> Harness:
        worker = harness(tmp_path, monkeypatch, clock, order)
        for spec, model in known:
            worker.know(spec, model.id, model)
        worker.wire(module)
        made.append(worker)
        return worker

    yield wire
    for worker in made:
        worker.close()
