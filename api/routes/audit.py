"""The audit trail, for administrators: append-only, rebuilt from the `audit` topic."""
from __future__ import annotations

from fastapi import APIRouter, Query

from api.deps import Admin, ContainerDep
from api.schemas import ERRORS
from handlers.audit import AuditRecord

router = APIRouter(prefix="/v1/audit", tags=["audit"], responses=ERRORS)


@router.get("", response_model=list[AuditRecord])
async def audit_trail(
    _: Admin,
    container: ContainerDep,
    target: str | None = Query(None, max_length=300, description="only records about this target, e.g. referrals/r-1"),
    sub: str | None = Query(None, max_length=128, description="only records by this actor"),
    limit: int = Query(200, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=10_000_000),
):
    """Who did or read what, newest first: from the newest `MUSTER_AUDIT_WINDOW` records (the
    `audit` topic keeps every one)."""
    return container.audit.newest(target, sub, offset, limit)
