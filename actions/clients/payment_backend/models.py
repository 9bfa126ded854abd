"""What the payment backend answers, as immutable typed models (money in integer fen).

The models ignore fields they do not know, so a newer backend that adds fields never breaks the
action server.
"""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from pydantic import BaseModel


class _Model(BaseModel):
    class Config:
        extra = "ignore"  # newer backends may add fields
        allow_mutation = False


class Customer(_Model):
    """A customer; status is active, locked or frozen; contact details come masked."""

    id: str
    name: str
    phone_masked: str
    email_masked: Optional[str]
    language: str
    status: str
    lock_reason: Optional[str]
    locked_at: Optional[datetime]
    failed_login_count: int
    login_attempts_remaining: int
    can_self_unlock: bool
    balance_fen: int
    currency: str = "CNY"


class PaymentMethod(_Model):
    """Balance, debit card or credit card with its limits and today's usage."""

    id: str
    type: str
    bank: Optional[str]
    last4: Optional[str]
    status: str
    single_limit_fen: int
    daily_limit_fen: int
    used_today_fen: int
    remaining_today_fen: int
    available_fen: Optional[int] = None
    frozen_at: Optional[datetime] = None


class FeeQuote(_Model):
    """What one withdrawal or transfer would cost the customer now (backend: fee-quote)."""

    kind: str
    amount_fen: int
    fee_fen: int
    fee_free_fen: int
    allowance_left_fen: Optional[int] = None


class FeeAllowance(_Model):
    """The lifetime fee-free allowance for withdrawals and transfers to a bank card."""

    customer_id: str
    free_allowance_fen: int
    used_fen: int
    remaining_fen: int
    rate_bp: int
    min_fee_fen: int


class MethodSummary(_Model):
    """The payment method a transaction or refund used."""

    id: str
    type: str
    bank: Optional[str]
    last4: Optional[str]
    status: str


class Transaction(_Model):
    """A payment or transfer; ``failure_code`` is set for failed (and stuck pending) ones."""

    id: str
    customer_id: str
    type: str
    payee: str
    merchant_id: Optional[str]
    merchant_category: str
    amount_fen: int
    currency: str
    status: str
    failure_code: Optional[str]
    payment_method: MethodSummary
    created_at: datetime
    settles_by: Optional[datetime] = None
    refunded_fen: int = 0
    refund_in_progress_fen: int = 0
    refund_deadline_at: Optional[datetime] = None


class TransactionPage(_Model):
    """A page of transactions (newest first) and how many matched in total."""

    items: list[Transaction]
    total: int
    limit: int
    offset: int


class RefundEligibility(_Model):
    """Whether a refund can be submitted now; ``reason_code`` says which rule refuses it."""

    transaction_id: str
    eligible: bool
    reason_code: Optional[str]
    reason: Optional[str]
    amount_fen: int
    refunded_fen: int
    refund_in_progress_fen: int
    refundable_fen: int
    requested_fen: Optional[int] = None
    refund_deadline_at: Optional[datetime] = None
    merchant_category: str
    payment_method: MethodSummary
    review_due_at: Optional[datetime] = None
    expected_arrival_earliest: Optional[datetime] = None
    expected_arrival_latest: Optional[datetime] = None


class Refund(_Model):
    """A refund: submitted → under_review → approved → refunded, or rejected (with a reason)."""

    id: str
    customer_id: str
    transaction_id: str
    payee: str
    amount_fen: int
    currency: str = "CNY"
    reason: str
    status: str
    rejection_reason: Optional[str]
    payment_method: MethodSummary
    submitted_at: datetime
    review_due_at: datetime
    reviewed_at: Optional[datetime] = None
    refunded_at: Optional[datetime] = None
    expected_arrival_earliest: Optional[datetime] = None
    expected_arrival_latest: Optional[datetime] = None
    overdue: bool


class RefundPage(_Model):
    """A page of refunds (newest first)."""

    items: list[Refund]
    total: int
    limit: int
    offset: int


class VerificationChallenge(_Model):
    """A code that was sent (the code itself never leaves the backend) and the reset page link."""

    challenge_id: str
    customer_id: str
    purpose: str
    channel: str
    destination_masked: str
    expires_at: datetime
    resend_available_at: datetime
    max_attempts: int
    reset_url: str


class Dispute(_Model):
    """A dispute case; ``priority`` is high for unauthorized use."""

    id: str
    customer_id: str
    transaction_id: str
    type: str
    status: str
    priority: str
    description: Optional[str]
    duplicate_detected: bool
    related_transaction_ids: list[str]
    frozen_payment_method_ids: list[str]
    created_at: datetime


class DisputePage(_Model):
    """A page of dispute cases (newest first)."""

    items: list[Dispute]
    total: int
    limit: int
    offset: int


class DuplicateGroup(_Model):
    """Charges to one payee for one amount within minutes of each other."""

    payee: str
    merchant_id: Optional[str]
    amount_fen: int
    transaction_ids: list[str]
    first_at: datetime
    last_at: datetime
    span_seconds: int


class DuplicateCharges(_Model):
    """Likely duplicate charges and the detection window used."""

    window_minutes: int
    items: list[DuplicateGroup]


class FreezeResult(_Model):
    """Which payment methods this request froze and which were frozen already."""

    customer_id: str
    frozen_payment_method_ids: list[str]
    already_frozen_ids: list[str]
    items: list[PaymentMethod]


class PaymentMethodList(_Model):
    """The answer of the payment-methods endpoint, which wraps the list in ``items``."""

    items: list[PaymentMethod]
