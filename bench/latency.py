"""(b) Latency and (e) API load: a referral through the API and a worker vs a bare Kafka round trip.

Bare round trip: the client produces a request (acks=all, no linger, as the API's producer) on
one topic; a bare aiokafka echo process (bench.passthrough) copies it to a reply topic; the
client's consumer (no group, a 50 ms fetch wait tuned for latency) sees it. Referral round trip:
POST /v1/referrals answered 201 "held": the API ranks candidates, asks the first one's shelter
agent for a hold (the HoldBed carrying the RequestReferral) and produces its audit record, the
shelter agent answers, the worker's referral agent writes referral-state, the API's view reads it
and answers.
Offered load is open-loop (a request every 1/rate s whatever the answers), so slow answers
do not slow the offered rate.
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
import random
import time
import uuid
from dataclasses import dataclass, field

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from bench import kafka
from bench.cpu import CpuMeter, merge as merge_cpu
from bench.env import StackEnv
from bench.mix import REGION, Command, Mix
from bench.procs import ApiProc, passthrough, worker
from bench.profile import Profiler
from bench.stats import percentile
from bench.timing import collector_paused
from bus import topics
from bus.topics import ensure_topics

log = logging.getLogger(__name__)

BARE_FETCH_MAX_WAIT_MS = 50
"""The bare consumer asks again every 50 ms while idle: the API's views wait 500 ms (bus.tail,
for idle cost), and the baseline keeps the setting a latency-minded reader would pick."""


WARM_UP_CALLS = 50
"""Round trips made, one at a time, before any is timed, on each side. The first ones through a
fresh partition cost a worker 50-170 ms more (per-hop record timestamps showed it for about the
first 30 referrals): the timed rates measure the steady state, and the first call after idling
is timed on its own."""
SLOWEST_SHARE = 0.01
"""The share of referrals at each rate whose hops are timed apart, as the slowest."""
TURN_S = 5.0
"""Seconds each side of a fixed-rate comparison runs before the other takes its turn."""


@dataclass
class Sample:
    ok: int = 0
    errors: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    elapsed_s: float = 0.0

    def summary(self, **extra) -> dict:
        cpu = extra.get("cpu") or {}
        per_request = {}
        if cpu and self.ok:
            per_request = {name: round(1000.0 * used / (self.ok + self.errors), 3)
                           for name, used in cpu.get("cpu_s", {}).items()}
        return {
            **extra,
            "cpu_ms_per_request": per_request,
            "requests": self.ok + self.errors, "ok": self.ok, "errors": self.errors,
            "p50_ms": round(percentile(self.latencies_ms, 50), 2),
            "p99_ms": round(percentile(self.latencies_ms, 99), 2),
            "max_ms": round(max(self.latencies_ms), 2) if self.latencies_ms else None,
            "achieved_per_s": round(self.ok / self.elapsed_s, 1) if self.elapsed_s else None,
            "statuses": self.statuses,
        }


async def open_loop(call, rate: float, duration_s: float) -> Sample:
    """Start `call()` every 1/rate seconds for duration_s; each returns (ok, status label)."""
    sample = Sample()
    loop = asyncio.get_running_loop()
    count = max(1, int(rate * duration_s))
    start = loop.time() + 0.05
    tasks = []

    async def one() -> None:
        t = time.perf_counter()
        try:
            ok, label = await call()
        except Exception as exc:
            ok, label = False, type(exc).__name__
        ms = (time.perf_counter() - t) * 1000.0
        sample.statuses[label] = sample.statuses.get(label, 0) + 1
        if ok:
            sample.ok += 1
            sample.latencies_ms.append(ms)
        else:
            sample.errors += 1

    with collector_paused():
        for i in range(count):
            delay = start + i / rate - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one()))
        await asyncio.gather(*tasks)
    sample.elapsed_s = loop.time() - start
    return sample


class BareRoundTrip:
    """The baseline: request topic → bare aiokafka echo process → reply topic → this client."""

    def __init__(self, bootstrap: str) -> None:
        self.bootstrap = bootstrap
        self.stack = StackEnv(bootstrap)
        self.source, self.target = self.stack.topic("rt-requests"), self.stack.topic("rt-replies")
        self.group = f"bench-echo-{self.stack.run}"
        self.waiting: dict[bytes, asyncio.Future] = {}

    async def start(self) -> None:
        await kafka.create_topics(self.bootstrap, [self.source, self.target], self.stack.partitions)
        self.echo = passthrough(f"{self.stack.run}-echo", self.bootstrap, self.source, self.target, self.group).start()
        await kafka.wait_group(self.bootstrap, self.group, 1)
        self.producer = AIOKafkaProducer(bootstrap_servers=self.bootstrap, acks="all", enable_idempotence=True,
                                         linger_ms=0)
        await self.producer.start()
        self.consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, group_id=None, enable_auto_commit=False,
                                         fetch_max_wait_ms=BARE_FETCH_MAX_WAIT_MS)
        await self.consumer.start()
        tps = await kafka.partitions_of(self.consumer, self.target)
        self.consumer.assign(tps)
        await self.consumer.seek_to_end(*tps)
        for tp in tps:
            await self.consumer.position(tp)
        self.reader = asyncio.create_task(self._read())
        for _ in range(WARM_UP_CALLS):
            await self.call()

    async def _read(self) -> None:
        while True:
            batches = await self.consumer.getmany(timeout_ms=200)
            for records in batches.values():
                for record in records:
                    future = self.waiting.pop(record.key, None)
                    if future is not None and not future.done():
                        future.set_result(None)

    async def call(self) -> tuple[bool, str]:
        key = uuid.uuid4().hex.encode()
        future = asyncio.get_running_loop().create_future()
        self.waiting[key] = future
        await self.producer.send_and_wait(self.source, key=key, value=b"x" * 200)
        try:
            await asyncio.wait_for(future, 10)
        except TimeoutError:
            self.waiting.pop(key, None)
            return False, "timeout"
        return True, "echoed"

    async def stop(self) -> None:
        self.reader.cancel()
        try:
            await self.reader
        except (asyncio.CancelledError, Exception):
            pass
        await self.consumer.stop()
        await self.producer.stop()
        self.echo.stop()


class MusterStack:
    """One worker and one API on fresh topics, with shelters and incidents in place."""

    def __init__(self, bootstrap: str, mix: Mix, workers: int = 1, partitions: int = 8) -> None:
        self.bootstrap = bootstrap
        self.mix = mix
        self.stack = StackEnv(bootstrap, partitions=partitions)
        self.settings = self.stack.settings()
        self.n_workers = workers
        self.rng = random.Random(11)
        self.counter = 0
        self.answered: dict[str, tuple[float, float]] = {}
        """Per referral answered 201: wall-clock times the request left and the answer came."""

    async def start(self, extra_incidents: int = 20) -> None:
        from api.auth import mint

        await ensure_topics(self.settings)
        self.workers = [worker(f"{self.stack.run}-lat-worker-{i}", self.stack.env, str(i)).start()
                        for i in range(1, self.n_workers + 1)]
        self.api = ApiProc(f"{self.stack.run}-api", self.stack.env).start()
        await kafka.wait_group(self.bootstrap, self.settings.app_id, self.n_workers, deadline_s=120)
        setup = self.mix.setup() + self._incidents(extra_incidents)
        await kafka.produce(self.bootstrap, [(self.stack.topic(c.topic), c.key.encode(), c.value) for c in setup])
        await asyncio.to_thread(self.api.wait_ready)
        token = mint(self.settings, 'navigator', sub='bench-navigator')
        headers = {"Authorization": f"Bearer {token}"}
        self.raw = RawHttp("127.0.0.1", self.api.port, token)
        # Idle connections are dropped before uvicorn's 5 s keep-alive ends, so that a request never
        # races the server closing the connection it reuses (a ReadError that is the client's doing).
        limits = httpx.Limits(max_connections=512, max_keepalive_connections=512, keepalive_expiry=3.0)
        self.client = httpx.AsyncClient(base_url=self.api.base, headers=headers, timeout=30, limits=limits)
        deadline = time.monotonic() + 90
        while True:  # the API's views hold every shelter and incident
            shelters = (await self.client.get("/v1/shelters", params={"limit": 1000})).json()
            incidents = (await self.client.get("/v1/incidents")).json()
            if len(shelters) >= self.mix.n_shelters and len(incidents) >= extra_incidents:
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"API sees {len(shelters)} shelters, {len(incidents)} incidents after 90 s")
            await asyncio.sleep(0.5)
        for _ in range(WARM_UP_CALLS):
            ok, label = await self.refer()
            if not ok:
                raise RuntimeError(f"warm-up referral failed: {label}\n{self.api.log_tail()}")

    def _incidents(self, n: int) -> list[Command]:
        from bench.mix import MANAGER, NOW, _dump
        from handlers.common import CircleArea, Point
        from handlers.incidents import DeclareIncident

        out = []
        for i in range(n):
            lat, lon = self.mix._point()
            cmd = DeclareIncident(id=f"bench-incident-{i}", kind=self.rng.choice(["flood", "ice_storm", "wildfire"]),
                                  title=f"Sample bench incident {i}", severity="moderate",
                                  area=CircleArea(center=Point(lat=lat, lon=lon), radius_km=self.rng.uniform(2, 15)),
                                  actor=MANAGER, accepted_at=NOW)
            out.append(Command(topics.INCIDENTS.name, cmd.id, _dump(cmd), "setup", (topics.INCIDENT_STATE.name, cmd.id)))
        return out

    def referral_body(self) -> dict:
        self.counter += 1
        lat0, lat1, lon0, lon1 = REGION
        household, needs = self.mix.random_needs()
        return {"id": f"ref-{self.stack.run}-{self.counter}",
                "location": {"lat": round(self.rng.uniform(lat0, lat1), 5), "lon": round(self.rng.uniform(lon0, lon1), 5)},
                "household_size": household, "needs": needs.model_dump(exclude_defaults=True)}

    async def refer(self) -> tuple[bool, str]:
        """One referral through the raw client, whose few CPU µs leave the box to the API and
        worker (httpx spends about 5 CPU ms per referral, in the same 2 cores)."""
        body = self.referral_body()
        sent = time.time()
        status, answer = await self.raw.request("POST", "/v1/referrals", json.dumps(body).encode())
        if status == 201:
            self.answered[body["id"]] = (sent, time.time())
            return True, "201 held"
        if status == 200:
            return True, f"200 {json.loads(answer).get('status')}"
        return False, str(status)

    async def refer_httpx(self) -> tuple[bool, str]:
        """One referral through httpx, as most Python clients would call the API."""
        response = await self.client.post("/v1/referrals", json=self.referral_body())
        if response.status_code in (200, 201):
            return True, f"{response.status_code} {response.json().get('status')}"
        return False, str(response.status_code)

    async def hops(self, groups: dict[object, set[str]]) -> dict[object, dict[str, dict]]:
        """Per group of referrals, p50/p99 of each hop, from the timestamps producers put on the
        records each hop writes (one clock: every process runs on this host)."""
        wanted = set().union(*groups.values())
        stamps = await _record_stamps(self.bootstrap, wanted, {
            self.stack.topic(topics.REFERRALS.name): ("BedHeld",),
            self.stack.topic(topics.SHELTERS.name): ("HoldBed",),
            self.stack.topic(topics.REFERRAL_STATE.name): ("held",)})
        return {rate: hop_percentiles(self.answered, stamps, ids) for rate, ids in groups.items()}

    async def get(self, path: str, params=None) -> tuple[bool, str]:
        response = await self.client.get(path, params=params)
        return response.status_code == 200, str(response.status_code)

    async def stop(self) -> None:
        if hasattr(self, "client"):
            await self.client.aclose()
            await self.raw.close()
        self.api.stop()
        for w in self.workers:
            w.stop()


HOPS = [("HTTP in → HoldBed produced (API)", "HoldBed"),
        ("→ BedHeld produced (shelter agent)", "BedHeld"),
        ("→ held state produced (referral agent)", "held"),
        ("→ HTTP answer (API view)", None)]
"""A referral's hops, each named by what ends it: the record's type or state, or the answer."""


def hop_percentiles(answered: dict[str, tuple[float, float]], stamps: dict[str, dict[str, float]],
                    ids: set[str]) -> dict[str, dict]:
    """p50/p99 of each of HOPS over the referrals in ids whose every record was found."""
    spans: dict[str, list[float]] = {name: [] for name, _ in HOPS}
    for rid in ids:
        seen = stamps.get(rid, {})
        if rid not in answered or not all(kind in seen for _, kind in HOPS[:-1]):
            continue
        sent, answer = answered[rid]
        points = [sent, *(seen[kind] for _, kind in HOPS[:-1] if kind is not None), answer]
        for (name, _), start, end in zip(HOPS, points, points[1:], strict=False):
            spans[name].append((end - start) * 1000.0)
    return {name: {"n": len(v), "p50_ms": round(percentile(v, 50), 1), "p99_ms": round(percentile(v, 99), 1)}
            for name, v in spans.items() if v}


async def _record_stamps(bootstrap: str, wanted: set[str], kinds: dict[str, tuple[str, ...]]
                         ) -> dict[str, dict[str, float]]:
    """Per referral id in wanted, the first timestamp (s) of each kind of record on the topics."""
    stamps: dict[str, dict[str, float]] = {}
    for record in await kafka.read(bootstrap, list(kinds)):
        if record.value is None:
            continue
        value = json.loads(record.value)
        kind = value.get("status") if "status" in value else value.get("type")
        rid = value.get("referral_id") or value.get("id")
        if kind in kinds[record.topic] and rid in wanted:
            stamps.setdefault(rid, {}).setdefault(kind, record.timestamp_ms / 1000.0)
    return stamps


def merge(samples: list[Sample]) -> Sample:
    out = Sample()
    for s in samples:
        out.ok += s.ok
        out.errors += s.errors
        out.latencies_ms += s.latencies_ms
        out.elapsed_s += s.elapsed_s
        for k, v in s.statuses.items():
            out.statuses[k] = out.statuses.get(k, 0) + v
    return out


def _pids(bare: BareRoundTrip | None, stack: MusterStack, broker_pid: int | None) -> dict[str, int]:
    pids = {"api": stack.api.pid, "bench": os.getpid()}
    pids.update({f"worker-{i}": w.pid for i, w in enumerate(stack.workers, 1)})
    if bare is not None:
        pids["echo"] = bare.echo.pid
    if broker_pid:
        pids["broker"] = broker_pid
    return pids


async def warm_up(bare: BareRoundTrip, stack: MusterStack, rate: float, duration_s: float) -> None:
    """Both sides at `rate` for duration_s, untimed, in alternating quarters as `rates` alternates.
    A fresh broker's JVM is still compiling its hot paths in its first minute under load: on one,
    the referral p99 at 50/s was 207 and 150 ms, and a minute later 106 and 88 ms. A coordinator
    in service runs on a warm broker, and so does the bare round trip it is compared with."""
    for _ in range(2):
        await open_loop(bare.call, rate, duration_s / 4)
        await open_loop(stack.refer, rate, duration_s / 4)


async def rates(bare: BareRoundTrip, stack: MusterStack, offered: list[float], duration_s: float,
                broker_pid: int | None = None) -> list[dict]:
    """Bare and referral round trips at each offered rate, duration_s each, side by side: taking
    turns every `TURN_S`, so that a change in the box's load falls on both."""
    rows: list[dict] = []
    groups: dict[object, set[str]] = {}
    rounds = max(2, round(duration_s / TURN_S))
    for rate in offered:
        b, m, cpu_b, cpu_m = [], [], [], []
        before = set(stack.answered)
        for _ in range(rounds):
            meter = CpuMeter(_pids(bare, stack, broker_pid)).start()
            b.append(await open_loop(bare.call, rate, duration_s / rounds))
            cpu_b.append(meter.stop())
            meter = CpuMeter(_pids(bare, stack, broker_pid)).start()
            m.append(await open_loop(stack.refer, rate, duration_s / rounds))
            cpu_m.append(meter.stop())
        groups[rate] = set(stack.answered) - before
        groups[("slowest", rate)] = slowest(stack.answered, groups[rate])
        rows.append({"rate_per_s": rate, "bare": merge(b).summary(cpu=merge_cpu(cpu_b)),
                     "referral": merge(m).summary(cpu=merge_cpu(cpu_m))})
    try:
        hops = await stack.hops(groups)
    except Exception:  # a diagnostic: the figures above stand without it
        log.warning("could not time the referrals' hops", exc_info=True)
        hops = {}
    for row in rows:
        row["referral_hops"] = hops.get(row["rate_per_s"], {})
        row["slowest_referral_hops"] = hops.get(("slowest", row["rate_per_s"]), {})
    return rows


