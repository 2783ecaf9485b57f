"""Sending data through the API: the order a scenario is replayed in, its pace, what the API is
asked again and what it refused. The API here is httpx's MockTransport; the clock is fake."""
from __future__ import annotations

import io
import json
import re

import httpx
import pytest
from rich.console import Console
from rich.progress import Progress
from typer.testing import CliRunner

from muster import seed
from muster.cli import cli
from muster.seed import Call, ScenarioError, calls_from, send

SCENARIO = seed.sample("scenario_ice_storm.json")


class FakeTime:
    """A clock that moves only when someone sleeps or an answer takes time."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def api(answer, time: FakeTime | None = None, takes_s: float = 0.0):
    """A client whose every request is logged with the fake time it arrived at."""
    seen: list[tuple[float, str, str, dict]] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append((time.now if time else 0.0, request.method, request.url.path, json.loads(request.content)))
        if time:
            time.now += takes_s
        return answer(request, len(seen))

    return httpx.Client(base_url="http://muster.test", transport=httpx.MockTransport(handle)), seen


def accept(request: httpx.Request, n: int) -> httpx.Response:
    return httpx.Response(201, json={})


class TestWhatAScenarioBecomes:
    def test_the_ice_storm_is_declared_before_the_hours_and_requests_that_name_it(self):
        calls = calls_from(SCENARIO, "ice.json")
        assert [c.kind for c in calls] == (["incidents"] * 2 + ["volunteer hours"] * len(SCENARIO["volunteer_hours"])
                                           + ["resource requests"] * len(SCENARIO["resource_requests"]))
        assert calls[0] == Call("incidents", "POST", "/v1/incidents", SCENARIO["incidents"][0], "ice.json incidents[0]")

    def test_a_put_takes_the_id_into_its_path(self):
        (call,) = calls_from({"shelters": [{"id": "rama-hall", "name": "Sample: Rama hall"}]}, "s.json")
        assert (call.method, call.path, call.body) == ("PUT", "/v1/shelters/rama-hall", {"name": "Sample: Rama hall"})

    def test_service_sites_are_put_after_shelters_and_before_the_incidents(self):
        document = {"incidents": SCENARIO["incidents"][:1], "services": [{"id": "orillia-library", "name": "Sample: x"}],
                    "shelters": [{"id": "rama-hall", "name": "Sample: Rama hall"}]}
        calls = calls_from(document, "s.json")
        assert [(c.kind, c.method, c.path) for c in calls] == [
            ("shelters", "PUT", "/v1/shelters/rama-hall"), ("service sites", "PUT", "/v1/services/orillia-library"),
            ("incidents", "POST", "/v1/incidents")]

    @pytest.mark.parametrize(("document", "says"), [
        ([], "is not a JSON object"),
        ({"incident": []}, "sections Muster does not know: incident"),
        ({"incidents": {"id": "x"}}, "incidents is not a list"),
        ({"incidents": [{"kind": "flood"}]}, "s.json incidents[0] is not a record with an id"),
    ])
    def test_a_file_that_cannot_be_replayed_says_where(self, document, says):
        with pytest.raises(ScenarioError, match=re.escape(says)):
            calls_from(document, "s.json")


class TestPace:
    def test_at_a_rate_each_event_leaves_on_its_own_schedule_in_order(self):
        time = FakeTime()
        client, seen = api(accept, time, takes_s=0.1)
        calls = calls_from(SCENARIO, "ice.json")[:6]
        tally = send(client, calls, rate=2, clock=time.clock, sleep=time.sleep)
        assert [round(t - 100.0, 6) for t, *_ in seen] == [0.0, 0.5, 1.0, 1.5, 2.0, 2.5]
        assert [body["id"] for *_, body in seen] == [c.body["id"] for c in calls]
        assert tally.accepted == {"incidents": 2, "volunteer hours": 4} and not tally.refused

    def test_a_slow_answer_does_not_stretch_the_schedule(self):
        time = FakeTime()
        client, seen = api(accept, time, takes_s=0.8)
        send(client, calls_from(SCENARIO, "ice.json")[:4], rate=2, clock=time.clock, sleep=time.sleep)
        assert [round(t - 100.0, 6) for t, *_ in seen] == [0.0, 0.8, 1.6, 2.4]

    def test_without_a_rate_nothing_waits(self):
        time = FakeTime()
        client, seen = api(accept, time, takes_s=0.01)
        send(client, calls_from(SCENARIO, "ice.json"), clock=time.clock, sleep=time.sleep)
        assert time.slept == [] and len(seen) == len(calls_from(SCENARIO, "ice.json"))


class TestAnswers:
    def test_too_many_requests_and_kafka_away_are_asked_again_after_retry_after(self):
        def busy_twice(request, n):
            if n == 1:
                return httpx.Response(429, headers={"Retry-After": "2"}, json={"detail": "slow down"})
            if n == 2:
                return httpx.Response(503, headers={"Retry-After": "5"}, json={"detail": "Kafka is unavailable"})
            return httpx.Response(201, json={})

        time = FakeTime()
        client, seen = api(busy_twice, time)
        tally = send(client, calls_from(SCENARIO, "ice.json")[:1], clock=time.clock, sleep=time.sleep)
        assert time.slept == [2.0, 5.0] and len(seen) == 3 and tally.accepted == {"incidents": 1}

    def test_a_call_still_refused_after_the_last_attempt_is_reported(self):
        time = FakeTime()
        client, seen = api(lambda r, n: httpx.Response(503, headers={"Retry-After": "600"}, json={"detail": "down"}),
                           time)
        tally = send(client, calls_from(SCENARIO, "ice.json")[:1], clock=time.clock, sleep=time.sleep)
        assert len(seen) == seed.RETRIES and time.slept == [seed.MAX_RETRY_WAIT_S] * (seed.RETRIES - 1)
        assert [(r.status, r.reason) for r in tally.refused] == [(503, "down")]

    def test_refusals_carry_the_apis_reasons_by_kind(self):
        def judge(request, n):
            if n == 2:
                return httpx.Response(409, json={"detail": "incident 'x' was declared with other details"})
            if n == 3:
                return httpx.Response(422, json={"detail": [{"loc": ["body", "hours"], "msg": "too many"}]})
            return httpx.Response(200, json={})

        client, _ = api(judge)
        calls = calls_from(SCENARIO, "ice.json")[:4]
        tally = send(client, calls)
        assert tally.accepted == {"incidents": 1, "volunteer hours": 1}
        assert tally.refused_by_kind() == {"incidents": 1, "volunteer hours": 1}
        assert [(r.call.ref, r.reason) for r in tally.refused] == [
            ("ice.json incidents[1]", "incident 'x' was declared with other details"),
            ("ice.json volunteer_hours[0]", "body.hours: too many")]

    def test_the_progress_bar_counts_each_kind(self):
        client, _ = api(accept)
        with Progress(console=Console(file=io.StringIO())) as progress:
            send(client, calls_from(SCENARIO, "ice.json"), progress=progress)
        assert {t.description: (t.completed, t.total) for t in progress.tasks} == {
            "incidents": (2, 2), "volunteer hours": (30, 30), "resource requests": (5, 5)}


def test_seeding_loads_the_sample_through_the_same_path(monkeypatch):
    client, seen = api(lambda r, n: httpx.Response(422 if r.url.path == "/v1/resource-requests" else 201, json={
        "detail": "no [b]such[/b] incident"}))
    monkeypatch.setattr(seed, "admin_client", lambda base, settings, sub: client)
    out = io.StringIO()
    counts = seed.load_sample("http://muster.test", None, Console(file=out))
    assert counts == {"partners": 14, "shelters": len(seed.sample("shelters.json")["shelters"]),
                      "service sites": len(seed.sample("services.json")["services"]), "incidents": 2,
                      "volunteer hours": 30, "resource requests": 0}
    assert [path for _, _, path, _ in seen][:2] == ["/v1/partners/211-ontario", "/v1/partners/salvation-army-on"]
    assert "POST /v1/resource-requests: 422 no [b]such[/b] incident" in out.getvalue() and "loaded 0 resource requests" in out.getvalue()


class TestTheReplayCommand:
    def test_a_file_that_is_not_a_scenario_stops_before_any_call(self, tmp_path):
        bad = tmp_path / "storm.json"
        bad.write_text('{"incidents": [{"kind": "flood"}]}')
        result = CliRunner().invoke(cli, ["replay", str(bad), "--url", "http://127.0.0.1:9"])
        assert result.exit_code == 2 and "is not a record with an id" in " ".join(result.output.split())

    def test_an_empty_scenario_says_there_is_nothing_to_replay(self, tmp_path):
        empty = tmp_path / "calm.json"
        empty.write_text('{"notice": "nothing happened"}')
        result = CliRunner().invoke(cli, ["replay", str(empty)])
        assert result.exit_code == 2 and "nothing to replay" in " ".join(result.output.split())
