"""Bearer tokens carrying a role (and a partner id for partners), signed with the configured secret."""
from __future__ import annotations

import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Annotated, Literal

import jwt
from pydantic import BaseModel, StringConstraints, ValidationError, model_validator

from core.settings import Settings
from handlers.common import Actor, Id

Role = Literal["manager", "partner", "navigator", "admin"]
ROLES: tuple[str, ...] = ("manager", "partner", "navigator", "admin")
ALGORITHM = "HS256"
CLOCK_SKEW_S = 60
"""How far ahead of this server's clock a token's `iat` may be: issuers' clocks drift."""


class InvalidToken(Exception):
    """The token is missing, malformed, badly signed, not for this API, too long-lived or expired."""


class Claims(BaseModel):
    """What a valid token says; anything else (an empty or huge `sub`, a partner without its
    partner id) makes the token invalid rather than the request fail."""

    sub: Annotated[str, StringConstraints(min_length=1, max_length=128)]
    role: Role
    partner_id: Id | None = None
    exp: int
    iat: int

    @model_validator(mode="after")
    def _partner_names_its_partner(self) -> Claims:
        if self.role == "partner" and not self.partner_id:
            raise ValueError("a partner token must name its partner")
        return self


@dataclass(frozen=True)
class Verified:
    """A token that passed every check: who it names, when it was issued and when it expires (epoch s)."""

    actor: Actor
    issued_at: int
    expires_at: int


def mint(settings: Settings, role: str, *, sub: str | None = None, partner_id: str | None = None,
         ttl_s: int | None = None, now: float | None = None) -> str:
    """A signed token for `role` (with this settings' issuer and audience), living `ttl_s` or
    MUSTER_TOKEN_TTL_S seconds. Raises ValueError for an unknown role or a partner without its id."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    if role == "partner" and not partner_id:
        raise ValueError("a partner token needs --partner ID")
    issued = int(now if now is not None else time.time())
    claims = {
        "sub": sub or (f"partner:{partner_id}" if role == "partner" else role),
        "role": role,
        "iss": settings.token_issuer,
        "aud": settings.token_audience,
        "iat": issued,
        "exp": issued + (ttl_s or settings.token_ttl_s),
    }
    if partner_id:
        claims["partner_id"] = partner_id
    return jwt.encode(claims, settings.token_secret, algorithm=ALGORITHM)


def verify(settings: Settings, token: str, now: float | None = None) -> Actor:
    """The caller a token names; raises InvalidToken as `verify_token` does."""
    return verify_token(settings, token, now).actor


def verify_token(settings: Settings, token: str, now: float | None = None) -> Verified:
    """The token's caller and lifetime, if its signature holds, it names this API's issuer and
    audience, it was meant to live no longer than MUSTER_TOKEN_MAX_TTL_S, was not issued in the
    future and has not expired. Raises InvalidToken saying which.

    A token's signature is checked once per process (docs/adr/0010-token-signature-cache.md): the signed claims are kept, and only the expiry is checked again at every use."""
    verified = _signed(settings.token_secret, settings.token_issuer, settings.token_audience,
                       settings.token_max_ttl_s, token)
    at = time.time() if now is None else now
    if verified.expires_at <= at:
        raise InvalidToken("token expired")
    if verified.issued_at > at + CLOCK_SKEW_S:
        raise InvalidToken("token issued in the future")
    return verified


@lru_cache(maxsize=4096)
def _signed(secret: str, issuer: str, audience: str, max_ttl_s: int, token: str) -> Verified:
    """Who a validly signed token names, and its lifetime; raises (and keeps nothing) otherwise."""
    try:
        claims = Claims.model_validate(jwt.decode(
            token, secret, algorithms=[ALGORITHM], issuer=issuer, audience=audience,
            options={"require": ["exp", "iat", "sub", "iss", "aud"], "verify_iat": False}))
    except jwt.ExpiredSignatureError:
        raise InvalidToken("token expired") from None
    except (jwt.InvalidIssuerError, jwt.InvalidAudienceError):
        raise InvalidToken("token not issued for this API") from None
    except (jwt.InvalidTokenError, ValidationError):
        raise InvalidToken("invalid token") from None
    if claims.exp - claims.iat > max_ttl_s:
        raise InvalidToken(f"token lives longer than {max_ttl_s} s")
    return Verified(Actor(sub=claims.sub, role=claims.role, partner_id=claims.partner_id), claims.iat, claims.exp)
