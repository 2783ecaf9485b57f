"""A canary caller runs through the whole flow and is found in no log, topic, dead letter or metric."""
from __future__ import annotations

import json
import uuid

from handlers.referrals import Referral
from tests.support.kafka import latest, produce, read_all, read_topic, topics_of
from tests.support.poll import until

MUSTER_ENV = {"MUSTER_CALLER_RETENTION_S": "3", "MUSTER_PURGE_INTERVAL_S": "0.5"}

CANARY_LAT, CANARY_LON = "45.4211113", "-75.6981117"
CANARY_NAME = "Canary-" + uuid.uuid4().hex
CANARIES = [CANARY_LAT, CANARY_LON, CANARY_NAME, "Canary-"]


def test_a_canary_caller_leaves_no_trace_and_expires(stack, tokens):
    with stack.client(tokens["manager"]) as manager, stack.client(tokens["navigator"]) as navigator:
        manager.put("/v1/shelters/ottawa-canary", json={"name": "Sample: Ottawa", "location": {"lat": 45.42, "lon": -75.69},
                                                        "capacity": 3, "families": True})
        body = {"id": "canary-1", "location": {"lat": float(CANARY_LAT), "lon": float(CANARY_LON)}, "household_size": 2,
                "needs": {"family": True}, "caller_ref": "case-0042"}
        refused = navigator.post("/v1/referrals", json={**body, "id": "canary-0", "name": CANARY_NAME})
        assert refused.status_code == 422
        held = navigator.post("/v1/referrals", json=body)
        assert held.status_code == 201, held.text
        assert navigator.post("/v1/referrals/canary-1/release").json()["status"] == "released"
        hostile = {"type": "RequestReferral", "v": 1, "id": "canary-2", "caller_name": CANARY_NAME,
                   "location": {"lat": float(CANARY_LAT), "lon": float(CANARY_LON)}}
        produce(stack.env, "referrals", [(b"canary-2", json.dumps(hostile).encode())])
        until(lambda: any(k == b"canary-2" for k, *_ in read_all(stack.env, "dead-letters")), what="the dead letter")
        metrics = navigator.get("/metrics").text

        until(lambda: navigator.get("/v1/referrals/canary-1").status_code == 404, deadline_s=30,
              what="the ended referral to be purged")
        assert "canary-1" not in latest(stack.env, "referral-state", Referral)

    found = []
    for topic in topics_of(stack.env):
        hostile_input = topic == stack.env["MUSTER_TOPIC_PREFIX"] + "referrals"
        for key, value, _partition, offset in read_topic(stack.env, topic):
            blob = (key or b"") + (value or b"")
            found += [(topic, offset, c) for c in CANARIES if c.encode() in blob and not (hostile_input and key == b"canary-2")]
    for process in [stack.api, *stack.workers]:
        text = process.log_path.read_text(errors="replace")
        found += [(process.name, c) for c in CANARIES if c in text]
    found += [("metrics", c) for c in CANARIES if c in metrics]
    assert found == []