def slowest(answered: dict[str, tuple[float, float]], ids: set[str], share: float = SLOWEST_SHARE) -> set[str]:
    """The slowest `share` of the referrals in ids (at least one): where their time went says
    whether one process stalled (one hop slow) or the whole box did (every hop slow)."""
    times = sorted((answered[rid][1] - answered[rid][0], rid) for rid in ids if rid in answered)
    return {rid for _, rid in times[-max(1, round(len(times) * share)):]} if times else set()


async def after_idle(bare: BareRoundTrip, stack: MusterStack, idle_since: float) -> dict:
    """The first referral and the first bare round trip after both sat idle, then one more of each."""
    idle = time.monotonic() - idle_since
    out: dict[str, object] = {"idle_s": round(idle, 1)}
    for label, call in (("referral_first", stack.refer), ("bare_first", bare.call),
                        ("referral_second", stack.refer), ("bare_second", bare.call)):
        t = time.perf_counter()
        ok, status = await call()
        out[label] = {"ms": round((time.perf_counter() - t) * 1000.0, 2), "ok": ok, "status": status}
    return out


async def max_rate(stack: MusterStack, steps: list[float], duration_s: float, p99_limit_ms: float = 500.0,
                   profile: bool = False, broker_pid: int | None = None) -> dict:
    """Step the offered referral rate up until p99 passes the limit or a request fails; with
    `profile`, py-spy samples the API and the worker throughout."""
    rows = []
    best = None
    profilers = []
    if profile:
        profilers = [Profiler(stack.api.pid, "max-rate-api").start()]
        profilers += [Profiler(w.pid, f"max-rate-worker-{i}").start() for i, w in enumerate(stack.workers, 1)]
    for rate in steps:
        meter = CpuMeter(_pids(None, stack, broker_pid)).start()
        s = await open_loop(stack.refer, rate, duration_s)
        row = s.summary(rate_per_s=rate, cpu=meter.stop())
        rows.append(row)
        if s.errors or row["p99_ms"] > p99_limit_ms:
            break
        best = rate
        await asyncio.sleep(1.0)
    profiles = {p.path.stem: p.stop() or p.error for p in profilers}
    return {"steps": rows, "highest_sustained_per_s": best, "p99_limit_ms": p99_limit_ms, "profiles": profiles}


