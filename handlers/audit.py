"""The audit trail: who did, or read, what and when. Append-only on the `audit` topic (v1)."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from handlers.common import Id, Message, Timestamp


class AuditRecord(Message):
    """One accepted command, or one read of a caller's referral; never the caller's details."""

    type: Literal["AuditRecord"] = "AuditRecord"
    id: str = Field(max_length=64)
    at: Timestamp
    sub: str = Field(max_length=128)
    role: str = Field(max_length=32)
    partner_id: Id | None = None
    action: str = Field(max_length=64)
    target: str = Field(max_length=300)
