"""The volunteer hours agent: accepts entries for known incidents onto the compacted hours log."""
from __future__ import annotations

from bus import topics
from core.clock import Clock
from core.settings import Settings
from handlers import hours
from streams.directories import Directories
from streams.runtime import Processing, consume, require_key, send


def wire(app, settings: Settings, clock: Clock, processing: Processing, directories: Directories):
    commands = app.topic(settings.topic(topics.HOURS.name))
    log = app.topic(settings.topic(topics.HOURS_LOG.name))

    async def handle(event) -> None:
        command = hours.LogHours.model_validate_json(event.value)
        require_key(event, command.key)
        entry = hours.log_hours(command, clock(), await directories.incident_status(command.incident_id))
        await send(log, entry, exclude_none=True)

    @app.agent(commands, name="volunteer-hours", concurrency=1)
    async def hours_agent(stream):
        await directories.wait_ready()
        await consume(stream, handle, processing)

    return hours_agent
