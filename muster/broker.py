"""Run a local KRaft Apache Kafka broker, or a cluster of N, for tests, CI and the demo.

The jars are the official Apache Kafka artifacts from Maven Central, fetched with Maven
(`muster/kafka/pom.xml`) into `<home>/libs`; each broker runs as a detached `java` process that
outlives the Python process which started it. Layout of a single broker's `<home>`:

    libs/               jars (fetched once, re-fetched when the pom changes)
    data/               KRaft metadata and topic data (formatted once, kept across restarts)
    logs/server.log     the broker's own log (log4j2, rolled)
    broker.log          the JVM's stdout/stderr (startup failures, warnings)
    server.properties   written on every start
    broker.pid          pid of the running broker

A cluster of N (`--nodes N`) shares `<home>/libs` and gives node i (1..N) the layout above in
`<home>/node-i`, its client port PORT+2(i-1) and its controller port one above. Every node is
both broker and controller (KRaft combined mode), so three keep a controller quorum and every
partition's data with one of them down. Internal topics get min(3, N) replicas, and the brokers'
defaults for topics made without settings are the same replication and an in-sync minimum of 2
(1 below three nodes); an out-of-sync replica is never elected leader.

Use `python -m muster.broker start|stop|status [--port N] [--home DIR] [--nodes N]`, or the
functions below. Extra JVM options come from `MUSTER_BROKER_HEAP` (default `-Xmx640m -Xms256m`).
"""
from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import fcntl
import hashlib
import json
import logging
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

KAFKA_DIR = Path(__file__).resolve().parent / "kafka"
POM = KAFKA_DIR / "pom.xml"
LOG4J2_CONFIG = KAFKA_DIR / "log4j2.properties"
DEFAULT_HEAP = "-Xmx640m -Xms256m"
HOST = "127.0.0.1"
STOP_GRACE_S = 30.0
LOG_TAIL_LINES = 30


class BrokerError(RuntimeError):
    """The local broker could not be fetched, started or stopped; the message says why."""


# --- paths -----------------------------------------------------------------------------------


def _libs(home: Path) -> Path:
    return home / "libs"


def _data(home: Path) -> Path:
    return home / "data"


def _pid_file(home: Path) -> Path:
    return home / "broker.pid"


def _console_log(home: Path) -> Path:
    return home / "broker.log"


def _server_log(home: Path) -> Path:
    return home / "logs" / "server.log"


def _properties(home: Path) -> Path:
    return home / "server.properties"


def bootstrap_for(port: int) -> str:
    return f"{HOST}:{port}"


@dataclass(frozen=True)
class Node:
    """One broker of a local cluster: its KRaft node id, client and controller ports, and home."""

    id: int
    port: int
    controller_port: int
    home: Path

    @property
    def bootstrap(self) -> str:
        return bootstrap_for(self.port)


def nodes_for(port: int, home: Path, count: int = 1) -> list[Node]:
    """The nodes of a `count`-broker cluster in `home`. A single node is `home` itself on PORT and
    PORT+1 (the layout above); node i of more lives in `home/node-i` on PORT+2(i-1) and one above."""
    if count < 1:
        raise BrokerError(f"a cluster needs at least one node, not {count}")
    home = Path(home).resolve()
    if count == 1:
        return [Node(1, port, port + 1, home)]
    return [Node(i, port + 2 * (i - 1), port + 2 * (i - 1) + 1, home / f"node-{i}") for i in range(1, count + 1)]


def bootstrap_of(nodes: list[Node]) -> str:
    """The comma-separated bootstrap list every Kafka client (aiokafka, Faust) accepts."""
    return ",".join(node.bootstrap for node in nodes)


def replication_for(count: int) -> tuple[int, int]:
    """(replication factor, min in-sync replicas) for a cluster of `count`: three copies, two of
    which must have a write before it is acknowledged, so one broker may die without losing an
    acknowledged write or refusing new ones; fewer nodes get what they can hold."""
    replicas = min(3, count)
    return replicas, max(1, min(2, replicas - 1))


