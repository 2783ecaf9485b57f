"""Volunteer hours against the real broker with two workers, one restarted mid-run: 10,000 entries,
one in ten sent twice, and the totals come out exactly as a plain fold of the unique entries."""
from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, timedelta

import pytest

from handlers.hours import HoursLogged, LogHours
from tests.support.kafka import latest, produce, read_all
from tests.support.poll import until
from tests.support.processes import Worker

WORKERS = 2
ORILLIA = {"id": "storm-orillia", "kind": "ice_storm", "title": "Ice storm — Orillia", "severity": "severe",
           "area": {"center": {"lat": 44.6082, "lon": -79.4197}, "radius_km": 25}}
PETERBOROUGH = {"id": "storm-peterborough", "kind": "ice_storm", "title": "Ice storm — Peterborough",
                "severity": "extreme", "area": {"center": {"lat": 44.30, "lon": -78.32}, "radius_km": 20}}
PARTNERS = ["salvation-army-on", "211-ontario", "feed-ontario", "st-john-ambulance-on", "sample-orillia-responders",
            "sample-london-debris"]
ACTIVITIES = ["debris_clearing", "meals", "wellness_checks", "sheltering", "first_aid", "information_referral"]
SALVATION_ARMY = {"name": "The Salvation Army Ontario", "capabilities": ["shelter", "canteen_truck", "food_kits"],
                  "base": {"lat": 43.6545, "lon": -79.3806, "place": "Toronto, ON"}, "inventory": {"cots": 400}}


def entries(count: int, rng: random.Random) -> list[LogHours]:
    """Unique entries across two incidents, one in fifty a correction of an earlier one."""
    made: list[LogHours] = []
    for i in range(count):
        volunteers = rng.randint(1, 20)
        fields = dict(id=f"vh-{i:05d}", partner_id=rng.choice(PARTNERS),
                      incident_id=rng.choice([ORILLIA["id"], PETERBOROUGH["id"]]), volunteers=volunteers,
                      hours=rng.randint(1, 32 * volunteers) / 4, activity=rng.choice(ACTIVITIES),
                      date=date(2025, 3, 30) + timedelta(days=rng.randint(0, 7)))
        if made and i % 50 == 0:
            target = rng.choice(made)
            fields.update(partner_id=target.partner_id, incident_id=target.incident_id, corrects=target.id)
        made.append(LogHours(**fields))
    return made


def plain_fold(unique: dict[str, LogHours | HoursLogged], incident_id: str) -> dict:
    """Totals the long way: every entry no other entry corrects, once."""
    corrected = {e.corrects for e in unique.values() if e.corrects}
    counted = [e for e in unique.values() if e.id not in corrected and e.incident_id == incident_id]
    by = {"by_partner": defaultdict(lambda: [0, 0, 0]), "by_activity": defaultdict(lambda: [0, 0, 0]),
          "by_day": defaultdict(lambda: [0, 0, 0])}
    for e in counted:
        for name, key in (("by_partner", e.partner_id), ("by_activity", e.activity), ("by_day", e.date.isoformat())):
            total = by[name][key]
            total[0] += 1
            total[1] += e.volunteers
            total[2] += round(e.hours * 100)
    result = {"entries": len(counted), "volunteers": sum(e.volunteers for e in counted),
              "hours": sum(round(e.hours * 100) for e in counted) / 100}
    for name, sums in by.items():
        result[name] = {k: {"entries": n, "volunteers": v, "hours": h / 100} for k, (n, v, h) in sorted(sums.items())}
    return result


def as_records(commands: list[LogHours]) -> list[tuple[bytes, bytes]]:
    return [(c.id.encode(), c.model_dump_json(exclude_none=True).encode()) for c in commands]


@pytest.fixture(scope="module")
def incidents(stack, tokens):
    with stack.client(tokens["manager"]) as manager, stack.client(tokens["admin"]) as admin:
        for incident in (ORILLIA, PETERBOROUGH):
            assert manager.post("/v1/incidents", json=incident).status_code in (201, 202)
        assert admin.put("/v1/partners/salvation-army-on", json=SALVATION_ARMY).status_code in (201, 202)
        until(lambda: all(manager.get(f"/v1/incidents/{i['id']}").status_code == 200 for i in (ORILLIA, PETERBOROUGH))
              and admin.get("/v1/partners/salvation-army-on").status_code == 200, what="incidents and partner visible")
    return ORILLIA["id"], PETERBOROUGH["id"]


