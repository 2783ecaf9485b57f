"""Run a local single-node KRaft Apache Kafka broker for tests, CI and the demo.

The jars are the official Apache Kafka artifacts from Maven Central, fetched with Maven
(`muster/kafka/pom.xml`) into `<home>/libs`; the broker runs as a detached `java` process that
outlives the Python process which started it. Layout of `<home>`:

    libs/               jars (fetched once, re-fetched when the pom changes)
    data/               KRaft metadata and topic data (formatted once, kept across restarts)
    logs/server.log     the broker's own log (log4j2, rolled)
    broker.log          the JVM's stdout/stderr (startup failures, warnings)
    server.properties   written on every start
    broker.pid          pid of the running broker

Use `python -m muster.broker start|stop|status [--port N] [--home DIR]`, or the functions below.
Extra JVM options come from `MUSTER_BROKER_HEAP` (default `-Xmx640m -Xms256m`).
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


async def _probe_async(bootstrap: str, timeout_s: float) -> bool:
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap,
        client_id="muster-broker-probe",
        request_timeout_ms=max(1000, int(timeout_s * 1000)),
    )
    try:
        await asyncio.wait_for(admin.start(), timeout_s)
        cluster = await asyncio.wait_for(admin.describe_cluster(), timeout_s)
        return bool(cluster.get("brokers"))
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


def answers(bootstrap: str, timeout_s: float = 3.0) -> bool:
    """True when a metadata request to `bootstrap` lists at least one broker."""
    with _quiet_aiokafka():
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.run(_probe_async(bootstrap, timeout_s))
        # Called from async code: run the probe on its own loop in a helper thread.
        result: list[bool] = []
        thread = threading.Thread(
            target=lambda: result.append(asyncio.run(_probe_async(bootstrap, timeout_s))),
            daemon=True,
        )
        thread.start()
        thread.join(timeout_s * 3 + 5)
        return bool(result and result[0])


# --- configuration ---------------------------------------------------------------------------


def _server_properties(port: int, home: Path) -> str:
    controller = port + 1
    return "\n".join([
        "# Written by muster/broker.py on every start; edits are overwritten.",
        "process.roles=broker,controller",
        "node.id=1",
        f"controller.quorum.voters=1@{HOST}:{controller}",
        f"listeners=PLAINTEXT://{HOST}:{port},CONTROLLER://{HOST}:{controller}",
        f"advertised.listeners=PLAINTEXT://{HOST}:{port}",
        "inter.broker.listener.name=PLAINTEXT",
        "controller.listener.names=CONTROLLER",
        "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        f"log.dirs={_data(home)}",
        "num.partitions=1",
        "offsets.topic.replication.factor=1",
        "offsets.topic.num.partitions=8",
        "transaction.state.log.replication.factor=1",
        "transaction.state.log.min.isr=1",
        "share.coordinator.state.topic.replication.factor=1",
        "share.coordinator.state.topic.min.isr=1",
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


def _format_storage(java: str, home: Path) -> str | None:
    if (_data(home) / "meta.properties").is_file():
        return None
    cluster_id = _cluster_id()
    log.info("Formatting KRaft storage in %s (cluster id %s)", _data(home), cluster_id)
    result = subprocess.run(
        [java, *_jvm_options(home), "-cp", f"{_libs(home)}/*", "kafka.tools.StorageTool",
         "format", "-t", cluster_id, "-c", str(_properties(home))],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False,
    )
    if result.returncode != 0:
        raise BrokerError(
            f"Formatting KRaft storage in {_data(home)} failed (exit {result.returncode}):\n"
            + (result.stdout + result.stderr).strip()
        )
    return f"Formatted KRaft storage in {_data(home)}"


def _jvm_options(home: Path) -> list[str]:
    return [
        *shlex.split(os.environ.get("MUSTER_BROKER_HEAP", DEFAULT_HEAP)),
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


def _launch(java: str, home: Path) -> int:
    """Start the broker detached (own session, no tie to our stdin or our lifetime); its pid."""
    command = [java, *_jvm_options(home), "-cp", f"{_libs(home)}/*", "kafka.Kafka",
               str(_properties(home))]
    # `sh` backgrounds java and exits at once, so java is re-parented to init: no zombie and
    # no "subprocess still running" ResourceWarning in the caller when it is reaped.
    launcher = subprocess.run(
        ["/bin/sh", "-c", 'out=$1; shift; "$@" </dev/null >>"$out" 2>&1 & echo $!', "sh",
         str(_console_log(home)), *command],
        cwd=home, start_new_session=True, stdin=subprocess.DEVNULL,
        capture_output=True, text=True, check=True,
    )
    return int(launcher.stdout.strip())


def start(port: int, home: Path, wait_s: float = 90) -> str:
    """Start the broker on 127.0.0.1:`port` (controller on port+1) unless it already runs.

    Returns the bootstrap address. Raises BrokerError with the reason and the log tail.
    """
    home = Path(home).resolve()
    bootstrap = bootstrap_for(port)
    with _locked(home):
        pid = _running_pid(home)
        if pid is not None:
            running_port = _running_port(home)
            if running_port not in (None, port):
                raise BrokerError(
                    f"The broker in {home} already runs on port {running_port} (pid {pid}); "
                    f"stop it first: python -m muster.broker stop --home {home}"
                )
            if answers(bootstrap):
                log.info("Kafka broker already running at %s (pid %s)", bootstrap, pid)
                return bootstrap
            log.info("Kafka broker pid %s is running but not answering yet; waiting", pid)
        else:
            for needed in (port, port + 1):
                if not _port_free(needed):
                    raise BrokerError(
                        f"Port {needed} on {HOST} is in use by something that is not the Muster "
                        f"broker in {home}. Stop it, or pick another port with --port "
                        f"(the broker needs PORT and PORT+1)."
                    )
            java = _java()
            message = fetch(home)
            log.info("%s", message)
            _properties(home).write_text(_server_properties(port, home))
            formatted = _format_storage(java, home)
            if formatted:
                log.info("%s", formatted)
            # Mark the start in both logs, so the tail shown on failure is clearly this run's.
            now = time.strftime("%Y-%m-%d %H:%M:%S")
            marker = f"=== muster broker start {now} on {bootstrap} ==="
            _server_log(home).parent.mkdir(parents=True, exist_ok=True)
            for path in (_console_log(home), _server_log(home)):
                with open(path, "a") as handle:
                    handle.write(f"{marker}\n")
            pid = _launch(java, home)
            _pid_file(home).write_text(f"{pid}\n")
            log.info("Started Kafka broker pid %s at %s; waiting up to %g s for it to answer",
                     pid, bootstrap, wait_s)
        _wait_until_answering(pid, bootstrap, home, wait_s)
        return bootstrap


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
                f"The Kafka broker (pid {pid}) did not answer at {bootstrap} within {wait_s:g} s; "
                f"it is still running (stop it with: python -m muster.broker stop --home {home}).\n"
                f"{_tail(home)}"
            )
        time.sleep(0.5)


def stop(home: Path) -> str:
    """Stop the broker: SIGTERM (controlled shutdown), SIGKILL after 30 s; remove the pid file."""
    home = Path(home).resolve()
    with _locked(home):
        pids = broker_pids(home)
        _pid_file(home).unlink(missing_ok=True)
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


def status(port: int, home: Path) -> dict[str, Any]:
    """running: our process is alive; answering: a metadata request on `port` lists a broker."""
    home = Path(home).resolve()
    bootstrap = bootstrap_for(port)
    pid = _running_pid(home)
    return {
        "running": pid is not None,
        "pid": pid,
        "answering": answers(bootstrap),
        "bootstrap": bootstrap,
        "home": str(home),
        "log": str(_server_log(home)),
    }


# --- command line ----------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    from core.settings import get_settings

    settings = get_settings()
    parser = argparse.ArgumentParser(
        prog="python -m muster.broker",
        description="Manage the local single-node KRaft Apache Kafka broker.",
    )
    parser.add_argument("command", choices=["start", "stop", "status", "fetch"])
    parser.add_argument("--port", type=int, default=settings.broker_port,
                        help="client port; the controller uses PORT+1 (default %(default)s)")
    parser.add_argument("--home", type=Path, default=settings.broker_home,
                        help="jars, data, logs and pid file (default %(default)s)")
    parser.add_argument("--wait", type=float, default=90.0,
                        help="seconds to wait for the broker to answer (default %(default)s)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="muster.broker: %(message)s", stream=sys.stderr)
    try:
        if args.command == "start":
            print(start(args.port, args.home, args.wait))
        elif args.command == "stop":
            print(stop(args.home))
        elif args.command == "fetch":
            print(fetch(args.home))
        else:
            report = status(args.port, args.home)
            print(json.dumps(report, indent=2))
            return 0 if report["answering"] else 1
    except BrokerError as error:
        print(f"muster.broker: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
