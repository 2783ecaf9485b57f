"""The shelters agent: the single writer of each shelter's beds, and the sweep that expires holds."""
from __future__ import annotations

from datetime import datetime

from bus import topics
from handlers import shelters
from muster.settings import Settings
from streams.directories import Directories
from streams.runtime import Clock, Processing, Snapshots, consume, require_key, state_table

FULL_SWEEP_EVERY = 12


def wire(app, settings: Settings, clock: Clock, processing: Processing, directories: Directories):
    commands = app.topic(settings.topic(topics.SHELTERS.name))
    referrals = app.topic(settings.topic(topics.REFERRALS.name))
    state = Snapshots(state_table(app, settings, "shelters", topics.SHELTER_STATE), shelters.Shelter)
    due: dict[str, datetime] = {}
    ticks = 0

    async def handle(event) -> None:
        command = shelters.shelter_commands.validate_json(event.value)
        key = command.id if isinstance(command, shelters.RegisterShelter) else command.shelter_id
        require_key(event, key)
        current = state.get(key)
        new, replies = shelters.decide(current, command, clock())
        for reply in replies:
            await referrals.send(key=reply.referral_id.encode(), value=reply.model_dump_json().encode())
        if new is not None and new != current:
            state.put(key, new)
            expiry = shelters.next_expiry(new)
            if expiry is None:
                due.pop(key, None)
            else:
                due[key] = expiry

    @app.agent(commands, name="shelters", concurrency=1)
    async def shelter_agent(stream):
        await consume(stream, handle, processing)

    @app.timer(interval=settings.hold_sweep_interval_s)
    async def sweep_expired_holds() -> None:
        """Ask each shelter's owner to expire holds past their TTL; a full scan finds those this
        worker recovered from the changelog rather than wrote itself."""
        nonlocal ticks
        ticks += 1
        if ticks % FULL_SWEEP_EVERY == 1:
            for key, shelter in state.items():
                expiry = shelters.next_expiry(shelter)
                if expiry is not None:
                    due[key] = expiry
        now = clock()
        for key in [k for k, expiry in due.items() if expiry <= now]:
            due.pop(key, None)
            await commands.send(key=key.encode(), value=shelters.ExpireHolds(shelter_id=key).model_dump_json().encode())

    return shelter_agent
