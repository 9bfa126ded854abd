"""Refund submission and status."""

from __future__ import annotations

from typing import Optional

from fastapi import APIRouter, Depends, Path, Query, Response

from backend.api.deps import get_ctx, idempotency_key
from backend.models.enums import RefundStatus
from backend.schemas.common import (
    CUSTOMER_ID_PATTERN,
    ERROR_RESPONSES,
    REFUND_ID_PATTERN,
    TRANSACTION_ID_PATTERN,
)
from backend.schemas.refund import RefundCreate, RefundOut, RefundPage
from backend.services import refunds
from backend.services.context import ServiceContext
from service_kit.schemas import error_responses

router = APIRouter(prefix="/customers/{customer_id}", tags=["refunds"], responses=ERROR_RESPONSES)
CustomerId = Path(..., pattern=CUSTOMER_ID_PATTERN)


@router.post(
    "/refunds",
    response_model=RefundOut,
    status_code=201,
    summary="Submit a refund (Idempotency-Key required)",
    responses={
        200: {"model": RefundOut, "description": "Replay of an earlier request with the same key"},
        **error_responses({409: "Not eligible (code = the policy rule)"}),
    },
)
def submit_refund(
    body: RefundCreate,
    response: Response,
    customer_id: str = CustomerId,
    key: str = Depends(idempotency_key),
    ctx: ServiceContext = Depends(get_ctx),
) -> RefundOut:
    """201 with the new refund; 200 with the same refund when the key was seen before."""
    refund, created = refunds.submit_refund(ctx, customer_id, body, key)
    if not created:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    return refund


@router.get("/refunds", response_model=RefundPage, summary="List refunds")
def list_refunds(
    customer_id: str = CustomerId,
    status: Optional[list[RefundStatus]] = Query(None),
    transaction_id: Optional[str] = Query(None, pattern=TRANSACTION_ID_PATTERN),
    limit: int = Query(20, ge=1, le=100),
    offset: int = Query(0, ge=0, le=1_000_000),
    ctx: ServiceContext = Depends(get_ctx),
) -> RefundPage:
    """Newest first, with expected arrival and the overdue flag."""
    return refunds.list_refunds(
        ctx,
        customer_id,
        statuses=[s.value for s in status] if status else None,
        transaction_id=transaction_id,
        limit=limit,
        offset=offset,
    )


@router.get("/refunds/{refund_id}", response_model=RefundOut, summary="One refund")
def get_refund(
    customer_id: str = CustomerId,
    refund_id: str = Path(..., pattern=REFUND_ID_PATTERN),
    ctx: ServiceContext = Depends(get_ctx),
) -> RefundOut:
    """Status, review deadline, expected arrival by method, overdue flag."""
    return refunds.get_refund(ctx, customer_id, refund_id)
