"""`muster bench`: every section on one broker, fresh uuid-prefixed topics, one report.

Sections: (a) throughput, (b) latency, (c) candidate search, (d) hazard membership, (e) API load,
(f) service search.
Order: the latency stack starts first; after (b)'s fixed-rate runs it sits idle while the
sections that do not use it run ((c), (d), (f), and in the full run (a)), then the first referral
after the idle is timed, then the highest sustained rate and the API load; (a) runs last in
quick mode. Each figure is a ratio to a baseline measured in the same run.
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from rich.console import Console

from bench import env as bench_env
from bench.kafka import delete_topics
from bench.procs import stop_all

log = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent
SECTIONS = {"a": "throughput", "b": "latency", "c": "search", "d": "hazards", "e": "api", "f": "services"}


@dataclass(frozen=True)
class Plan:
    quick: bool
    events: int  # (a) input events per drain
    shelters: int  # shelters in the mix and the latency stack
    rate_s: float  # (b) seconds per offered rate, each side: 30 s gives a p99 over 300 referrals at 10/s
    warm_s: float  # (b) both sides at the highest fixed rate, untimed, before the rates are timed
    rates: tuple[float, ...]
    idle_s: float
    steps: tuple[float, ...]  # (b) offered referral rates, stepped up
    step_s: float
    api_s: float  # (e) seconds per endpoint
    concurrency: int
    search_sizes: tuple[int, ...]
    search_queries: int
    geopy_queries: dict
    hazard_areas: int
    hazard_queries: int
    two_bare: bool
    baseline_repeat: int  # the bare pass-through gets the mix this many times over
    throughput_rounds: int  # (a) every configuration in turn, this many times: figures are medians
    service_sites: int  # (f) generated service sites across Ontario
    service_queries: int  # (f) navigators' searches, each answered by both sides

    @staticmethod
    def make(quick: bool, idle_s: float | None) -> Plan:
        if quick:
            return Plan(quick=True, events=1500, shelters=400, rate_s=5, warm_s=10, rates=(10, 50),
                        idle_s=30 if idle_s is None else idle_s, steps=(10, 20, 35, 50, 75, 100, 150, 200), step_s=3,
                        api_s=2, concurrency=32, search_sizes=(1000, 10000, 100000), search_queries=25,
                        geopy_queries={1000: 2, 10000: 1}, hazard_areas=300, hazard_queries=3000, two_bare=False,
                        baseline_repeat=5, throughput_rounds=1, service_sites=60000, service_queries=100)
        return Plan(quick=False, events=10000, shelters=400, rate_s=30, warm_s=40, rates=(10, 50),
                    idle_s=600 if idle_s is None else idle_s, steps=(10, 20, 35, 50, 75, 100, 150, 200, 300), step_s=5,
                    api_s=6, concurrency=32, search_sizes=(1000, 10000, 100000), search_queries=150,
                    geopy_queries={1000: 5, 10000: 3, 100000: 1}, hazard_areas=300, hazard_queries=20000,
                    two_bare=True, baseline_repeat=4, throughput_rounds=3, service_sites=60000, service_queries=400)


def parse_only(only: str | None) -> list[str]:
    if not only:
        return list(SECTIONS)
    chosen = []
    names = {v: k for k, v in SECTIONS.items()}
    for part in only.split(","):
        part = part.strip().lower()
        key = part if part in SECTIONS else names.get(part)
        if key is None:
            raise SystemExit(f"unknown section {part!r}; choose from {', '.join(f'{k} ({v})' for k, v in SECTIONS.items())}")
        chosen.append(key)
    return sorted(set(chosen))


def main(quick: bool = False, only: str | None = None, bootstrap: str | None = None, idle_s: float | None = None,
         profile: bool = True, output: Path | Literal[False] | None = None, console: Console | None = None) -> dict:
    console = console or Console()
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("aiokafka", "kafka"):
        logging.getLogger(noisy).setLevel(logging.CRITICAL)
    sections = parse_only(only)
    plan = Plan.make(quick, idle_s)
    needs_broker = any(s in sections for s in ("a", "b", "e"))
    broker = bench_env.find_broker(bootstrap) if needs_broker else None
    started = time.monotonic()
    results: dict = {
        "mode": "quick" if quick else "full",
        "sections_run": [SECTIONS[s] for s in sections],
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": bench_env.git_commit(),
        "machine": bench_env.machine(),
        "versions": bench_env.versions(broker) if broker else bench_env.versions("127.0.0.1:0"),
        "bootstrap": broker,
        "plan": asdict(plan),
        "sections": {},
    }
    try:
        asyncio.run(_run(plan, sections, broker, profile, results, console))
    except KeyboardInterrupt:
        console.print("[red]interrupted; writing what was measured[/red]")
        results["interrupted"] = True
    finally:
        stop_all()
        if broker and bench_env.CREATED:
            try:  # thousands of partitions left behind would slow the shared broker for everyone
                removed = asyncio.run(delete_topics(broker, list(bench_env.CREATED)))
                console.print(f"[dim]removed this run's {removed} topics from the broker[/dim]")
            except Exception as exc:
                console.print(f"[yellow]could not remove this run's topics: {exc}[/yellow]")
    results["duration_s"] = round(time.monotonic() - started, 1)
    results["machine"]["loadavg_at_end"] = [round(x, 2) for x in os.getloadavg()]
    from bench import report

    out = None if output is False else Path(output) if output else HERE
    earlier = out / "RESULTS.json" if out is not None and only else None
    if earlier is not None and earlier.exists():
        # A run of some sections keeps the figures the others last had, saying which run they are from.
        results = report.carry_over(results, json.loads(earlier.read_text()))
    report.show(results, console)
    if out is not None:
        report.write(results, out)
        console.print(f"wrote {out / 'RESULTS.md'} and {out / 'RESULTS.json'} ({results['duration_s']:.0f} s)")
    return results


def _step(console: Console, what: str) -> None:
    console.print(f"[dim]{time.strftime('%H:%M:%S')}[/dim] {what}")


async def _run(plan: Plan, sections: list[str], broker: str | None, profile: bool, results: dict,
               console: Console) -> None:
    from bench import evidence, hazards, latency, search, services, throughput
    from bench.cpu import CpuMeter
    from bench.mix import Mix

    broker_pid = None
    if broker:
        pids = bench_env._listening_pids(int(broker.rsplit(":", 1)[1]))
        broker_pid = pids[0] if pids else None
    out = results["sections"]

    async def section_a() -> None:
        assert broker is not None, "section a needs a broker"
        mix = Mix(shelters=plan.shelters)
        setup = mix.setup()
        commands = mix.timed(plan.events, "a")
        # The baselines are 10-40× faster: the same mix, repeated, gives them a drain long enough to time.
        baseline_commands = (commands * plan.baseline_repeat)
        # A drain is time-boxed (the rate is then over the window), so that a box busy with other
        # tenants stretches no run past its budget.
        deadline = 45 if plan.quick else 100
        rows = []
        order = [("bare", 1), ("muster", 1), ("faust", 1), ("faust-batched", 1), ("muster", 2)] + ([("bare", 2)] if plan.two_bare else [])
        # The box's other tenants move a drain's rate by a third from one minute to the next: every
        # configuration runs once per round, and the report takes medians over the rounds.
        for round_ in range(1, plan.throughput_rounds + 1):
            for kind, n in order:
                _step(console, f"(a) throughput, round {round_}/{plan.throughput_rounds}: {kind} ×{n}, "
                               f"{plan.events} events")
                try:
                    if kind == "muster":
                        r = await throughput.muster(broker, mix, setup, commands, n, deadline,
                                                    profile=profile and n == 1 and round_ == 1, broker_pid=broker_pid)
                    else:
                        r = await throughput.bare(broker, baseline_commands if kind == "bare" else commands * 2, n,
                                                  deadline, broker_pid=broker_pid, kind=kind)
                    rows.append(asdict(r) | {"kind": kind, "round": round_})
                except Exception as exc:
                    log.exception("throughput %s ×%d failed", kind, n)
                    rows.append({"kind": kind, "processes": n, "round": round_,
                                 "error": f"{type(exc).__name__}: {exc}"[:500]})
        mix_counts: dict[str, int] = {}
        for c in commands:
            mix_counts[c.kind] = mix_counts.get(c.kind, 0) + 1
        sizes = {k: round(sum(len(c.value) for c in commands if c.kind == k) / v) for k, v in mix_counts.items()}
        out["throughput"] = {"rows": rows, "mix": mix_counts, "mean_payload_bytes": sizes, "shelters": plan.shelters}

    def section_c() -> None:
        _step(console, f"(c) candidate search over {', '.join(map(str, plan.search_sizes))} shelters")
        out["search"] = {"rows": search.run(list(plan.search_sizes), plan.search_queries, plan.geopy_queries)}

    def section_d() -> None:
        _step(console, f"(d) hazard membership over {plan.hazard_areas} areas")
        out["hazards"] = hazards.run(plan.hazard_areas, plan.hazard_queries)

    def section_f() -> None:
        _step(console, f"(f) service search over {plan.service_sites:,} sites, {plan.service_queries} queries")
        out["services"] = services.run(plan.service_sites, plan.service_queries)

    in_process = {"c": section_c, "d": section_d, "f": section_f}

    stack: latency.MusterStack | None = None
    bare_rt: latency.BareRoundTrip | None = None
    try:
        if "b" in sections or "e" in sections:
            assert broker is not None, "sections b and e need a broker"
            _step(console, "starting the latency stack (1 worker, 1 API) and the bare echo")
            bare_rt = latency.BareRoundTrip(broker)
            await bare_rt.start()
            stack = latency.MusterStack(broker, Mix(shelters=plan.shelters))
            await stack.start()
        fillers = [s for s in in_process if s in sections]
        a_in_idle = "a" in sections and plan.idle_s >= 300 and "b" in sections
        if "b" in sections:
            assert bare_rt is not None and stack is not None
            _step(console, f"(b) warm-up: both sides at {max(plan.rates):g}/s for {plan.warm_s:g} s, untimed")
            await latency.warm_up(bare_rt, stack, max(plan.rates), plan.warm_s)
            _step(console, f"(b) round trips at {', '.join(f'{r:g}/s' for r in plan.rates)}")
            rows = await latency.rates(bare_rt, stack, list(plan.rates), plan.rate_s, broker_pid)
            out["latency"] = {"rates": rows}
            idle_since = time.monotonic()
            _step(console, f"(b) idle for {plan.idle_s:g} s (running {', '.join(SECTIONS[f] for f in fillers + (['a'] if a_in_idle else [])) or 'nothing'} meanwhile)")
            meter = CpuMeter({"api": stack.api.pid, "worker": stack.workers[0].pid, "echo": bare_rt.echo.pid,
                              "bench (running the other sections)": os.getpid()}).start()
            for f in fillers:
                await asyncio.to_thread(in_process[f])
            if a_in_idle:
                await section_a()
            out["evidence"] = await asyncio.to_thread(evidence.run, plan.quick)
            remaining = plan.idle_s - (time.monotonic() - idle_since)
            if remaining > 0:
                await asyncio.sleep(remaining)
            out["latency"]["idle_cpu"] = meter.stop()
            _step(console, "(b) first referral after the idle")
            out["latency"]["after_idle"] = await latency.after_idle(bare_rt, stack, idle_since)
            _step(console, f"(b) stepping the referral rate up: {', '.join(f'{r:g}' for r in plan.steps)}/s")
            out["latency"]["max_rate"] = await latency.max_rate(stack, list(plan.steps), plan.step_s, profile=profile,
                                                                 broker_pid=broker_pid)
        else:
            for f in fillers:
                in_process[f]()
        if "e" in sections:
            assert stack is not None
            _step(console, f"(e) API under {plan.concurrency} concurrent clients")
            out["api"] = {"rows": await latency.api_load(stack, plan.concurrency, plan.api_s, broker_pid)}
    finally:
        if stack is not None:
            await stack.stop()
        if bare_rt is not None:
            await bare_rt.stop()
    if "a" in sections and not ("b" in sections and plan.idle_s >= 300):
        await section_a()
    if "evidence" not in out and any(s in sections for s in ("a", "b")):
        out["evidence"] = evidence.run(plan.quick)