# --- fetching the jars -----------------------------------------------------------------------


def _pom_digest() -> str:
    return hashlib.sha256(POM.read_bytes()).hexdigest()


def fetch(home: Path) -> str:
    """Copy the Apache Kafka jars into `home/libs` with Maven, unless already there for this pom."""
    home = Path(home).resolve()
    libs = _libs(home)
    stamp = libs / ".pom-sha256"
    digest = _pom_digest()
    if stamp.is_file() and stamp.read_text().strip() == digest:
        return f"Kafka jars already in {libs}"
    mvn = shutil.which("mvn")
    if mvn is None:
        raise BrokerError(
            "Maven (mvn) is not on PATH; it fetches the Apache Kafka jars from Maven Central. "
            "Install it (Debian/Ubuntu: apt-get install maven) and try again."
        )
    home.mkdir(parents=True, exist_ok=True)
    staging = home / "libs.partial"
    shutil.rmtree(staging, ignore_errors=True)
    log.info("Fetching Apache Kafka jars with Maven into %s (first run only)", libs)
    started = time.monotonic()
    result = subprocess.run(
        [mvn, "-q", "-B", "-Dstyle.color=never", "-f", str(POM),
         "dependency:copy-dependencies", f"-DoutputDirectory={staging}"],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False,
    )
    if result.returncode != 0 or not any(staging.glob("kafka_2.13-*.jar")):
        output = (result.stdout + result.stderr).strip().splitlines()[-LOG_TAIL_LINES:]
        shutil.rmtree(staging, ignore_errors=True)
        raise BrokerError(
            f"Maven could not fetch the Kafka jars (exit {result.returncode}):\n"
            + "\n".join(output)
        )
    (staging / ".pom-sha256").write_text(digest + "\n")
    # Swap in the complete directory so an interrupted fetch never looks finished.
    shutil.rmtree(libs, ignore_errors=True)
    staging.rename(libs)
    jars = len(list(libs.glob("*.jar")))
    return f"Fetched {jars} jars into {libs} in {time.monotonic() - started:.1f} s"


# --- processes -------------------------------------------------------------------------------


def _java() -> str:
    java_home = os.environ.get("JAVA_HOME")
    if java_home and (Path(java_home) / "bin" / "java").is_file():
        return str(Path(java_home) / "bin" / "java")
    java = shutil.which("java")
    if java is None:
        raise BrokerError(
            "Java is not on PATH (nor in $JAVA_HOME); Apache Kafka 4 needs Java 17 or newer. "
            "Install it (Debian/Ubuntu: apt-get install openjdk-17-jre-headless) and try again."
        )
    return java


