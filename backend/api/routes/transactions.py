"""Transactions, refund eligibility and duplicate charges."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from fastapi import APIRouter, Depends, Path, Query

from backend.api.deps import get_ctx
from backend.models.enums import TransactionStatus, TransactionType
from backend.schemas.common import (
    CUSTOMER_ID_PATTERN,
    ERROR_RESPONSES,
    MAX_AMOUNT_FEN,
    TRANSACTION_ID_PATTERN,
)
from backend.schemas.refund import RefundEligibilityOut
from backend.schemas.transaction import DuplicateList, TransactionOut, TransactionPage
from backend.services import refunds, transactions
from backend.services.context import ServiceContext

router = APIRouter(
    prefix="/customers/{customer_id}", tags=["transactions"], responses=ERROR_RESPONSES
)
CustomerId = Path(..., pattern=CUSTOMER_ID_PATTERN)
TransactionId = Path(..., pattern=TRANSACTION_ID_PATTERN, description="e.g. T202611200001")


@router.get("/transactions", response_model=TransactionPage, summary="List transactions")
def list_transactions(
    customer_id: str = CustomerId,
    status: Optional[list[TransactionStatus]] = Query(
        None, description="Repeat to match several statuses"
    ),
    type: Optional[list[TransactionType]] = Query(None),
    since: Optional[datetime] = Query(None, description="Created at or after (ISO 8601)"),
    until: Optional[datetime] = Query(None, description="Created before (ISO 8601)"),
    refundable: bool = Query(False, description="Only payments a refund can be asked for now"),
    limit: int = Query(20, ge=1, le=100),
    offset: int = Query(0, ge=0, le=1_000_000),
    ctx: ServiceContext = Depends(get_ctx),
) -> TransactionPage:
    """Newest first; ``total`` counts every match. Naive times are read as UTC."""
    return transactions.list_transactions(
        ctx,
        customer_id,
        statuses=[s.value for s in status] if status else None,
        types=[t.value for t in type] if type else None,
        since=since,
        until=until,
        refundable_only=refundable,
        limit=limit,
        offset=offset,
    )


@router.get(
    "/transactions/{transaction_id}", response_model=TransactionOut, summary="One transaction"
)
def get_transaction(
    customer_id: str = CustomerId,
    transaction_id: str = TransactionId,
    ctx: ServiceContext = Depends(get_ctx),
) -> TransactionOut:
    """Amount, payee, method, status, failure code, refunds so far."""
    return transactions.get_transaction(ctx, customer_id, transaction_id)


@router.get(
    "/transactions/{transaction_id}/refund-eligibility",
    response_model=RefundEligibilityOut,
    summary="Can this payment be refunded now?",
)
def refund_eligibility(
    customer_id: str = CustomerId,
    transaction_id: str = TransactionId,
    amount_fen: Optional[int] = Query(None, ge=1, le=MAX_AMOUNT_FEN),
    ctx: ServiceContext = Depends(get_ctx),
) -> RefundEligibilityOut:
    """The refund rules applied now, with the policy reason code when not eligible."""
    return refunds.check_eligibility(ctx, customer_id, transaction_id, amount_fen)


@router.get(
    "/duplicate-charges",
    response_model=DuplicateList,
    summary="Likely duplicate charges (same payee and amount within minutes)",
)
def duplicate_charges(
    customer_id: str = CustomerId,
    transaction_id: Optional[str] = Query(None, pattern=TRANSACTION_ID_PATTERN),
    ctx: ServiceContext = Depends(get_ctx),
) -> DuplicateList:
    """All groups of the last 30 days, or only the group containing ``transaction_id``."""
    return transactions.list_duplicate_charges(ctx, customer_id, transaction_id)
