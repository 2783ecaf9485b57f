"""Standards end to end against the real broker: a CAP alert's life through the worker, the
exports and the operator's /metrics (dead letters counted from the real dead-letters topic)."""
from __future__ import annotations

import asyncio
import csv
import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiokafka import AIOKafkaProducer
from shapely.geometry import Point, shape

from formats.cap import cap_id
from tests.support.poll import until

CAP = Path(__file__).resolve().parents[1] / "unit" / "data" / "cap"
XML = {"Content-Type": "application/cap+xml"}
ALERT_ID = cap_id("cap-pac@canada.ca", "urn:oid:2.49.0.1.124.9000000001.2025")


def sample(name: str) -> bytes:
    return (CAP / name).read_bytes()


TOMORROW = (datetime.now(UTC) + timedelta(days=1)).isoformat(timespec="seconds")


def in_force(name: str) -> bytes:
    """A sample written for March 2025 with its expiry moved to tomorrow: the API reads CAP expiry by
    its own clock, which has passed the samples' (tests/unit shows an expired alert recorded ended)."""
    return re.sub(rb"<expires>[^<]*</expires>", f"<expires>{TOMORROW}</expires>".encode(), sample(name))


def metric(text: str, sample_name: str) -> float:
    match = re.search(rf"^{re.escape(sample_name)} (\S+)$", text, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


def test_a_freezing_rain_warning_is_declared_updated_and_cancelled_through_the_worker(stack, tokens):
    with stack.client(tokens["manager"]) as manager:
        declared = manager.post("/v1/incidents/cap", content=in_force("alert-freezing-rain-ottawa.xml"), headers=XML)
        assert declared.status_code == 201, declared.text
        incident = declared.json()
        assert incident["id"] == ALERT_ID and incident["kind"] == "ice_storm" and incident["status"] == "active"
        assert shape(incident["area"]).contains(Point(-75.6972, 45.4215))
        assert manager.post("/v1/incidents/cap", content=in_force("alert-freezing-rain-ottawa.xml"),
                            headers=XML).status_code == 200
        updated = manager.post("/v1/incidents/cap", content=in_force("update-freezing-rain-ottawa.xml"), headers=XML)
        assert updated.status_code == 200 and updated.json()["severity"] == "extreme"
        cancelled = manager.post("/v1/incidents/cap", content=sample("cancel-freezing-rain-ottawa.xml"), headers=XML)
        assert cancelled.status_code == 200 and cancelled.json()["status"] == "closed"
        refused = manager.post("/v1/incidents/cap", content=sample("billion-laughs.xml"), headers=XML)
        assert refused.status_code == 400


def test_a_geocode_only_alert_is_exported_as_valid_geojson(stack, tokens):
    with stack.client(tokens["manager"]) as manager, stack.client(tokens["partner"]) as partner:
        response = manager.post("/v1/incidents/cap", content=sample("alert-geocodes-orillia-barrie.xml"), headers=XML)
        assert response.status_code == 201, response.text
        features = partner.get("/v1/exports/incidents.geojson").json()["features"]
        (feature,) = [f for f in features if f["id"] == response.json()["id"]]
        assert shape(feature["geometry"]).is_valid and feature["properties"]["area_note"].startswith("approximate")
        rows = list(csv.DictReader(io.StringIO(partner.get("/v1/exports/commitments.csv").text)))
        assert all(row["partner_id"] == "salvation-army-on" for row in rows)


def test_metrics_count_what_the_api_produced_read_and_what_was_dead_lettered(stack, tokens):
    async def poison() -> None:
        producer = AIOKafkaProducer(bootstrap_servers=stack.env["MUSTER_KAFKA_BOOTSTRAP"], acks="all")
        await producer.start()
        try:
            await producer.send_and_wait(stack.env["MUSTER_TOPIC_PREFIX"] + "incidents", key=b"poison", value=b"\xff")
        finally:
            await producer.stop()

    asyncio.run(poison())
    with stack.client() as anonymous:
        def counted() -> str | None:
            text = anonymous.get("/metrics").text
            return text if metric(text, 'muster_dead_letters_by_topic_total{topic="incidents"}') >= 1 else None

        text = until(counted, what="the dead letter counted in /metrics")
    assert metric(text, "muster_dead_letters_total") >= 1
    assert metric(text, 'muster_events_out_total{topic="incidents"}') >= 1
    assert metric(text, 'muster_events_in_total{topic="incident-state"}') >= 1
    assert "muster_free_beds " in text and "muster_open_holds " in text
