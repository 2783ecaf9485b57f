"""The benchmark's search and hazard sections at tiny sizes: the fast paths give the reference's answers.

A real check of the results the benchmark compares against, never of timings.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from bench import evidence, hazards, report, search
from bench.cpu import CpuMeter


def test_candidate_search_ranks_the_same_shelters_as_a_geodesic_scan_and_as_geopy():
    rows = search.run(sizes=[300, 3000], queries=12, geopy_queries={300: 2}, radius_km=100.0, seed=11, k=5)

    for row in rows:
        assert row["identical_share"] == 1.0, row
        assert row["full_identical_share"] == 1.0, row
        assert row["mean_candidates"] > 0, row
        assert row["index_qps"] > 0 and row["index_after_scan_qps"] > 0, row
    assert rows[0]["identical_share_vs_geopy"] == 1.0


def test_a_search_radius_that_finds_nothing_agrees_too():
    rows = search.run(sizes=[200], queries=5, geopy_queries={}, radius_km=0.5, seed=3)

    assert rows[0]["identical_share"] == 1.0


def test_hazard_zones_name_the_same_areas_as_a_loop_over_every_polygon():
    row = hazards.run(n_areas=40, n_queries=400, seed=5)

    assert row["identical_share"] == 1.0, row
    assert 0 < row["queries_inside_any"] < 1, row


def test_the_naive_loop_sees_a_point_inside_a_circle_and_not_outside_it():
    polygons = hazards.areas(2, seed=1)
    key, circle = next(iter(polygons.items()))
    centre = circle.centroid

    assert key in hazards.naive(polygons, centre.y, centre.x)
    assert hazards.naive(polygons, 10.0, 10.0) == []


def test_the_json_codec_evidence_compares_codecs_that_agree_and_is_reported(tmp_path):
    codecs = [evidence.codec_cost(h, repeat=3) for h in (0, 12)]
    assert [c["snapshot_bytes"] > 0 and set(c["parse_us"]) == {"pydantic", "orjson"} for c in codecs] == [True, True]
    assert codecs[1]["snapshot_bytes"] > codecs[0]["snapshot_bytes"]

    results = json.loads((Path(report.__file__).parent / "RESULTS.json").read_text())
    results["sections"].setdefault("evidence", {})["json_codecs"] = codecs
    report.write(results, tmp_path)
    written = (tmp_path / "RESULTS.md").read_text()
    assert "pydantic-core beside orjson" in written and f"| 12 | {codecs[1]['snapshot_bytes']:,} |" in written


def test_the_collector_is_off_while_requests_are_timed_and_on_again_after_even_on_error():
    import gc

    from bench.timing import collector_paused

    assert gc.isenabled()
    try:
        with collector_paused():
            assert not gc.isenabled()
            raise RuntimeError("a request failed")
    except RuntimeError:
        pass
    assert gc.isenabled()


def test_each_hop_of_a_referral_is_the_time_between_the_records_that_bound_it():
    from bench.latency import HOPS, hop_percentiles

    answered = {"r1": (100.000, 100.050), "r2": (200.000, 200.030), "lost": (300.0, 300.1)}
    stamps = {"r1": {"HoldBed": 100.004, "BedHeld": 100.010, "held": 100.040},
              "r2": {"HoldBed": 200.002, "BedHeld": 200.006, "held": 200.020},
              "lost": {"HoldBed": 300.01}}
    hops = hop_percentiles(answered, stamps, {"r1", "r2", "lost"})
    assert list(hops) == [name for name, _ in HOPS]
    assert [h["n"] for h in hops.values()] == [2] * 4
    assert [(h["p50_ms"], h["p99_ms"]) for h in hops.values()] == [(2.0, 4.0), (4.0, 6.0), (14.0, 30.0), (10.0, 10.0)]
    assert "HTTP in → HoldBed produced (API) 2.00 / 4.00" in report._hops_line(hops)


def test_the_slowest_share_of_referrals_is_picked_by_round_trip_and_its_hops_set_beside_the_usual():
    from bench.latency import slowest

    answered = {f"r{i}": (float(i), float(i) + 0.010 + i / 1000.0) for i in range(200)}
    assert slowest(answered, set(answered)) == {"r199", "r198"}
    assert slowest(answered, {"r3", "r4", "unanswered"}) == {"r4"}
    assert slowest(answered, set()) == set()

    usual = {"a": {"n": 200, "p50_ms": 5.0, "p99_ms": 9.0}, "b": {"n": 200, "p50_ms": 6.0, "p99_ms": 9.0}}
    slow = {"a": {"n": 2, "p50_ms": 12.0, "p99_ms": 14.0}, "b": {"n": 2, "p50_ms": 7.0, "p99_ms": 8.0}}
    line = report._slowest_line(slow, usual)
    assert "slowest 1% (2 referrals)" in line and "a 12.0 vs 5.00" in line and "b 7.00 vs 6.00" in line
    assert "1 of 2 hops took at least twice their usual time" in line
    assert report._slowest_line({}, usual) == ""


def test_results_name_the_commit_and_say_when_tracked_files_differ_from_it(tmp_path):
    import subprocess

    from bench.env import git_commit

    def git(*args):
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=tmp_path, check=True,
                       capture_output=True)

    git("init", "-q")
    (tmp_path / "a.py").write_text("x = 1\n")
    git("add", "a.py")
    git("commit", "-q", "-m", "one")
    (tmp_path / "untracked.txt").write_text("scratch\n")
    clean = git_commit(tmp_path)
    (tmp_path / "a.py").write_text("x = 2\n")

    assert clean and " " not in clean
    assert git_commit(tmp_path) == f"{clean} with uncommitted changes"


def test_methods_answer_every_block_in_turns_each_going_first_in_turn():
    from bench.timing import in_turns

    calls = []

    def method(name):
        return lambda block: calls.append((name, block)) or [f"{name}{q}" for q in block]

    found, spent = in_turns([method("a"), method("b"), method("c")], [[1, 2], [3], [4]])

    assert found == [["a1", "a2", "a3", "a4"], ["b1", "b2", "b3", "b4"], ["c1", "c2", "c3", "c4"]]
    assert [name for name, _ in calls] == ["a", "b", "c", "b", "c", "a", "c", "a", "b"]
    assert len(spent) == 3 and all(s >= 0 for s in spent)


def test_the_profiler_finds_py_spy_beside_the_interpreter_when_it_is_not_on_path(tmp_path, monkeypatch):
    from bench.profile import Profiler

    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    assert Profiler.executable() is None
    (tmp_path / "py-spy").write_text("")
    assert Profiler.executable() == str(tmp_path / "py-spy")


def test_the_profiler_names_the_function_a_running_process_spends_its_time_in(tmp_path):
    from bench.profile import Profiler

    busy = "def spin_for_the_profiler():\n    while True:\n        sum(range(1000))\nspin_for_the_profiler()\n"
    child = subprocess.Popen([sys.executable, "-c", busy])
    try:
        profiler = Profiler(child.pid, "test")
        profiler.path = tmp_path / "profile.txt"
        profiler.start()
        time.sleep(1.0)  # a second of samples: py-spy writes its file only when stopped
        summary = profiler.stop()
    finally:
        child.kill()
        child.wait()
    assert profiler.error is None
    assert summary["busy_samples"] > 0
    assert summary["self_pct"][0][0].startswith("spin_for_the_profiler ")


def test_throughput_figures_are_the_median_round_and_ratios_the_median_of_each_rounds_ratio():
    def drain(kind, n, round_, eps):
        return {"kind": kind, "processes": n, "round": round_, "events_per_s": eps, "processed": 10, "events": 10,
                "steady_events_per_s": eps, "cpu_ms_per_event": 1.0, "cpu": {}, "notes": []}

    drains = [drain("bare", 1, 1, 1000.0), drain("muster", 1, 1, 100.0), drain("muster", 2, 1, 100.0),
              drain("bare", 1, 2, 1000.0), drain("muster", 1, 2, 300.0), drain("muster", 2, 2, 400.0),
              drain("bare", 1, 3, 2000.0), drain("muster", 1, 3, 200.0), drain("muster", 2, 3, 500.0)]
    table = {r["key"]: r for r in report.rows({"sections": {"throughput": {"rows": drains}}})}
    assert "200 ev/s (median of rounds: 100 / 300 / 200)" in table["a.pipeline"]["value"]
    assert table["a.pipeline"]["ratio"] == 0.1  # rounds 0.1, 0.3, 0.1
    assert table["a.scaling"]["ratio"] == 1.333  # rounds 1.0, 1.33, 2.5; the medians' 400 / 200 mixes rounds
    assert "rounds 1.00×, 1.33×, 2.50×, median" in table["a.scaling"]["baseline"]
    assert table["a.scaling"]["status"] == "MISSED"

    drains += [drain("bare", 2, 1, 3000.0), drain("bare", 2, 2, 1100.0), drain("bare", 2, 3, 3000.0)]
    results = {"machine": {"nproc": 2}, "sections": {"throughput": {"rows": drains}}}
    notes = report.explanations(results, report.rows(results))
    assert "The bare pass-through scaled 1.50× from one to two processes" in " ".join(notes)  # rounds 3.0, 1.1, 1.5; medians 3.0


def test_the_batched_faust_reference_gets_its_own_row_and_is_named_where_the_pipeline_is_explained():
    def drain(kind, eps, cpu_ms):
        return {"kind": kind, "processes": 1, "round": 1, "events_per_s": eps, "processed": 10, "events": 10,
                "steady_events_per_s": eps, "cpu_ms_per_event": cpu_ms, "cpu": {}, "notes": []}

    drains = [drain("bare", 10000.0, 0.05), drain("muster", 1000.0, 0.9), drain("faust", 3000.0, 0.3),
              drain("faust-batched", 2500.0, 0.35)]
    results = {"machine": {"nproc": 2}, "sections": {"throughput": {"rows": drains}}}
    table = report.rows(results)
    batched = {r["key"]: r for r in table}["a.faust-batched1"]
    assert batched["ratio"] == 0.25 and "take_events" in batched["measurement"]
    note = " ".join(report.explanations(results, table))
    assert "(`send_soon`) reached 2,500 ev/s at 0.35 CPU ms per event" in note


def test_the_two_worker_note_gives_the_cost_per_event_and_the_idle_cores_beside_the_workers_use():
    one = {"cpu_ms_per_event": 1.25, "events_per_s": 1000.0}
    two = {"cpu_ms_per_event": 1.75, "events_per_s": 1300.0, "processed": 1000,
           "cpu": {"nproc": 2, "box_busy_cores": 1.5, "cores": {"worker-1": 0.5, "worker-2": 0.6, "broker": 0.3},
                   "cpu_s": {"worker-1": 0.5, "worker-2": 0.5, "broker": 0.2}}}
    line = report._two_workers_line(one, two)
    assert "1.75 CPU ms per event against one worker's 1.25 (1.40×)" in line
    assert "0.50 of the box's cores sat idle as well, the workers using 0.50–0.60 of a core each" in line


def test_on_a_busy_box_the_two_worker_note_gives_the_rate_its_cores_can_carry():
    one = {"cpu_ms_per_event": 0.8, "events_per_s": 1000.0}
    two = {"cpu_ms_per_event": 0.8, "events_per_s": 1500.0, "processed": 1000,
           "cpu": {"nproc": 2, "box_busy_cores": 1.9, "cores": {"worker-1": 0.8, "worker-2": 0.75, "broker": 0.3},
                   "cpu_s": {"worker-1": 0.5, "worker-2": 0.5, "broker": 0.2, "bench": 0.05}}}
    line = report._two_workers_line(one, two)
    assert "sat idle" not in line
    assert "took 1.25 CPU ms per event, so these 2 cores carry at most 1,600 ev/s, 1.60× one worker's rate" in line
    assert "two workers reached 94% of that" in line
    two["cpu"]["cpu_s"]["broker"] = 0.45
    assert "1.33× one worker's rate, short of the 1.6× target" in report._two_workers_line(one, two)


def test_a_cpu_window_can_end_at_the_first_reading_after_a_moment_known_later():
    meter = CpuMeter({"worker": os.getpid()})
    meter.marks = [(100.0, 10.0, {"worker": 5.0}), (101.0, 11.8, {"worker": 5.9}), (103.0, 11.9, {"worker": 5.95})]
    drain = meter.stop(until=100.95)
    assert (drain["wall_s"], drain["cores"], drain["box_busy_cores"]) == (1.0, {"worker": 0.9}, 1.8)
    assert meter.stop()["wall_s"] > 1000  # without `until`, the window ends at the reading stop takes



def test_the_service_search_lists_what_a_brute_force_filter_and_geodesic_scan_lists():
    from bench import services

    row = services.run(sites=1500, n_queries=24, seed=7)

    assert row["identical_share"] == 1.0, row
    assert row["mean_results"] > 0 and row["mean_excluded"] > 0, row
    assert 0 < row["open_now_share"] < 1 and 0 < row["needs_share"] < 1, row
    assert row["muster_qps"] > 0 and row["brute_force_qps"] > 0 and row["mean_sites_read"] > 0, row
    table = {r["key"]: r for r in report.rows({"sections": {"services": row}})}
    assert table["f.identical"]["status"] == "met" and table["f.ratio"]["ratio"] == row["ratio"]


def test_the_brute_force_reference_notices_a_search_that_drops_a_site():
    from bench import services
    from handlers.directories import IncidentDirectory

    directory = services.directory(400, seed=2)
    lat, lon, query, now = services.queries(1, seed=3)[0]
    zones = IncidentDirectory()
    right = services.BruteForce(directory).search(lat, lon, query, now, zones)
    results, excluded = right
    assert results, "a query with results"
    assert services.same(right, right)
    assert not services.same((results[1:], excluded), right)
    assert not services.same((results, excluded[:-1] if excluded else [results[0]]), right)


def test_running_one_section_keeps_the_others_figures_naming_the_run_they_come_from(tmp_path):
    earlier = json.loads((Path(report.__file__).parent / "RESULTS.json").read_text())
    earlier.pop("carried_over", None)
    earlier["sections"].pop("services", None)
    now = {**earlier, "sections_run": ["services"], "commit": "abc1234", "started_at": "2026-12-08T10:00:00+00:00",
           "sections": {"services": services_row()}}

    merged = report.carry_over(now, earlier)
    report.write(merged, tmp_path)

    assert set(merged["sections"]) == set(earlier["sections"]) | {"services"}
    assert merged["carried_over"]["search"] == {"commit": earlier["commit"], "started_at": earlier["started_at"]}
    written = (tmp_path / "RESULTS.md").read_text()
    assert f"from the run at commit {earlier['commit']}" in written and "| f services |" in written
    assert "| c search |" in written
    assert report.carry_over({**now, "mode": "quick"}, earlier)["sections"] == now["sections"]
    later = {**now, "commit": "def5678", "sections": {"hazards": earlier["sections"]["hazards"]}}
    assert report.carry_over(later, merged)["carried_over"]["search"]["commit"] == earlier["commit"]


def services_row() -> dict:
    return {"sites": 60000, "queries": 4, "radius_km": 50.0, "limit": 20, "excluded_limit": 5, "build_s": 1.0,
            "shelters": 10, "open_now_share": 0.5, "needs_share": 0.25, "mean_sites_of_the_types_in_radius": 900.0,
            "mean_results": 19.0, "mean_excluded": 4.0, "muster_qps": 900.0, "brute_force_qps": 12.0,
            "identical_share": 1.0, "ratio": 75.0, "mean_sites_read": 40.0, "mean_index_readings": 1.9,
            "index_share": 0.6}
