"""The services agent: the single writer of each service site's profile and status."""
from __future__ import annotations

from bus import topics
from core.clock import Clock
from core.settings import Settings
from handlers import services
from streams.directories import Directories
from streams.runtime import Processing, Snapshots, consume, require_key, state_table


def wire(app, settings: Settings, clock: Clock, processing: Processing, directories: Directories):
    commands = app.topic(settings.topic(topics.SERVICES.name))
    state = Snapshots(state_table(app, settings, "services", topics.SERVICE_STATE), services.ServiceSite)

    async def handle(event) -> None:
        command = services.service_commands.validate_json(event.value)
        require_key(event, command.key)
        current = state.get(command.key)
        new, _ = services.decide(current, command, clock())
        state.save(command.key, current, new)

    @app.agent(commands, name="services", concurrency=1)
    async def service_agent(stream):
        await consume(stream, handle, processing)

    return service_agent
