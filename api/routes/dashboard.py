"""The browser dashboard: `GET /` serves the app, `GET /static/...` its files; no CDN, works offline."""
from __future__ import annotations

import ipaddress
import logging
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request, Response, status
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from api.auth import mint
from api.deps import ContainerDep
from api.limits import client_address

log = logging.getLogger(__name__)
router = APIRouter(tags=["dashboard"], include_in_schema=False)
config_router = APIRouter(tags=["dashboard"])
"""The dashboard's JSON routes, documented in the OpenAPI schema like every other."""

STATIC = Path(__file__).resolve().parent.parent / "static"
SWAGGER_UI = Path(__file__).resolve().parent.parent / "vendor" / "swagger-ui"

# Inline styles are allowed because the printable referral sheet, shown in a srcdoc iframe,
# inherits this policy and carries its own <style>; scripts come only from this origin.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
        "frame-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    # EventSource carries the token in its URL; keep it out of Referer headers.
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}

MEDIA_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".svg": "image/svg+xml",
    ".json": "application/json",
}


@router.get("/")
async def dashboard() -> FileResponse:
    """The single-page dashboard, navigator and manager screens."""
    return FileResponse(STATIC / "index.html", media_type=MEDIA_TYPES[".html"], headers=SECURITY_HEADERS)


def _file_under(root: Path, path: str) -> Path:
    """The file `path` names under `root`, or 404: nothing outside it, no other kinds of file, and
    no name the file system cannot hold (a NUL byte)."""
    if "\x00" in path:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such file")
    root = root.resolve()
    target = (root / path).resolve()
    if not target.is_relative_to(root) or not target.is_file() or target.suffix not in MEDIA_TYPES:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such file")
    return target


@router.get("/static/{path:path}")
async def static_file(path: str) -> FileResponse:
    """A file of the dashboard; nothing outside api/static is ever served."""
    target = _file_under(STATIC, path)
    return FileResponse(target, media_type=MEDIA_TYPES[target.suffix], headers=SECURITY_HEADERS)


@router.get("/docs")
async def docs_page() -> FileResponse:
    """The API reference (Swagger UI), from the package's own copy: no CDN on the dashboard's origin."""
    return FileResponse(STATIC / "docs.html", media_type=MEDIA_TYPES[".html"], headers=SECURITY_HEADERS)


@router.get("/docs/assets/{path:path}")
async def docs_asset(path: str) -> FileResponse:
    """Swagger UI's script and style sheet (api/vendor/swagger-ui)."""
    target = _file_under(SWAGGER_UI, path)
    return FileResponse(target, media_type=MEDIA_TYPES[target.suffix], headers=SECURITY_HEADERS)


DEMO_PARTNER = "salvation-army-on"
DEMO_TTL_S = 8 * 3600


class DashboardConfig(BaseModel):
    demo_tokens: bool = Field(description="whether GET /v1/demo-tokens hands out tokens on this server")


class DemoTokens(BaseModel):
    tokens: dict[str, str] = Field(description="a bearer token per role: manager, navigator, partner, admin")
    partner_id: str = Field(description="the partner the partner token acts for")


NO_STORE = {"Cache-Control": "no-store"}


def _demo_tokens_for(c, request: Request) -> bool:
    """Demo tokens go only to a browser on this machine (loopback), and only in development mode
    with MUSTER_DEMO_TOKENS on: whoever holds one is an admin."""
    return c.settings.demo_tokens and c.settings.dev_mode and _loopback(client_address(request.scope))


def _loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:  # not an address at all (a test client, a Unix socket)
        return False


@config_router.get("/dashboard-config", response_model=DashboardConfig)
async def dashboard_config(container: ContainerDep, request: Request, response: Response):
    """What the dashboard may offer on this server (so it never asks for what is switched off)."""
    response.headers.update(NO_STORE)
    return DashboardConfig(demo_tokens=_demo_tokens_for(container, request))


@config_router.get("/v1/demo-tokens", response_model=DemoTokens,
                   responses={404: {"description": "demo tokens are switched off (the default)"}})
async def demo_tokens(container: ContainerDep, request: Request, response: Response):
    """One token per role, for demonstrations on a development machine only: absent unless
    MUSTER_DEV_MODE and MUSTER_DEMO_TOKENS are on, and then only to a client on this machine."""
    if not _demo_tokens_for(container, request):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Not Found")
    log.warning("handing out demo tokens, an admin's among them, to %s (development mode)",
                client_address(request.scope))
    response.headers.update(NO_STORE)
    tokens = {
        role: mint(container.settings, role, sub=f"demo-{role}", partner_id=DEMO_PARTNER if role == "partner" else None,
                   ttl_s=DEMO_TTL_S)
        for role in ("manager", "navigator", "partner", "admin")
    }
    return DemoTokens(tokens=tokens, partner_id=DEMO_PARTNER)
