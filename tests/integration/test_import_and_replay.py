"""The loading commands against a running worker and API on the real broker: an Open Referral
HSDS directory of shelters and other services imported, searched and exported back; the
ice-storm scenario replayed at a pace."""
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


def services_read(navigator, ids) -> dict[str, dict]:
    """Each service site as GET /v1/services/{id} answers, as the profile PUT would set."""
    return {i: hsds.service_profile(navigator.get(f"/v1/services/{i}").json()).model_dump() for i in ids}


def test_a_211_directory_with_every_service_is_imported_searched_and_exported_back(stack, tokens, tmp_path):
    sample = hsds.load(DATA / "hsds")
    assert sample.shelters and sample.services
    imported = muster(stack, "import", "hsds", str(DATA / "hsds"), "--report", str(tmp_path / "report.json"))
    assert imported.returncode == 0, imported.stdout + imported.stderr
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["refused"] == []
    assert sorted((a["id"], a["kind"]) for a in report["accepted"]) == sorted(
        [(s.id, "shelter") for s in sample.shelters] + [(s.id, s.profile.service_type) for s in sample.services])
    assert [(r["row"], r["reasons"]) for r in report["rejected"]] == [(r.row, list(r.reasons)) for r in sample.rejected]
    assert "look swapped" in imported.stdout and "is inactive" in imported.stdout and "byday 1SA" in imported.stdout

    with stack.client(tokens["navigator"]) as navigator:
        listed = navigator.get("/v1/shelters", params={"limit": 1000}).json()
        assert profiles(listed) == {s.id: s.profile.model_dump() for s in sample.shelters}
        assert services_read(navigator, [s.id for s in sample.services]) == {
            s.id: s.profile.model_dump() for s in sample.services}
        near_lindsay = navigator.get("/v1/shelters", params={"lat": 44.35, "lon": -78.73, "radius_km": 5,
                                                             "available": True}).json()
        assert {s["name"] for s in near_lindsay} == {
            "Sample: Lindsay Recreation Complex — Emergency warming centre",
            "Sample: Lindsay Recreation Complex — Overnight emergency shelter"}

    exported = muster(stack, "export", "hsds", str(tmp_path / "out"))
    assert exported.returncode == 0, exported.stdout + exported.stderr
    assert f"wrote {len(sample.shelters)} shelters and {len(sample.services)} services" in exported.stdout
    again = hsds.load(tmp_path / "out")
    assert (again.rejected, again.warnings) == ((), ())
    assert {s.id: s.profile.model_dump() for s in again.shelters} == profiles(listed)
    assert {s.id: s.profile for s in again.services} == {s.id: s.profile for s in sample.services}

    reimported = muster(stack, "import", "hsds", str(tmp_path / "out"), "--report", str(tmp_path / "again.json"))
    assert reimported.returncode == 0, reimported.stdout + reimported.stderr
    assert json.loads((tmp_path / "again.json").read_text())["rejected"] == []
    with stack.client(tokens["navigator"]) as navigator:
        assert profiles(navigator.get("/v1/shelters", params={"limit": 1000}).json()) == profiles(listed)
        assert services_read(navigator, [s.id for s in sample.services]) == {
            s.id: s.profile.model_dump() for s in sample.services}


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
    with stack.client(tokens["manager"]) as manager:
        totals = manager.get("/v1/incidents/ice-storm-2025-orillia/volunteer-hours").json()
        assert totals["hours"] == sum(h["hours"] for h in scenario["volunteer_hours"]
                                      if h["incident_id"] == "ice-storm-2025-orillia")
        raised = {r["id"] for r in manager.get("/v1/resource-requests").json()}
        assert {r["id"] for r in scenario["resource_requests"]} <= raised
