"""Refusals as the API answers them: a 4xx whose `detail` is a Reason (handlers/reasons.py), a
code a screen translates, its parameters and the English message.

Requests the API cannot read at all (invalid JSON or fields, a missing token) keep FastAPI's
validation list or a sentence; anything a person asked for and was refused carries a Reason."""
from __future__ import annotations

from typing import Any

from fastapi import HTTPException
from pydantic import BaseModel, TypeAdapter

from handlers.reasons import Reason, ValidReason

_REASON: TypeAdapter[Reason] = TypeAdapter(ValidReason)


class Refusal(BaseModel):
    """The body of a refusal: `detail` is the reason, e.g. `{"code": "incident_closed",
    "incident_id": "flood-bracebridge", "message": "incident 'flood-bracebridge' is closed"}`."""

    detail: ValidReason


def refused(status_code: int, reason: Reason, headers: dict[str, str] | None = None) -> HTTPException:
    """An HTTPException whose detail is `reason` as JSON; raises ValueError (a bug: a 500) when
    the reason's parameters do not fit its code."""
    return HTTPException(status_code, _REASON.dump_python(_REASON.validate_python(reason), mode="json"), headers=headers)


def refusal(description: str) -> dict[str, Any]:
    """An OpenAPI `responses` entry for a refusal."""
    return {"model": Refusal, "description": description}


def json_refusal(description: str) -> dict[str, Any]:
    """An OpenAPI `responses` entry for a refusal from a route whose success is not JSON (an HTML
    sheet): its refusals still are. The Refusal schema is in the components because other routes
    name it as their model."""
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Refusal"}}}}


def no_incident(incident_id: str) -> Reason:
    """The API's 404 for an incident id it does not know."""
    return Reason(code="unknown_incident", message=f"no incident {incident_id!r}", incident_id=incident_id)
