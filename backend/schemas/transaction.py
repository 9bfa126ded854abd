"""Transaction shapes: list filters, pages, duplicate-charge groups."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from pydantic import Field

from backend.models.enums import (
    FailureCode,
    MethodStatus,
    MethodType,
    TransactionStatus,
    TransactionType,
)
from backend.schemas.common import ResponseModel


class MethodSummary(ResponseModel):
    """The payment method a transaction or refund used."""

    id: str
    type: MethodType
    bank: Optional[str]
    last4: Optional[str]
    status: MethodStatus


class TransactionOut(ResponseModel):
    """One payment or transfer."""

    id: str
    customer_id: str
    type: TransactionType
    payee: str
    merchant_id: Optional[str]
    merchant_category: str
    amount_fen: int
    currency: str
    status: TransactionStatus
    failure_code: Optional[FailureCode]
    payment_method: MethodSummary
    created_at: datetime
    updated_at: datetime
    settles_by: Optional[datetime] = Field(
        None, description="Pending payments: when the result is due at the latest."
    )
    refunded_fen: int
    refund_in_progress_fen: int
    refund_deadline_at: Optional[datetime]


class TransactionPage(ResponseModel):
    """A page of transactions, newest first, with the total that matched the filters."""

    items: list[TransactionOut]
    total: int
    limit: int
    offset: int


class DuplicateGroup(ResponseModel):
    """Charges to the same payee for the same amount within a few minutes of each other."""

    payee: str
    merchant_id: Optional[str]
    amount_fen: int
    transaction_ids: list[str]
    first_at: datetime
    last_at: datetime
    span_seconds: int


class DuplicateList(ResponseModel):
    """Likely duplicate charges of a customer."""

    window_minutes: int
    items: list[DuplicateGroup]
