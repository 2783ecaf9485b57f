"""The partners agent: the single writer of each partner's commitments; answers claims; asks the
incidents already active around a partner that joins or moves to alert it."""
from __future__ import annotations

from bus import topics
from core.clock import Clock
from core.settings import Settings
from handlers import incidents, partners
from streams.runtime import Processing, Snapshots, consume, require_key, send, state_table


def wire(app, settings: Settings, clock: Clock, processing: Processing, directories):
    commands = app.topic(settings.topic(topics.PARTNERS.name))
    requests = app.topic(settings.topic(topics.REQUESTS.name))
    incident_commands = app.topic(settings.topic(topics.INCIDENTS.name))
    state = Snapshots(state_table(app, settings, "partners", topics.PARTNER_STATE), partners.Partner)

    async def handle(event) -> None:
        command = partners.partner_commands.validate_json(event.value)
        require_key(event, command.key)
        current = state.get(command.key)
        new, replies = partners.decide(current, command, clock())
        await send(requests, *replies)
        if partners.reach_changed(current, new):
            reaching = await directories.incidents_reaching(partners.place_of(new), settings.alert_reach_km)
            await send(incident_commands, *incidents.alerts_for_partner(reaching, clock()))
        state.save(command.key, current, new)

    @app.agent(commands, name="partners", concurrency=1)
    async def partner_agent(stream):
        await directories.wait_ready()
        await consume(stream, handle, processing)

    return partner_agent
