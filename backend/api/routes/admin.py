"""Sandbox administration: advance refund reviews, reset the demo data."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Path

from backend.api.deps import get_ctx
from backend.schemas.common import ERROR_RESPONSES, REFUND_ID_PATTERN
from backend.schemas.refund import RefundAdvance, RefundOut
from backend.services import admin, refunds
from backend.services.context import ServiceContext
from service_kit.schemas import error_responses

router = APIRouter(prefix="/admin", tags=["admin"], responses=ERROR_RESPONSES)


@router.post(
    "/refunds/{refund_id}/advance",
    response_model=RefundOut,
    summary="Advance a refund review (next step, or a named status)",
    responses=error_responses({409: "INVALID_TRANSITION"}),
)
def advance_refund(
    body: RefundAdvance,
    refund_id: str = Path(..., pattern=REFUND_ID_PATTERN),
    ctx: ServiceContext = Depends(get_ctx),
) -> RefundOut:
    """submitted → under_review → approved → refunded; or rejected (with a reason)."""
    return refunds.advance_refund(ctx, refund_id, body)


@router.post("/demo/reset", summary="Wipe everything and seed the demo customers again")
def reset_demo(ctx: ServiceContext = Depends(get_ctx)) -> dict:
    """Times of the demo data are relative to now."""
    admin.reset_demo_data(ctx)
    return {"status": "ok"}
