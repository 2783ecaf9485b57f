"""Agents send messages keyed by the id each is about, as the JSON its schema writes."""
from __future__ import annotations

from handlers.shelters import HoldRefused
from streams.runtime import send


class Topic:
    """Records what is sent to it, as Faust's topic would produce it."""

    def __init__(self) -> None:
        self.sent: list[tuple[bytes, bytes]] = []

    async def send(self, *, key: bytes, value: bytes) -> None:
        self.sent.append((key, value))


async def test_each_message_goes_keyed_by_its_id_in_order_and_nulls_are_dropped_only_when_asked():
    first = HoldRefused(referral_id="ref-1", shelter_id="orillia-rotary", reason="full")
    second = first.model_copy(update={"referral_id": "ref-2"})
    topic = Topic()
    await send(topic, first, second)
    await send(topic, first, exclude_none=True)
    await send(topic)
    assert topic.sent == [(b"ref-1", first.model_dump_json().encode()), (b"ref-2", second.model_dump_json().encode()),
                          (b"ref-1", first.model_dump_json(exclude_none=True).encode())]
    assert b'"request":null' in topic.sent[0][1] and b"request" not in topic.sent[2][1]
