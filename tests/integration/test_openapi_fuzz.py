"""Schemathesis over the whole OpenAPI schema, stateful phase included, against the real stack:
no server errors, and every answer conforms to the documented status codes, types and schemas."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from rich.console import Console

from muster.seed import load_sample
from tests.support.processes import OUTPUT

MUSTER_ENV = {"MUSTER_REPLY_TIMEOUT_S": "1"}
CHECKS = ",".join([
    "not_a_server_error", "status_code_conformance", "content_type_conformance",
    "response_schema_conformance", "response_headers_conformance",
])


def test_the_api_conforms_to_its_schema_and_never_answers_500(stack, tokens, settings_for):
    """POST /v1/revocations is left out: the stateful phase feeds it the `sub` of the audit records,
    the fuzzer's own, and every later call is a 401 (tests/security/test_tokens.py covers it)."""
    load_sample(stack.api.base, settings_for(), Console(quiet=True))
    run = subprocess.run(
        [str(Path(sys.executable).with_name("st")), "run", f"{stack.api.base}/openapi.json",
         "-H", f"Authorization: Bearer {tokens['admin']}",
         "--checks", CHECKS, "--phases", "examples,coverage,fuzzing,stateful",
         "--max-examples", "10", "--seed", "20250330", "--request-timeout", "20",
         "--exclude-path", "/v1/events", "--exclude-path", "/v1/revocations", "--report", "junit", "--report-dir", str(OUTPUT / "schemathesis")],
        capture_output=True, text=True, timeout=240,  # under pytest-timeout's 300 s, so a hang says where
    )
    summary = run.stdout[-4000:]
    print(summary)
    assert run.returncode == 0, summary
