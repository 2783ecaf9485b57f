"""Security headers on every response, so no route can forget them.

Routes that set their own (the dashboard's pages and files: a Content-Security-Policy that lets
their scripts run, `no-cache`) keep theirs; everything else, JSON, CSV, GeoJSON, the printable
sheet, errors, gets a policy that runs nothing and `no-store`: much of it is personal (a caller's
referral, a partner's hours), and none of it should sit in a shared cache or a browser's history."""
from __future__ import annotations

ALWAYS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    # Event streams carry their token in the URL; keep URLs out of Referer headers.
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
)
DEFAULTS = (
    # Inline styles only: the printable referral sheet carries its own <style>.
    (b"content-security-policy",
     b"default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"),
    (b"cache-control", b"no-store"),
)


class SecurityHeaders:
    """ASGI middleware adding ALWAYS to every HTTP response, and DEFAULTS where the route set none."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def with_headers(message):
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", ()) if k.lower() not in dict(ALWAYS)]
                present = {k.lower() for k, _ in headers}
                headers += [*ALWAYS, *((k, v) for k, v in DEFAULTS if k not in present)]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)
