"""Refund shapes: eligibility, submission, status and review advancement."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from pydantic import Field, StrictInt, constr, validator

from backend.models.enums import RefundStatus
from backend.schemas.common import (
    MAX_AMOUNT_FEN,
    TRANSACTION_ID_PATTERN,
    ApiModel,
    ResponseModel,
    clean_text,
)
from backend.schemas.transaction import MethodSummary


def _amount_in_range(value: Optional[int]) -> Optional[int]:
    if value is None:
        return None
    if value <= 0:
        raise ValueError("must be a positive number of fen")
    if value > MAX_AMOUNT_FEN:
        raise ValueError(f"must not exceed {MAX_AMOUNT_FEN} fen")
    return value


class RefundEligibilityOut(ResponseModel):
    """Whether (part of) a transaction can be refunded now, and if not, by which rule."""

    transaction_id: str
    eligible: bool
    reason_code: Optional[str] = Field(
        None,
        description="TRANSACTION_FAILED, TRANSACTION_PENDING, TRANSFER_NOT_REFUNDABLE, "
        "NON_REFUNDABLE_CATEGORY, REFUND_WINDOW_EXPIRED, REFUND_IN_PROGRESS, FULLY_REFUNDED, "
        "AMOUNT_EXCEEDS_REMAINDER",
    )
    reason: Optional[str]
    amount_fen: int
    refunded_fen: int
    refund_in_progress_fen: int
    refundable_fen: int
    requested_fen: Optional[int]
    refund_deadline_at: Optional[datetime]
    merchant_category: str
    payment_method: MethodSummary
    review_due_at: Optional[datetime] = Field(
        None, description="If submitted now: when the review decision is due."
    )
    expected_arrival_earliest: Optional[datetime]
    expected_arrival_latest: Optional[datetime]


class RefundCreate(ApiModel):
    """Ask for (part of) a transaction's money back; amount defaults to the whole remainder."""

    transaction_id: constr(regex=TRANSACTION_ID_PATTERN)
    amount_fen: Optional[StrictInt] = None
    reason: constr(min_length=1, max_length=200)

    _amount = validator("amount_fen", allow_reuse=True)(_amount_in_range)
    _reason = validator("reason", allow_reuse=True)(clean_text)


class RefundOut(ResponseModel):
    """A refund, its review state and where and when the money arrives."""

    id: str
    customer_id: str
    transaction_id: str
    payee: str
    amount_fen: int
    currency: str = "CNY"
    reason: str
    status: RefundStatus
    rejection_reason: Optional[str]
    payment_method: MethodSummary
    submitted_at: datetime
    review_due_at: datetime
    review_started_at: Optional[datetime]
    reviewed_at: Optional[datetime]
    refunded_at: Optional[datetime]
    expected_arrival_earliest: Optional[datetime]
    expected_arrival_latest: Optional[datetime]
    overdue: bool = Field(
        description="Not finished by when it should have been (review past due, or approved but "
        "not refunded by the latest expected arrival)."
    )
    updated_at: datetime


class RefundPage(ResponseModel):
    """A page of refunds, newest first."""

    items: list[RefundOut]
    total: int
    limit: int
    offset: int


class RefundAdvance(ApiModel):
    """Move a refund's review on: to the next step by default, or to a named status."""

    to: Optional[RefundStatus] = None
    reason: Optional[constr(min_length=1, max_length=200)] = None

    _reason = validator("reason", allow_reuse=True)(clean_text)
