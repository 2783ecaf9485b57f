"""What the API measures for Prometheus: records in and out per topic, dead letters, beds, holds,
and how long a navigator waits for a referral's answer.

Metrics are prometheus_client's, kept in a CollectorRegistry of each container's own (a process can
serve several apps, as the tests do), and written in Prometheus' text format by `render`. Counts
start at zero when the process starts (views re-read their topics from the beginning, so "in"
counts every record still retained). Labels are topic names, view names, HTTP statuses and shelter
ids, never callers.
"""
from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.registry import Collector
from pydantic import BaseModel, ConfigDict

from api.publisher import audited_as
from bus.topics import ALL, DEAD_LETTERS, SHELTER_STATE

# Only the series listed in the README: no `_created` twin of each counter and histogram.
disable_created_metrics()

LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
"""Seconds; a referral answered within the 5 s reply deadline lands below the 10 s bucket."""

CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4
"""The text format `render` writes."""

_TOPIC_NAMES = {spec.name for spec in ALL}


class DeadLetterSeen(BaseModel):
    """The little of a DeadLetter that /metrics needs: which topic the failed record came from."""

    model_config = ConfigDict(extra="ignore")
    topic: str = ""


class ApiMetrics:
    """The API's own counters and the referral latency histogram, in a registry of their own; what
    the views hold joins them at each scrape once `instrument` has run."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.produced = Counter("muster_events_out", "Records the API has produced, per topic, since the process started.",
                                ["topic"], registry=self.registry)
        self.dead_letters_total = Counter(
            "muster_dead_letters", "Records on the dead-letters topic: what the workers could not process.",
            registry=self.registry)
        self.dead_letters = Counter("muster_dead_letters_by_topic", "Dead letters by the topic of the record that failed.",
                                    ["topic"], registry=self.registry)
        self.referral_seconds = Histogram(
            "muster_referral_seconds", "Time from POST /v1/referrals arriving to its answer, by HTTP status.",
            ["status"], buckets=LATENCY_BUCKETS, registry=self.registry)

    def dead_letter_seen(self, prefix: str):
        """A views listener counting dead letters by the topic their record came from."""

        def count(_key: str, _old: Any, letter: DeadLetterSeen | None) -> None:
            topic = letter.topic.removeprefix(prefix) if letter is not None else ""
            self.dead_letters.labels(topic if topic in _TOPIC_NAMES else "unknown").inc()
            self.dead_letters_total.inc()

        return count


class ViewsCollector(Collector):
    """Gauges and counts read from the views at each scrape: view sizes, records read per topic,
    free beds (in all and per shelter), open holds and the beds they hold."""

    def __init__(self, views) -> None:
        self.views = views

    def collect(self) -> Iterator[Metric]:
        views = self.views
        sizes = GaugeMetricFamily("muster_view_records", "Records each view holds now.", labels=["view"])
        for name, table in sorted(views.tables.items()):
            sizes.add_metric([name], len(table))
        read = CounterMetricFamily("muster_events_in", "Records the API's views have read, per topic, since the "
                                   "process started.", labels=["topic"])
        for topic, n in sorted(views.records_read.items()):
            read.add_metric([topic], n)
        yield from (sizes, read)

        shelters = sorted(views.all(SHELTER_STATE).values(), key=lambda s: s.id)
        free = {s.id: (s.free if s.open else 0) for s in shelters}
        holds = [h for s in shelters for h in s.holds.values() if h.status == "held"]
        per_shelter = GaugeMetricFamily("muster_shelter_free_beds", "Free beds now, per shelter (0 while the shelter "
                                        "is closed).", labels=["shelter"])
        for id_, n in free.items():
            per_shelter.add_metric([id_], n)
        yield GaugeMetricFamily("muster_free_beds", "Free beds now in open shelters, all together.",
                                value=sum(free.values()))
        yield per_shelter
        yield GaugeMetricFamily("muster_open_holds", "Bed holds waiting for the caller to arrive (held, not yet "
                                "confirmed).", value=len(holds))
        yield GaugeMetricFamily("muster_held_beds", "Beds under open holds.", value=sum(h.beds for h in holds))


class CountingPublisher:
    """The API's publisher, counting what it puts on each topic (commands and audit records)."""

    def __init__(self, inner: Any, metrics: ApiMetrics) -> None:
        self._inner = inner
        self._metrics = metrics

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def send(self, spec, message, *, audited=None) -> None:
        await self._inner.send(spec, message, audited=audited)
        self._metrics.produced.labels(spec.name).inc()
        if getattr(audited_as(spec, message, audited)[0], "actor", None) is not None:
            self._metrics.produced.labels("audit").inc()

    async def audit(self, actor, action: str, target: str) -> None:
        await self._inner.audit(actor, action, target)
        self._metrics.produced.labels("audit").inc()


class ReferralTimer:
    """ASGI middleware timing POST /v1/referrals from its arrival to the start of its answer."""

    def __init__(self, app, metrics: ApiMetrics, path: str = "/v1/referrals", clock=time.perf_counter) -> None:
        self.app, self.metrics, self.path, self.clock = app, metrics, path, clock

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"].rstrip("/") != self.path:
            return await self.app(scope, receive, send)
        started = self.clock()

        async def timed_send(message):
            if message["type"] == "http.response.start":
                self.metrics.referral_seconds.labels(str(message["status"])).observe(self.clock() - started)
            await send(message)

        await self.app(scope, receive, timed_send)


def instrument(app, container) -> None:
    """Count what the API produces and the dead letters it sees; time referrals; read the views at
    each scrape."""
    app.add_middleware(ReferralTimer, metrics=container.metrics)
    if isinstance(container.publisher, CountingPublisher):
        return  # the container already serves another app: count once
    container.publisher = CountingPublisher(container.publisher, container.metrics)
    container.metrics.registry.register(ViewsCollector(container.views))
    container.views.follow(DEAD_LETTERS, DeadLetterSeen,
                           container.metrics.dead_letter_seen(container.settings.topic_prefix), keep=False, bulk=True)


def render(container) -> bytes:
    """The container's metrics in Prometheus' text format (version 0.0.4)."""
    return generate_latest(container.metrics.registry)
