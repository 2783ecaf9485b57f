"""The table `muster bench` prints, and bench/RESULTS.md and bench/RESULTS.json."""
from __future__ import annotations

import json
import math
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench.faust_passthrough import BATCH, WITHIN_S
from bench.latency import SLOWEST_SHARE, TURN_S, WARM_UP_CALLS
from bench.search import BLOCK as SEARCH_BLOCK
from bench.stats import percentile

SCALING_TARGET = 1.6
"""Two workers' rate against one worker's, as issue #7 asks."""

# --- rows -------------------------------------------------------------------------------------


def _fmt(x, unit: str = "") -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    if isinstance(x, float):
        if abs(x) >= 1000:
            text = f"{x:,.0f}"
        elif abs(x) >= 100:
            text = f"{x:.0f}"
        elif abs(x) >= 10:
            text = f"{x:.1f}"
        else:
            text = f"{x:.2f}"
    else:
        text = f"{x:,}" if isinstance(x, int) else str(x)
    return f"{text}{unit}"


def _ratio(a, b):
    try:
        return a / b if a is not None and b else None
    except TypeError:
        return None


def _row(section, what, value, baseline="", ratio=None, target="", met=None, key=""):
    return {"key": key, "section": section, "measurement": what, "value": value, "baseline": baseline,
            "ratio": None if ratio is None else round(ratio, 3), "target": target,
            "status": "" if met is None else ("met" if met else "MISSED")}


def _eps(r):
    return r.get("events_per_s") if r and "error" not in r else None


def _medians(drains: list[dict]) -> dict:
    """Per (kind, processes): the round whose events/s is the median (the lower of two), with every
    round's events/s beside it in `rounds_events_per_s`."""
    groups: dict = {}
    for r in drains:
        groups.setdefault((r.get("kind"), r.get("processes")), []).append(r)
    out = {}
    for key, group in groups.items():
        ok = [r for r in group if "error" not in r]
        median = percentile([_eps(r) for r in ok], 50)
        pick = next((r for r in ok if _eps(r) == median), group[0]) | {"rounds_events_per_s": [_eps(r) for r in group]}
        # Only the first round is profiled (py-spy takes CPU from the box): its profile stands for all.
        pick["profile"] = pick.get("profile") or next((r["profile"] for r in group if r.get("profile")), None)
        out[key] = pick
    return out


def _round_ratios(drains: list[dict], num: tuple, den: tuple) -> list[float]:
    """num's events/s over den's, round by round: each pair ran minutes apart, not a run apart."""
    by = {(r.get("kind"), r.get("processes"), r.get("round", 1)): r for r in drains}
    rounds = sorted({r.get("round", 1) for r in drains})
    ratios = [_ratio(_eps(by.get((*num, n))), _eps(by.get((*den, n)))) for n in rounds]
    return [x for x in ratios if x is not None]


def _median_ratio(ratios: list[float]) -> tuple[float | None, str]:
    """The median of the rounds' ratios, and the rounds' ratios to show beside it when more than one."""
    if not ratios:
        return None, ""
    median = percentile(ratios, 50)
    shown = "" if len(ratios) == 1 else "; rounds " + ", ".join(f"{_fmt(x)}×" for x in ratios) + ", median"
    return median, shown