async def api_load(stack: MusterStack, concurrency: int, duration_s: float, broker_pid: int | None = None,
                   rounds: int = 3) -> list[dict]:
    """Closed-loop load, `concurrency` clients at once, on each endpoint in turn; in `rounds`
    rotations so that a change in the box's load falls on every endpoint."""
    rng = random.Random(5)
    lat0, lat1, lon0, lon1 = REGION

    def shelters():
        return stack.get("/v1/shelters", {"lat": round(rng.uniform(lat0, lat1), 4),
                                          "lon": round(rng.uniform(lon0, lon1), 4), "radius_km": 50})

    from api.auth import mint

    raw = RawHttp("127.0.0.1", stack.api.port, mint(stack.settings, "navigator", sub="bench-navigator-raw"))

    def shelters_path() -> str:
        return (f"/v1/shelters?lat={rng.uniform(lat0, lat1):.4f}&lon={rng.uniform(lon0, lon1):.4f}&radius_km=50")

    async def raw_get(path: str) -> tuple[bool, str]:
        status, _ = await raw.request("GET", path)
        return status == 200, str(status)

    endpoints = [
        ("GET /healthz", lambda: stack.get("/healthz")),
        ("GET /v1/shelters?lat&lon&radius_km=50", shelters),
        ("GET /v1/incidents", lambda: stack.get("/v1/incidents")),
        ("POST /v1/referrals", stack.refer_httpx),
        ("raw: GET /healthz", lambda: raw_get("/healthz")),
        ("raw: GET /v1/shelters?lat&lon&radius_km=50", lambda: raw_get(shelters_path())),
        ("raw: GET /v1/incidents", lambda: raw_get("/v1/incidents")),
        ("raw: POST /v1/referrals", stack.refer),
    ]
    samples: dict[str, list[Sample]] = {label: [] for label, _ in endpoints}
    cpu: dict[str, list[dict]] = {label: [] for label, _ in endpoints}
    for r in range(rounds):
        for label, call in endpoints[r % len(endpoints):] + endpoints[:r % len(endpoints)]:
            meter = CpuMeter(_pids(None, stack, broker_pid)).start()
            samples[label].append(await closed_loop(call, concurrency, duration_s / rounds))
            cpu[label].append(meter.stop())
            await raw.close()  # uvicorn drops connections idle for 5 s: never reuse one across runs
    await raw.close()
    return [merge(samples[label]).summary(endpoint=label, concurrency=concurrency, cpu=merge_cpu(cpu[label]))
            for label, _ in endpoints]


