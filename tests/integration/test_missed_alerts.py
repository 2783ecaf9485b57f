"""The alert sweep against the real broker with two workers: a partner that registered while an
incident was declared, each worker's directory not yet showing the other's news, so that neither
the declaration nor the registration alerted it, is alerted once by the incident's owner."""
from __future__ import annotations

from collections import Counter

from tests.support.alerts import THUNDER_BAY, alerts_for, storm
from tests.support.kafka import produce
from tests.support.partners import registered
from tests.support.poll import until

WORKERS = 2
MUSTER_ENV = {"MUSTER_ALERT_SWEEP_INTERVAL_S": "1"}
NEAR = {"lat": THUNDER_BAY["lat"], "lon": THUNDER_BAY["lon"]}


def missed(env: dict, partner_id: str) -> None:
    """What the race leaves behind: the partner's state recorded, and no incident asked to alert it."""
    partner = registered(id=partner_id, name=f"Sample: {partner_id}", base=THUNDER_BAY,
                         service_area={"center": NEAR, "radius_km": 5})
    produce(env, "partner-state", [(partner_id.encode(), partner.model_dump_json().encode())])


def test_a_partner_both_workers_missed_is_alerted_once_by_the_sweep(stack, tokens):
    incident_id = "thunder-bay-race"
    with stack.client(tokens["manager"]) as manager:
        thunder_bay = {**storm(incident_id, 10), "title": "Ice storm — Thunder Bay",
                       "area": {"center": NEAR, "radius_km": 10}}
        assert manager.post("/v1/incidents", json=thunder_bay).status_code == 201

        missed(stack.env, "raced-first")
        until(lambda: "raced-first" in alerts_for(stack.env, incident_id), what="the sweep's alert")
        missed(stack.env, "raced-second")
        counts = until(lambda: (c := alerts_for(stack.env, incident_id)) and "raced-second" in c and c,
                       what="the next sweep's alert, rounds after the first")
        assert counts == Counter({"raced-first": 1, "raced-second": 1})
        incident = until(lambda: (i := manager.get(f"/v1/incidents/{incident_id}").json())
                         and len(i["alerts"]) == 2 and i, what="the incident's alerts")
        assert set(incident["alerts"]) == {"raced-first", "raced-second"}