def rows(results: dict) -> list[dict]:
    s = results.get("sections", {})
    out: list[dict] = []
    if "throughput" in s:
        drains = s["throughput"]["rows"]
        by = _medians(drains)
        bare1, m1, m2 = by.get(("bare", 1)), by.get(("muster", 1)), by.get(("muster", 2))
        faust1, batched1, bare2 = by.get(("faust", 1)), by.get(("faust-batched", 1)), by.get(("bare", 2))

        def desc(r):
            if not r:
                return "not run"
            if "error" in r:
                return f"error: {r['error'][:80]}"
            boxed = " (time-boxed: {:,} of {:,} events)".format(r["processed"], r["events"]) \
                if any("time-boxed" in n for n in r.get("notes", [])) else ""
            if r.get("crashes"):
                boxed += f" **{r['crashes']} worker crash(es)**"
            if r.get("reread_warnings"):
                boxed += f" [{r['reread_warnings']} re-reads, {r.get('hours_written_twice')}/{r.get('hours_entries')} hours entries processed twice]"
            rounds = r.get("rounds_events_per_s") or []
            spread = "" if len(rounds) < 2 else " (median of rounds: " + " / ".join(_fmt(x) for x in rounds) + ")"
            return (f"{_fmt(r['events_per_s'])} ev/s{spread}{boxed} (p10–p90 {_fmt(r['steady_events_per_s'])}), "
                    f"{_fmt(r['cpu_ms_per_event'])} CPU ms/ev; others {_fmt((r.get('cpu') or {}).get('others_cores'))} cores")

        out.append(_row("a throughput", "bare aiokafka pass-through ×1 (baseline)", desc(bare1), key="a.bare1"))
        def per_core(r, base):
            if not r or not base or "error" in r or "error" in base:
                return ""
            return f"; per CPU second: {_fmt(_ratio(base.get('cpu_ms_per_event'), r.get('cpu_ms_per_event')))}×"

        ratio, shown = _median_ratio(_round_ratios(drains, ("muster", 1), ("bare", 1)))
        out.append(_row("a throughput", "Muster pipeline, 1 worker", desc(m1),
                        f"bare ×1: {_fmt(_eps(bare1))} ev/s{per_core(m1, bare1)}{shown}",
                        ratio, "≥ 0.5× bare", None if ratio is None else ratio >= 0.5, "a.pipeline"))
        for kind, run, label in ((("faust", 1), faust1, "reference: Faust forwarding agent ×1 (no handlers)"),
                                 (("faust-batched", 1), batched1, "reference: the same agent in Faust's batches "
                                  f"(take_events of {BATCH}, send_soon)")):
            if run:
                ratio, shown = _median_ratio(_round_ratios(drains, kind, ("bare", 1)))
                out.append(_row("a throughput", label, desc(run),
                                f"bare ×1: {_fmt(_eps(bare1))} ev/s{per_core(run, bare1)}{shown}", ratio,
                                key=f"a.{kind[0]}1"))
        ratio, shown = _median_ratio(_round_ratios(drains, ("muster", 2), ("muster", 1)))
        out.append(_row("a throughput", "Muster pipeline, 2 workers", desc(m2), f"1 worker: {_fmt(_eps(m1))} ev/s{shown}",
                        ratio, f"≥ {SCALING_TARGET:g}× 1 worker", None if ratio is None else ratio >= SCALING_TARGET,
                        "a.scaling"))
        if bare2:
            ratio, shown = _median_ratio(_round_ratios(drains, ("bare", 2), ("bare", 1)))
            out.append(_row("a throughput", "reference: bare pass-through ×2", desc(bare2),
                            f"bare ×1: {_fmt(_eps(bare1))} ev/s{shown}", ratio, key="a.bare2"))
    if "latency" in s:
        lat = s["latency"]
        for r in lat.get("rates", []):
            rate, b, m = r["rate_per_s"], r["bare"], r["referral"]
            ratio = _ratio(m["p99_ms"], b["p99_ms"])
            cpu_m = m.get("cpu_ms_per_request", {})
            out.append(_row("b latency", f"referral round trip at {rate:g}/s: p50 / p99",
                            f"{_fmt(m['p50_ms'])} / {_fmt(m['p99_ms'])} ms ({m['errors']} errors); CPU ms/referral: "
                            f"API {_fmt(cpu_m.get('api'))}, worker {_fmt(cpu_m.get('worker-1'))}; others "
                            f"{_fmt((m.get('cpu') or {}).get('others_cores'))} cores",
                            f"bare: {_fmt(b['p50_ms'])} / {_fmt(b['p99_ms'])} ms; others "
                            f"{_fmt((b.get('cpu') or {}).get('others_cores'))} cores", ratio, "p99 ≤ 5× bare",
                            None if ratio is None else ratio <= 5 and not m["errors"], f"b.p99ratio.{rate:g}"))
            if rate == 50:
                out.append(_row("b latency", "referral p99 at 50/s", f"{_fmt(m['p99_ms'])} ms", "", None, "< 50 ms",
                                m["p99_ms"] < 50 and not m["errors"], "b.p99abs"))
        idle = lat.get("after_idle")
        if idle:
            first, bare_first = idle["referral_first"], idle["bare_first"]
            out.append(_row("b latency", f"first referral after {idle['idle_s']:.0f} s idle", f"{_fmt(first['ms'])} ms",
                            f"bare first: {_fmt(bare_first['ms'])} ms; next referral {_fmt(idle['referral_second']['ms'])} ms",
                            _ratio(first["ms"], bare_first["ms"]), "< 250 ms", first["ok"] and first["ms"] < 250, "b.idle"))
        mr = lat.get("max_rate")
        if mr:
            last = mr["steps"][-1] if mr["steps"] else {}
            best = mr["highest_sustained_per_s"]
            first_step = mr["steps"][0]["rate_per_s"] if mr["steps"] else None
            out.append(_row("b latency", "highest sustained referral rate (p99 ≤ 500 ms, no errors)",
                            f"{_fmt(best)}/s" if best else f"below {_fmt(first_step)}/s",
                            f"next step {_fmt(last.get('rate_per_s'))}/s: p99 {_fmt(last.get('p99_ms'))} ms, "
                            f"achieved {_fmt(last.get('achieved_per_s'))}/s, {last.get('errors')} errors", key="b.max"))
    if "search" in s:
        for r in s["search"]["rows"]:
            n, k = r["shelters"], r["nearest"]
            ratio, cold = r["ratio_vs_vectorised"], r.get("index_after_scan_qps")  # absent from older runs
            out.append(_row("c search", f"{n:,} shelters: nearest {k} within {r['radius_km']:g} km (a referral's search) q/s",
                            f"{_fmt(r['index_qps'])} q/s ({_fmt(r['mean_candidates'])} in the radius/query"
                            + (f"; {_fmt(cold)} right after a scan)" if cold else ")"),
                            f"vectorised scan {_fmt(r['vectorised_qps'])} q/s", ratio,
                            "≥ 100×" if n == 100_000 else "", ratio >= 100 if n == 100_000 else None, f"c.vec.{n}"))
            if "geopy_qps" in r:
                g = r["ratio_vs_geopy"]
                after = r.get("index_after_geopy_qps")
                out.append(_row("c search", f"{n:,} shelters: nearest {k} vs geopy geodesic scan ({r['geopy_queries']} q)",
                                f"{_fmt(r['index_qps'])} q/s" + (f" ({_fmt(after)} right after geopy)" if after else ""),
                                f"geopy {_fmt(r['geopy_qps'])} q/s", g,
                                "≥ 10,000×" if n == 10_000 else "", g >= 10_000 if n == 10_000 else None, f"c.geopy.{n}"))
            out.append(_row("c search", f"{n:,} shelters: every shelter within {r['radius_km']:g} km q/s",
                            f"{_fmt(r['full_index_qps'])} q/s", f"vectorised scan {_fmt(r['vectorised_qps'])} q/s",
                            r["full_ratio_vs_vectorised"], key=f"c.full.{n}"))
            share, full_share = r["identical_share"], r["full_identical_share"]
            gshare = r.get("identical_share_vs_geopy")
            out.append(_row("c search", f"{n:,} shelters: identical ranked candidates",
                            f"nearest {k}: {share:.0%} of {r['queries']}; all in radius: {full_share:.0%}"
                            + (f"; vs geopy {gshare:.0%}" if gshare is not None else ""),
                            "vectorised WGS84 geodesic scan", None, "100%",
                            share == 1.0 and full_share == 1.0 and (gshare is None or gshare == 1.0), f"c.identical.{n}"))
    if "hazards" in s:
        h = s["hazards"]
        out.append(_row("d hazards", f"{h['areas']} areas: HazardZones.containing_many, blocks of {h['block']} "
                        "(listings, exports) points/s", f"{_fmt(h['batch_qps'])} points/s",
                        f"naive shapely loop {_fmt(h['naive_qps'])} points/s", h["batch_ratio_vs_naive"], "≥ 100×",
                        h["batch_ratio_vs_naive"] >= 100, "d.ratio"))
        out.append(_row("d hazards", f"{h['areas']} areas: HazardZones.containing, one point (a referral's "
                        "candidate) q/s", f"{_fmt(h['zones_qps'])} q/s",
                        f"naive shapely loop {_fmt(h['naive_qps'])} q/s", h["ratio_vs_naive"], key="d.single"))
        if "prepared_qps" in h:
            out.append(_row("d hazards", f"reference: {h['areas']} areas, HazardZones in blocks vs a loop over "
                            "prepared polygons", f"{_fmt(h['batch_qps'])} points/s (one point: "
                            f"{_fmt(h['ratio_vs_prepared'])}×)", f"prepared shapely loop {_fmt(h['prepared_qps'])} points/s",
                            h["batch_ratio_vs_prepared"], key="d.prepared"))
        out.append(_row("d hazards", "identical area lists", f"{h['identical_share']:.0%} of {h['queries']}",
                        "naive loop" + (" and prepared loop" if "prepared_qps" in h else ""), None, "100%",
                        h["identical_share"] == 1.0, "d.identical"))
    if "services" in s:
        r = s["services"]
        out.append(_row(
            "f services", f"{r['sites']:,} sites: nearest {r['limit']} of 1–3 types within {r['radius_km']:g} km, "
            f"{r['open_now_share']:.0%} open now only, {r['needs_share']:.0%} with needs (a navigator's search) q/s",
            f"{_fmt(r['muster_qps'])} q/s ({_fmt(r['mean_results'])} results and {_fmt(r['mean_excluded'])} left out a "
            f"query; {_fmt(r['mean_sites_read'])} sites read of {_fmt(r['mean_sites_of_the_types_in_radius'])} of "
            "those types in the radius)",
            f"brute-force filter + geodesic scan {_fmt(r['brute_force_qps'])} q/s", r["ratio"], "≥ 100×",
            r["ratio"] >= 100, "f.ratio"))
        out.append(_row("f services", "identical results and left-out sites, with distances, opening and reasons",
                        f"{r['identical_share']:.0%} of {r['queries']}", "brute-force filter + exact geodesic scan",
                        None, "100%", r["identical_share"] == 1.0, "f.identical"))
    if "api" in s:
        api_rows = s["api"]["rows"]
        for r in api_rows:
            raw = r["endpoint"].startswith("raw: ")
            health = next((h for h in api_rows if h["endpoint"] == ("raw: GET /healthz" if raw else "GET /healthz")), None)
            cpu = r.get("cpu_ms_per_request", {})
            client = "raw HTTP/1.1 client" if raw else "httpx"
            out.append(_row("e API", f"{r['endpoint'].removeprefix('raw: ')} ×{r['concurrency']} concurrent ({client})",
                            f"{_fmt(r['achieved_per_s'])} req/s, p50 {_fmt(r['p50_ms'])} / p99 {_fmt(r['p99_ms'])} ms"
                            + (f", {r['errors']} errors" if r["errors"] else "")
                            + f"; CPU ms/req: API {_fmt(cpu.get('api'))}, client {_fmt(cpu.get('bench'))}"
                            + (f", worker {_fmt(cpu.get('worker-1'))}" if "POST" in r["endpoint"] else "")
                            + f"; others {_fmt((r.get('cpu') or {}).get('others_cores'))} cores",
                            "" if r is health else f"healthz {_fmt(health['achieved_per_s'] if health else None)} req/s",
                            None if r is health else _ratio(r["achieved_per_s"], health["achieved_per_s"] if health else None),
                            key=f"e.{r['endpoint']}"))
    return out


