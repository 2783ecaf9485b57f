"""FastAPI dependencies as `Annotated` aliases: the container, the caller, role checks."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.auth import InvalidToken, verify
from api.limits import RateLimiter
from api.metrics import ApiMetrics
from api.publisher import Publisher
from api.referral_index import InFlight, ReferralIndex
from api.views import Views
from core.clock import Clock
from core.settings import Settings
from handlers.audit import AuditTrail
from handlers.common import Actor
from handlers.directories import IncidentDirectory, ShelterDirectory
from handlers.hours import HoursTotals
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
    """Per-token request rates, from the settings."""
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
        self.audit = AuditTrail(self.settings.audit_window)
        self.limiter = RateLimiter(self.settings.rate_limit_per_s, self.settings.rate_limit_burst)


async def get_container(request: Request) -> Container:
    """Dependencies are coroutines: a plain def would cost every request a hop to the thread pool."""
    return request.app.state.container


ContainerDep = Annotated[Container, Depends(get_container)]

bearer = HTTPBearer(auto_error=False, description="`muster token ROLE [--partner ID]` prints one.")


async def current_actor(
    container: ContainerDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Actor:
    if credentials is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "a bearer token is required", headers={"WWW-Authenticate": "Bearer"}
        )
    try:
        actor = verify(container.settings, credentials.credentials)
    except InvalidToken as exc:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, str(exc), headers={"WWW-Authenticate": "Bearer"}
        ) from None
    wait = container.limiter.wait_time(actor.sub)
    if wait > 0:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS, "too many requests for this token; slow down",
            headers={"Retry-After": str(max(1, round(wait)))},
        )
    return actor


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
AnyRole = CurrentActor
