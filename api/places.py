"""Where a caller is: coordinates as given, or a place name geocoded with the container's geocoder
(the offline Ontario gazetteer unless MUSTER_GEOCODER names another). Shared by every route that
takes a caller's location; the location is used for the answer and never stored."""
from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import status
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from api.refusals import refused
from handlers.common import Point
from handlers.reasons import Reason

if TYPE_CHECKING:
    from api.deps import Container


class Place(BaseModel):
    """A place name or address, geocoded offline ("Wellesley, ON", "Orillia")."""

    model_config = ConfigDict(extra="forbid")
    place: str = Field(min_length=1, max_length=200)


async def locate(container: Container, location: Point | Place) -> tuple[Point, str | None]:
    """The point to search from, and the geocoder's name for the place (None for coordinates).

    Raises a 422 HTTPException whose detail is an `unknown_place` reason: the place, and the
    geocoder's suggestions when it has any. Geocoding runs in the thread pool: a network geocoder may take seconds."""
    if isinstance(location, Point):
        return location, None
    found = await run_in_threadpool(container.geocoder.geocode, location.place)
    if found is None:
        suggest = getattr(container.geocoder, "suggest", None)
        close = suggest(location.place) if suggest else []
        raise refused(status.HTTP_422_UNPROCESSABLE_CONTENT, Reason(
            code="unknown_place", message=f"unknown place {location.place!r}", place=location.place,
            suggestions=close))
    return Point(lat=found.latitude, lon=found.longitude), found.address