# --- why targets were missed ------------------------------------------------------------------


def _top(profile, what: str = "ours_inclusive_pct", n: int = 6) -> str:
    if not isinstance(profile, dict) or not profile.get(what):
        return "(no profile)"
    return "; ".join(f"{name} {pct}%" for name, pct in profile[what][:n])


def _hops_line(hops: dict | None) -> str:
    """Each hop of the referrals at one rate, from the timestamps their records carry."""
    if not hops:
        return ""
    return (" Per hop, p50 / p99 ms, from the timestamps the records carry: "
            + "; ".join(f"{name} {_fmt(h['p50_ms'])} / {_fmt(h['p99_ms'])}" for name, h in hops.items()) + ".")


def _slowest_line(slow: dict | None, every: dict | None) -> str:
    """Where the slowest referrals' time went, hop by hop, beside every referral's p50: one slow
    hop points at one process; every hop slow, at the whole box."""
    if not slow or not every:
        return ""
    n = max(h["n"] for h in slow.values())
    hops = [(name, h["p50_ms"], every[name]["p50_ms"]) for name, h in slow.items() if name in every]
    doubled = sum(1 for _, mine, usual in hops if mine >= 2 * usual)
    return (f" The slowest {SLOWEST_SHARE:.0%} ({n} referrals), per hop p50 ms against every referral's: "
            + "; ".join(f"{name} {_fmt(mine)} vs {_fmt(usual)}" for name, mine, usual in hops)
            + f"; {doubled} of {len(hops)} hops took at least twice their usual time.")


