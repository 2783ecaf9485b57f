"""Which methods a path takes, as the OpenAPI schema says: 405 with the right `Allow` for the rest.

The router alone gets two things wrong. Its 405 names only the methods of the first route that
matched the path (`DELETE /v1/incidents/x` said `Allow: GET`, though PATCH works too), and a path
with a parameter takes any request a literal path of the same shape does not: `GET
/v1/incidents/cap` was read as the incident "cap". `MethodGuard` answers both from the schema's own
table of paths, so the contract and the answers cannot drift apart.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

HTTP_METHODS = ("GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE")

_PARAMETER = re.compile(r"\{[^/{}]+\}")


@dataclass(frozen=True)
class PathTemplate:
    """One path of the schema (`/v1/incidents/{incident_id}`) and the methods it documents."""

    template: str
    methods: frozenset[str]

    @property
    def pattern(self) -> re.Pattern[str]:
        literal_parts = _PARAMETER.split(self.template)
        return re.compile("[^/]+".join(re.escape(part) for part in literal_parts) + r"\Z")

    @property
    def specificity(self) -> tuple[int, ...]:
        """Lower is more specific: a literal segment beats a parameter at the first place they differ."""
        return tuple(1 if _PARAMETER.fullmatch(segment) else 0 for segment in self.template.split("/"))


class PathTable:
    """The schema's paths, to find the one a request path names: the most specific that matches."""

    def __init__(self, paths: Mapping[str, Mapping[str, object]]) -> None:
        self.templates = [
            PathTemplate(template, frozenset(m.upper() for m in operations if m.upper() in HTTP_METHODS))
            for template, operations in paths.items()
        ]
        self._patterns = [(t.pattern, t) for t in self.templates]

    def find(self, path: str) -> PathTemplate | None:
        """The template `path` belongs to, or None when the schema has no such path."""
        found = [template for pattern, template in self._patterns if pattern.match(path)]
        return min(found, key=lambda t: t.specificity) if found else None


class MethodGuard:
    """ASGI middleware: a request whose path the schema lists, with a method it does not list for
    that path, gets 405 and `Allow` naming the methods it does; everything else goes on unchanged.

    `schema_paths` returns the OpenAPI `paths` object; it is read on the first request, once every
    route is in place. Paths the schema does not list (the dashboard's files) are left to the router.
    """

    def __init__(self, app, schema_paths: Callable[[], Mapping[str, Mapping[str, object]]]) -> None:
        self.app = app
        self.schema_paths = schema_paths
        self._table: PathTable | None = None

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            if self._table is None:
                self._table = PathTable(self.schema_paths())
            template = self._table.find(scope["path"])
            if template is not None and scope["method"] not in template.methods:
                return await _method_not_allowed(template, send)
        return await self.app(scope, receive, send)


async def _method_not_allowed(template: PathTemplate, send) -> None:
    body = json.dumps({"detail": "Method Not Allowed"}).encode()
    allow = ", ".join(sorted(template.methods))
    await send({"type": "http.response.start", "status": 405,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"allow", allow.encode())]})
    await send({"type": "http.response.body", "body": body})