def _cmdline(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (dead, not yet reaped by its parent) still answers kill(0).
    with contextlib.suppress(OSError):
        stat = Path(f"/proc/{pid}/stat").read_text()
        if stat.rsplit(")", 1)[1].split()[0] in {"Z", "X"}:
            return False
    return True


def _is_our_broker(pid: int, home: Path) -> bool:
    """True when `pid` is a Kafka broker started with this home's server.properties."""
    if not _alive(pid):
        return False
    if not Path("/proc").is_dir():  # not Linux: no command lines to check, trust the pid file
        return True
    cmd = _cmdline(pid)
    return "kafka.Kafka" in cmd and str(_properties(home)) in cmd


def broker_pids(home: Path) -> list[int]:
    """Pids of every live broker process started with this home (normally zero or one)."""
    home = Path(home).resolve()
    pids: set[int] = set()
    recorded = _read_pid(home)
    if recorded is not None and _is_our_broker(recorded, home):
        pids.add(recorded)
    proc = Path("/proc")
    if proc.is_dir():
        for entry in proc.iterdir():
            if entry.name.isdigit() and _is_our_broker(int(entry.name), home):
                pids.add(int(entry.name))
    return sorted(pids)


def _read_pid(home: Path) -> int | None:
    try:
        return int(_pid_file(home).read_text().strip())
    except (OSError, ValueError):
        return None


def _running_pid(home: Path) -> int | None:
    """The pid of our live broker, clearing a stale pid file on the way."""
    pid = _read_pid(home)
    if pid is not None and _is_our_broker(pid, home):
        return pid
    if pid is not None:
        log.info("Removing stale pid file %s (pid %s is not our broker)", _pid_file(home), pid)
        _pid_file(home).unlink(missing_ok=True)
    others = broker_pids(home)
    if not others:
        return None
    _pid_file(home).write_text(f"{others[0]}\n")
    return others[0]


def _running_port(home: Path) -> int | None:
    with contextlib.suppress(OSError):
        for line in _properties(home).read_text().splitlines():
            if line.startswith("listeners="):
                return int(line.split("PLAINTEXT://", 1)[1].split(",", 1)[0].rsplit(":", 1)[1])
    return None


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
    return True


@contextlib.contextmanager
def _locked(home: Path) -> Iterator[None]:
    """Serialise start/stop on one home, so two scripts starting at once launch one broker."""
    home.mkdir(parents=True, exist_ok=True)
    with open(home / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# --- readiness probe -------------------------------------------------------------------------


async def _probe_async(bootstrap: str, timeout_s: float, brokers: int = 1) -> bool:
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap,
        client_id="muster-broker-probe",
        request_timeout_ms=max(1000, int(timeout_s * 1000)),
    )
    try:
        await asyncio.wait_for(admin.start(), timeout_s)
        cluster = await asyncio.wait_for(admin.describe_cluster(), timeout_s)
        return len(cluster.get("brokers") or ()) >= brokers
    except Exception:  # any failure means "not answering yet"
        return False
    finally:
        with contextlib.suppress(Exception):
            await admin.close()


@contextlib.contextmanager
def _quiet_aiokafka() -> Iterator[None]:
    # While polling a starting broker aiokafka logs every refused connection as an ERROR.
    logger = logging.getLogger("aiokafka")
    previous = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(previous)


def answers(bootstrap: str, timeout_s: float = 3.0, brokers: int = 1) -> bool:
    """True when a metadata request to `bootstrap` lists at least `brokers` live brokers."""
    with _quiet_aiokafka():
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.run(_probe_async(bootstrap, timeout_s, brokers))
        # Called from async code: run the probe on its own loop in a helper thread.
        result: list[bool] = []
        thread = threading.Thread(
            target=lambda: result.append(asyncio.run(_probe_async(bootstrap, timeout_s, brokers))),
            daemon=True,
        )
        thread.start()
        thread.join(timeout_s * 3 + 5)
        return bool(result and result[0])


# --- configuration ---------------------------------------------------------------------------


def server_properties(node: Node, cluster: list[Node]) -> str:
    """The server.properties of `node` in `cluster` (every node is broker and controller)."""
    replicas, min_isr = replication_for(len(cluster))
    voters = ",".join(f"{n.id}@{HOST}:{n.controller_port}" for n in cluster)
    return "\n".join([
        "# Written by muster/broker.py on every start; edits are overwritten.",
        "process.roles=broker,controller",
        f"node.id={node.id}",
        f"controller.quorum.voters={voters}",
        f"listeners=PLAINTEXT://{HOST}:{node.port},CONTROLLER://{HOST}:{node.controller_port}",
        f"advertised.listeners=PLAINTEXT://{HOST}:{node.port}",
        "inter.broker.listener.name=PLAINTEXT",
        "controller.listener.names=CONTROLLER",
        "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        f"log.dirs={_data(node.home)}",
        "num.partitions=1",
        f"default.replication.factor={replicas}",
        f"min.insync.replicas={min_isr}",
        "unclean.leader.election.enable=false",
        f"offsets.topic.replication.factor={replicas}",
        "offsets.topic.num.partitions=8",
        f"transaction.state.log.replication.factor={replicas}",
        f"transaction.state.log.min.isr={min_isr}",
        f"share.coordinator.state.topic.replication.factor={replicas}",
        f"share.coordinator.state.topic.min.isr={min_isr}",
        "group.initial.rebalance.delay.ms=0",
        "auto.create.topics.enable=true",
        "",
    ])


def _cluster_id() -> str:
    """A Kafka cluster id: 16 random bytes, base64url without padding (as StorageTool makes)."""
    while True:
        value = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
        if not value.startswith("-"):
            return value


def _cluster_id_of(nodes: list[Node]) -> str:
    """The id a formatted node of this cluster already has (a node re-formatted after losing its
    data must join the same cluster), or a new one."""
    for node in nodes:
        with contextlib.suppress(OSError):
            for line in (_data(node.home) / "meta.properties").read_text().splitlines():
                if line.startswith("cluster.id="):
                    return line.split("=", 1)[1].strip()
    return _cluster_id()


def _format_storage(java: str, node: Node, libs: Path, cluster_id: str, heap: str | None) -> str | None:
    if (_data(node.home) / "meta.properties").is_file():
        return None
    log.info("Formatting KRaft storage in %s (cluster id %s)", _data(node.home), cluster_id)
    result = subprocess.run(
        [java, *_jvm_options(node.home, heap), "-cp", f"{libs}/*", "kafka.tools.StorageTool",
         "format", "-t", cluster_id, "-c", str(_properties(node.home))],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False,
    )
    if result.returncode != 0:
        raise BrokerError(
            f"Formatting KRaft storage in {_data(node.home)} failed (exit {result.returncode}):\n"
            + (result.stdout + result.stderr).strip()
        )
    return f"Formatted KRaft storage in {_data(node.home)}"


def _jvm_options(home: Path, heap: str | None = None) -> list[str]:
    return [
        *shlex.split(heap or os.environ.get("MUSTER_BROKER_HEAP", DEFAULT_HEAP)),
        "-XX:+UseG1GC",
        "-XX:MaxGCPauseMillis=20",
        "-Djava.awt.headless=true",
        f"-Dlog4j2.configurationFile={LOG4J2_CONFIG}",
        f"-Dkafka.logs.dir={home / 'logs'}",
    ]


def _tail(home: Path, lines: int = LOG_TAIL_LINES) -> str:
    parts = []
    for path in (_console_log(home), _server_log(home)):
        with contextlib.suppress(OSError):
            text = path.read_text(errors="replace").splitlines()[-lines:]
            if text:
                parts.append(f"--- last {len(text)} lines of {path} ---\n" + "\n".join(text))
    return "\n".join(parts) or f"(no log output in {home})"


# --- start / stop / status -------------------------------------------------------------------


def _launch(java: str, node: Node, libs: Path, heap: str | None) -> int:
    """Start a broker detached (own session, no tie to our stdin or our lifetime); its pid."""
    command = [java, *_jvm_options(node.home, heap), "-cp", f"{libs}/*", "kafka.Kafka",
               str(_properties(node.home))]
    # `sh` backgrounds java and exits at once, so java is re-parented to init: no zombie and
    # no "subprocess still running" ResourceWarning in the caller when it is reaped.
    launcher = subprocess.run(
        ["/bin/sh", "-c", 'out=$1; shift; "$@" </dev/null >>"$out" 2>&1 & echo $!', "sh",
         str(_console_log(node.home)), *command],
        cwd=node.home, start_new_session=True, stdin=subprocess.DEVNULL,
        capture_output=True, text=True, check=True,
    )
    return int(launcher.stdout.strip())


def start(port: int, home: Path, wait_s: float = 90, nodes: int = 1, heap: str | None = None) -> str:
    """Start a `nodes`-broker cluster in `home` from client port `port` (see `nodes_for`); nodes
    already running are kept, so this also brings back one that died. Waits until every node
    answers and the cluster lists all of them. `heap` replaces MUSTER_BROKER_HEAP's JVM options.

    The wait starts once the jars are fetched and the nodes launched. Returns the bootstrap list.
    Raises BrokerError with the reason and the log tail.
    """
    home = Path(home).resolve()
    cluster = nodes_for(port, home, nodes)
    with _locked(home):
        pids: dict[int, int] = {}
        for node in cluster:
            pid = _running_pid(node.home)
            if pid is None:
                continue
            running_port = _running_port(node.home)
            if running_port not in (None, node.port):
                raise BrokerError(
                    f"The broker in {node.home} already runs on port {running_port} (pid {pid}); "
                    f"stop it first: python -m muster.broker stop --home {home}"
                )
            pids[node.id] = pid
        missing = [node for node in cluster if node.id not in pids]
        if missing:
            _check_ports_free(missing, home)
            java = _java()
            log.info("%s", fetch(home))
            cluster_id = _cluster_id_of(cluster)
            # Each format and launch is a JVM start of several seconds; the nodes' run side by side.
            with ThreadPoolExecutor(len(missing)) as pool:
                launched = pool.map(lambda node: _launch_node(java, node, cluster, _libs(home), cluster_id, heap),
                                    missing)
                pids.update(zip((node.id for node in missing), launched, strict=True))
        deadline = time.monotonic() + wait_s
        for node in cluster:
            _wait_until_answering(pids[node.id], node.bootstrap, node.home, deadline - time.monotonic())
        bootstrap = bootstrap_of(cluster)
        if nodes > 1:
            _wait_for_brokers(bootstrap, nodes, home, deadline)
        return bootstrap


def _check_ports_free(nodes: list[Node], home: Path) -> None:
    for node in nodes:
        for needed in (node.port, node.controller_port):
            if not _port_free(needed):
                raise BrokerError(
                    f"Port {needed} on {HOST} is in use by something that is not the Muster "
                    f"broker in {node.home}. Stop it, or pick another port with --port "
                    f"(each broker needs two ports: its client port and the one above)."
                )


def _launch_node(java: str, node: Node, cluster: list[Node], libs: Path, cluster_id: str,
                 heap: str | None) -> int:
    """Write the node's properties, format its storage if new, launch it; its pid."""
    node.home.mkdir(parents=True, exist_ok=True)
    _properties(node.home).write_text(server_properties(node, cluster))
    formatted = _format_storage(java, node, libs, cluster_id, heap)
    if formatted:
        log.info("%s", formatted)
    # Mark the start in both logs, so the tail shown on failure is clearly this run's.
    now = time.strftime("%Y-%m-%d %H:%M:%S")
    marker = f"=== muster broker start {now} on {node.bootstrap} ==="
    _server_log(node.home).parent.mkdir(parents=True, exist_ok=True)
    for path in (_console_log(node.home), _server_log(node.home)):
        with open(path, "a") as handle:
            handle.write(f"{marker}\n")
    pid = _launch(java, node, libs, heap)
    _pid_file(node.home).write_text(f"{pid}\n")
    log.info("Started Kafka broker %s pid %s at %s", node.id, pid, node.bootstrap)
    return pid


def _wait_until_answering(pid: int, bootstrap: str, home: Path, wait_s: float) -> None:
    started = time.monotonic()
    deadline = started + wait_s
    while True:
        if not _alive(pid):
            _pid_file(home).unlink(missing_ok=True)
            raise BrokerError(f"The Kafka broker (pid {pid}) exited during startup.\n{_tail(home)}")
        remaining = deadline - time.monotonic()
        if answers(bootstrap, timeout_s=max(0.5, min(3.0, remaining))):
            log.info("Kafka broker answering at %s after %.1f s", bootstrap,
                     time.monotonic() - started)
            return
        if time.monotonic() >= deadline:
            raise BrokerError(
                f"The Kafka broker (pid {pid}) did not answer at {bootstrap} within the wait; "
                f"it is still running (stop it with: python -m muster.broker stop --home {home}).\n"
                f"{_tail(home)}"
            )
        time.sleep(0.5)


def _wait_for_brokers(bootstrap: str, count: int, home: Path, deadline: float) -> None:
    """Until the cluster's metadata lists `count` live brokers: each has registered with the
    controller quorum and is not fenced."""
    while not answers(bootstrap, timeout_s=max(0.5, min(3.0, deadline - time.monotonic())), brokers=count):
        if time.monotonic() >= deadline:
            raise BrokerError(f"The cluster at {bootstrap} did not list {count} brokers within the wait; "
                              f"stop it with: python -m muster.broker stop --home {home}")
        time.sleep(0.5)
    log.info("Kafka cluster of %d brokers answering at %s", count, bootstrap)


def _homes(home: Path) -> list[Path]:
    """`home` and the homes of the cluster nodes inside it."""
    return [home, *sorted(path for path in home.glob("node-*") if path.is_dir())]


def stop(home: Path) -> str:
    """Stop every broker of `home` (one, or a cluster's nodes) at once: SIGTERM (controlled
    shutdown), SIGKILL after 30 s; remove the pid files."""
    home = Path(home).resolve()
    with _locked(home):
        pids = []
        for node_home in _homes(home):
            pids += broker_pids(node_home)
            _pid_file(node_home).unlink(missing_ok=True)
        if not pids:
            return f"No Kafka broker running for {home}"
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_S
        while time.monotonic() < deadline and any(_alive(pid) for pid in pids):
            time.sleep(0.2)
        killed = [pid for pid in pids if _alive(pid)]
        for pid in killed:
            log.warning("Kafka broker pid %s ignored SIGTERM for %.0f s; sending SIGKILL",
                        pid, STOP_GRACE_S)
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and any(_alive(pid) for pid in killed):
            time.sleep(0.1)
        how = "killed" if killed else "stopped"
        return f"Kafka broker {how} (pid {', '.join(map(str, pids))})"


def status(port: int, home: Path, nodes: int = 1) -> dict[str, Any]:
    """running: every node's process is alive; answering: the cluster lists all `nodes` brokers."""
    cluster = nodes_for(port, home, nodes)
    pids = [_running_pid(node.home) for node in cluster]
    bootstrap = bootstrap_of(cluster)
    report: dict[str, Any] = {
        "running": all(pid is not None for pid in pids),
        "pid": pids[0] if nodes == 1 else pids,
        "answering": answers(bootstrap, brokers=nodes),
        "bootstrap": bootstrap,
        "home": str(cluster[0].home if nodes == 1 else Path(home).resolve()),
        "log": str(_server_log(cluster[0].home)) if nodes == 1 else [str(_server_log(n.home)) for n in cluster],
    }
    return report


# --- command line ----------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    from core.settings import get_settings

    settings = get_settings()
    parser = argparse.ArgumentParser(
        prog="python -m muster.broker",
        description="Manage the local KRaft Apache Kafka broker, or a cluster of them.",
    )
    parser.add_argument("command", choices=["start", "stop", "status", "fetch"])
    parser.add_argument("--port", type=int, default=settings.broker_port,
                        help="client port; the controller uses PORT+1, node i of a cluster "
                             "PORT+2(i-1) and one above (default %(default)s)")
    parser.add_argument("--nodes", type=int, default=settings.broker_nodes,
                        help="brokers in the cluster (default %(default)s)")
    parser.add_argument("--home", type=Path, default=settings.broker_home,
                        help="jars, data, logs and pid file (default %(default)s)")
    parser.add_argument("--wait", type=float, default=90.0,
                        help="seconds to wait for the broker to answer (default %(default)s)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="muster.broker: %(message)s", stream=sys.stderr)
    try:
        if args.command == "start":
            print(start(args.port, args.home, args.wait, nodes=args.nodes))
        elif args.command == "stop":
            print(stop(args.home))
        elif args.command == "fetch":
            print(fetch(args.home))
        else:
            report = status(args.port, args.home, args.nodes)
            print(json.dumps(report, indent=2))
            return 0 if report["answering"] else 1
    except BrokerError as error:
        print(f"muster.broker: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