def _cpu_line(cpu: dict | None) -> str:
    if not cpu:
        return ""
    named = ", ".join(f"{k} {v}" for k, v in sorted(cpu.get("cores", {}).items()))
    return (f"CPU cores used over the window: {named}; whole box {cpu.get('box_busy_cores')} of {cpu.get('nproc')}, "
            f"other tenants {cpu.get('others_cores')}.")


BUSY_BOX_IDLE_CORES = 0.25
"""Less idle than this over a drain, and the box's cores set the pace (noise on this box is ~0.1)."""


def _two_workers_line(m1: dict, m2: dict) -> str:
    """What a second worker cost per event, what the box's cores can carry at the measured cost,
    and whether cores sat idle beside the workers as well."""
    cpu = m2.get("cpu") or {}
    workers = [v for k, v in cpu.get("cores", {}).items() if k.startswith("worker")]
    nproc = cpu.get("nproc") or 0
    idle = round(nproc - (cpu.get("box_busy_cores") or 0), 2)
    box_ms = 1000.0 * sum(cpu.get("cpu_s", {}).values()) / max(1, m2.get("processed") or 0)
    if not workers or not m1.get("cpu_ms_per_event") or not m2.get("cpu_ms_per_event") or not box_ms \
            or not m1.get("events_per_s"):
        return "A second worker helps only while a core is free for it; the measured CPU shows whether one was."
    ceiling = 1000.0 * nproc / box_ms
    reach = ceiling / m1["events_per_s"]
    line = (f"Two workers spent {_fmt(m2['cpu_ms_per_event'])} CPU ms per event against one worker's "
            f"{_fmt(m1['cpu_ms_per_event'])} ({_fmt(_ratio(m2['cpu_ms_per_event'], m1['cpu_ms_per_event']))}×). "
            f"Workers, broker and benchmark together took {_fmt(box_ms)} CPU ms per event, so these {nproc} cores "
            f"carry at most {_fmt(ceiling)} ev/s, {_fmt(reach)}× one worker's rate"
            + (f", short of the {SCALING_TARGET:g}× target however the work is spread: the second worker gets what "
               "the broker leaves of the second core." if reach < SCALING_TARGET else
               f"; two workers reached {(_ratio(m2.get('events_per_s'), m1['events_per_s']) or 0) / reach:.0%} of that."))
    if idle >= BUSY_BOX_IDLE_CORES:
        line += (f" Over the drain {_fmt(idle)} of the box's cores sat idle as well, the workers using "
                 f"{_fmt(min(workers))}–{_fmt(max(workers))} of a core each: they also waited, so the rate stayed "
                 "below even that ceiling.")
    return line


