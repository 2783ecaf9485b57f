"""The API's views: how a followed topic's records are kept, counted and passed on."""
from __future__ import annotations

import pytest

from api.views import Views
from bus import topics
from handlers.incidents import Incident
from muster.settings import Settings


def test_a_topic_is_followed_once_so_its_options_cannot_be_given_twice():
    views = Views(Settings(topic_prefix="unit."))
    views.follow(topics.INCIDENT_STATE, Incident)
    with pytest.raises(ValueError, match="incident-state is followed already"):
        views.follow(topics.INCIDENT_STATE, Incident, keep=False)
    assert views.all(topics.INCIDENT_STATE) == {}
