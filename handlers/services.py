"""The services 211 lists beside beds: warming centres, charging, meals, water, showers, pharmacies,
transport, pet shelters, information centres. Listed for navigators and callers, never held.

Schemas (version 1). `ServiceProfile` is the body of `PUT /v1/services/{id}`; overnight shelters,
the sites that hold beds, are kept apart (handlers/shelters.py) with every invariant of beds.
"""
from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from handlers.common import Id, Language, Message, Point, ShortText
from handlers.sites import (
    BED_SERVICE,
    Phone,
    Schedule,
    ServiceType,
    SiteStatus,
    StatusReason,
    StreetAddress,
    open_matches_status,
)


class ServiceProfile(Message):
    """What a site's operator or a manager says about a service other than beds.

    `open` and `status` say the same thing two ways, as for shelters: `open` is false exactly when
    `status` is closed."""

    name: ShortText
    service_type: ServiceType = Field(description="what the site offers; overnight_shelter sites are shelters")
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
