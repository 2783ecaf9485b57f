"""Schemathesis hooks for the OpenAPI fuzz (loaded through SCHEMATHESIS_HOOKS).

The one rule between a header and a body that JSON Schema cannot state: an `Idempotency-Key`, if
sent, equals the body's `id` (the schema says so in the header's description). Generated cases
follow it, so that positive data stays positive and every other refusal still counts.
"""
from __future__ import annotations

import schemathesis


@schemathesis.hook
def map_case(context, case):
    """A case that sends `Idempotency-Key` with a body that has an `id` sends that id as the key."""
    headers = case.headers or {}
    key = next((name for name in headers if name.lower() == "idempotency-key"), None)
    if key is not None and isinstance(case.body, dict) and isinstance(case.body.get("id"), str):
        headers[key] = case.body["id"]
    return case
