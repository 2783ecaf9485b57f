"""Builds a worker: the Faust app with every agent wired to its topics and directories."""
from __future__ import annotations

import faust

from bus import topics
from core.clock import Clock
from core.heap import freeze_long_lived_objects
from core.settings import Settings
from streams import hours, incidents, partners, referrals, requests, services, shelters
from streams.app import create_app
from streams.directories import Directories
from streams.patches import install
from streams.runtime import DeadLetters, Processing


def build_worker(settings: Settings, clock: Clock) -> faust.App:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    app = create_app(settings)
    guards = install(app, settings)
    dead = DeadLetters(app.topic(settings.topic(topics.DEAD_LETTERS.name)), clock)
    processing = Processing(dead, guards)
    directories = Directories(settings)
    app.add_dependency(directories)
    for module in (incidents, shelters, referrals, partners, requests, services, hours):
        module.wire(app, settings, clock, processing, directories)

    @app.task
    async def settle_heap() -> None:
        await directories.wait_ready()
        freeze_long_lived_objects()

    return app