def explanations(results: dict, table: list[dict]) -> list[str]:
    s = results.get("sections", {})
    missed = {r["key"] for r in table if r["status"] == "MISSED"}
    notes: list[str] = []
    by = _medians(s["throughput"]["rows"]) if "throughput" in s else {}
    if "a.pipeline" in missed:
        b, m, f = by.get(("bare", 1), {}), by.get(("muster", 1), {}), by.get(("faust", 1), {})
        fb = by.get(("faust-batched", 1), {})
        notes.append(
            f"**Pipeline vs bare pass-through (a).** Work per event, not waiting, sets the pace: the worker spent "
            f"{_fmt(m.get('cpu_ms_per_event'))} CPU ms per input event against {_fmt(b.get('cpu_ms_per_event'))} ms for "
            f"the bare pass-through ({_fmt(_ratio(m.get('cpu_ms_per_event'), b.get('cpu_ms_per_event')))}×). "
            + (f"A Faust agent that only forwards, in an app built by `streams.app.create_app`, already costs "
               f"{_fmt(f.get('cpu_ms_per_event'))} ms per event ({_fmt(f.get('events_per_s'))} ev/s): that much is Faust's "
               f"per-event machinery (stream iteration, acks, its producer buffer, the consumer thread hand-off, "
               f"and four asyncio tasks per fetched message in its fetch loop). "
               if f.get("cpu_ms_per_event") else "")
            + (f"Batching as Faust allows it does not lift that: the same agent taking events {BATCH} at a time "
               f"(`take_events`) and sending without a wait (`send_soon`) reached {_fmt(fb.get('events_per_s'))} "
               f"ev/s at {_fmt(fb.get('cpu_ms_per_event'))} CPU ms per event, since every event still passes one by "
               f"one through Faust's consumer, conductor and stream. "
               if fb.get("cpu_ms_per_event") else "")
            + "On top of it, a referral is two agent events (HoldBed, BedHeld) and two snapshot writes (shelter, "
            "referral), and every state change writes its snapshot back whole as JSON (a shelter's snapshot holds "
            "every hold: see the evidence table below). "
            f"Worker profile, busy samples by package: {_top(m.get('profile'), 'by_package_pct', 8)}. "
            f"Muster frames (inclusive): {_top(m.get('profile'), 'ours_inclusive_pct', 8)}. {_cpu_line(m.get('cpu'))}"
            + (" " + " ".join(m.get("notes", [])) if m.get("notes") else ""))
    if "a.scaling" in missed:
        m2 = by.get(("muster", 2), {})
        scale_bare, _ = _median_ratio(_round_ratios(s["throughput"]["rows"], ("bare", 2), ("bare", 1)))
        notes.append(
            f"**Two workers vs one (a).** The box has {results['machine'].get('nproc')} cores, shared with the broker, "
            f"the benchmark process and other tenants. {_cpu_line(m2.get('cpu'))} "
            + (f"The bare pass-through scaled {_fmt(scale_bare)}× from one to two processes on the same box "
               "(median of the rounds, as in the table). "
               if scale_bare else "")
            + _two_workers_line(by.get(("muster", 1), {}), m2))
    lat = s.get("latency", {})
    for rate_row in lat.get("rates", []):
        rate = rate_row["rate_per_s"]
        if f"b.p99ratio.{rate:g}" in missed or (rate == 50 and "b.p99abs" in missed):
            m, b = rate_row["referral"], rate_row["bare"]
            cm, cb = m.get("cpu_ms_per_request", {}), b.get("cpu_ms_per_request", {})
            notes.append(
                f"**Referral round trip at {rate:g}/s (b).** p50 {_fmt(m['p50_ms'])} ms, p99 {_fmt(m['p99_ms'])} ms against "
                f"the bare round trip's {_fmt(b['p99_ms'])} ms. A referral is three Kafka hops "
                "(API→shelters, worker→referrals, worker→referral-state→API view) where the baseline is two; each hop is an acks=all produce and a fetch, and each fetch by the API's views or "
                "the worker's consumer encodes and decodes every partition it follows. In CPU, one referral cost "
                f"{_fmt(cm.get('api'))} ms in the API, {_fmt(cm.get('worker-1'))} ms in the worker and "
                f"{_fmt(cm.get('broker'))} ms in the broker; one bare round trip {_fmt(cb.get('echo'))} ms in the echo "
                f"process and {_fmt(cb.get('broker'))} ms in the broker. {_cpu_line(m.get('cpu'))}"
                + _hops_line(rate_row.get("referral_hops"))
                + _slowest_line(rate_row.get("slowest_referral_hops"), rate_row.get("referral_hops"))
                + " When API, worker and broker together need much of the box at the offered rate, requests queue "
                "in each process and the tail grows.")
            break
    if "b.idle" in missed:
        idle = lat.get("after_idle", {})
        notes.append(f"**First referral after idle (b).** {json.dumps(idle)}")
    mr = lat.get("max_rate")
    if mr and mr.get("profiles"):
        api_profile = mr["profiles"].get("max-rate-api")
        worker_profile = mr["profiles"].get("max-rate-worker-1")
        last = mr["steps"][-1] if mr["steps"] else {}
        cpu_req = last.get("cpu_ms_per_request", {})
        notes.append(
            f"**Where the referral rate stops (b).** At {_fmt(last.get('rate_per_s'))}/s offered a referral cost "
            f"{_fmt(cpu_req.get('api'))} CPU ms in the API and {_fmt(cpu_req.get('worker-1'))} ms in the worker. "
            f"{_cpu_line(last.get('cpu'))} Profiles over the whole step-up, busy samples by package — API: "
            f"{_top(api_profile, 'by_package_pct', 7)}; worker: {_top(worker_profile, 'by_package_pct', 7)}. "
            f"Hottest leaves in the API: {_top(api_profile, 'self_pct', 6)}; in the worker: "
            f"{_top(worker_profile, 'self_pct', 6)}. Muster's own code is a small share: the cost is one Kafka "
            "request and socket write per record, because records trickle in one at a time at these rates "
            "(each fetch round encodes and decodes every partition its consumer follows: 8 for each of the "
            "API's views, one consumer per topic, and every partition of the topics the worker's agents read).")
    for r in s.get("search", {}).get("rows", []):
        n = r["shelters"]
        if f"c.vec.{n}" in missed:
            notes.append(
                f"**Candidate search at {n:,} shelters (c).** The nearest {r['nearest']} cost "
                f"{1e3 / r['index_qps']:.2f} ms a query: spherical distances for the "
                f"{_fmt(r['mean_candidates'])}-odd shelters around (a few slices of a table banded by latitude), "
                f"then exact geodesics for about {r['nearest']} "
                "of them, ordered by a bound the sphere gives; the scan's cost grows with every shelter.")
        if f"c.geopy.{n}" in missed:
            notes.append(
                f"**Nearest {r['nearest']} vs geopy at {n:,} shelters (c).** geopy takes "
                f"{1e6 / (r['geopy_qps'] * n):,.0f} µs per shelter, {1e3 / r['geopy_qps']:,.0f} ms a query; the index "
                f"answers in {1e3 / r['index_qps']:.2f} ms, of which at least {r['nearest']} exact geodesics (Karney's "
                "algorithm in PROJ, about 1.2 µs each, one pyproj call each) and the box query are the floor.")
        if f"c.identical.{n}" in missed:
            notes.append(f"**Candidate search at {n:,} shelters (c) returned different candidates**: see RESULTS.json.")
    f = s.get("services")
    if f and "f.ratio" in missed:
        notes.append(
            f"**Service search (f).** A search cost {1e3 / f['muster_qps']:.2f} ms: it read "
            f"{_fmt(f['mean_sites_read'])} sites a query in {_fmt(f['mean_index_readings'])} readings of the indexes "
            "(one for the results, and one for the sites left out when the index filtered what the first read; each "
            f"reads every type asked), and spent {f['index_share']:.0%} of its CPU "
            "getting the next site from the indexes: the box's candidates gathered and tag-filtered in numpy, then "
            "ordered by exact WGS84 geodesics, each a separate call into PROJ for the first few dozen; the rest "
            "judges each site read (opening hours, danger zones, needs) and writes what it lists. The scan's "
            f"{1e3 / f['brute_force_qps']:.0f} ms is one vectorised PROJ call over every site (about "
            f"{1e6 / f['brute_force_qps'] / f['sites']:.2f} µs each), whatever the query. A search's cost is a few "
            "dozen fixed numpy and PROJ calls plus a few µs of Python per site read, so the ratio grows with the "
            "directory: at 60,000 sites those fixed calls, on caches the scan has just emptied, are the floor.")
        if f["identical_share"] < 1:
            notes.append("**Service search (f) returned different sites**: see RESULTS.json.")
    h = s.get("hazards")
    if h and "d.ratio" in missed:
        notes.append(
            f"**Hazard membership (d).** The naive loop is cheap per area ({1e6 / h['naive_qps'] / h['areas']:.2f} µs: "
            "shapely rejects a point outside an area's envelope in C), so the loop over 300 costs "
            f"{1e6 / h['naive_qps']:.0f} µs. In blocks, HazardZones spends {1e6 / h['batch_qps']:.2f} µs a point: "
            f"one raster read per point in plain Python (numpy calls cost more than a block's reads when the naive "
            f"loop has left the caches cold), then one exact test per area whose edge crosses the point's cell "
            f"({h.get('queries_in_crossed_cells', 0):.1%} of these points, cell {h.get('raster_cell_deg')}°). "
            f"One point at a time costs {_fmt(h.get('us_per_clear_query'))} µs in a clear or covered cell (Python "
            f"call overhead) and {_fmt(h.get('us_per_crossed_query'))} µs in a crossed one. "
            "Cold caches decide much of it: two copies of the same HazardZones code, timed in one process in turns "
            "with the naive loop, measured 48× and 112× the loop, depending only on which methods ran just before.")
    return notes


