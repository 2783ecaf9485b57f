"""Python child processes with a log file each, stopped politely and then firmly.

Tests and benchmarks run Muster's worker and API as real processes, killed, paused and
restarted the way an operator's supervisor would; they share this so that both stop children
the same way and read the same logs.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from core.settings import ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Child:
    """`python ARGS` with the given environment; stdout and stderr go to `log_dir/NAME.log`.

    Each subclass keeps the children it started in its own `started` list, so that a test run
    or a benchmark can stop exactly its own after an error.
    """

    started: list[Child] = []

    def __init__(self, name: str, args: list[str], env: dict[str, str], log_dir: Path) -> None:
        self.name = name
        self.args = args
        self.env = env
        self.proc: subprocess.Popen | None = None
        self.log_path = log_dir / f"{name}.log"

    def start(self):
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen([sys.executable, *self.args], env={**os.environ, **self.env},
                                         stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
        self.started.append(self)
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def signal(self, sig: int) -> None:
        assert self.proc is not None
        self.proc.send_signal(sig)

    def kill(self) -> None:
        """kill -9: no goodbye to the consumer group, no flush."""
        if self.proc is not None and self.running:
            self.proc.kill()
            self.proc.wait(10)

    def stop(self, timeout: float = 30) -> None:
        if self.proc is None or not self.running:
            return
        self.signal(signal.SIGCONT)  # a paused child cannot act on SIGTERM
        self.signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])


def worker_args(worker_id: str, env: dict[str, str]) -> tuple[list[str], dict[str, str]]:
    return ["-m", "muster.cli", "worker", "--loglevel", "warning"], {**env, "MUSTER_WORKER_ID": worker_id}


class ApiChild(Child):
    """`muster api` on a free port, with a wait until /readyz answers 200."""

    def __init__(self, name: str, env: dict[str, str], log_dir: Path) -> None:
        self.port = free_port()
        super().__init__(name, ["-m", "muster.cli", "api", "--port", str(self.port)], env, log_dir)
        self.base = f"http://127.0.0.1:{self.port}"

    def wait_ready(self, deadline_s: float = 120):
        end = time.monotonic() + deadline_s
        while time.monotonic() < end:
            if not self.running:
                raise RuntimeError(f"{self.name} exited:\n{self.log_tail()}")
            try:
                if httpx.get(f"{self.base}/readyz", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} not ready after {deadline_s} s:\n{self.log_tail()}")
