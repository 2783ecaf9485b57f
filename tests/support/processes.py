"""Muster workers and API as real processes, each with its own log under test-output/."""
from __future__ import annotations

import atexit
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "test-output"


STARTED: list["Process"] = []


@atexit.register
def _stop_leftovers() -> None:
    """A test that timed out may skip its teardown; never leave a worker running after the run."""
    for process in STARTED:
        if process.running:
            process.proc.kill()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Process:
    """A `muster` subcommand run with the given environment; its output goes to a log file."""

    def __init__(self, name: str, args: list[str], env: dict[str, str]) -> None:
        self.name = name
        self.args = args
        self.env = env
        self.proc: subprocess.Popen | None = None
        OUTPUT.mkdir(exist_ok=True)
        self.log_path = OUTPUT / f"{name}.log"

    def start(self) -> "Process":
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "muster.cli", *self.args],
            env={**os.environ, **self.env}, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT,
        )
        log.close()
        STARTED.append(self)
        return self

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def signal(self, sig: int) -> None:
        assert self.proc is not None
        self.proc.send_signal(sig)

    def kill(self) -> None:
        """kill -9: no goodbye to the group, no flush."""
        if self.running:
            self.proc.kill()
            self.proc.wait(10)

    def stop(self, timeout: float = 30) -> None:
        if self.running:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return ""


class Api(Process):
    def __init__(self, name: str, env: dict[str, str]) -> None:
        self.port = free_port()
        super().__init__(name, ["api", "--port", str(self.port)], env)
        self.base = f"http://127.0.0.1:{self.port}"

    def wait_ready(self, deadline_s: float = 90) -> "Api":
        end = time.monotonic() + deadline_s
        while time.monotonic() < end:
            if not self.running:
                raise AssertionError(f"{self.name} exited:\n{self.log_tail()}")
            try:
                if httpx.get(f"{self.base}/readyz", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"{self.name} not ready after {deadline_s} s:\n{self.log_tail()}")


class Worker(Process):
    def __init__(self, name: str, env: dict[str, str], worker_id: str) -> None:
        super().__init__(name, ["worker", "--loglevel", "warning"], {**env, "MUSTER_WORKER_ID": worker_id})
