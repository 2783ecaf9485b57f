"""The composition root: builds a worker or the API with production adapters (clock, geocoder).

Tests pass their own clock or geocoder here and nowhere else. Nothing imports this module but the
CLI (muster/cli.py).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import FastAPI

from api.deps import Container
from api.main import create_api
from api.publisher import Publisher
from api.views import Views
from core.clock import Clock, system_clock
from core.settings import Settings
from geo.gazetteer import make_geocoder

if TYPE_CHECKING:
    import faust


def build_worker(settings: Settings, clock: Clock = system_clock) -> faust.App:
    """A Faust worker with every agent wired, reading `clock` for the time."""
    from streams.worker import build_worker as wire  # here, so that the API process never loads Faust

    return wire(settings, clock)


def build_api(settings: Settings, clock: Clock = system_clock, geocoder: Any = None) -> FastAPI:
    """The API with its views, producer and geocoder (`MUSTER_GEOCODER` unless one is given)."""
    container = Container(
        settings=settings,
        views=Views(settings),
        publisher=Publisher(settings, clock),
        clock=clock,
        geocoder=geocoder if geocoder is not None else make_geocoder(settings.geocoder),
    )
    return create_api(container)