# --- output -----------------------------------------------------------------------------------


def _others(results: dict) -> str:
    """Mean and range of the CPU other tenants used during the timed windows."""
    found: list[float] = []

    def walk(x):
        if isinstance(x, dict):
            if "others_cores" in x and isinstance(x.get("others_cores"), (int, float)) and "wall_s" in x:
                found.append(float(x["others_cores"]))
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)

    walk(results.get("sections", {}))
    if not found:
        return "not measured"
    nproc = results.get("machine", {}).get("nproc")
    return (f"{sum(found) / len(found):.2f} of {nproc} cores on average "
            f"(from {min(found):.2f} to {max(found):.2f} across {len(found)} windows)")


def show(results: dict, console: Console) -> None:
    if not console.is_terminal and console.width < 160:
        console = Console(width=200)
    table = Table(title=f"Muster benchmarks ({results['mode']} run)", show_lines=False)
    for col in ("section", "measurement", "value", "baseline", "ratio", "target", "status"):
        table.add_column(col, overflow="fold")
    for r in rows(results):
        status = r["status"]
        style = "green" if status == "met" else "red" if status == "MISSED" else ""
        table.add_row(r["section"], r["measurement"], r["value"], r["baseline"], _fmt(r["ratio"], "×"),
                      r["target"], f"[{style}]{status}[/{style}]" if style else status)
    console.print(table)


