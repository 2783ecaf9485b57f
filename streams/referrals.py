"""The referrals agent: finds candidates in the replicated directory, asks shelters for holds."""
from __future__ import annotations

from bus import topics
from handlers import referrals
from muster.settings import Settings
from streams.directories import Directories
from streams.runtime import Clock, DeadLetters, Snapshots, consume, require_key, state_table


def wire(app, settings: Settings, clock: Clock, dead: DeadLetters, directories: Directories):
    messages = app.topic(settings.topic(topics.REFERRALS.name))
    shelter_commands = app.topic(settings.topic(topics.SHELTERS.name))
    state = Snapshots(state_table(app, settings, "referrals", topics.REFERRAL_STATE), referrals.Referral)

    async def handle(event) -> None:
        message = referrals.referral_messages.validate_json(event.value)
        key = referrals.key_of(message)
        require_key(event, key)
        current = state.get(key)
        candidates, alternatives = [], []
        if isinstance(message, referrals.RequestReferral) and current is None:
            candidates, alternatives = directories.shelters.candidates(
                message.location.lat, message.location.lon, message.household_size, message.needs,
                message.radius_km, directories.incidents, settings.max_candidates,
            )
        new, commands = referrals.decide(current, message, clock(), candidates, alternatives)
        if new is not None and new != current:
            state.put(key, new)
        for command in commands:
            await shelter_commands.send(key=command.shelter_id.encode(), value=command.model_dump_json().encode())

    @app.agent(messages, name="referrals", concurrency=1)
    async def referral_agent(stream):
        await directories.wait_ready()
        await consume(stream, handle, dead)

    return referral_agent
