"""The replicated directories a worker reads to alert partners and rank their candidates.

Every worker follows the whole of the state topics (no consumer group), so any worker can find
candidates anywhere; the decisions themselves stay with the partition owner.
"""
from __future__ import annotations

import asyncio
from collections.abc import Callable

from mode import Service

from bus import topics
from bus.tail import Tail
from core.settings import Settings
from handlers.directories import IncidentDirectory, PartnerDirectory, PartnerPlace
from handlers.incidents import Incident, PartnerReach
from handlers.partners import Partner, place_of

Apply = Callable[[str, bytes | None], None]

CATCH_UP_S = 5.0


class Directories(Service):
    """Incident areas and partner places, kept current from the state topics."""

    def __init__(self, settings: Settings, **kwargs) -> None:
        super().__init__(**kwargs)
        self.settings = settings
        self.incidents = IncidentDirectory()
        self.partners = PartnerDirectory()
        self._appliers: dict[str, Apply] = {
            settings.topic(topics.INCIDENT_STATE.name): self._apply_incident,
        }
        self._tail: Tail | None = None
        self.follow(topics.PARTNER_STATE, self._apply_partner)

    def follow(self, spec: topics.TopicSpec, apply: Apply) -> None:
        """Let a domain module feed its own read model from a state topic."""
        self._appliers[self.settings.topic(spec.name)] = apply

    async def incident_status(self, incident_id: str) -> str | None:
        """The incident's status, reading incident states to their end first if this worker has not
        seen it: the API accepted the command because its own view had, and this one may lag."""
        status = self.incidents.statuses.get(incident_id)
        if status is None:
            await self._catch_up_incidents()
            status = self.incidents.statuses.get(incident_id)
        return status

    async def incidents_reaching(self, place: PartnerPlace, reach_km: float) -> dict[str, PartnerReach]:
        """The incidents reaching a partner that joined or moved, reading incident states to their
        end first: an incident declared before the partner's news is alerted now, not at the sweep."""
        await self._catch_up_incidents()
        return self.incidents.reaching(place, reach_km)

    async def _catch_up_incidents(self) -> None:
        if self._tail is not None:
            await self._tail.catch_up(self.settings.topic(topics.INCIDENT_STATE.name), CATCH_UP_S)

    def _apply_incident(self, key: str, value: bytes | None) -> None:
        self.incidents.apply(None if value is None else Incident.model_validate_json(value), key)

    def _apply_partner(self, key: str, value: bytes | None) -> None:
        if value is None:
            self.partners.remove(key)
        else:
            self.partners.upsert(place_of(Partner.model_validate_json(value)))

    def _on_record(self, topic: str, key: bytes | None, value: bytes | None) -> None:
        if key is None:
            return
        self._appliers[topic](key.decode("utf-8", "replace"), value)

    async def on_start(self) -> None:
        self._tail = Tail(self.settings, list(self._appliers), self._on_record)
        await self._tail.start()

    async def wait_ready(self) -> None:
        while self._tail is None:
            await asyncio.sleep(0.05)
        await self._tail.ready.wait()

    async def on_stop(self) -> None:
        if self._tail is not None:
            await self._tail.stop()
