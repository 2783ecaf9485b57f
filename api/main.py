"""The FastAPI application: routes, limits, error mapping, and the views' lifecycle."""
from __future__ import annotations

import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse

from api.deps import Container
from api.headers import SecurityHeaders
from api.limits import AddressLimit, BodyDeadline, BodyLimit
from api.metrics import instrument
from api.publisher import BrokerUnavailable
from api.round_trip import NotShownYet
from api.routes import (
    audit,
    cap,
    dashboard,
    events,
    exports,
    hours,
    incidents,
    partners,
    referrals,
    resource_requests,
    revocations,
    services,
    shelters,
    system,
)
from api.routing import MethodGuard
from bus import topics
from core.heap import freeze_long_lived_objects
from handlers.audit import AuditRecord
from handlers.hours import HoursLogged
from handlers.incidents import Incident
from handlers.partners import Partner
from handlers.referrals import Referral
from handlers.requests import ResourceRequest
from handlers.revocations import SubjectRevoked
from handlers.services import ServiceSite
from handlers.shelters import Shelter

log = logging.getLogger(__name__)

DESCRIPTION = """Muster coordinates Ontario's emergency response: managers declare incidents,
partner agencies commit resources and log volunteer hours, 211 navigators get callers a held bed.

Every command carries a client-supplied `id`: sending it again has one effect. Commands are
answered once their outcome is visible (201/200), or with 202 and a URL to poll if that takes
longer than the reply deadline. Authenticate with `Authorization: Bearer <token>`; `muster token
ROLE [--partner ID]` prints one."""


def follow_views(container: Container) -> None:
    views = container.views
    views.follow(topics.INCIDENT_STATE, Incident, lambda key, old, new: container.incidents.apply(new, key))
    views.follow(topics.SHELTER_STATE, Shelter, lambda key, old, new: apply_shelter(container, key, new))
    views.follow(topics.SERVICE_STATE, ServiceSite, lambda key, old, new: container.services.apply_service(new, key))
    views.follow(topics.REFERRAL_STATE, Referral, lambda key, old, new: follow_referral(container, key, old, new),
                 broadcast=False)
    views.follow(topics.AUDIT, AuditRecord, lambda key, old, new: keep_audit(container, new), keep=False, bulk=True)
    views.follow(topics.PARTNER_STATE, Partner)
    views.follow(topics.REQUEST_STATE, ResourceRequest)
    views.follow(topics.HOURS_LOG, HoursLogged, container.hours.apply)
    views.follow(topics.REVOCATIONS, SubjectRevoked, broadcast=False)


def apply_shelter(container: Container, key: str, shelter: Shelter | None) -> None:
    """A shelter is a bed for referrals and a site for the navigator's service search."""
    container.shelters.apply(shelter, key)
    listed = shelter if shelter is None or shelter.approval == "approved" else None  # none sent there before approval
    container.services.apply_shelter(listed, key)


def keep_audit(container: Container, record: AuditRecord | None) -> None:
    if record is not None:  # None: unreadable, and counted as read all the same
        container.audit.add(record)


def follow_referral(container: Container, key: str, old: Referral | None, new: Referral | None) -> None:
    count_open_referrals(container, old, new)
    if new is not None and new.requested_by:
        container.referrals_in_flight.landed(new.requested_by, key)
    container.referrals.apply(key, old, new)


def count_open_referrals(container: Container, old: Referral | None, new: Referral | None) -> None:
    for referral, change in ((old, -1), (new, 1)):
        if referral is not None and referral.requested_by and referral.status in ("pending", "held"):
            count = container.open_referrals.get(referral.requested_by, 0) + change
            container.open_referrals[referral.requested_by] = count


def create_api(container: Container) -> FastAPI:
    settings = container.settings

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        # The topics are made and checked by `muster api` before this starts (muster/cli.py).
        await container.publisher.start()
        await container.views.start()
        if container.geocoder is not None:
            await run_in_threadpool(container.geocoder.geocode, "Toronto")
        if not await container.views.wait_ready(timeout=60):
            log.warning("views still catching up after 60 s; /readyz will say when done")
        freeze_long_lived_objects()
        try:
            yield
        finally:
            await container.views.stop()
            await container.publisher.stop()

    # /docs is served from the package's own Swagger UI (api/routes/dashboard.py), never a CDN.
    app = FastAPI(title="Muster", version="1", description=DESCRIPTION, lifespan=lifespan,
                  docs_url=None, redoc_url=None,
                  swagger_ui_oauth2_redirect_url=None)
    app.state.container = container
    follow_views(container)
    instrument(app, container)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError):
        """Where and why, never the submitted values: they may be a caller's details, or a megabyte."""
        errors = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", "invalid"), "type": e.get("type", "value_error")}
                  for e in exc.errors()[:50]]
        return JSONResponse({"detail": errors}, status_code=422)

    @app.exception_handler(NotShownYet)
    async def not_shown_yet(request: Request, exc: NotShownYet):
        return JSONResponse(exc.body, status_code=202)

    @app.exception_handler(BrokerUnavailable)
    async def broker_unavailable(request: Request, exc: BrokerUnavailable):
        return JSONResponse(
            {"detail": "Kafka is unavailable; nothing was accepted, retry shortly"},
            status_code=503,
            headers={"Retry-After": "5"},
        )

    app.include_router(system.router)
    app.include_router(incidents.router)
    app.include_router(cap.router)
    app.include_router(exports.router)
    app.include_router(shelters.router)
    app.include_router(referrals.router)
    app.include_router(services.router)
    app.include_router(partners.router)
    app.include_router(resource_requests.router)
    app.include_router(hours.router)
    app.include_router(events.router)
    app.include_router(audit.router)
    app.include_router(revocations.router)
    app.include_router(dashboard.router)
    app.include_router(dashboard.config_router)
    app.add_middleware(BodyDeadline, timeout_s=settings.body_timeout_s)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(MethodGuard, schema_paths=lambda: app.openapi()["paths"])
    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(settings.cors_origins),
        allow_credentials=True,
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        allow_headers=["Authorization", "Content-Type", "Idempotency-Key"],
    )
    # Added last, so outermost: an address over its limit costs nothing more, and every answer,
    # that 429 included, carries the security headers.
    app.add_middleware(AddressLimit, limiter=container.address_limiter)
    app.add_middleware(SecurityHeaders)
    return app
