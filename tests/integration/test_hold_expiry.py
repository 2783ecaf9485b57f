"""Holds expire on their own: the bed comes back without anyone releasing it."""
from __future__ import annotations

from tests.support.poll import until

MUSTER_ENV = {"MUSTER_HOLD_TTL_S": "3", "MUSTER_HOLD_SWEEP_INTERVAL_S": "0.5"}


def test_an_unconfirmed_hold_expires_and_the_bed_returns(stack, tokens):
    with stack.client(tokens["manager"]) as manager, stack.client(tokens["navigator"]) as navigator:
        put = manager.put("/v1/shelters/kenora-1", json={"name": "Sample: Kenora", "location": {"lat": 49.77, "lon": -94.49},
                                                         "capacity": 1, "occupancy": 0})
        assert put.status_code in (200, 201)
        held = navigator.post("/v1/referrals", json={"id": "expiring", "location": {"place": "Kenora"}, "household_size": 1})
        assert held.status_code == 201 and held.json()["status"] == "held", held.text
        until(lambda: navigator.get("/v1/shelters/kenora-1").json()["free"] == 0, what="the bed held")
        until(lambda: navigator.get("/v1/referrals/expiring").json()["status"] == "expired", deadline_s=30,
              what="the hold to expire")
        assert until(lambda: navigator.get("/v1/shelters/kenora-1").json()["free"] == 1, deadline_s=10, what="the bed")
        again = navigator.post("/v1/referrals", json={"id": "after-expiry", "location": {"place": "Kenora"}})
        assert again.json()["status"] == "held"


def test_confirming_and_releasing_follow_the_bed(stack, tokens):
    with stack.client(tokens["manager"]) as manager, stack.client(tokens["navigator"]) as navigator:
        put = manager.put("/v1/shelters/dryden-1", json={"name": "Sample: Dryden", "location": {"lat": 49.78, "lon": -92.84},
                                                         "capacity": 2, "occupancy": 0})
        assert put.status_code in (200, 201), put.text
        first = navigator.post("/v1/referrals", json={"id": "dryden-a", "location": {"lat": 49.78, "lon": -92.84}})
        second = navigator.post("/v1/referrals", json={"id": "dryden-b", "location": {"lat": 49.78, "lon": -92.84}})
        assert first.json()["status"] == second.json()["status"] == "held"
        confirmed = navigator.post("/v1/referrals/dryden-a/confirm")
        assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"
        released = navigator.post("/v1/referrals/dryden-b/release")
        assert released.json()["status"] == "released"
        shelter = until(lambda: (s := navigator.get("/v1/shelters/dryden-1").json())["held"] == 0 and s, what="release")
        assert (shelter["confirmed"], shelter["free"]) == (1, 1)
        sheet = navigator.get("/v1/referrals/dryden-a/sheet?lang=fr")
        assert sheet.status_code == 200 and "Un lit vous est réservé" in sheet.text and "Sample: Dryden" in sheet.text
        with stack.client(tokens["admin"]) as admin:
            assert admin.get("/v1/referrals/dryden-a").status_code == 200
