"""The composition root: builds workers and the API with production adapters.

Tests pass their own clock or geocoder here and nowhere else.
"""
from __future__ import annotations

from datetime import datetime, timezone

from muster.settings import Settings
from streams.runtime import Clock


def system_clock() -> datetime:
    return datetime.now(timezone.utc)


def build_worker(settings: Settings, clock: Clock = system_clock):
    from streams.worker import build_worker as build

    return build(settings, clock)


def build_api(settings: Settings, clock: Clock = system_clock, geocoder=None):
    from api.deps import Container
    from api.main import create_api
    from api.publisher import Publisher
    from api.views import Views
    from geo.gazetteer import make_geocoder

    container = Container(
        settings=settings,
        views=Views(settings),
        publisher=Publisher(settings, clock),
        clock=clock,
        geocoder=geocoder if geocoder is not None else make_geocoder(settings.geocoder),
    )
    return create_api(container)
