"""The loading commands against a running worker and API on the real broker: an Open Referral
HSDS directory imported, searched and exported back; the ice-storm scenario replayed at a pace."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from muster import hsds

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "muster" / "data"


def muster(stack, *args: str) -> subprocess.CompletedProcess:
    """`muster ARGS --url API` as a user would run it, signed with the stack's token secret."""
    return subprocess.run([sys.executable, "-m", "muster.cli", *args, "--url", stack.api.base],
                          env={**os.environ, **stack.env, "COLUMNS": "200"}, cwd=ROOT,
                          capture_output=True, text=True, timeout=240)


def profiles(shelters: list[dict]) -> dict[str, dict]:
    return {s["id"]: hsds.shelter_profile(s).model_dump() for s in shelters}


def test_a_211_directory_is_imported_searched_and_exported_back(stack, tokens, tmp_path):
    sample = hsds.load(DATA / "hsds")
    imported = muster(stack, "import", "hsds", str(DATA / "hsds"), "--report", str(tmp_path / "report.json"))
    assert imported.returncode == 0, imported.stdout + imported.stderr
    report = json.loads((tmp_path / "report.json").read_text())
    assert sorted(report["accepted"]) == sorted(s.id for s in sample.shelters) and report["refused"] == []
    assert [(r["row"], r["reason"]) for r in report["rejected"]] == [(r.row, r.reason) for r in sample.rejected]
    assert "look swapped" in imported.stdout and "is inactive" in imported.stdout

    with stack.client(tokens["navigator"]) as navigator:
        listed = navigator.get("/v1/shelters", params={"limit": 1000}).json()
        assert profiles(listed) == {s.id: s.profile.model_dump() for s in sample.shelters}
        near_lindsay = navigator.get("/v1/shelters", params={"lat": 44.35, "lon": -78.73, "radius_km": 5,
                                                             "available": True}).json()
        assert {s["name"] for s in near_lindsay} == {
            "Sample: Lindsay Recreation Complex — Emergency warming centre",
            "Sample: Lindsay Recreation Complex — Overnight emergency shelter"}

    exported = muster(stack, "export", "hsds", str(tmp_path / "out"))
    assert exported.returncode == 0, exported.stdout + exported.stderr
    again = hsds.load(tmp_path / "out")
    assert {s.id: s.profile.model_dump() for s in again.shelters} == profiles(listed)
    assert (again.rejected, again.warnings) == ((), ())

    reimported = muster(stack, "import", "hsds", str(tmp_path / "out"), "--report", str(tmp_path / "again.json"))
    assert reimported.returncode == 0, reimported.stdout + reimported.stderr
    assert json.loads((tmp_path / "again.json").read_text())["rejected"] == []
    with stack.client(tokens["navigator"]) as navigator:
        assert profiles(navigator.get("/v1/shelters", params={"limit": 1000}).json()) == profiles(listed)


def test_the_ice_storm_replays_and_reports_what_the_api_refused(stack, tokens):
    scenario = json.loads((DATA / "scenario_ice_storm.json").read_text())

    before_partners = muster(stack, "replay", str(DATA / "scenario_ice_storm.json"))
    assert before_partners.returncode == 1, before_partners.stdout + before_partners.stderr
    assert "unknown partner 'sample-orillia-responders'" in before_partners.stdout
    with stack.client(tokens["manager"]) as manager:
        declared = {i["id"] for i in manager.get("/v1/incidents").json()}
        assert {i["id"] for i in scenario["incidents"]} <= declared

    assert muster(stack, "replay", str(DATA / "partners.json")).returncode == 0
    paced = muster(stack, "replay", str(DATA / "scenario_ice_storm.json"), "--rate", "20")
    assert paced.returncode == 0, paced.stdout + paced.stderr
    assert "volunteer hours" in paced.stdout and "resource requests" in paced.stdout
    with stack.client(tokens["navigator"]) as navigator:
        totals = navigator.get("/v1/incidents/ice-storm-2025-orillia/volunteer-hours").json()
        assert totals["hours"] == sum(h["hours"] for h in scenario["volunteer_hours"]
                                      if h["incident_id"] == "ice-storm-2025-orillia")
        raised = {r["id"] for r in navigator.get("/v1/resource-requests").json()}
        assert {r["id"] for r in scenario["resource_requests"]} <= raised
