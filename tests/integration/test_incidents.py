"""Incidents end to end against the real broker: HTTP → Kafka → Faust worker → state topic → HTTP."""
from __future__ import annotations

import asyncio
import uuid

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from handlers.common import DeadLetter
from tests.support.poll import until

ORILLIA = {"center": {"lat": 44.6082, "lon": -79.4197}, "radius_km": 15}


def declaration(incident_id: str, **changes) -> dict:
    body = {"id": incident_id, "kind": "ice_storm", "title": "Ice storm — Orillia", "severity": "severe", "area": ORILLIA}
    body.update(changes)
    return body


def test_a_declared_incident_is_visible_over_http(stack, tokens):
    with stack.client(tokens["manager"]) as manager, stack.client(tokens["navigator"]) as navigator:
        response = manager.post("/v1/incidents", json=declaration("orillia-1"))
        assert response.status_code in (201, 202), response.text
        incident = until(lambda: navigator.get("/v1/incidents/orillia-1").json() if navigator.get("/v1/incidents/orillia-1").status_code == 200 else None,
                         what="the incident in the API")
        assert incident["status"] == "active"
        assert incident["area"]["type"] == "Polygon"
        assert "orillia-1" in [i["id"] for i in navigator.get("/v1/incidents").json()]


def test_declaring_the_same_incident_twice_makes_one(stack, tokens):
    with stack.client(tokens["manager"]) as manager:
        first = manager.post("/v1/incidents", json=declaration("orillia-dup"))
        assert first.status_code == 201, first.text
        second = manager.post("/v1/incidents", json=declaration("orillia-dup"))
        assert second.status_code == 200
        assert second.json()["declared_at"] == first.json()["declared_at"]
        conflicting = manager.post("/v1/incidents", json=declaration("orillia-dup", title="Different"))
        assert conflicting.status_code == 409
        ids = [i["id"] for i in manager.get("/v1/incidents").json()]
        assert ids.count("orillia-dup") == 1


def test_closing_an_incident_stands_it_down(stack, tokens):
    with stack.client(tokens["manager"]) as manager:
        assert manager.post("/v1/incidents", json=declaration("orillia-close")).status_code == 201
        closed = manager.post("/v1/incidents/orillia-close/close")
        assert closed.status_code == 200 and closed.json()["status"] == "closed"
        assert manager.post("/v1/incidents/nowhere/close").status_code == 404


def test_bad_requests_get_a_clear_4xx(stack, tokens):
    with stack.client(tokens["manager"]) as manager, stack.client(tokens["navigator"]) as navigator:
        bad_area = manager.post("/v1/incidents", json=declaration("bad", area={"center": {"lat": 144, "lon": 0}, "radius_km": 5}))
        assert bad_area.status_code == 422 and "lat" in bad_area.text
        assert navigator.post("/v1/incidents", json=declaration("by-navigator")).status_code == 403
        with stack.client() as anonymous:
            assert anonymous.get("/v1/incidents").status_code == 401
        huge = manager.post("/v1/incidents", content=b"{" + b" " * (1024 * 1024 + 10) + b"}",
                            headers={"Content-Type": "application/json"})
        assert huge.status_code == 413


def _dead_letters(env: dict, count: int, deadline_s: float = 30) -> list[DeadLetter]:
    async def read() -> list[DeadLetter]:
        consumer = AIOKafkaConsumer(
            env["MUSTER_TOPIC_PREFIX"] + "dead-letters",
            bootstrap_servers=env["MUSTER_KAFKA_BOOTSTRAP"], group_id=None, auto_offset_reset="earliest",
        )
        await consumer.start()
        letters: list[DeadLetter] = []
        try:
            end = asyncio.get_running_loop().time() + deadline_s
            while len(letters) < count and asyncio.get_running_loop().time() < end:
                for records in (await consumer.getmany(timeout_ms=500)).values():
                    letters += [DeadLetter.model_validate_json(r.value) for r in records]
        finally:
            await consumer.stop()
        return letters

    return asyncio.run(read())


def _produce(env: dict, records: list[tuple[bytes, bytes]]) -> None:
    async def send() -> None:
        producer = AIOKafkaProducer(bootstrap_servers=env["MUSTER_KAFKA_BOOTSTRAP"], acks="all")
        await producer.start()
        try:
            for key, value in records:
                await producer.send_and_wait(env["MUSTER_TOPIC_PREFIX"] + "incidents", key=key, value=value)
        finally:
            await producer.stop()

    asyncio.run(send())


def test_a_poison_message_is_dead_lettered_and_the_next_one_still_processed(stack, tokens):
    good = {"type": "DeclareIncident", "v": 1, **declaration("after-poison")}
    import json

    _produce(stack.env, [
        (b"poison", b"\xff\xfe not json at all"),
        (b"wrong-schema", b'{"type": "DeclareIncident", "v": 1, "id": "wrong-schema"}'),
        (b"someone-else", json.dumps({**good, "id": "mismatched-key"}).encode()),
        (b"after-poison", json.dumps(good).encode()),
    ])
    with stack.client(tokens["navigator"]) as navigator:
        until(lambda: navigator.get("/v1/incidents/after-poison").status_code == 200, what="the good incident")
        assert navigator.get("/v1/incidents/mismatched-key").status_code == 404
    letters = _dead_letters(stack.env, 3)
    by_key = {letter.key: letter for letter in letters}
    assert set(by_key) >= {"poison", "wrong-schema", "someone-else"}
    assert "invalid message" in by_key["poison"].reason
    assert "kind" in by_key["wrong-schema"].reason
    assert "keyed" in by_key["someone-else"].reason
    assert all(letter.topic.endswith("incidents") and letter.offset >= 0 for letter in letters)


def test_incidents_are_still_listed_after_the_api_restarts(stack, tokens):
    incident_id = f"restart-{uuid.uuid4().hex[:6]}"
    with stack.client(tokens["manager"]) as manager:
        first = manager.post("/v1/incidents", json=declaration(incident_id), headers={"Idempotency-Key": incident_id})
        assert first.status_code == 201
    stack.restart_api()
    with stack.client(tokens["navigator"]) as navigator:
        assert incident_id in [i["id"] for i in navigator.get("/v1/incidents").json()]
    with stack.client(tokens["manager"]) as manager:
        retried = manager.post("/v1/incidents", json=declaration(incident_id), headers={"Idempotency-Key": incident_id})
        assert retried.status_code == 200 and retried.json() == first.json(), "a retry after a restart is one effect"
