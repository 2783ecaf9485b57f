"""Loads data through the public API, as a client would.

The shipped Ontario sample (`muster seed`), a scenario replay (`muster replay`) and an imported
shelter directory (`muster import hsds`) are all lists of `Call`s made by `send`, one at a time
and in order, so an incident is declared before the hours logged against it.
"""
from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any
from urllib.parse import quote

import httpx
from rich.markup import escape
from rich.progress import Progress, TaskID

from api.auth import mint
from core.settings import Settings

RETRIES = 5
"""Attempts at a call the API asks to be made again later (429 too many requests, 503 Kafka away)."""
MAX_RETRY_WAIT_S = 30.0


@dataclass(frozen=True)
class Call:
    kind: str
    method: str
    path: str
    body: Mapping[str, Any]
    ref: str
    """Where the record came from, for the report: `scenario.json incidents[0]`."""


@dataclass(frozen=True)
class Kind:
    """A kind of record a data file lists, and the API call that enters one."""

    key: str
    label: str
    method: str
    path: str

    def call(self, record: Mapping[str, Any], ref: str) -> Call:
        if "{id}" not in self.path:
            return Call(self.label, self.method, self.path, record, ref)
        body = {k: v for k, v in record.items() if k != "id"}
        return Call(self.label, self.method, self.path.format(id=quote(record["id"], safe=":@")), body, ref)


KINDS = (
    Kind("partners", "partners", "PUT", "/v1/partners/{id}"),
    Kind("shelters", "shelters", "PUT", "/v1/shelters/{id}"),
    Kind("services", "service sites", "PUT", "/v1/services/{id}"),
    Kind("incidents", "incidents", "POST", "/v1/incidents"),
    Kind("volunteer_hours", "volunteer hours", "POST", "/v1/volunteer-hours"),
    Kind("resource_requests", "resource requests", "POST", "/v1/resource-requests"),
)
"""In the order they are sent: partners, shelters and service sites before the incidents, hours
and requests that name them. A PUT takes the record's id into its path."""
BY_KEY = {kind.key: kind for kind in KINDS}


class ScenarioError(ValueError):
    """A data file Muster cannot replay, and where it goes wrong."""


@dataclass(frozen=True)
class Refusal:
    call: Call
    status: int
    reason: str


@dataclass
class Tally:
    """What the API accepted, by kind, and what it refused, with its reasons."""

    accepted: Counter[str] = field(default_factory=Counter)
    refused: list[Refusal] = field(default_factory=list)

    def refused_by_kind(self) -> Counter[str]:
        return Counter(r.call.kind for r in self.refused)


def sample(name: str) -> dict[str, Any]:
    return json.loads(resources.files("muster.data").joinpath(name).read_text("utf-8"))


def wait_ready(base: str, deadline_s: float = 60) -> None:
    deadline = time.monotonic() + deadline_s
    while True:
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{base} not ready after {deadline_s:.0f} s")
        time.sleep(0.5)


def admin_client(base: str, settings: Settings, sub: str) -> httpx.Client:
    """A client acting as an admin named `sub`, which the audit trail shows as who did it."""
    token = mint(settings, "admin", sub=sub)
    return httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30)


def calls_from(document: Any, source: str) -> list[Call]:
    """The calls that enter a data file's records, kind by kind in KINDS order."""
    if not isinstance(document, dict):
        raise ScenarioError(f"{source} is not a JSON object")
    unknown = set(document) - {k.key for k in KINDS} - {"notice"}
    if unknown:
        raise ScenarioError(f"{source} has sections Muster does not know: {', '.join(sorted(unknown))}; it knows "
                            f"notice, {', '.join(k.key for k in KINDS)}")
    calls = []
    for kind in KINDS:
        records = document.get(kind.key) or []
        if not isinstance(records, list):
            raise ScenarioError(f"{source} {kind.key} is not a list")
        for i, record in enumerate(records):
            ref = f"{source} {kind.key}[{i}]"
            if not isinstance(record, dict) or not isinstance(record.get("id"), str):
                raise ScenarioError(f"{ref} is not a record with an id")
            calls.append(kind.call(record, ref))
    return calls


def send(client: httpx.Client, calls: Sequence[Call], *, rate: float | None = None,
         progress: Progress | None = None, clock: Callable[[], float] = time.monotonic,
         sleep: Callable[[float], None] = time.sleep) -> Tally:
    """Make the calls in order, at most `rate` a second (as fast as the API answers without one).

    Each call is paced from the start, not from the one before, so slow answers do not stretch a
    replay. A call the API asks to make again later is retried after its Retry-After; that is
    safe because every command carries its own id and Muster applies an id once."""
    tally = Tally()
    tasks: dict[str, TaskID] = {}
    if progress is not None:
        tasks = {kind: progress.add_task(kind, total=n) for kind, n in Counter(c.kind for c in calls).items()}
    start = clock()
    for i, call in enumerate(calls):
        if rate:
            wait = start + i / rate - clock()
            if wait > 0:
                sleep(wait)
        response = _request(client, call, sleep)
        if response.status_code < 300:
            tally.accepted[call.kind] += 1
        else:
            tally.refused.append(Refusal(call, response.status_code, _reason(response)))
        if progress is not None:
            progress.advance(tasks[call.kind])
    return tally


def _request(client: httpx.Client, call: Call, sleep: Callable[[float], None]) -> httpx.Response:
    for _ in range(RETRIES - 1):
        response = client.request(call.method, call.path, json=call.body)
        if response.status_code not in (429, 503):
            return response
        try:
            wait = float(response.headers.get("Retry-After", "1"))
        except ValueError:
            wait = 1.0
        sleep(min(max(wait, 0.0), MAX_RETRY_WAIT_S))
    return client.request(call.method, call.path, json=call.body)


def _reason(response: httpx.Response) -> str:
    """The API's own words: a problem's detail, or each field's complaint for a 422."""
    try:
        detail = response.json().get("detail")
    except (ValueError, AttributeError):
        detail = None
    if isinstance(detail, list):
        return "; ".join(f"{'.'.join(str(p) for p in d.get('loc', ()))}: {d.get('msg', 'invalid')}"
                         for d in detail if isinstance(d, dict)) or response.text[:200]
    return str(detail) if detail else response.text[:200] or response.reason_phrase


def load_sample(base: str, settings: Settings, console, progress: Progress | None = None) -> dict[str, int]:
    """PUT partners, shelters and service sites, declare the scenario's incidents, log hours, raise requests."""
    document = {**sample("partners.json"), **sample("shelters.json"), **sample("services.json"),
                **sample("scenario_ice_storm.json")}
    with admin_client(base, settings, "sample-loader") as client:
        tally = send(client, calls_from(document, "sample"), progress=progress)
    for refusal in tally.refused:
        console.print(f"[red]{refusal.call.method} {escape(refusal.call.path)}: {refusal.status} "
                      f"{escape(refusal.reason)}[/red]")
    for kind in KINDS:
        console.print(f"loaded {tally.accepted[kind.label]} {kind.label}")
    return {kind.label: tally.accepted[kind.label] for kind in KINDS}
