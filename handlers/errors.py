"""Why a well-formed command could not be applied (unknown id, wrong state)."""


class Rejected(Exception):
    """A command that is valid on the wire but cannot apply; the agent dead-letters it."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
