"""The resource requests agent: ranks partners from the directory and claims units from each owner."""
from __future__ import annotations

from bus import topics
from core.clock import Clock
from core.settings import Settings
from handlers import requests
from streams.directories import Directories
from streams.runtime import Processing, Snapshots, consume, require_key, send, state_table


def wire(app, settings: Settings, clock: Clock, processing: Processing, directories: Directories):
    messages = app.topic(settings.topic(topics.REQUESTS.name))
    partner_commands = app.topic(settings.topic(topics.PARTNERS.name))
    state = Snapshots(state_table(app, settings, "requests", topics.REQUEST_STATE), requests.ResourceRequest)

    async def context_for(command: requests.RaiseRequest) -> requests.Context:
        """What a new request needs from the replicated directories; the partners decide the units."""
        candidates, wait_at = requests.rank_candidates(
            directories.partners.places.values(), command.resource_type, command.location, settings.max_candidates
        )
        return requests.Context(await directories.incident_status(command.incident_id), candidates, wait_at)

    async def handle(event) -> None:
        message = requests.request_messages.validate_json(event.value)
        require_key(event, message.key)
        current = state.get(message.key)
        context = await context_for(message) if isinstance(message, requests.RaiseRequest) and current is None else None
        new, commands = requests.decide(current, message, clock(), context)
        await send(partner_commands, *commands)
        state.save(message.key, current, new)

    @app.agent(messages, name="resource-requests", concurrency=1)
    async def request_agent(stream):
        await directories.wait_ready()
        await consume(stream, handle, processing)

    return request_agent
