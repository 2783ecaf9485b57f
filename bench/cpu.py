"""Who used the CPU during a measurement: each named process, the whole box, everyone else.

On a shared box the "others" figure says how much of the machine the benchmark did not have.
"""
from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

CLK_TCK = os.sysconf("SC_CLK_TCK")


def process_cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process and its threads so far (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK
    except (OSError, IndexError, ValueError):
        return 0.0


def box_cpu_s() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot."""
    try:
        values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    except (OSError, ValueError):
        return 0.0, 0.0
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    total = sum(values[:8])
    return (total - idle) / CLK_TCK, total / CLK_TCK


class CpuMeter:
    """CPU cores used over a window by each named pid, by the box, and by everyone else.

    `mark` takes a reading, so that a window can end at a moment known only afterwards: a drain
    ends at its last effect, found once the consumers have been quiet for a while, and CPU over
    that quiet wait would count as cores left idle (`stop(until=...)`)."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = dict(pids)
        self.marks: list[tuple[float, float, dict[str, float]]] = []

    def start(self) -> CpuMeter:
        self.marks = [self._read()]
        return self

    def _read(self) -> tuple[float, float, dict[str, float]]:
        return time.time(), box_cpu_s()[0], {name: process_cpu_s(pid) for name, pid in self.pids.items()}

    def mark(self) -> None:
        self.marks.append(self._read())

    async def mark_every(self, interval_s: float) -> None:
        """Take a reading every interval_s until cancelled."""
        while True:
            await asyncio.sleep(interval_s)
            self.mark()

    def stop(self, until: float | None = None) -> dict:
        """The window from start to now, or to the first reading at or after `until` (a time.time())."""
        self.mark()
        end = next((m for m in self.marks if until is not None and m[0] >= until), self.marks[-1])
        (t0, box0, proc0), (t1, box1, proc1) = self.marks[0], end
        wall = t1 - t0
        used = {name: proc1[name] - proc0[name] for name in self.pids}
        box = box1 - box0
        cores = {name: round(s / wall, 2) for name, s in used.items()} if wall > 0 else {}
        return {
            "wall_s": round(wall, 2),
            "cpu_s": {name: round(s, 2) for name, s in used.items()},
            "cores": cores,
            "box_busy_cores": round(box / wall, 2) if wall > 0 else None,
            "others_cores": round(max(0.0, box - sum(used.values())) / wall, 2) if wall > 0 else None,
            "nproc": os.cpu_count(),
        }


def merge(windows: list[dict]) -> dict:
    """One window's figures from several (CPU seconds and wall time added up)."""
    if not windows:
        return {}
    wall = sum(w["wall_s"] for w in windows)
    cpu: dict[str, float] = {}
    for w in windows:
        for name, s in w["cpu_s"].items():
            cpu[name] = cpu.get(name, 0.0) + s
    box = sum((w["box_busy_cores"] or 0) * w["wall_s"] for w in windows)
    others = sum((w["others_cores"] or 0) * w["wall_s"] for w in windows)
    return {
        "wall_s": round(wall, 2),
        "cpu_s": {k: round(v, 2) for k, v in cpu.items()},
        "cores": {k: round(v / wall, 2) for k, v in cpu.items()} if wall else {},
        "box_busy_cores": round(box / wall, 2) if wall else None,
        "others_cores": round(others / wall, 2) if wall else None,
        "nproc": windows[0].get("nproc"),
    }
