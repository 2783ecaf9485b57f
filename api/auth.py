"""Bearer tokens carrying a role (and a partner id for partners), signed with the configured secret."""
from __future__ import annotations

import time
from functools import lru_cache
from typing import Literal

import jwt
from pydantic import BaseModel, ValidationError

from core.settings import Settings
from handlers.common import Actor

Role = Literal["manager", "partner", "navigator", "admin"]
ROLES: tuple[str, ...] = ("manager", "partner", "navigator", "admin")
ALGORITHM = "HS256"


class InvalidToken(Exception):
    """The token is missing, malformed, badly signed or expired."""


class Claims(BaseModel):
    sub: str
    role: Role
    partner_id: str | None = None
    exp: int
    iat: int


def mint(settings: Settings, role: str, *, sub: str | None = None, partner_id: str | None = None,
         ttl_s: int | None = None, now: float | None = None) -> str:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    if role == "partner" and not partner_id:
        raise ValueError("a partner token needs --partner ID")
    issued = int(now if now is not None else time.time())
    claims = {
        "sub": sub or (f"partner:{partner_id}" if role == "partner" else role),
        "role": role,
        "iat": issued,
        "exp": issued + (ttl_s or settings.token_ttl_s),
    }
    if partner_id:
        claims["partner_id"] = partner_id
    return jwt.encode(claims, settings.token_secret, algorithm=ALGORITHM)


def verify(settings: Settings, token: str, now: float | None = None) -> Actor:
    """The caller a token names, if its signature holds and it has not expired.

    A token's signature is checked once per process (docs/adr/0010-token-signature-cache.md): the
    signed claims are kept, and only the expiry is checked again at every use. Raises
    InvalidToken for a bad signature or claims, or an expired token."""
    actor, expires = _signed(settings.token_secret, token)
    if expires <= (time.time() if now is None else now):
        raise InvalidToken("token expired")
    return actor


@lru_cache(maxsize=4096)
def _signed(secret: str, token: str) -> tuple[Actor, int]:
    """Who a validly signed token names, and when it expires; raises (and keeps nothing) otherwise."""
    try:
        claims = Claims.model_validate(
            jwt.decode(token, secret, algorithms=[ALGORITHM], options={"require": ["exp", "iat", "sub"]})
        )
    except jwt.ExpiredSignatureError:
        raise InvalidToken("token expired") from None
    except (jwt.InvalidTokenError, ValidationError):
        raise InvalidToken("invalid token") from None
    return Actor(sub=claims.sub, role=claims.role, partner_id=claims.partner_id), claims.exp
