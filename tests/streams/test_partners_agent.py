"""The partners agent in Faust's test context: a partner that joins near an active incident asks
the incident's writer to alert it, and one that only changes its inventory asks nothing."""
from __future__ import annotations

import asyncio

import faust
import pytest

from bus import topics
from handlers.incidents import AlertPartner, decide, incident_commands
from muster.settings import Settings
from streams import partners
from streams.app import create_app
from streams.directories import Directories
from streams.runtime import DeadLetters
from tests.support.poll import until_async
from tests.unit.handlers.test_incidents import NOON, declaration
from tests.unit.handlers.test_partners import responders


class CaughtUp:
    """A tail that has read everything there is: the directory is filled by hand."""

    def __init__(self) -> None:
        self.ready = asyncio.Event()
        self.ready.set()


@pytest.fixture
def sent(monkeypatch) -> list[tuple[str, bytes, bytes]]:
    """What the agent sends to any topic, instead of a producer."""
    records: list[tuple[str, bytes, bytes]] = []

    async def record(topic, key=None, value=None, **_):
        records.append((topic.get_topic_name(), key, value))

    monkeypatch.setattr(faust.topics.Topic, "send", record)
    return records


@pytest.fixture
async def agent(tmp_path):
    settings = Settings(data_dir=tmp_path, topic_prefix="t.", alert_reach_km=25)
    app = create_app(settings)
    app.finalize()
    app.flow_control.resume()
    directories = Directories(settings)
    directories._tail = CaughtUp()
    incident, _ = decide(None, declaration(), NOON)  # 15 km around Orillia
    directories._on_record(settings.topic(topics.INCIDENT_STATE.name), incident.id.encode(),
                           incident.model_dump_json().encode())
    dead = DeadLetters(app.topic(settings.topic(topics.DEAD_LETTERS.name)), lambda: NOON)
    yield partners.wire(app, settings, lambda: NOON, dead, directories)
    app.consumer._thread.thread_loop.close()  # the stream made Faust's consumer; its thread never ran


async def register(agent, sent, *commands) -> list[tuple[str, bytes, bytes]]:
    async with agent.test_context() as test:
        for command in commands:
            await test.put(command.model_dump_json().encode(), key=command.id.encode())
        marker = responders(id="marker-far-away", base={"lat": 49.77, "lon": -94.49, "place": "Kenora, ON"},
                            service_area=None)
        await test.put(marker.model_dump_json().encode(), key=marker.id.encode())
        [table] = agent.app.tables.values()
        await until_async(lambda: asyncio.sleep(0, b"marker-far-away" in table), deadline_s=10,
                          what="the last registration applied")
    return [record for record in sent if record[0] == "t.incidents"]


async def test_a_partner_that_joins_near_an_active_incident_asks_it_for_an_alert(agent, sent, monkeypatch):
    asks = await register(agent, sent, responders())
    assert [(topic, key) for topic, key, _ in asks] == [("t.incidents", b"ice-storm-orillia")]
    ask = incident_commands.validate_json(asks[0][2])
    assert isinstance(ask, AlertPartner)
    assert (ask.partner_id, ask.distance_km) == ("sample-orillia-responders", 0)
    assert ask.capabilities == ["shelter", "debris_clearing", "generators", "transport"]


async def test_a_partner_that_only_changes_its_inventory_asks_no_incident_again(agent, sent):
    asks = await register(agent, sent, responders(), responders(inventory={"cots": 50}))
    assert len(asks) == 1
