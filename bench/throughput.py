"""(a) Throughput: Muster's pipeline on a realistic mix vs a bare aiokafka pass-through.

Both sides run the same way: the consumers (pass-through processes, or `muster worker`
processes) start on fresh uuid-prefixed topics and are warmed up until their consumer group is
stable and every partition has been served; then they are paused (SIGSTOP), the whole input is
produced, and they are resumed (SIGCONT). Measured: input events per second from the resume to
the last event's observable effect, read afterwards from the record timestamps the producers
set (no monitor competes for the CPU during the run). "Effect" for the bare pass-through is the
record on the output topic; for Muster it is the state topic showing the command applied
(shelter-state with the update, referral-state held or no_capacity, hours-log entry,
request-state once the first claim was answered).
"""
from __future__ import annotations

import asyncio
import logging
import os
import time
from dataclasses import dataclass, field

from bench import kafka
from bench.cpu import CpuMeter
from bench.env import StackEnv
from bench.mix import Command, Mix, effects_seen
from bench.procs import Proc, passthrough, worker
from bench.profile import Profiler
from bench.stats import steady_rate
from bus import topics
from bus.topics import ensure_topics

log = logging.getLogger(__name__)

STATE_TOPICS = (topics.SHELTER_STATE, topics.REFERRAL_STATE, topics.HOURS_LOG, topics.REQUEST_STATE,
                topics.PARTNER_STATE, topics.INCIDENT_STATE)
INPUT_TOPICS = (topics.SHELTERS, topics.REFERRALS, topics.HOURS, topics.REQUESTS, topics.PARTNERS, topics.INCIDENTS)
PAUSE_LIMIT_S = 8.0  # workers run with a 30 s session; their freeze guard fires after 15 s
CPU_MARK_EVERY_S = 0.1
"""CPU is read this often during a drain, so its window ends within this of the last effect: the
quiet wait after it (1.5 s or more) once counted as cores left idle, a third of a 5 s drain."""


@dataclass
class DrainResult:
    label: str
    processes: int
    events: int
    processed: int
    drain_s: float
    events_per_s: float
    steady_events_per_s: float
    produce_s: float
    cpu_s: list[float]
    cpu_ms_per_event: float
    cpu: dict
    dead_letters: int = 0
    reread_warnings: int = 0
    crashes: int = 0
    hours_written_twice: int | None = None
    hours_entries: int | None = None
    notes: list[str] = field(default_factory=list)
    profile: dict | None = None


async def _wait_quiet(watch: kafka.Watch, group: str, inputs: list[str], outputs: list[str],
                      deadline_s: float) -> bool:
    """Until the group has committed all its input and the outputs stopped growing."""
    end = time.monotonic() + deadline_s
    last_total = -1
    quiet = 0
    while time.monotonic() < end:
        await asyncio.sleep(0.5)
        try:
            lag = await watch.lag(group, inputs)
            total = sum((await watch.end_offsets(outputs)).values())
        except Exception as exc:
            log.debug("poll failed: %s", exc)
            continue
        quiet = quiet + 1 if lag == 0 and total == last_total else 0
        last_total = total
        if quiet >= 3:
            return True
    return False


