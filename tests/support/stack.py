"""A running Muster per test module: real broker, real worker processes, real API process.

A pytest plugin (tests/conftest.py names it in `pytest_plugins`): the integration, end-to-end and
fault tiers ask for `stack` and `tokens` by name."""
from __future__ import annotations

from dataclasses import dataclass, field

import httpx
import pytest

from tests.support.processes import Api, Worker


@dataclass
class Stack:
    env: dict[str, str]
    api: Api
    workers: list[Worker] = field(default_factory=list)

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.api.base, headers=headers, timeout=30)

    def restart_api(self) -> None:
        self.api.stop()
        self.api = Api(self.api.name, self.env).start().wait_ready()


@pytest.fixture(scope="module")
def stack(muster_env, request):
    """Starts the module's workers (`WORKERS`, default 1) and one API; stops them afterwards."""
    name = request.module.__name__.rsplit(".", 1)[-1]
    workers = [
        Worker(f"{name}-worker-{i}", muster_env, str(i)).start()
        for i in range(1, getattr(request.module, "WORKERS", 1) + 1)
    ]
    api = Api(f"{name}-api", muster_env).start()
    stack = Stack(muster_env, api, workers)
    try:
        api.wait_ready()
        yield stack
    finally:
        stack.api.stop()
        for worker in stack.workers:
            worker.stop()


@pytest.fixture(scope="module")
def tokens(settings_for):
    from api.auth import mint

    settings = settings_for()
    return {
        role: mint(settings, role, sub=f"test-{role}", partner_id="salvation-army-on" if role == "partner" else None)
        for role in ("manager", "partner", "navigator", "admin")
    }
