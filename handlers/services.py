"""The services 211 lists beside beds: warming centres, charging, meals, water, showers, pharmacies,
transport, pet shelters, information centres. Listed for navigators and callers, never held.

Schemas (version 1) on the `services` topic, keyed by service site id, decided by the agent that
owns the site's partition:
  RegisterService   a manager, an admin or the owning partner sets the site's profile (upsert;
                    the same profile again changes nothing)
  SetServiceStatus  open, limited or closed, with a reason, in one action (the same status and
                    reason again changes nothing)
State on `service-state` (compacted): ServiceSite. Nothing else is emitted: a site's news is its
snapshot. `ServiceProfile` is the body of `PUT /v1/services/{id}`; overnight shelters, the sites
that hold beds, are kept apart (handlers/shelters.py) with every invariant of beds.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Literal, Union

from pydantic import ConfigDict, Field, TypeAdapter, WithJsonSchema, field_validator, model_validator

from handlers.common import Command, Id, KeyedById, Language, Message, Point, ShortText, Timestamp
from handlers.errors import Rejected
from handlers.sites import (
    BED_SERVICE,
    OPEN_MATCHES_STATUS,
    SERVICE_TYPES,
    Phone,
    Schedule,
    ServiceType,
    SiteStatus,
    StatusChange,
    StatusReason,
    StreetAddress,
    open_matches_status,
)

ListedType = Annotated[ServiceType, WithJsonSchema(
    {"type": "string", "enum": [t for t in SERVICE_TYPES if t != BED_SERVICE]})]
"""Every service type but overnight_shelter: sites that hold beds are shelters (handlers/shelters.py)."""


class ServiceProfile(Message):
    """What a site's operator or a manager says about a service other than beds.

    `open` and `status` say the same thing two ways, as for shelters: `open` is false exactly when
    `status` is closed."""

    model_config = ConfigDict(json_schema_extra=OPEN_MATCHES_STATUS)

    name: ShortText
    service_type: ListedType = Field(description="what the site offers; overnight shelters are PUT at /v1/shelters")
    location: Point
    place: ShortText | None = Field(None, description="town, e.g. 'Peterborough, ON'")
    address: StreetAddress | None = None
    phone: Phone | None = None
    schedules: list[Schedule] = Field(default_factory=list, max_length=20,
                                      description="opening hours (HSDS schedules); none: around the clock")
    open: bool = True
    status: SiteStatus = "open"
    status_reason: StatusReason | None = None
    languages: list[Language] = Field(default_factory=lambda: ["en"], max_length=30)
    accessible: bool = Field(False, description="wheelchair accessible")
    accepts_pets: bool = False
    families: bool = True
    description: ShortText | None = None
    partner_id: Id | None = Field(None, description="the partner that runs the site and may update it")

    @field_validator("service_type")
    @classmethod
    def _not_beds(cls, value: str) -> str:
        if value == BED_SERVICE:
            raise ValueError("overnight shelters hold beds: register them with PUT /v1/shelters/{id}")
        return value

    _open_matches_status = model_validator(mode="before")(open_matches_status)


PROFILE_FIELDS = frozenset(ServiceProfile.model_fields)


class RegisterService(ServiceProfile, Command, KeyedById):
    """Create or replace a service site's profile; its id makes a retry one site."""

    type: Literal["RegisterService"] = "RegisterService"
    id: Id


class SetServiceStatus(StatusChange, Command, KeyedById):
    """Mark a site open, limited or closed, with why (no power, no heat, no staff, full, ...)."""

    type: Literal["SetServiceStatus"] = "SetServiceStatus"
    id: Id


ServiceCommand = Annotated[Union[RegisterService, SetServiceStatus], Field(discriminator="type")]
service_commands: TypeAdapter[ServiceCommand] = TypeAdapter(ServiceCommand)


class ServiceSite(ServiceProfile, KeyedById):
    """A service site as everyone sees it."""

    type: Literal["ServiceSite"] = "ServiceSite"
    id: Id
    updated_at: Timestamp
    version: int = 1

    def profile(self) -> ServiceProfile:
        return ServiceProfile.model_validate(self.model_dump(include=PROFILE_FIELDS))


Decision = tuple[ServiceSite | None, list[Message]]


def register(state: ServiceSite | None, cmd: RegisterService, now: datetime) -> Decision:
    profile = ServiceProfile.model_validate(cmd.model_dump(include=PROFILE_FIELDS))
    if state is not None and state.profile() == profile:
        return state, []
    version = 1 if state is None else state.version + 1
    return ServiceSite(**dict(profile), id=cmd.id, updated_at=now, version=version), []


def set_status(state: ServiceSite | None, cmd: SetServiceStatus, now: datetime) -> Decision:
    if state is None:
        raise Rejected(f"no service site {cmd.id!r}")
    if (state.status, state.status_reason) == (cmd.status, cmd.reason):
        return state, []
    return state.model_copy(update={"status": cmd.status, "status_reason": cmd.reason, "open": cmd.status != "closed",
                                    "updated_at": now, "version": state.version + 1}), []


HANDLERS: dict[type, Callable[[Any, Any, datetime], Decision]] = {
    RegisterService: register,
    SetServiceStatus: set_status,
}


def decide(state: ServiceSite | None, cmd: ServiceCommand, now: datetime) -> Decision:
    """Apply a command to a site's snapshot; raises Rejected for a status of a site never registered."""
    return HANDLERS[type(cmd)](state, cmd, now)