MEASURED = """\
## What is measured

- **(a) throughput.** Input: a realistic mix ({mix}; mean payload bytes {sizes}) over {shelters} sample
  shelters, 14 sample partners and the sample ice-storm incidents, registered before timing. Each side's
  consumers start on fresh uuid-prefixed topics (8 partitions) and are warmed up until their consumer group is
  stable and commands of every kind have been applied; then they are paused with SIGSTOP, the whole input is
  produced with aiokafka, and they are resumed with SIGCONT. **events/s = input events ÷ (time of the last
  event's effect − resume time)**, the effect's time being the timestamp its producer put on the record. For the
  bare aiokafka pass-through (one consumer-group member per process copying every record, same keys and values,
  into an output topic; acks=all, no linger) the effect is the output record. For Muster it is the state topic
  showing the command applied: shelter-state with the update, referral-state held or no_capacity (two agent
  hops: shelter, referral), hours-log with the entry, request-state once the first claim was answered (two
  agents). Workers are `python -m muster.cli worker` processes. "p10–p90" is the rate between the 10th and 90th percent of effects;
  "CPU ms/ev" is the consumers' user+system CPU over the run per event, which moves less with the box's load
  than events/s. The Faust forwarding agent is a reference that separates Faust's own cost from Muster's; it
  runs twice, taking one event at a time and taking Faust's batches ({BATCH} events or {WITHIN_MS:g} ms,
  `stream.take_events`, copies sent with `send_soon`), to show what batching where Faust allows it buys.
  The configurations run in turn, {rounds} round(s) in all: each figure is the median round (every round's
  events/s beside it) and each ratio the median of the rounds' ratios, since the box's other tenants move a
  drain's rate by a third from one minute to the next.
- **(b) latency.** Open-loop offered load (one request every 1/rate s, whatever the answers). Bare: the client
  produces a 200-byte request (acks=all, no linger), a bare aiokafka echo process copies it to a reply topic, the
  client's consumer (no group, 50 ms fetch wait) sees it. Referral: `POST /v1/referrals` (the raw HTTP/1.1 client
  of (e), tens of CPU µs a call) until the `201 held` answer, through the API process and one worker (candidates,
  the first candidate's HoldBed + audit produce, shelter agent, referral agent, referral-state, API view). Random callers across
  southern Ontario, {shelters} shelters with room. Each side first makes {warm_up} round trips one at a time,
  untimed (the first ones through fresh partitions are slower), then both run at the highest fixed rate for
  {warm} s, untimed, in alternating quarters (a fresh broker's JVM is still compiling its hot paths in its first
  minute under load: there the referral p99 at 50/s was about twice what it was a minute later). Each side
  runs {rate_s:g} s at each rate, the two taking turns every {turn:g} s (over only 100 referrals, a p99 would be
  the slowest one or two). Each referral's hops are timed from the timestamps its producers put on the records
  it writes (HoldBed, BedHeld, the held state). Then both sit idle ({idle} s here; 600 s is the full
  setting, past the clients' 540 s idle-connection limit) and the first call of each is timed. Then the offered
  referral rate is stepped up until p99 > 500 ms or a request fails.
- **(c) candidate search.** Seeded random shelters in Ontario's bounding box, radius 100 km (the referral
  default), random query points. The headline is the nearest 25 within the radius, what a referral reads
  (`ShelterDirectory.candidates` stops after `MUSTER_MAX_CANDIDATES`, 25); every shelter in the radius is
  measured beside it. Reference: the WGS84 geodesic (pyproj, Karney) to every shelter in one
  vectorised call; geopy's `geodesic` per shelter on a few queries. Identical = same shelters in the same order,
  distances equal to 1e-9 km (1e-6 km against geopy). Each method answers blocks of {block} queries back to back,
  methods taking turns going first, as in (d) and as the scans run warm inside their own long calls; the index's
  nearest 25 is also timed alone right after each vectorised scan and after each geopy scan, with the caches they
  left cold, and shown beside. Timed in CPU seconds of the benchmark's thread (`time.thread_time`), so time the
  box's other tenants take is no one's, with the cyclic collector paused (as timeit does), so a full pass over the
  benchmark's other data is no one's.
- **(d) hazard membership.** 300 seeded incident areas (geodesic circles and irregular polygons) across
  Ontario; half the queries anywhere, half near an area. Naive: `polygon.contains(Point)` over all 300.
  HazardZones: `containing_many` on each block of 200 points (how shelter listings and exports check every
  shelter) and `containing` per point (how a referral checks a candidate). Interleaved in blocks of 200
  queries, timed in CPU seconds of the benchmark's thread with the collector paused.
- **(e) API.** Closed loop: {concurrency} concurrent callers per endpoint, endpoints rotated in three rounds,
  once with an httpx AsyncClient and once with a minimal raw HTTP/1.1 keep-alive client (one connection per
  caller). The load generator shares the box with the API: httpx spends several CPU ms per request at this
  concurrency, more than the API on light endpoints, so the raw client's rows are the ones that measure the API.
  "CPU ms/req" is each process's CPU over the window divided by the requests answered.
- **(f) service search.** {service_sites} generated sites (seeded) across Ontario: most around the gazetteer's
  towns, more around bigger ones, the rest anywhere in the south or north; every service type (overnight shelters
  among them, a fifth of those full), hours of every kind (around the clock, daily, weekdays only, overnight, two
  stretches a day), one in twenty closed and one in twenty limited, needs flags and languages as a 211 directory
  has them. {service_queries} searches from callers near towns (weighted by population) at moments across one
  Ontario day: one to three types each, most for sites open now, some with needs; 50 km, 20 results and 5
  left-out sites each. Muster: `handlers.service_directory.search`, what `GET /v1/services` calls (a tagged
  PointIndex per type, read nearest first). Reference: the geodesic from the caller to every site in one
  vectorised pyproj call, then the type, radius and every other filter (the same rule, `exclusions`) on each
  site, then a sort by (distance, id). Identical = the same results and left-out sites in the same order, each
  with the same distance to 1e-9 km, opening and reasons. Both read the sites' compiled opening hours, warmed for
  the day first (as a running API's are after its first searches of the day). In turns, blocks of 25 queries,
  CPU seconds of the benchmark's thread, the collector paused.
"""


