"""Where a benchmark runs: the broker, fresh uuid-prefixed topics per stack, machine and versions."""
from __future__ import annotations

import asyncio
import logging
import os
import platform
import re
import subprocess
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from core.settings import ROOT, Settings

log = logging.getLogger(__name__)

BENCH_HOME = ROOT / ".muster" / "bench"
SECRET = "bench-secret-" + uuid.uuid4().hex


CREATED: list[str] = []
"""Topic prefixes of every stack this process made: removed from the broker when the run ends."""


@dataclass
class StackEnv:
    """The MUSTER_* environment of one stack of processes: its own topics and consumer group."""

    bootstrap: str
    partitions: int = 8
    extra: dict[str, str] = field(default_factory=dict)
    run: str = field(default_factory=lambda: uuid.uuid4().hex[:10])

    def __post_init__(self) -> None:
        CREATED.extend([self.prefix, f"muster-bench-{self.run}-"])  # Muster's topics, Faust's own

    @property
    def prefix(self) -> str:
        return f"bench{self.run}."

    @property
    def env(self) -> dict[str, str]:
        return {
            "MUSTER_KAFKA_BOOTSTRAP": self.bootstrap,
            "MUSTER_TOPIC_PREFIX": self.prefix,
            "MUSTER_APP_ID": f"muster-bench-{self.run}",
            "MUSTER_PARTITIONS": str(self.partitions),
            "MUSTER_TOKEN_SECRET": SECRET,
            "MUSTER_DATA_DIR": str(BENCH_HOME / "workers" / self.run),
            "MUSTER_RATE_LIMIT_PER_S": "1000000",
            "MUSTER_RATE_LIMIT_BURST": "1000000",
            # Every simulated client comes from this one address.
            "MUSTER_IP_RATE_LIMIT_PER_S": "1000000",
            "MUSTER_IP_RATE_LIMIT_BURST": "1000000",
            "MUSTER_MAX_STREAMS_PER_SUBJECT": "1000",
            "MUSTER_MAX_OPEN_HOLDS_PER_NAVIGATOR": "100000000",
            **self.extra,
        }

    def settings(self) -> Settings:
        return Settings.from_variables(self.env)

    def topic(self, name: str) -> str:
        return self.prefix + name


async def answers(bootstrap: str, timeout_s: float = 5.0) -> bool:
    """A broker answers when its metadata lists at least one broker."""
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=int(timeout_s * 1000))
    try:
        await asyncio.wait_for(admin.start(), timeout_s)
        return bool((await asyncio.wait_for(admin.describe_cluster(), timeout_s))["brokers"])
    except Exception:
        return False
    finally:
        try:
            await admin.close()
        except Exception:
            pass


def find_broker(bootstrap: str | None) -> str:
    """The broker to use: the one given, or the configured one, or the local one started now."""
    from core.settings import get_settings

    wanted = bootstrap or os.environ.get("MUSTER_KAFKA_BOOTSTRAP") or get_settings().kafka_bootstrap
    if asyncio.run(answers(wanted)):
        return wanted
    if bootstrap:
        raise SystemExit(f"no Kafka broker answers at {bootstrap}")
    try:
        from muster import broker
    except Exception as exc:  # muster/broker.py is optional for the bench
        raise SystemExit(f"no Kafka broker answers at {wanted}, and the local one cannot be started: {exc}") from exc
    settings = get_settings()
    log.info("no broker at %s; starting the local one", wanted)
    try:
        return broker.start(settings.broker_port, settings.broker_home)
    except Exception as exc:
        raise SystemExit(f"no Kafka broker answers at {wanted}, and starting the local one failed: {exc}") from exc


# --- machine and versions -------------------------------------------------------------------


def machine() -> dict[str, object]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu_model": cpu, "ram_gb": ram_gb, "os": platform.platform(),
            "loadavg_at_start": [round(x, 2) for x in os.getloadavg()]}


def versions(bootstrap: str) -> dict[str, str]:
    import aiokafka
    import fastapi
    import faust
    import geopy
    import numpy
    import pydantic
    import pyproj
    import shapely

    return {
        "python": platform.python_version(),
        "faust-streaming": faust.__version__,
        "aiokafka": aiokafka.__version__,
        "kafka_broker": broker_version(bootstrap),
        "shapely": shapely.__version__,
        "pyproj": pyproj.__version__,
        "geos": shapely.geos_version_string,
        "proj": pyproj.proj_version_str,
        "geopy": geopy.__version__,
        "numpy": numpy.__version__,
        "pydantic": pydantic.__version__,
        "fastapi": fastapi.__version__,
    }


def broker_version(bootstrap: str) -> str:
    """Apache Kafka's version from the jars of the java process listening on the bootstrap port.

    The Kafka protocol does not carry the server's version, so this reads the local process; a
    remote broker is reported as unknown.
    """
    port = bootstrap.rsplit(":", 1)[-1]
    for pid in _listening_pids(int(port)):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            cwd = Path(os.readlink(f"/proc/{pid}/cwd"))
        except OSError:
            continue
        args = [a.decode(errors="replace") for a in cmdline if a]
        for i, arg in enumerate(args):
            if arg in ("-cp", "-classpath") and i + 1 < len(args):
                for entry in args[i + 1].split(":"):
                    folder = Path(entry.rstrip("*")) if entry.endswith("*") else Path(entry).parent
                    folder = folder if folder.is_absolute() else cwd / folder
                    for jar in sorted(folder.glob("kafka-clients-*.jar")) + sorted(folder.glob("kafka_2.*-*.jar")):
                        found = re.search(r"-(\d+\.\d+\.\d+[^/]*?)\.jar$", jar.name)
                        if found:
                            return f"Apache Kafka {found.group(1)}"
    return "unknown (not a local process)"


def _listening_pids(port: int) -> list[int]:
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            if parts[3] == "0A" and int(parts[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(parts[9])
    pids: list[int] = []
    if not inodes:
        return pids
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            for fd in (proc / "fd").iterdir():
                target = os.readlink(fd)
                if target.startswith("socket:[") and target[8:-1] in inodes:
                    pids.append(int(proc.name))
                    break
        except OSError:
            continue
    return pids


def git_commit(root: Path = ROOT) -> str:
    """The commit measured, marked when tracked files differ from it: results must name the code
    that made them."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=5).stdout.strip()

    try:
        commit = git("rev-parse", "--short", "HEAD")
        return f"{commit} with uncommitted changes" if git("status", "--porcelain", "--untracked-files=no") else commit
    except Exception:
        return "unknown"
