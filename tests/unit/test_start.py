"""`muster worker` and `muster api` started with no Kafka to talk to say so and exit, with no traceback."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest


@pytest.mark.parametrize("command", ["worker", "api"])
def test_a_process_with_no_kafka_to_talk_to_says_where_it_looked_and_exits_1(command, tmp_path):
    env = {**os.environ, "MUSTER_KAFKA_BOOTSTRAP": "127.0.0.1:1", "MUSTER_KAFKA_WAIT_S": "1",
           "MUSTER_DATA_DIR": str(tmp_path), "MUSTER_TOKEN_SECRET": "a-deployment-secret-of-its-own-32-bytes-or-more"}
    run = subprocess.run([sys.executable, "-m", "muster.cli", command], env=env, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 1, run.stdout[-2000:] + run.stderr[-2000:]
    said = " ".join(run.stdout.split())
    assert "Kafka at 127.0.0.1:1 did not answer within 1 s (MUSTER_KAFKA_WAIT_S)" in said
    assert "Traceback" not in run.stdout + run.stderr