def test_10000_entries_with_duplicates_and_a_worker_restart_total_exactly(stack, tokens, incidents):
    rng = random.Random(2025)
    unique = entries(9_000, rng)
    duplicates = [rng.choice(unique) for _ in range(1_000)]
    stream = unique + duplicates
    rng.shuffle(stream)
    poison = [(b"vh-poison", b"{not json"), (b"vh-nowhere", LogHours(**{
        **unique[0].model_dump(exclude={"type", "corrects"}), "id": "vh-nowhere", "incident_id": "nowhere"}).model_dump_json().encode())]
    half = len(stream) // 2

    produce(stack.env, "volunteer-hours", as_records(stream[:half]) + poison)
    # A worker goes away mid-run and a new one takes its place; the other absorbs the rebalances.
    stack.workers[0].stop()
    stack.workers[0] = Worker(stack.workers[0].name + "-restarted", stack.env, "1").start()
    produce(stack.env, "volunteer-hours", as_records(stream[half:]))

    by_id: dict[str, LogHours | HoursLogged] = {e.id: e for e in unique}
    with stack.client(tokens["partner"]) as partner, stack.client(tokens["admin"]) as admin:
        over_http = [e.model_dump(mode="json", exclude={"type", "v"}, exclude_none=True) | {"id": f"http-{i}", "corrects": None}
                     for i, e in enumerate(unique[:4])]
        for body in over_http:
            body.update(partner_id="salvation-army-on")
            body.pop("corrects")
            response = partner.post("/v1/volunteer-hours", json=body)
            assert response.status_code in (201, 202), response.text
            by_id[body["id"]] = LogHours(**body)
        retry = partner.post("/v1/volunteer-hours", json=over_http[0])
        assert retry.status_code in (200, 201, 202)
        correction = {**over_http[1], "id": "http-fix", "hours": 1.5, "volunteers": 1, "corrects": "http-1"}
        assert until(lambda: admin.get("/v1/volunteer-hours/http-1").status_code == 200, what="http-1 logged")
        assert admin.post("/v1/volunteer-hours", json=correction).status_code in (201, 202)
        by_id["http-fix"] = LogHours(**correction)
        assert partner.post("/v1/volunteer-hours", json={**over_http[2], "id": "not-mine", "partner_id": "feed-ontario"}).status_code == 403

        for incident_id in incidents:
            expected = plain_fold(by_id, incident_id)

            def caught_up(incident_id=incident_id, expected=expected):
                totals = admin.get(f"/v1/incidents/{incident_id}/volunteer-hours").json()
                return totals if {k: totals[k] for k in expected} == expected else None

            try:
                until(caught_up, deadline_s=150, every_s=1, what=f"{incident_id} totals to catch up")
            except AssertionError:
                missing = sorted(set(by_id) - set(latest(stack.env, "hours-log", HoursLogged)))
                raise AssertionError(f"{incident_id}: expected {expected['entries']} entries, "
                                     f"{len(missing)} never reached the hours log: {missing[:20]}") from None

    letters = {key for key, _, _, _ in read_all(stack.env, "dead-letters")}
    assert {b"vh-poison", b"vh-nowhere"} <= letters
    logged = latest(stack.env, "hours-log", HoursLogged)
    assert set(logged) == set(by_id), "every unique entry is on the hours log, and nothing else"
    assert all(logged[k].same_entry(by_id[k]) for k in list(by_id)[:500])


def test_hours_can_be_logged_after_the_stand_down_and_exported_as_csv(stack, tokens, incidents):
    orillia, _ = incidents
    body = {"id": "after-stand-down", "partner_id": "salvation-army-on", "incident_id": orillia, "volunteers": 3,
            "hours": 12, "activity": "meals", "date": "2025-04-07"}
    with stack.client(tokens["manager"]) as manager, stack.client(tokens["partner"]) as partner:
        assert manager.post(f"/v1/incidents/{orillia}/close").status_code == 200
        before = manager.get(f"/v1/incidents/{orillia}/volunteer-hours").json()["hours"]
        assert partner.post("/v1/volunteer-hours", json=body).status_code == 201
        after = manager.get(f"/v1/incidents/{orillia}/volunteer-hours").json()
        assert after["hours"] == pytest.approx(before + 12) and after["by_day"]["2025-04-07"]["hours"] >= 12
        csv = manager.get(f"/v1/incidents/{orillia}/volunteer-hours", params={"format": "csv"})
        assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
        header, *rows = csv.text.strip().splitlines()
        assert header == "incident_id,partner_id,partner_name,activity,date,entries,volunteers,hours"
        assert f"{orillia},salvation-army-on,The Salvation Army Ontario,meals,2025-04-07," in csv.text
        assert sum(float(r.rsplit(",", 1)[1]) for r in rows) == pytest.approx(after["hours"])
