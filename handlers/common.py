"""Types every schema shares: ids, coordinates, areas, the versioned message base.

Messages are JSON on the wire. Every message names its `type` (past tense for facts that
happened, imperative for requests that may be refused) and its schema version `v`.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Any, Literal, Protocol, Union

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
)

from geo.areas import AreaError, area_geometry

MAX_AREA_VERTICES = 5000

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:@-]*$"
Id = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=ID_PATTERN)]
"""A client-supplied identifier: letters, digits and `._:@-`, at most 128 characters."""

WHITESPACE = "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
"""What `strip_whitespace` strips (Unicode White_Space), spelled out for a regex character class:
JSON Schema's `\\s` (ECMA-262) and Python's disagree with it and with each other."""


def trimmed_text_pattern(max_length: int) -> str:
    """A JSON Schema pattern for text of 1 to `max_length` characters once leading and trailing
    whitespace is stripped, as `StringConstraints(strip_whitespace=True, ...)` counts them."""
    space, solid = f"[{WHITESPACE}]", f"[^{WHITESPACE}]"
    return f"^{space}*{solid}(?:[\\s\\S]{{0,{max_length - 2}}}{solid})?{space}*$"


ShortText = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True),
                      WithJsonSchema({"type": "string", "pattern": trimmed_text_pattern(200),
                                      "description": "1 to 200 characters, leading and trailing spaces left out"})]
Language = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}$")]
Timestamp = AwareDatetime


def utc(dt: datetime) -> datetime:
    return dt.astimezone(timezone.utc)


class Record(BaseModel):
    """An immutable value with no unknown fields: the parts messages are made of."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class Message(Record):
    """Base of every event, command and state record on a topic, with its schema version."""

    v: Literal[1] = 1


class Keyed(Protocol):
    """A message as it goes on a topic: keyed by the id of what it is about, so that one writer (the
    owner of that key's partition) decides it, and written as JSON."""

    @property
    def key(self) -> str:
        """The id the message is keyed by on its topic."""
        ...

    def model_dump_json(self, *, exclude_none: bool = False) -> str: ...


class _Identified(Protocol):
    @property
    def id(self) -> str: ...


class KeyedById:
    """For a message keyed on its topic by its own `id`. It adds no field: the JSON is the model's."""

    @property
    def key(self: _Identified) -> str:
        return self.id


class Actor(BaseModel):
    """Who issued a command, as authenticated by the API (for audit and ownership)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    sub: Annotated[str, StringConstraints(min_length=1, max_length=128)]
    role: Literal["manager", "partner", "navigator", "admin", "system"]
    partner_id: Id | None = None


class Command(Message):
    """A request that may be refused; carries who asked and when the API accepted it."""

    actor: Actor | None = None
    accepted_at: Timestamp | None = None


class Point(BaseModel):
    """A WGS84 position in decimal degrees."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


POSITION_SCHEMA: dict[str, Any] = {
    "type": "array", "minItems": 2, "maxItems": 3,
    "prefixItems": [{"type": "number", "minimum": -180, "maximum": 180, "description": "longitude"},
                    {"type": "number", "minimum": -90, "maximum": 90, "description": "latitude"}],
    "items": {"type": "number", "description": "altitude, ignored"},
    "description": "[longitude, latitude] or [longitude, latitude, altitude], WGS84 degrees (RFC 7946)",
}
Position = Annotated[list[float], Field(min_length=2, max_length=3), WithJsonSchema(POSITION_SCHEMA)]
"""Ranges are checked where the area is read (geo.areas), with the position that broke them."""

RING_SCHEMA: dict[str, Any] = {
    "type": "array", "items": POSITION_SCHEMA, "maxItems": MAX_AREA_VERTICES,
    "anyOf": [{"minItems": 4}, {"minItems": 3, "maxItems": 3, "uniqueItems": True}],
    "description": "a linear ring: at least 4 positions, the last repeating the first (RFC 7946); a ring of "
                   "3 distinct positions, or one whose last position is not its first, is closed by Muster",
}
Ring = Annotated[list[Position], Field(max_length=MAX_AREA_VERTICES), WithJsonSchema(RING_SCHEMA)]
"""A ring's length and closure are checked where the area is read (geo.areas): a closed ring of
3 positions (two corners) is refused there, which RING_SCHEMA says as 3 positions all distinct."""


class PolygonArea(BaseModel):
    """A GeoJSON Polygon (RFC 7946): an outer ring of [lon, lat] positions, then any holes.

    Beyond what this schema says, the area is refused (422) when it encloses nothing (every
    position on one line or one point) or has more than 5,000 positions in all; a ring that
    crosses itself is repaired, and the answer's `area_note` says how."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    type: Literal["Polygon"]
    coordinates: Annotated[list[Ring], Field(min_length=1, max_length=100)]


class MultiPolygonArea(BaseModel):
    """A GeoJSON MultiPolygon (RFC 7946): polygons, each an outer ring then any holes.

    Refused (422) as a Polygon is: enclosing nothing, or more than 5,000 positions in all;
    overlapping parts are merged and crossing rings repaired (see `area_note`)."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    type: Literal["MultiPolygon"]
    coordinates: Annotated[list[Annotated[list[Ring], Field(min_length=1, max_length=100)]],
                           Field(min_length=1, max_length=100)]


class CircleArea(BaseModel):
    """A centre and a radius, for when a manager knows "20 km around Peterborough".

    Refused (422) when the circle would cross the antimeridian or enclose a pole, which no
    Ontario area does."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    center: Point
    radius_km: float = Field(gt=0, le=500)


def _valid_area(area: PolygonArea | MultiPolygonArea | CircleArea):
    try:
        area_geometry(area.model_dump(), max_vertices=MAX_AREA_VERTICES)
    except AreaError as exc:
        raise ValueError(f"invalid area: {exc}") from None
    return area


Area = Annotated[
    Union[PolygonArea, MultiPolygonArea, CircleArea], AfterValidator(_valid_area)
]
"""An incident or service area: GeoJSON Polygon/MultiPolygon or a circle; checked with geo/."""


class DeadLetter(Message):
    """A message an agent could not process, with why and where it came from.

    The payload itself is not copied (it may hold caller details); its size and hash let an
    operator find it at its source offset.
    """

    type: Literal["DeadLetter"] = "DeadLetter"
    topic: str
    partition: int
    offset: int
    key: str | None = None
    reason: str
    error: str
    payload_bytes: int
    payload_sha256: str
    at: Timestamp


def describe_validation_error(exc: Exception) -> str:
    """A reason safe to log and dead-letter: locations and messages, never the input values."""
    errors = getattr(exc, "errors", None)
    if callable(errors):
        try:
            items = errors(include_input=False, include_url=False)
        except TypeError:
            items = errors()
        parts = []
        for item in items[:10]:
            loc = ".".join(str(p) for p in item.get("loc", ())) or "message"
            parts.append(f"{loc}: {item.get('msg', 'invalid')}")
        return "; ".join(parts)[:2000]
    return f"{type(exc).__name__}: {exc}"[:2000]


def as_dict(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json", exclude_none=True)
