"""The API's views: how a followed topic's records are kept, counted, upcast and passed on."""
from __future__ import annotations

import json

import pytest

from api.views import Views
from bus import topics
from core.settings import Settings
from handlers.incidents import Incident
from tests.support.incidents import V1_FLOOD


def test_a_topic_is_followed_once_so_its_options_cannot_be_given_twice():
    views = Views(Settings(topic_prefix="unit."))
    views.follow(topics.INCIDENT_STATE, Incident)
    with pytest.raises(ValueError, match="incident-state is followed already"):
        views.follow(topics.INCIDENT_STATE, Incident, keep=False)
    assert views.all(topics.INCIDENT_STATE) == {}




def test_the_api_reads_stored_v1_incidents_as_v2_a_flood_excluding_its_area_and_an_ice_storm_nothing(api):
    topic = api.container.settings.topic(topics.INCIDENT_STATE.name)
    storm = {**V1_FLOOD, "id": "storm-bracebridge", "kind": "ice_storm"}
    for record in (V1_FLOOD, storm):
        api.container.views.on_record(topic, record["id"].encode(), json.dumps(record).encode())
    assert api.container.incidents.hazards_at(45.04, -79.31) == ["flood-bracebridge"]
    assert api.container.incidents.affected_at(45.04, -79.31) == ["flood-bracebridge", "storm-bracebridge"]
    read = api.client.get("/v1/incidents/flood-bracebridge", headers=api.as_("navigator")).json()
    assert read["v"] == 2 and [(z["id"], z["kind"]) for z in read["danger_zones"]] == [("whole-area", "inundation")]