async def bare(bootstrap: str, commands: list[Command], processes: int, deadline_s: float,
               broker_pid: int | None = None, kind: str = "aiokafka") -> DrainResult:
    """The pass-through ceiling: bare aiokafka processes, or (kind "faust", "faust-batched") a
    forwarding Faust agent, one event at a time or in Faust's batches."""
    stack = StackEnv(bootstrap)
    source, target = stack.topic("bare-in"), stack.topic("bare-out")
    await kafka.create_topics(bootstrap, [source, target], stack.partitions)
    if kind.startswith("faust"):
        group = stack.settings().app_id
        batched = ["batched"] if kind == "faust-batched" else []
        procs = [Proc(f"{stack.run}-faust-{i}", ["-m", "bench.faust_passthrough", source, target, *batched],
                      {**stack.env, "MUSTER_WORKER_ID": str(i), "MUSTER_SESSION_TIMEOUT_S": "30"}).start()
                 for i in range(1, processes + 1)]
        label = f"Faust forwarding agent{', batched,' if batched else ''} ×{processes}"
    else:
        group = f"bench-bare-{stack.run}"
        procs = [passthrough(f"{stack.run}-bare-{i}", bootstrap, source, target, group).start()
                 for i in range(processes)]
        label = f"bare aiokafka pass-through ×{processes}"
    try:
        await kafka.wait_group(bootstrap, group, processes, deadline_s=120)
        # Warm-up: a record on every partition comes back out.
        warm = [(source, b"warm", b"x" * 300) for _ in range(stack.partitions)]
        await kafka.produce(bootstrap, warm, partition_of={i: i for i in range(stack.partitions)})
        end = time.monotonic() + 60
        while sum((await kafka.end_offsets(bootstrap, [target])).values()) < stack.partitions:
            if time.monotonic() > end:
                raise RuntimeError("the pass-through did not warm up")
            await asyncio.sleep(0.2)
        await kafka.wait_group(bootstrap, group, processes, deadline_s=10)
        start = await kafka.end_offsets(bootstrap, [target])
        records = [(source, c.key.encode(), c.value) for c in commands]
        return await _drain(
            label, procs, records, bootstrap, group, [source], [target],
            deadline_s, effects=lambda: _bare_effects(bootstrap, target, start), expected=len(commands),
            broker_pid=broker_pid)
    finally:
        for p in procs:
            p.stop()


async def _bare_effects(bootstrap: str, target: str, start) -> list[int]:
    return [r.timestamp_ms for r in await kafka.read(bootstrap, [target], start)]


async def _drain(label, procs, records, bootstrap, group, inputs, outputs, deadline_s, effects, expected,
                 profile_name: str | None = None, broker_pid: int | None = None) -> DrainResult:
    before = [p.cpu_s() for p in procs]
    pids = {p.name.split("-", 1)[1]: p.pid for p in procs}
    pids["bench"] = os.getpid()
    if broker_pid:
        pids["broker"] = broker_pid
    async with kafka.Watch(bootstrap) as watch:
        await watch.end_offsets([*inputs, *outputs])  # partitions looked up before the clock starts
        for p in procs:
            p.pause()
        try:
            produce_s = await kafka.produce(bootstrap, records)
        finally:
            for p in procs:
                p.resume()
        t0 = time.time()
        meter = CpuMeter(pids).start()
        marking = asyncio.create_task(meter.mark_every(CPU_MARK_EVERY_S))
        profiler = Profiler(procs[0].pid, profile_name).start() if profile_name else None
        try:
            finished = await _wait_quiet(watch, group, inputs, outputs, deadline_s)
        finally:
            marking.cancel()
        wall = time.time() - t0
    summary = profiler.stop() if profiler else None
    cpu = [round(p.cpu_s() - b, 2) for p, b in zip(procs, before, strict=True)]
    times = sorted(await effects())
    notes = []
    if produce_s > PAUSE_LIMIT_S:
        notes.append(f"producing the input took {produce_s:.1f} s while the consumers were paused")
    if not finished:
        notes.append(f"time-boxed: {len(times)} of {expected} events had their effect within {deadline_s:.0f} s; "
                     "events/s is over that window")
    if profiler is not None and profiler.error:
        notes.append(f"profile: {profiler.error}")
    processed = len(times)
    drain = (times[-1] / 1000.0 - t0) if times else wall
    cpu_window = meter.stop(until=t0 + drain)
    return DrainResult(
        label=label, processes=len(procs), events=expected, processed=processed, drain_s=round(drain, 3),
        events_per_s=round(processed / drain, 1) if drain > 0 else 0.0,
        steady_events_per_s=round(steady_rate(times), 1), produce_s=round(produce_s, 2),
        cpu_s=cpu, cpu_ms_per_event=round(1000.0 * sum(cpu) / max(1, processed), 3), cpu=cpu_window,
        notes=notes, profile=summary,
    )