def carry_over(results: dict, earlier: dict) -> dict:
    """`results` with the sections it did not run taken from an `earlier` run of the same mode,
    each named with the run it comes from (`carried_over`), so that running one section leaves
    the figures of the others in RESULTS.md; a quick run's figures never stand beside a full one's."""
    if earlier.get("mode") != results["mode"]:
        return results
    carried = {name: figures for name, figures in earlier.get("sections", {}).items()
               if name not in results["sections"]}
    if not carried:
        return results
    source = {"commit": earlier.get("commit"), "started_at": earlier.get("started_at")}
    before = earlier.get("carried_over", {})
    return {**results, "sections": {**results["sections"], **carried},
            "plan": {**earlier.get("plan", {}), **results.get("plan", {})},
            "carried_over": {name: before.get(name, source) for name in carried}}


def _carried_line(carried: dict) -> str:
    """" Figures of throughput, latency from the run at commit X (when).", grouped by run."""
    runs: dict[tuple, list[str]] = {}
    for name, source in carried.items():
        runs.setdefault((source.get("commit"), source.get("started_at")), []).append(name)
    return "".join(f" Figures of {', '.join(names)} from the run at commit {commit} ({when})."
                   for (commit, when), names in runs.items())


def write(results: dict, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    table = rows(results)
    results = {**results, "table": table}
    (folder / "RESULTS.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    m, v = results["machine"], results["versions"]
    lines = [
        "# Muster benchmark results",
        "",
        f"`{'muster bench --quick' if results['mode'] == 'quick' else 'muster bench'}` — **{results['mode']} run**, "
        f"{results['started_at']}, commit {results['commit']}, {results['duration_s']:.0f} s. Sections: "
        f"{', '.join(results['sections_run'])}."
        + (" **Interrupted.**" if results.get("interrupted") else "")
        + _carried_line(results.get("carried_over", {})),
        "",
        f"Machine: {m['nproc']} CPUs ({m['cpu_model']}), {m['ram_gb']} GB RAM, {m['os']}; load average "
        f"{m.get('loadavg_at_start')} at start, {m.get('loadavg_at_end')} at end (a shared box: other tenants' "
        "load is reported next to each figure in RESULTS.json as `others_cores`).",
        "",
        "Versions: " + ", ".join(f"{k} {val}" for k, val in v.items()) + ".",
        "",
        f"**Load from other tenants during the measurements: {_others(results)}** — figures on this box move "
        "with it; CPU ms per event or request (next to each figure) move much less.",
        "",
        "Every ratio is to a baseline measured side by side in the same run. Targets are marked, never asserted.",
        "",
        "| section | measurement | value | baseline | ratio | target | status |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in table:
        status = f"**{r['status']}**" if r["status"] == "MISSED" else r["status"]
        lines.append(f"| {r['section']} | {r['measurement']} | {r['value']} | {r['baseline']} | "
                     f"{_fmt(r['ratio'], '×')} | {r['target']} | {status} |")
    notes = explanations(results, table)
    if notes:
        lines += ["", "## Why targets were missed (evidence from this run)", ""]
        lines += [f"- {n}" for n in notes]
    ev = results["sections"].get("evidence", {}).get("shelter_hold_cost")
    if ev:
        lines += ["", "## Evidence: one hold costs more as a shelter's holds grow", "",
                  "The shelter agent's per-event work without Kafka (decode, parse the snapshot, decide, write it back):",
                  "", "| holds already on the shelter | snapshot bytes | ms per HoldBed |", "|---|---|---|"]
        lines += [f"| {e['holds']} | {e['snapshot_bytes']:,} | {e['ms_per_hold_event']} |" for e in ev]
    codecs = results["sections"].get("evidence", {}).get("json_codecs")
    if codecs:
        lines += ["", "## Evidence: JSON on the hot path, pydantic-core beside orjson", "",
                  "A shelter snapshot parsed into its model and written back, µs per call, taking turns "
                  "(orjson parses, then pydantic validates the dict; orjson dumps the model's dict):", "",
                  "| holds | snapshot bytes | parse: pydantic-core | parse: orjson + validate | dump: pydantic-core | dump: orjson |",
                  "|---|---|---|---|---|---|"]
        lines += [f"| {c['holds']} | {c['snapshot_bytes']:,} | {c['parse_us']['pydantic']} | {c['parse_us']['orjson']} | "
                  f"{c['dump_us']['pydantic']} | {c['dump_us']['orjson']} |" for c in codecs]
    idle_cpu = results["sections"].get("latency", {}).get("idle_cpu")
    if idle_cpu:
        lines += ["", f"Idle cost: while the latency stack sat idle, {_cpu_line(idle_cpu)}"]
    t = results["sections"].get("throughput")
    plan = results.get("plan", {})
    lines += ["", MEASURED.format(
        mix=", ".join(f"{k} {n}" for k, n in (t or {}).get("mix", {}).items()) or "see bench/mix.py",
        sizes=(t or {}).get("mean_payload_bytes", "–"), shelters=plan.get("shelters"), idle=plan.get("idle_s"),
        concurrency=plan.get("concurrency"), warm_up=WARM_UP_CALLS, warm=plan.get("warm_s", 0),
        block=SEARCH_BLOCK, rate_s=plan.get("rate_s", 0), turn=TURN_S, rounds=plan.get("throughput_rounds", 1),
        service_sites=f"{plan.get('service_sites', 60000):,}", service_queries=plan.get("service_queries"),
        BATCH=BATCH, WITHIN_MS=WITHIN_S * 1000)]
    lines += ["Raw numbers, CPU use per process and profile summaries: `bench/RESULTS.json`; py-spy profiles: "
              "`.muster/bench/profiles/` (collapsed stacks).", ""]
    (folder / "RESULTS.md").write_text("\n".join(lines))
