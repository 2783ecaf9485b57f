"""What the API measures for Prometheus: records in and out per topic, dead letters, beds, holds,
and how long a navigator waits for a referral's answer.

Counts start at zero when the process starts (views re-read their topics from the beginning, so
"in" counts every record still retained). Labels are topic names and shelter ids, never callers.
"""
from __future__ import annotations

import math
import time
from collections import Counter
from typing import Any

from pydantic import BaseModel, ConfigDict

from api.publisher import audited_as
from bus.topics import ALL, DEAD_LETTERS, SHELTER_STATE

LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
"""Seconds; a referral answered within the 5 s reply deadline lands below the 10 s bucket."""

_TOPIC_NAMES = {spec.name for spec in ALL}


class DeadLetterSeen(BaseModel):
    """The little of a DeadLetter that /metrics needs: which topic the failed record came from."""

    model_config = ConfigDict(extra="ignore")
    topic: str = ""


class Histogram:
    """A Prometheus histogram with one label (cumulative buckets, sum and count per label value)."""

    def __init__(self, name: str, help_: str, label: str, buckets: tuple[float, ...] = LATENCY_BUCKETS) -> None:
        self.name, self.help, self.label, self.buckets = name, help_, label, buckets
        self._series: dict[str, tuple[list[int], list[float]]] = {}

    def observe(self, value: float, label_value: str) -> None:
        counts, total = self._series.setdefault(label_value, ([0] * (len(self.buckets) + 1), [0.0]))
        for i, bound in enumerate(self.buckets):
            if value <= bound:
                counts[i] += 1
        counts[-1] += 1
        total[0] += value

    def lines(self) -> list[str]:
        out = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} histogram"]
        for value, (counts, total) in sorted(self._series.items()):
            label = f'{self.label}="{escape(value)}"'
            for bound, count in zip((*self.buckets, math.inf), counts):
                le = "+Inf" if bound == math.inf else repr(bound)
                out.append(f'{self.name}_bucket{{{label},le="{le}"}} {count}')
            out.append(f"{self.name}_sum{{{label}}} {total[0]:.6f}")
            out.append(f"{self.name}_count{{{label}}} {counts[-1]}")
        return out


class ApiMetrics:
    """Counters the API keeps; gauges are read from the views when /metrics is asked."""

    def __init__(self) -> None:
        self.produced: Counter[str] = Counter()
        self.dead_letters: Counter[str] = Counter()
        self.referral_seconds = Histogram(
            "muster_referral_seconds", "Time from POST /v1/referrals arriving to its answer, by HTTP status.", "status")

    def dead_letter_seen(self, prefix: str):
        """A views listener counting dead letters by the topic their record came from."""

        def count(_key: str, _old: Any, letter: DeadLetterSeen | None) -> None:
            topic = letter.topic.removeprefix(prefix) if letter is not None else ""
            self.dead_letters[topic if topic in _TOPIC_NAMES else "unknown"] += 1

        return count


class CountingPublisher:
    """The API's publisher, counting what it puts on each topic (commands and audit records)."""

    def __init__(self, inner: Any, metrics: ApiMetrics) -> None:
        self._inner = inner
        self._metrics = metrics

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def send(self, spec, key: str, message, *, audited=None) -> None:
        await self._inner.send(spec, key, message, audited=audited)
        self._metrics.produced[spec.name] += 1
        if getattr(audited_as(spec, key, message, audited)[0], "actor", None) is not None:
            self._metrics.produced["audit"] += 1

    async def audit(self, actor, action: str, target: str) -> None:
        await self._inner.audit(actor, action, target)
        self._metrics.produced["audit"] += 1


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
                self.metrics.referral_seconds.observe(self.clock() - started, str(message["status"]))
            await send(message)

        await self.app(scope, receive, timed_send)


def instrument(app, container) -> None:
    """Count what the API produces and the dead letters it sees; time referrals."""
    app.add_middleware(ReferralTimer, metrics=container.metrics)
    if isinstance(container.publisher, CountingPublisher):
        return  # the container already serves another app: count once
    container.publisher = CountingPublisher(container.publisher, container.metrics)
    container.views.follow(DEAD_LETTERS, DeadLetterSeen,
                           container.metrics.dead_letter_seen(container.settings.topic_prefix), keep=False, bulk=True)


def escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def render(container) -> list[str]:
    """Prometheus text lines beyond the view sizes: topics, dead letters, beds, holds, latency."""
    metrics: ApiMetrics = container.metrics
    views = container.views
    lines = ["# HELP muster_events_in_total Records the API's views have read, per topic, since the process started.",
             "# TYPE muster_events_in_total counter"]
    lines += [f'muster_events_in_total{{topic="{escape(t)}"}} {n}' for t, n in sorted(views.records_read.items())]
    lines += ["# HELP muster_events_out_total Records the API has produced, per topic, since the process started.",
              "# TYPE muster_events_out_total counter"]
    lines += [f'muster_events_out_total{{topic="{escape(t)}"}} {n}' for t, n in sorted(metrics.produced.items())]
    lines += ["# HELP muster_dead_letters_total Records on the dead-letters topic: what the workers could not process.",
              "# TYPE muster_dead_letters_total counter",
              f"muster_dead_letters_total {sum(metrics.dead_letters.values())}",
              "# HELP muster_dead_letters_by_topic_total Dead letters by the topic of the record that failed.",
              "# TYPE muster_dead_letters_by_topic_total counter"]
    lines += [f'muster_dead_letters_by_topic_total{{topic="{escape(t)}"}} {n}'
              for t, n in sorted(metrics.dead_letters.items())]

    shelters = sorted(views.all(SHELTER_STATE).values(), key=lambda s: s.id)
    free = {s.id: (s.free if s.open else 0) for s in shelters}
    holds = [h for s in shelters for h in s.holds.values() if h.status == "held"]
    lines += ["# HELP muster_free_beds Free beds now in open shelters, all together.",
              "# TYPE muster_free_beds gauge", f"muster_free_beds {sum(free.values())}",
              "# HELP muster_shelter_free_beds Free beds now, per shelter (0 while the shelter is closed).",
              "# TYPE muster_shelter_free_beds gauge"]
    lines += [f'muster_shelter_free_beds{{shelter="{escape(id_)}"}} {n}' for id_, n in free.items()]
    lines += ["# HELP muster_open_holds Bed holds waiting for the caller to arrive (held, not yet confirmed).",
              "# TYPE muster_open_holds gauge", f"muster_open_holds {len(holds)}",
              "# HELP muster_held_beds Beds under open holds.",
              "# TYPE muster_held_beds gauge", f"muster_held_beds {sum(h.beds for h in holds)}"]
    return lines + metrics.referral_seconds.lines()
