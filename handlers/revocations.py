"""Revoked subjects: a person's tokens, up to a moment, stop working on every API replica (`revocations`, v1)."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from handlers.common import Actor, Message, ShortText, Timestamp

Subject = Annotated[str, StringConstraints(min_length=1, max_length=128)]
"""A token's `sub`: who it names."""


class SubjectRevoked(Message):
    """Every token naming `sub` issued at or before `revoked_at` (to the second) is refused from
    now on; a token issued later works again. Keyed by `sub` on a compacted topic: the newest
    revocation of a subject is the one that counts."""

    type: Literal["SubjectRevoked"] = "SubjectRevoked"
    sub: Subject
    revoked_at: Timestamp
    reason: ShortText | None = Field(None, description="why, for the audit trail: 'laptop stolen'")
    actor: Actor

    @property
    def key(self) -> str:
        return self.sub


def revokes(revocation: SubjectRevoked | None, issued_at: int) -> bool:
    """Whether `revocation` (the subject's newest, or None) refuses a token issued at `issued_at` (epoch s)."""
    return revocation is not None and issued_at <= revocation.revoked_at.timestamp()
