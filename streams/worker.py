"""Builds a worker: the Faust app with every agent wired to its topics and directories."""
from __future__ import annotations

import faust

from bus import topics
from muster.heap import freeze_long_lived_objects
from muster.settings import Settings
from streams import hours, incidents, partners, referrals, requests, services, shelters
from streams.app import create_app
from streams.delivery import deliver_every_fetch
from streams.directories import Directories
from streams.fetching import pause_changelogs_in_aiokafka
from streams.linger import linger_when_busy
from streams.runtime import Clock, DeadLetters, guard_agents


def build_worker(settings: Settings, clock: Clock) -> faust.App:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    app = create_app(settings)
    deliver_every_fetch(app)
    pause_changelogs_in_aiokafka(app)
    linger_when_busy(app, settings.busy_linger_ms, settings.busy_records_per_s)
    dead = DeadLetters(app.topic(settings.topic(topics.DEAD_LETTERS.name)), clock)
    directories = Directories(settings)
    app.add_dependency(directories)
    guard_agents(app, settings.session_timeout_s)
    for module in (incidents, shelters, referrals, partners, requests, services, hours):
        module.wire(app, settings, clock, dead, directories)

    @app.task
    async def settle_heap() -> None:
        await directories.wait_ready()
        freeze_long_lived_objects()

    return app