async def muster(bootstrap: str, mix: Mix, setup: list[Command], commands: list[Command], processes: int,
                 deadline_s: float, profile: bool = False, broker_pid: int | None = None) -> DrainResult:
    stack = StackEnv(bootstrap, extra={"MUSTER_SESSION_TIMEOUT_S": "30", "MUSTER_HOLD_SWEEP_INTERVAL_S": "60"})
    settings = stack.settings()
    await ensure_topics(settings)
    procs = [worker(f"{stack.run}-worker-{i}", stack.env, str(i)).start() for i in range(1, processes + 1)]
    group = settings.app_id
    try:
        await kafka.wait_group(bootstrap, group, processes, deadline_s=120)
        await _apply(bootstrap, stack, setup, deadline_s=90)
        # Warm-up: some of each kind of command, so every code path has run once.
        await _apply(bootstrap, stack, mix.timed(40, f"warm{stack.run}"), deadline_s=60)
        await kafka.wait_group(bootstrap, group, processes, deadline_s=10)
        state_names = [stack.topic(t.name) for t in STATE_TOPICS]
        start = await kafka.end_offsets(bootstrap, state_names)
        dead_start = sum((await kafka.end_offsets(bootstrap, [stack.topic(topics.DEAD_LETTERS.name)])).values())
        records = [(stack.topic(c.topic), c.key.encode(), c.value) for c in commands]
        wanted = {c.effect[1] for c in commands}

        hours_keys = {c.key.encode() for c in commands if c.kind == "hours"}
        writes: dict[bytes, int] = {}

        async def effects() -> list[int]:
            records = await kafka.read(bootstrap, state_names, start)
            # An hours entry is written once per LogHours processed: more than once means it was
            # processed again (a re-read or a redelivery).
            for rec in records:
                if rec.key in hours_keys and rec.topic.endswith(topics.HOURS_LOG.name):
                    writes[rec.key] = writes.get(rec.key, 0) + 1
            seen = effects_seen(records, wanted)
            return list(seen.values())

        result = await _drain(
            f"Muster workers ×{processes}", procs, records, bootstrap, group,
            [stack.topic(t.name) for t in INPUT_TOPICS], state_names, deadline_s, effects, len(commands),
            profile_name=f"throughput-worker-x{processes}" if profile else None, broker_pid=broker_pid)
        dead_end = sum((await kafka.end_offsets(bootstrap, [stack.topic(topics.DEAD_LETTERS.name)])).values())
        result.dead_letters = dead_end - dead_start
        result.hours_entries = len(hours_keys)
        result.hours_written_twice = sum(1 for n in writes.values() if n > 1)
        for p in procs:
            text = p.log_text()
            if "was frozen" in text:
                result.notes.append(f"{p.name}: the freeze guard fired (pause too long)")
            result.reread_warnings += text.count("; reading it again")  # lost or late: streams/patches/delivery.py
            if "We experienced a crash" in text or "Crashed reason=" in text:
                result.crashes += 1
                crash = next((line for line in text.splitlines() if "Crashed reason=" in line), "")
                result.notes.append(f"{p.name} crashed: {crash.split('Crashed reason=', 1)[-1][:160]}")
        if result.reread_warnings:
            result.notes.append(f"workers read a partition again {result.reread_warnings} times "
                                f"(streams/patches/delivery.py); {result.hours_written_twice} of {result.hours_entries} "
                                "hours entries were written more than once")
        return result
    finally:
        for p in procs:
            p.stop()


async def _apply(bootstrap: str, stack: StackEnv, commands: list[Command], deadline_s: float) -> None:
    """Produce commands and wait until every one's effect is on its state topic."""
    await kafka.produce(bootstrap, [(stack.topic(c.topic), c.key.encode(), c.value) for c in commands], linger_ms=5)
    keys = {c.key for c in commands if c.kind == "setup"}
    wanted = {c.effect[1] for c in commands if c.kind != "setup"} | keys
    state_names = [stack.topic(t.name) for t in STATE_TOPICS]
    end = time.monotonic() + deadline_s
    while True:
        records = await kafka.read(bootstrap, state_names)
        seen = set(effects_seen(records, wanted)) | ({r.key.decode() for r in records if r.key} & keys)
        if wanted <= seen:
            return
        if time.monotonic() > end:
            raise RuntimeError(f"{len(wanted - seen)} commands had no effect after {deadline_s:.0f} s, "
                               f"e.g. {sorted(wanted - seen)[:3]}")
        await asyncio.sleep(0.5)
