"""FastAPI dependencies as `Annotated` aliases: the container, the caller, role checks."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.auth import InvalidToken, Verified, verify_token
from api.limits import RateLimiter, client_address
from api.metrics import ApiMetrics
from api.publisher import Publisher
from api.referral_index import InFlight, ReferralIndex
from api.views import Views
from bus.topics import REVOCATIONS
from core.clock import Clock
from core.settings import Settings
from handlers.audit import AuditTrail
from handlers.common import Actor
from handlers.directories import IncidentDirectory, ShelterDirectory
from handlers.hours import HoursTotals
from handlers.revocations import revokes
from handlers.service_directory import ServiceDirectory


@dataclass
class Container:
    """What the composition root hands the API: settings, Kafka adapters, clock, geocoder."""

    settings: Settings
    views: Views
    publisher: Publisher
    clock: Clock
    geocoder: Any = None
    shelters: ShelterDirectory = field(default_factory=ShelterDirectory)
    incidents: IncidentDirectory = field(default_factory=IncidentDirectory)
    services: ServiceDirectory = field(default_factory=ServiceDirectory)
    """Service sites and overnight shelters by type and place, for the navigator's search."""
    limiter: RateLimiter = field(init=False)
    """Requests per token subject, from the settings."""
    auth_failures: RateLimiter = field(init=False)
    """Refused tokens per client address, from the settings."""
    address_limiter: RateLimiter = field(init=False)
    """Requests per client address, before any token is read, from the settings."""
    streams: dict[str, int] = field(default_factory=dict)
    """Event streams open now, per token subject."""
    open_referrals: dict[str, int] = field(default_factory=dict)
    """Referrals pending or holding a bed, per navigator, as the view has read them."""
    referrals_in_flight: InFlight = field(default_factory=InFlight)
    """Referral ids this replica has accepted but its view has not read yet, per navigator: with
    `open_referrals`, what the cap on holds counts, so a burst cannot outrun the view."""
    referrals: ReferralIndex = field(default_factory=ReferralIndex)
    """Each navigator's referrals and the short codes in use: the holds list and codes read it."""
    hours: HoursTotals = field(default_factory=HoursTotals)
    """Volunteer-hour totals, folded from the hours log as it is read."""
    metrics: ApiMetrics = field(default_factory=ApiMetrics)
    """Counters and the referral latency histogram behind /metrics."""
    audit: AuditTrail = field(init=False)
    """The newest audit records, read as the audit topic is."""

    def __post_init__(self) -> None:
        settings = self.settings
        self.audit = AuditTrail(settings.audit_window)
        self.limiter = RateLimiter(settings.rate_limit_per_s, settings.rate_limit_burst)
        self.auth_failures = RateLimiter(settings.auth_failures_per_s, settings.auth_failure_burst)
        self.address_limiter = RateLimiter(settings.ip_rate_limit_per_s, settings.ip_rate_limit_burst)


async def get_container(request: Request) -> Container:
    """Dependencies are coroutines: a plain def would cost every request a hop to the thread pool."""
    return request.app.state.container


ContainerDep = Annotated[Container, Depends(get_container)]

bearer = HTTPBearer(auto_error=False, description="`muster token ROLE [--partner ID]` prints one.")


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": "Bearer"})


def _too_many(detail: str, wait: float) -> HTTPException:
    return HTTPException(status.HTTP_429_TOO_MANY_REQUESTS, detail, headers={"Retry-After": str(max(1, round(wait)))})


def authenticate(container: Container, request: Request, token: str | None) -> Verified:
    """The verified token of a request, counted against its subject's rate limit.

    Raises 401 for a missing, invalid, expired or revoked token (each refusal drawing on the
    client address's budget of refusals), and 429 when that budget is spent (no token from the
    address is even read until it refills) or the subject is over its rate."""
    address = client_address(request.scope)
    failures = container.auth_failures
    wait = failures.exhausted(address)
    if wait > 0:
        raise _too_many("too many refused tokens from this address; wait", wait)
    try:
        if token is None:
            raise InvalidToken("a bearer token is required")
        verified = verify_token(container.settings, token)
        if revokes(container.views.get(REVOCATIONS, verified.actor.sub), verified.issued_at):
            raise InvalidToken("token revoked")
    except InvalidToken as exc:
        failures.wait_time(address)
        raise _unauthorized(str(exc)) from None
    wait = container.limiter.wait_time(verified.actor.sub)
    if wait > 0:
        raise _too_many("too many requests for this token; slow down", wait)
    return verified


async def current_actor(
    container: ContainerDep,
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Actor:
    return authenticate(container, request, credentials.credentials if credentials else None).actor


CurrentActor = Annotated[Actor, Depends(current_actor)]


def require(*roles: str):
    """A dependency that lets through the given roles (and admin) and answers 403 to the rest."""

    async def check(actor: CurrentActor) -> Actor:
        if actor.role != "admin" and actor.role not in roles:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, f"this needs the role {' or '.join(roles + ('admin',))}"
            )
        return actor

    return Depends(check)


Manager = Annotated[Actor, require("manager")]
Navigator = Annotated[Actor, require("navigator")]
PartnerRole = Annotated[Actor, require("partner")]
Admin = Annotated[Actor, require()]
PartnerOrManager = Annotated[Actor, require("manager", "partner")]
"""Who may read volunteer hours and commitments: a navigator's work with callers never needs them."""
AnyRole = CurrentActor
