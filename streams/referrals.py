"""The referrals agent: asks each candidate shelter's owner for a hold until one says yes."""
from __future__ import annotations

from bus import topics
from core.clock import Clock
from core.settings import Settings
from handlers import referrals
from streams.runtime import Processing, Snapshots, consume, require_key, send, state_table


def wire(app, settings: Settings, clock: Clock, processing: Processing, directories):
    messages = app.topic(settings.topic(topics.REFERRALS.name))
    shelter_commands = app.topic(settings.topic(topics.SHELTERS.name))
    state = Snapshots(state_table(app, settings, "referrals", topics.REFERRAL_STATE), referrals.Referral)

    async def handle(event) -> None:
        message = referrals.referral_messages.validate_json(event.value)
        require_key(event, message.key)
        current = state.get(message.key)
        new, commands = referrals.decide(current, message, clock())
        await send(shelter_commands, *commands)
        state.save(message.key, current, new)

    @app.agent(messages, name="referrals", concurrency=1)
    async def referral_agent(stream):
        await consume(stream, handle, processing)

    @app.timer(interval=settings.purge_interval_s)
    async def purge_old_referrals() -> None:
        """Caller records expire: ask each ended referral's owner to forget it after the retention."""
        now = clock()
        for key, referral in state.items():
            if referrals.due_for_purge(referral, now, settings.caller_retention_s):
                await send(messages, referrals.PurgeReferral(id=key, retention_s=settings.caller_retention_s))

    return referral_agent
