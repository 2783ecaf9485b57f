"""Why a well-formed command could not be applied (unknown id, wrong state)."""
from __future__ import annotations

from handlers.reasons import Reason


class Rejected(Exception):
    """A command that is valid on the wire but cannot apply: `reason` says why, as a code with its
    parameters and an English message (`str(exc)`). An agent dead-letters the command; the API
    answers a 4xx carrying the reason."""

    def __init__(self, reason: Reason) -> None:
        super().__init__(reason["message"])
        self.reason = reason
