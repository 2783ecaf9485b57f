"""The shelters agent: the single writer of each shelter's beds; the sweep that expires holds and
asks for the holds inside a danger zone to be flagged for a call back."""
from __future__ import annotations

from datetime import datetime

from bus import topics
from core.clock import Clock
from core.settings import Settings
from handlers import shelters
from handlers.common import Point
from streams.directories import Directories
from streams.runtime import Processing, Snapshots, consume, require_key, send, state_table

FULL_SWEEP_EVERY = 12


def wire(app, settings: Settings, clock: Clock, processing: Processing, directories: Directories):
    commands = app.topic(settings.topic(topics.SHELTERS.name))
    referrals = app.topic(settings.topic(topics.REFERRALS.name))
    state = Snapshots(state_table(app, settings, "shelters", topics.SHELTER_STATE), shelters.Shelter)
    due: dict[str, datetime] = {}
    holding: set[str] = set()
    """Shelters with held or confirmed beds: the only ones a danger zone can put holds at risk at."""
    asked: dict[str, frozenset[str]] = {}
    """The danger zones each shelter's owner was last asked to flag holds for, so it is asked once."""
    ticks = 0

    def danger_at(point: Point | None) -> shelters.Danger:
        """The danger zones this worker's directory has over a point: incident id -> title."""
        if point is None:
            return shelters.NO_DANGER
        found = {}
        for incident_id in directories.incidents.hazards_at(point.lat, point.lon):
            incident = directories.incidents.incidents.get(incident_id)
            found[incident_id] = incident.title if incident is not None else incident_id
        return found

    def track(key: str, shelter: shelters.Shelter) -> None:
        expiry = shelters.next_expiry(shelter)
        if expiry is None:
            due.pop(key, None)
        else:
            due[key] = expiry
        if shelter.holds:
            holding.add(key)
        else:
            holding.discard(key)

    async def handle(event) -> None:
        command = shelters.shelter_commands.validate_json(event.value)
        require_key(event, command.key)
        current = state.get(command.key)
        where = command.location if isinstance(command, shelters.RegisterShelter) else getattr(current, "location", None)
        new, replies = shelters.decide(current, command, clock(), danger_at(where))
        await send(referrals, *replies)
        if state.save(command.key, current, new) and new is not None:
            track(command.key, new)

    @app.agent(commands, name="shelters", concurrency=1)
    async def shelter_agent(stream):
        # Holds are refused inside a danger zone: decide none before the zones are known.
        await directories.wait_ready()
        await consume(stream, handle, processing)

    async def ask_to_flag(full: bool) -> None:
        """Ask the owner of each shelter holding beds inside a danger zone, with a hold not yet
        flagged for it, to flag it: once per change of the zones over it, again on a full sweep."""
        keys = sorted(holding)
        held = [shelter for key in keys if (shelter := state.get(key)) is not None]
        inside = directories.incidents.hazards_at_each(held) if held else []
        for shelter, zones in zip(held, inside):
            wanted = frozenset(zones)
            if not shelters.needs_flagging(shelter, sorted(wanted)):
                asked.pop(shelter.id, None)
                continue
            if full or asked.get(shelter.id) != wanted:
                asked[shelter.id] = wanted
                await send(commands, shelters.FlagHolds(shelter_id=shelter.id))

    @app.timer(interval=settings.hold_sweep_interval_s)
    async def sweep_holds() -> None:
        """Ask each shelter's owner to expire holds past their TTL and to flag holds a danger zone
        now covers; a full scan finds those this worker recovered from the changelog rather than
        wrote itself."""
        nonlocal ticks
        ticks += 1
        full = ticks % FULL_SWEEP_EVERY == 1
        if full:
            for key, shelter in state.items():
                track(key, shelter)
        now = clock()
        for key in [k for k, expiry in due.items() if expiry <= now]:
            due.pop(key, None)
            await send(commands, shelters.ExpireHolds(shelter_id=key))
        await ask_to_flag(full)

    return shelter_agent
