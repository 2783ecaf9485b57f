"""The incidents agent: applies incident commands, keeps snapshots, alerts partners in reach; and
the sweep that alerts the partners a declaration and a registration racing each other both missed."""
from __future__ import annotations

from bus import topics
from core.clock import Clock
from core.settings import Settings
from handlers import incidents
from streams.directories import Directories
from streams.runtime import Processing, Snapshots, consume, require_key, send, state_table


def wire(app, settings: Settings, clock: Clock, processing: Processing, directories: Directories):
    commands = app.topic(settings.topic(topics.INCIDENTS.name))
    alerts = app.topic(settings.topic(topics.ALERTS.name))
    state = Snapshots(state_table(app, settings, "incidents", topics.INCIDENT_STATE), incidents.Incident)

    async def handle(event) -> None:
        command = incidents.incident_commands.validate_json(event.value)
        require_key(event, command.key)
        area = incidents.affected_area(command)
        reach = []
        if area is not None:
            geometry, _ = incidents.geometry_of(area)
            reach = directories.partners.in_reach(geometry, settings.alert_reach_km)
        current = state.get(command.key)
        new, facts = incidents.decide(current, command, clock(), reach)
        await send(alerts, *facts)
        state.save(command.key, current, new)

    @app.agent(commands, name="incidents", concurrency=1)
    async def incident_agent(stream):
        await directories.wait_ready()
        await consume(stream, handle, processing)

    @app.timer(interval=settings.alert_sweep_interval_s)
    async def alert_missed_partners() -> None:
        """Ask each active incident this worker owns to alert the partners its directory now shows in
        reach and its snapshot has not alerted; the incident's writer alerts each once."""
        for _, incident in state.items():
            area = directories.incidents.area_of(incident)
            if area is None:
                continue
            reach = directories.partners.in_reach(area, settings.alert_reach_km)
            await send(commands, *incidents.missed_alerts(incident, reach, clock()))

    return incident_agent
