"""Worker, API and baseline processes for a benchmark: started, paused, measured, stopped by pid."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import httpx

from bench.cpu import process_cpu_s
from bench.env import BENCH_HOME
from muster.settings import ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Proc:
    """One child process with its output in a log file under .muster/bench/logs/."""

    STARTED: list["Proc"] = []

    def __init__(self, name: str, args: list[str], env: dict[str, str]) -> None:
        self.name = name
        self.args = args
        self.env = env
        self.proc: subprocess.Popen | None = None
        self.log_path = BENCH_HOME / "logs" / f"{name}.log"

    def start(self) -> "Proc":
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen([sys.executable, *self.args], env={**os.environ, **self.env},
                                         stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
        Proc.STARTED.append(self)
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def pause(self) -> None:
        os.kill(self.pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.kill(self.pid, signal.SIGCONT)

    def cpu_s(self) -> float:
        """User + system CPU seconds this process has used so far."""
        return process_cpu_s(self.pid)

    def stop(self, timeout: float = 20) -> None:
        if not self.running:
            return
        assert self.proc is not None
        self.resume()
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return ""

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""


def worker(name: str, env: dict[str, str], worker_id: str) -> Proc:
    return Proc(name, ["-m", "muster.cli", "worker", "--loglevel", "warning"],
                {**env, "MUSTER_WORKER_ID": worker_id})


class ApiProc(Proc):
    def __init__(self, name: str, env: dict[str, str]) -> None:
        self.port = free_port()
        super().__init__(name, ["-m", "muster.cli", "api", "--port", str(self.port)], env)
        self.base = f"http://127.0.0.1:{self.port}"

    def wait_ready(self, deadline_s: float = 120) -> "ApiProc":
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


def passthrough(name: str, bootstrap: str, source: str, target: str, group: str) -> Proc:
    return Proc(name, ["-m", "bench.passthrough", "--bootstrap", bootstrap, "--source", source,
                       "--target", target, "--group", group], {})


def stop_all() -> None:
    """Stop every process this run started (and only those), even after an error."""
    for proc in reversed(Proc.STARTED):
        try:
            proc.stop()
        except Exception:
            if proc.proc is not None and proc.proc.poll() is None:
                proc.proc.kill()
    Proc.STARTED.clear()
