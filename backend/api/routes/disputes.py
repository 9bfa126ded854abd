"""Dispute cases and duplicate-charge detection."""

from __future__ import annotations

from typing import Optional

from fastapi import APIRouter, Depends, Path, Query, Response

from backend.api.deps import get_ctx, idempotency_key
from backend.models.enums import DisputeStatus
from backend.schemas.common import (
    CUSTOMER_ID_PATTERN,
    DISPUTE_ID_PATTERN,
    ERROR_RESPONSES,
)
from backend.schemas.dispute import DisputeCreate, DisputeOut, DisputePage
from backend.services import disputes
from backend.services.context import ServiceContext
from service_kit.schemas import error_responses

router = APIRouter(prefix="/customers/{customer_id}", tags=["disputes"], responses=ERROR_RESPONSES)
CustomerId = Path(..., pattern=CUSTOMER_ID_PATTERN)


@router.post(
    "/disputes",
    response_model=DisputeOut,
    status_code=201,
    summary="Open a dispute case (Idempotency-Key required)",
    responses={
        200: {"model": DisputeOut, "description": "Replay of an earlier request with the same key"},
        **error_responses({409: "Already open, or not disputable"}),
    },
)
def open_dispute(
    body: DisputeCreate,
    response: Response,
    customer_id: str = CustomerId,
    key: str = Depends(idempotency_key),
    ctx: ServiceContext = Depends(get_ctx),
) -> DisputeOut:
    """unauthorized cases are high priority and may freeze every payment method at once."""
    dispute, created = disputes.open_dispute(ctx, customer_id, body, key)
    if not created:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    return dispute


@router.get("/disputes", response_model=DisputePage, summary="List dispute cases")
def list_disputes(
    customer_id: str = CustomerId,
    status: Optional[list[DisputeStatus]] = Query(None),
    limit: int = Query(20, ge=1, le=100),
    offset: int = Query(0, ge=0, le=1_000_000),
    ctx: ServiceContext = Depends(get_ctx),
) -> DisputePage:
    """Newest first."""
    return disputes.list_disputes(
        ctx,
        customer_id,
        statuses=[s.value for s in status] if status else None,
        limit=limit,
        offset=offset,
    )


@router.get("/disputes/{dispute_id}", response_model=DisputeOut, summary="One dispute case")
def get_dispute(
    customer_id: str = CustomerId,
    dispute_id: str = Path(..., pattern=DISPUTE_ID_PATTERN),
    ctx: ServiceContext = Depends(get_ctx),
) -> DisputeOut:
    """Type, status, priority, related duplicate charges and frozen methods."""
    return disputes.get_dispute(ctx, customer_id, dispute_id)
