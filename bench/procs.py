"""Worker, API and baseline processes for a benchmark: started, paused, measured, stopped by pid."""
from __future__ import annotations

import signal

from bench.cpu import process_cpu_s
from bench.env import BENCH_HOME
from muster.processes import ApiChild, Child, worker_args


class Proc(Child):
    """A benchmark's child process, its log under .muster/bench/logs/."""

    started: list[Child] = []

    def __init__(self, name: str, args: list[str], env: dict[str, str]) -> None:
        super().__init__(name, args, env, BENCH_HOME / "logs")

    def pause(self) -> None:
        self.signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.signal(signal.SIGCONT)

    def cpu_s(self) -> float:
        """User + system CPU seconds this process has used so far."""
        return process_cpu_s(self.pid)


def worker(name: str, env: dict[str, str], worker_id: str) -> Proc:
    return Proc(name, *worker_args(worker_id, env))


class ApiProc(ApiChild):
    started = Proc.started

    def __init__(self, name: str, env: dict[str, str]) -> None:
        super().__init__(name, env, BENCH_HOME / "logs")


def passthrough(name: str, bootstrap: str, source: str, target: str, group: str) -> Proc:
    return Proc(name, ["-m", "bench.passthrough", "--bootstrap", bootstrap, "--source", source,
                       "--target", target, "--group", group], {})


def stop_all() -> None:
    """Stop every process this run started (and only those), even after an error."""
    for proc in reversed(Proc.started):
        try:
            proc.stop()
        except Exception:
            proc.kill()
    Proc.started.clear()
