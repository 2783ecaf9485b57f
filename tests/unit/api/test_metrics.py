"""/metrics in-process: what an operator's Prometheus scrapes during an ice storm."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from prometheus_client import generate_latest

from api.metrics import ApiMetrics
from bus.topics import DEAD_LETTERS, SHELTER_STATE
from handlers.common import DeadLetter
from handlers.shelters import HoldBed, RegisterShelter, decide as decide_shelter
from tests.support.api import NOW

SAMPLE = re.compile(r'^(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(?P<labels>[^}]*)\})? (?P<value>[-+0-9.eE]+|\+Inf|NaN)$')
LABEL = re.compile(r'^[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*"$')
INCIDENT = {"id": "flood-bracebridge", "kind": "flood", "title": "Muskoka River flooding", "severity": "severe",
            "area": {"center": {"lat": 45.04, "lon": -79.31}, "radius_km": 8}}


def scrape(api) -> dict[str, float]:
    """The samples of /metrics; see `samples`."""
    response = api.client.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    return samples(response.text)


def samples(text: str) -> dict[str, float]:
    """The samples, checked line by line against the Prometheus text format (every sample's family
    has a TYPE, every label is name="value"), keyed by name and labels in alphabetical order."""
    typed, found = set(), {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            typed.add(line.split()[2])
            continue
        if line.startswith("#") or not line:
            continue
        match = SAMPLE.match(line)
        assert match, line
        name = match["name"]
        family = re.sub(r"_(bucket|sum|count)$", "", name)
        assert name in typed or family in typed, line
        if match["labels"]:
            labels = re.findall(r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*"', match["labels"])
            assert all(LABEL.match(label) for label in labels) and ",".join(labels) == match["labels"], line
        key = f"{name}{{{','.join(sorted(labels))}}}" if match["labels"] else name
        assert key not in found, f"duplicate sample {key}"
        found[key] = float(match["value"])
    return found


def shelter(id_: str, capacity: int, occupancy: int = 0, open_: bool = True, holds: int = 0):
    record, _ = decide_shelter(None, RegisterShelter(id=id_, name=f"Sample: {id_}", location={"lat": 44.6, "lon": -79.42},
                                                     capacity=capacity, occupancy=occupancy, open=open_), NOW)
    for n in range(holds):
        record, _ = decide_shelter(record, HoldBed(shelter_id=id_, referral_id=f"call-{id_}-{n}", beds=2, ttl_s=3600), NOW)
    return record


def test_the_existing_view_gauge_is_still_there(api):
    assert scrape(api)['muster_view_records{view="incident-state"}'] == 0


def test_free_beds_in_total_and_per_shelter_and_open_holds(api):
    api.record(SHELTER_STATE, "orillia-rotary-place", shelter("orillia-rotary-place", 200, 164, holds=2))
    api.record(SHELTER_STATE, "washago-centre", shelter("washago-centre", 40, 10))
    api.record(SHELTER_STATE, "closed-hall", shelter("closed-hall", 50, open_=False))
    samples = scrape(api)
    assert samples['muster_shelter_free_beds{shelter="orillia-rotary-place"}'] == 200 - 164 - 4
    assert samples['muster_shelter_free_beds{shelter="washago-centre"}'] == 30
    assert samples['muster_shelter_free_beds{shelter="closed-hall"}'] == 0
    assert samples["muster_free_beds"] == 32 + 30
    assert samples["muster_open_holds"] == 2 and samples["muster_held_beds"] == 4
    assert "call-orillia" not in api.client.get("/metrics").text


def test_events_in_per_topic_as_the_views_read_them(api):
    for _ in range(3):
        api.record(SHELTER_STATE, "washago-centre", shelter("washago-centre", 40))
    assert scrape(api)['muster_events_in_total{topic="shelter-state"}'] == 3


def test_events_out_per_topic_as_the_api_produced_them(api):
    assert api.client.post("/v1/incidents", json=INCIDENT, headers=api.as_("manager")).status_code == 202
    samples = scrape(api)
    assert samples['muster_events_out_total{topic="incidents"}'] == 1
    assert samples['muster_events_out_total{topic="audit"}'] == 1
    assert len(api.publisher.sent) == 1


def test_dead_letters_are_counted_by_source_topic_but_never_kept_or_streamed(api):
    assert scrape(api)["muster_dead_letters_total"] == 0
    queue = api.container.views.subscribe()
    letter = DeadLetter(topic="unit.shelters", partition=3, offset=17, key="orillia-rotary-place", reason="invalid",
                        error="ValidationError", payload_bytes=12, payload_sha256="0" * 64,
                        at=datetime(2025, 3, 30, tzinfo=timezone.utc))
    api.record(DEAD_LETTERS, "orillia-rotary-place", letter)
    api.record(DEAD_LETTERS, "k", letter.model_copy(update={"topic": "unit.referrals"}))
    api.container.views.on_record(api.container.settings.topic("dead-letters"), None, b"not json")
    samples = scrape(api)
    assert samples["muster_dead_letters_total"] == 3
    assert samples['muster_dead_letters_by_topic_total{topic="shelters"}'] == 1
    assert samples['muster_dead_letters_by_topic_total{topic="referrals"}'] == 1
    assert samples['muster_dead_letters_by_topic_total{topic="unknown"}'] == 1
    assert "dead-letters" not in api.container.views.tables and queue.empty()


def test_referral_latency_is_a_histogram_by_answer_status(api):
    body = {"id": "call-0001", "location": {"lat": 44.6, "lon": -79.4}}
    assert api.client.post("/v1/referrals", json=body, headers=api.as_("navigator")).status_code == 202
    assert api.client.post("/v1/referrals", json=body, headers=api.as_("manager")).status_code == 403
    api.client.get("/v1/incidents", headers=api.as_("manager"))
    samples = scrape(api)
    assert samples['muster_referral_seconds_count{status="202"}'] == 1
    assert samples['muster_referral_seconds_count{status="403"}'] == 1
    buckets = [v for k, v in samples.items() if k.startswith("muster_referral_seconds_bucket{") and 'status="202"' in k]
    assert buckets == sorted(buckets) and buckets[-1] == 1
    assert 0 < samples['muster_referral_seconds_sum{status="202"}'] < 10


def test_the_referral_histogram_counts_cumulatively():
    metrics = ApiMetrics()
    for seconds in (0.05, 0.5, 5):
        metrics.referral_seconds.labels("201").observe(seconds)
    found = samples(generate_latest(metrics.registry).decode())
    assert found['muster_referral_seconds_bucket{le="0.05",status="201"}'] == 1
    assert found['muster_referral_seconds_bucket{le="1.0",status="201"}'] == 2
    assert found['muster_referral_seconds_bucket{le="+Inf",status="201"}'] == 3
    assert found['muster_referral_seconds_count{status="201"}'] == 3


@pytest.mark.parametrize("path", ["/metrics", "/readyz", "/healthz"])
def test_operations_endpoints_need_no_token(api, path):
    assert api.client.get(path).status_code in (200, 503)
