"""py-spy sampling of a running worker or API, summarised as the functions that took the time."""
from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

from bench.env import BENCH_HOME

OURS = ("handlers/", "streams/", "geo/", "bus/", "api/", "muster/")
IDLE_LEAVES = ("EpollSelector.select", "select", "poll", "epoll_wait", "Condition.wait", "Event.wait", "sleep",
               "_worker (concurrent/futures", "SimpleQueue.get")
PACKAGES = (  # (path prefix, what it is): a sample counts for the first one found from its leaf up
    ("pydantic", "pydantic (JSON parse/dump, validation)"),
    ("pydantic_core", "pydantic (JSON parse/dump, validation)"),
    ("aiokafka/", "aiokafka (Kafka protocol, fetch/produce)"),
    ("faust/", "Faust (streams, agents, tables)"),
    ("mode/", "Faust (streams, agents, tables)"),
    ("fastapi/", "HTTP stack (uvicorn, starlette, fastapi)"),
    ("starlette/", "HTTP stack (uvicorn, starlette, fastapi)"),
    ("uvicorn/", "HTTP stack (uvicorn, starlette, fastapi)"),
    ("h11/", "HTTP stack (uvicorn, starlette, fastapi)"),
    ("anyio/", "HTTP stack (uvicorn, starlette, fastapi)"),
    ("shapely/", "geometry (shapely, pyproj, numpy)"),
    ("pyproj/", "geometry (shapely, pyproj, numpy)"),
    ("numpy/", "geometry (shapely, pyproj, numpy)"),
    ("handlers/", "Muster's own frames"),
    ("streams/", "Muster's own frames"),
    ("geo/", "Muster's own frames"),
    ("bus/", "Muster's own frames"),
    ("api/", "Muster's own frames"),
    ("asyncio/", "event loop and sockets (asyncio)"),
    ("selectors.py", "event loop and sockets (asyncio)"),
    ("threading.py", "threads (hand-offs)"),
)


class Profiler:
    """`py-spy record` of one process until stopped; absent py-spy, it records nothing."""

    def __init__(self, pid: int, name: str, rate: int = 100) -> None:
        self.pid = pid
        self.path = BENCH_HOME / "profiles" / f"{name}.txt"
        self.rate = rate
        self.proc: subprocess.Popen | None = None
        self.error: str | None = None

    @staticmethod
    def executable() -> str | None:
        """py-spy on PATH, or beside this Python: `.venv/bin/muster bench` runs without an activated venv."""
        beside = Path(sys.executable).parent / "py-spy"
        return shutil.which("py-spy") or (str(beside) if beside.exists() else None)

    def start(self) -> Profiler:
        spy = self.executable()
        if spy is None:
            self.error = "py-spy is not installed (pip install -e '.[dev]' installs it)"
            return self
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.unlink(missing_ok=True)
        self.proc = subprocess.Popen(
            [spy, "record", "--pid", str(self.pid), "--rate", str(self.rate), "--format", "raw",
             "--nonblocking", "--output", str(self.path), "--duration", "3600"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        return self

    def stop(self) -> dict | None:
        if self.proc is None:
            return None
        self.proc.send_signal(signal.SIGINT)
        try:
            _, err = self.proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            _, err = self.proc.communicate()
        if not self.path.exists():
            self.error = (err or b"").decode(errors="replace")[-500:] or "py-spy wrote nothing"
            return None
        return summarise(self.path)


_FRAME = re.compile(r"^(?P<name>.*) \((?P<path>[^()]*?)(?::\d+)?\)$")


def _parse(frame: str) -> tuple[str, str]:
    found = _FRAME.match(frame)
    if not found:
        return frame, ""
    path = found.group("path")
    if "site-packages/" in path:
        path = path.split("site-packages/", 1)[1]
    return found.group("name"), path


def summarise(path: Path, top: int = 12) -> dict:
    """Shares of busy samples: per function (inclusive), at the leaf (self), and per package."""
    inclusive: Counter[str] = Counter()
    leaf: Counter[str] = Counter()
    package: Counter[str] = Counter()
    total = 0
    for line in Path(path).read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = [_parse(f) for f in stack.split(";") if f]
        if not frames or frames[-1][0].startswith(IDLE_LEAVES) or frames[-1][1].startswith("concurrent/futures"):
            continue  # waiting for the network, a timer or work: not busy
        n = int(count)
        total += n
        names = [f"{name} ({where})" for name, where in frames]
        for name in set(names):
            inclusive[name] += n
        leaf[names[-1]] += n
        for _, where in reversed(frames):
            kind = next((label for prefix, label in PACKAGES if where.startswith(prefix)), None)
            if kind:
                package[kind] += n
                break
        else:
            package["other"] += n

    def shares(counter: Counter[str], only_ours: bool = False) -> list[tuple[str, float]]:
        items = [(k, v) for k, v in counter.most_common()
                 if not only_ours or k.rsplit(" (", 1)[-1].startswith(OURS)]
        return [(k, round(100.0 * v / total, 1)) for k, v in items[:top]] if total else []

    return {"busy_samples": total, "file": str(path), "by_package_pct": shares(package),
            "ours_inclusive_pct": shares(inclusive, True), "self_pct": shares(leaf)}
