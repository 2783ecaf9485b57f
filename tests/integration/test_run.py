"""`muster run`, the command behind scripts/run: broker, a worker, the API and the Ontario sample."""
from __future__ import annotations

import os
import signal

import httpx

from muster.processes import free_port
from muster.seed import sample
from tests.support.poll import until
from tests.support.processes import OUTPUT, ROOT, Process


def _counts(base: str, token: str) -> tuple[int, int]:
    headers = {"Authorization": f"Bearer {token}"}
    try:
        shelters = httpx.get(f"{base}/v1/shelters", params={"limit": 1000}, headers=headers, timeout=5)
        incidents = httpx.get(f"{base}/v1/incidents", headers=headers, timeout=5)
    except httpx.HTTPError:
        return 0, 0
    if shelters.status_code != 200 or incidents.status_code != 200:
        return 0, 0
    return len(shelters.json()), len(incidents.json())


def test_muster_run_serves_the_sample_data_and_stops_its_children_on_sigterm(muster_env, kafka_bootstrap, tokens):
    port = free_port()
    env = {
        **muster_env,
        "MUSTER_API_PORT": str(port),
        "MUSTER_BROKER_PORT": kafka_bootstrap.rsplit(":", 1)[1],
        "MUSTER_BROKER_HOME": os.environ.get("MUSTER_BROKER_HOME", str(ROOT / ".muster" / "test-kafka")),
    }
    base = f"http://127.0.0.1:{port}"
    expected = (len(sample("shelters.json")["shelters"]), len(sample("scenario_ice_storm.json")["incidents"]))
    run = Process("muster-run", ["-m", "muster.cli", "run"], env, OUTPUT).start()
    try:
        until(lambda: _counts(base, tokens["admin"]) == expected, deadline_s=240, every_s=1,
              what=f"muster run to serve {expected[0]} shelters and {expected[1]} incidents")
    finally:
        run.signal(signal.SIGTERM)
        run.proc.wait(60)
    assert run.proc.returncode == 0, run.log_tail()
    try:
        httpx.get(f"{base}/healthz", timeout=2)
    except httpx.ConnectError:
        pass
    else:
        raise AssertionError(f"the API at {base} still answers after muster run stopped")
