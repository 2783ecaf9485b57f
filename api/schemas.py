"""Response shapes shared by routes (the command and state schemas live in handlers/)."""
from __future__ import annotations

from typing import Literal

from fastapi import status
from fastapi.responses import JSONResponse
from pydantic import BaseModel


class Accepted(BaseModel):
    """The command is on Kafka; its outcome was not visible within the reply deadline."""

    id: str
    status: Literal["accepted"] = "accepted"
    href: str


class Problem(BaseModel):
    detail: str


ERRORS = {
    401: {"model": Problem, "description": "missing, invalid or expired bearer token"},
    403: {"model": Problem, "description": "the token's role may not do this"},
    413: {"model": Problem, "description": "request body over the size limit"},
    422: {"description": "the request is invalid; `detail` says where and why"},
    503: {"model": Problem, "description": "Kafka is unavailable; retry after the Retry-After header"},
}


def accepted(href: str, id_: str) -> JSONResponse:
    """202: the command is on Kafka but its outcome was not visible within the reply deadline."""
    return JSONResponse(Accepted(id=id_, href=href).model_dump(), status_code=status.HTTP_202_ACCEPTED)
