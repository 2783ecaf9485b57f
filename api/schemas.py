"""Response shapes shared by routes (the command and state schemas live in handlers/)."""
from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Header, HTTPException, Path, status
from pydantic import BaseModel

from handlers.common import ID_PATTERN


class Accepted(BaseModel):
    """The command is on Kafka; its outcome was not visible within the reply deadline."""

    id: str
    status: Literal["accepted"] = "accepted"
    href: str


class Problem(BaseModel):
    detail: str


IdPath = Annotated[str, Path(min_length=1, max_length=128, pattern=ID_PATTERN,
                            description="an id: letters, digits and `._:@-`, at most 128 characters")]

ERRORS = {
    400: {"model": Problem, "description": "the body is not valid JSON"},
    401: {"model": Problem, "description": "missing, invalid or expired bearer token"},
    403: {"model": Problem, "description": "the token's role may not do this"},
    413: {"model": Problem, "description": "request body over the size limit"},
    422: {"description": "the request is invalid; `detail` says where and why"},
    429: {"model": Problem, "description": "too many requests or open holds; see Retry-After"},
    503: {"model": Problem, "description": "Kafka is unavailable; retry after the Retry-After header"},
}

PROBLEM_JSON = {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
JSON_ERRORS = {code: {"description": spec["description"], "content": PROBLEM_JSON}
               for code, spec in ERRORS.items() if "model" in spec}
"""ERRORS for a route whose success is not JSON: its errors still are."""


def check_idempotency_key(key: str | None, command_id: str) -> None:
    """`Idempotency-Key`, when sent, must be the command's own id: that id is what makes a retry safe."""
    if key is not None and key != command_id:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"Idempotency-Key {key!r} differs from the command id {command_id!r}; send the same value or omit it",
        )


IdempotencyKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", max_length=128, json_schema_extra={"minLength": 1, "pattern": ID_PATTERN},
           description="optional; if sent it must equal the body's `id` (else 422), which already makes "
                       "retries safe"),
]


def query_group(name: str, description: str, properties: dict[str, dict], required: bool = False,
                **rules: object) -> dict:
    """An OpenAPI query parameter that stands for several (`style: form, explode: true`: on the
    wire they are `?lat=..&lon=..` as before), so that a rule between them, such as "both or
    neither", is a JSON Schema keyword (`rules`) rather than prose. For `openapi_extra`; the route
    declares the real parameters with `include_in_schema=False` and checks the rule itself."""
    schema = {"type": "object", "properties": properties, "additionalProperties": False, **rules}
    return {"name": name, "in": "query", "required": required, "style": "form", "explode": True,
            "description": description, "schema": schema}


LATITUDE = {"type": "number", "minimum": -90, "maximum": 90}
LONGITUDE = {"type": "number", "minimum": -180, "maximum": 180}
