"""py-spy sampling of a running worker or API, summarised as the functions that took the time."""
from __future__ import annotations

import shutil
import signal
import subprocess
from collections import Counter
from pathlib import Path

from bench.env import BENCH_HOME

OURS = ("handlers/", "streams/", "geo/", "bus/", "api/")


class Profiler:
    """`py-spy record` of one process until stopped; absent py-spy, it records nothing."""

    def __init__(self, pid: int, name: str, rate: int = 100) -> None:
        self.pid = pid
        self.path = BENCH_HOME / "profiles" / f"{name}.txt"
        self.rate = rate
        self.proc: subprocess.Popen | None = None
        self.error: str | None = None

    @staticmethod
    def available() -> bool:
        return shutil.which("py-spy") is not None

    def start(self) -> "Profiler":
        if not self.available():
            self.error = "py-spy is not installed (pip install py-spy)"
            return self
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            ["py-spy", "record", "--pid", str(self.pid), "--rate", str(self.rate), "--format", "raw",
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


def _frame_name(frame: str) -> str:
    # py-spy raw frames look like "function (path/to/file.py:123)"
    name, _, where = frame.partition(" (")
    where = where.rstrip(")")
    path = where.rsplit(":", 1)[0]
    for root in OURS + ("site-packages/",):
        if root in path:
            path = path[path.index(root) + (len("site-packages/") if root == "site-packages/" else 0):]
            break
    return f"{name} ({path})"


def summarise(path: Path, top: int = 12) -> dict:
    """Share of samples in each function (inclusive) and at each leaf (self), busy samples only."""
    inclusive: Counter[str] = Counter()
    leaf: Counter[str] = Counter()
    total = 0
    for line in Path(path).read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = [f for f in stack.split(";") if f]
        if frames and frames[-1].startswith(("select ", "epoll_wait", "poll ", "_run_once")) and "idle" not in frames[-1]:
            pass
        names = [_frame_name(f) for f in frames]
        if names and names[-1].split(" (")[0] in ("select", "poll", "epoll_wait", "wait", "sleep"):
            continue  # waiting for the network or a timer: not work
        total += n
        for name in set(names):
            inclusive[name] += n
        if names:
            leaf[names[-1]] += n
    def shares(counter: Counter[str], only_ours: bool) -> list[tuple[str, float]]:
        items = [(k, v) for k, v in counter.most_common() if not only_ours or any(r in k for r in OURS)]
        return [(k, round(100.0 * v / total, 1)) for k, v in items[:top]] if total else []
    return {"busy_samples": total, "file": str(path),
            "ours_inclusive_pct": shares(inclusive, True),
            "all_inclusive_pct": shares(inclusive, False),
            "self_pct": shares(leaf, False)}
