"""What a write route does: send the command, and answer with its outcome once the views show it,
or 202 with where to read it if that takes longer than the reply deadline."""
from __future__ import annotations

from collections.abc import Callable
from typing import Literal, TypeVar

from pydantic import BaseModel

from api.deps import Container
from bus.topics import TopicSpec
from handlers.common import Keyed

S = TypeVar("S")


class NotShownYet(Exception):
    """The command is on Kafka, but its outcome did not show within MUSTER_REPLY_TIMEOUT_S: the
    answer is 202 with `body` (the id, `status` "accepted", or "pending" for a referral still
    deciding, and `href` to poll). api/main.py answers it."""

    def __init__(self, id_: str, href: str, status: Literal["accepted", "pending"] = "accepted") -> None:
        super().__init__(f"{href} not shown yet")
        self.body = {"id": id_, "status": status, "href": href}


async def round_trip(c: Container, topic: TopicSpec, command: Keyed, state: TopicSpec, shows: Callable[[S], bool], *,
                     href: str, key: str | None = None, audited: tuple[BaseModel, str] | None = None,
                     pending: Literal["accepted", "pending"] = "accepted") -> S:
    """Send `command` to `topic` (audited as `audited`, see Publisher.send), then return the record of
    `state` under `key` (the command's own key unless given) once `shows(record)` holds.

    Raises NotShownYet (a 202 naming `href`, with `pending` as its status) if it has not shown
    within the reply deadline, and BrokerUnavailable (a 503) if Kafka did not take the command."""
    await c.publisher.send(topic, command, audited=audited)
    key = command.key if key is None else key
    shown = await c.views.wait_for(state, key, shows, c.settings.reply_timeout_s)
    if shown is None:
        raise NotShownYet(key, href, pending)
    return shown