class RawHttp:
    """A minimal HTTP/1.1 keep-alive client, one connection per concurrent caller.

    httpx spends a few CPU ms per request at 32 concurrent requests, more than the API itself on
    light endpoints, so on a 2-core box it would measure itself; this client costs tens of µs.
    A connection idle for `IDLE_EXPIRY_S` is closed rather than reused, so that a request never
    races uvicorn closing it (its keep-alive is 5 s).
    """

    IDLE_EXPIRY_S = 3.0

    def __init__(self, host: str, port: int, token: str) -> None:
        self.host, self.port = host, port
        self.auth = f"Authorization: Bearer {token}\r\n".encode()
        self.conns: list[tuple[asyncio.StreamReader, asyncio.StreamWriter, float]] = []

    async def _connection(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        while self.conns:
            reader, writer, last_used = self.conns.pop()
            if time.monotonic() - last_used < self.IDLE_EXPIRY_S:
                return reader, writer
            writer.close()
        return await asyncio.open_connection(self.host, self.port)

    async def request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
        """(status, body) of one request."""
        reader, writer = await self._connection()
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\n".encode() + self.auth
        if body is not None:
            head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n".encode()
        try:
            writer.write(head + b"\r\n" + (body or b""))
            header = await reader.readuntil(b"\r\n\r\n")
            status = int(header[9:12])
            length, chunked, close = 0, False, False
            for line in header.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                name = name.strip().lower()
                if name == b"content-length":
                    length = int(value)
                elif name == b"transfer-encoding" and b"chunked" in value.lower():
                    chunked = True
                elif name == b"connection" and b"close" in value.lower():
                    close = True
            parts = []
            if chunked:
                while True:
                    size = int((await reader.readuntil(b"\r\n")).strip().split(b";")[0], 16)
                    parts.append((await reader.readexactly(size + 2))[:-2])
                    if size == 0:
                        break
            elif length:
                parts.append(await reader.readexactly(length))
        except BaseException:
            writer.close()
            raise
        if close:
            writer.close()
        else:
            self.conns.append((reader, writer, time.monotonic()))
        return status, b"".join(parts)

    async def close(self) -> None:
        for _, writer, _ in self.conns:
            writer.close()
        self.conns.clear()


async def closed_loop(call, concurrency: int, duration_s: float) -> Sample:
    sample = Sample()
    end = time.perf_counter() + duration_s

    async def client() -> None:
        while time.perf_counter() < end:
            t = time.perf_counter()
            try:
                ok, label = await call()
            except Exception as exc:
                ok, label = False, type(exc).__name__
            sample.statuses[label] = sample.statuses.get(label, 0) + 1
            if ok:
                sample.ok += 1
                sample.latencies_ms.append((time.perf_counter() - t) * 1000.0)
            else:
                sample.errors += 1

    started = time.perf_counter()
    with collector_paused():
        await asyncio.gather(*(client() for _ in range(concurrency)))
    sample.elapsed_s = time.perf_counter() - started
    return sample
